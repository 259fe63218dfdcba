//! The typed commands views send, and how each becomes one Automerge change.
//!
//! Commands name a field, never a whole record: a record written whole from
//! a view that had not yet seen another device's change would undo it.

use automerge::Automerge;

use crate::survey::conflicts::{self, Entry};
use crate::survey::infrastructure::{self, Attestation, EvidenceEdit, EvidenceOf, InfraEntry};
use crate::survey::photo::{self, Photo};
use crate::survey::record::{self, Gps, Housing, Member, Sanitation, Sex, WaterSource};
use crate::survey::{self, HouseholdEdit, HouseholdId, SurveyError};

/// One edit of the commune's survey.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A new household with its quick fields.
    AddHousehold {
        /// Its id (random, from the adapter).
        id: HouseholdId,
        /// Head of household.
        head: String,
        /// Declared members.
        members: u32,
        /// Village.
        village: String,
    },
    /// One quick field of a household.
    EditHousehold {
        /// The household.
        id: HouseholdId,
        /// The field and its value.
        edit: HouseholdEdit,
    },
    /// One part of a household's record.
    EditRecord {
        /// The household.
        id: HouseholdId,
        /// The part and its value.
        edit: RecordEdit,
    },
    /// An infrastructure entry, written whole (its form edits it whole).
    PutInfrastructure {
        /// Entry id.
        id: String,
        /// The entry.
        entry: InfraEntry,
    },
    /// A statement about an attested indicator.
    Attest {
        /// The indicator's attestation key.
        indicator: String,
        /// The statement.
        attestation: Attestation,
    },
    /// One part of the evidence of an infrastructure entry or a statement.
    EditEvidence {
        /// Whose evidence.
        of: EvidenceOf,
        /// The part and its value.
        edit: EvidenceEdit,
    },
    /// Keeps one of a field's concurrent values.
    Choose {
        /// The household, infrastructure entry or attestation.
        entry: Entry,
        /// Keys from the entry to the field.
        path: Vec<String>,
        /// The chosen value's operation id ([`Candidate::id`](crate::survey::conflicts::Candidate)).
        candidate: String,
    },
}

/// Where a photo goes: a household's record, or a piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotosOf {
    /// The household's own photos.
    Household(HouseholdId),
    /// The evidence of a work or a statement.
    Evidence(EvidenceOf),
}

impl PhotosOf {
    /// The command that adds `photo` here.
    pub fn add(&self, photo: Photo) -> Command {
        match self {
            PhotosOf::Household(id) => Command::EditRecord {
                id: id.clone(),
                edit: RecordEdit::AddPhoto(photo),
            },
            PhotosOf::Evidence(of) => Command::EditEvidence {
                of: of.clone(),
                edit: EvidenceEdit::AddPhoto(photo),
            },
        }
    }

    /// The command that removes the photo of picture `hash` from here.
    pub fn remove(&self, hash: String) -> Command {
        match self {
            PhotosOf::Household(id) => Command::EditRecord {
                id: id.clone(),
                edit: RecordEdit::RemovePhoto(hash),
            },
            PhotosOf::Evidence(of) => Command::EditEvidence {
                of: of.clone(),
                edit: EvidenceEdit::RemovePhoto(hash),
            },
        }
    }
}

/// One part of a household record.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordEdit {
    /// House type.
    Housing(Option<Housing>),
    /// Water source.
    Water(Option<WaterSource>),
    /// Latrine.
    Sanitation(Option<Sanitation>),
    /// Uses the internet.
    Internet(Option<bool>),
    /// Uses digital services.
    DigitalServices(Option<bool>),
    /// Waste collected or treated.
    WasteTreated(Option<bool>),
    /// Position.
    Gps(Option<Gps>),
    /// A member one place up (or down) the household's list.
    MoveMember {
        /// The member's key.
        key: String,
        /// Up (towards the head of household) or down.
        up: bool,
    },
    /// A new member under a fresh key.
    AddMember {
        /// Stable member key (random, from the adapter).
        key: String,
        /// The member.
        member: Member,
    },
    /// One field of a member.
    Member {
        /// The member's key.
        key: String,
        /// The field and its value.
        field: MemberField,
    },
    /// Removes a member.
    RemoveMember(String),
    /// Sets the yearly income of one source (đồng).
    Income {
        /// The source, e.g. "trồng trọt".
        source: String,
        /// Amount per year.
        amount: i64,
    },
    /// Removes an income source.
    RemoveIncome(String),
    /// Adds a photo (once per picture).
    AddPhoto(Photo),
    /// Removes the photo of this picture.
    RemovePhoto(String),
}

/// One field of a member.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberField {
    /// Full name.
    Name(String),
    /// Year of birth.
    BirthYear(Option<i64>),
    /// Sex.
    Sex(Option<Sex>),
    /// Health insurance.
    Insured(Option<bool>),
    /// At school.
    InSchool(Option<bool>),
    /// Has work.
    Employed(Option<bool>),
}

impl RecordEdit {
    /// Applies the edit to a record read from the current document.
    pub fn apply(self, r: &mut record::HouseholdRecord) {
        match self {
            RecordEdit::Housing(v) => r.housing = v,
            RecordEdit::Water(v) => r.water = v,
            RecordEdit::Sanitation(v) => r.sanitation = v,
            RecordEdit::Internet(v) => r.internet = v,
            RecordEdit::DigitalServices(v) => r.digital_services = v,
            RecordEdit::WasteTreated(v) => r.waste_treated = v,
            RecordEdit::Gps(v) => r.gps = v,
            RecordEdit::AddMember { key, mut member } => {
                if member.position.is_none() {
                    // Everyone keeps their place; the new member goes last.
                    let order: Vec<String> = r
                        .members_in_order()
                        .into_iter()
                        .map(|(k, _)| k.clone())
                        .collect();
                    for (n, k) in order.iter().enumerate() {
                        if let Some(m) = r.roster.get_mut(k) {
                            m.position.get_or_insert(n as f64);
                        }
                    }
                    member.position = Some(r.next_position());
                }
                r.roster.insert(key, member);
            }
            RecordEdit::MoveMember { key, up } => r.move_member(&key, up),
            RecordEdit::Member { key, field } => {
                if let Some(m) = r.roster.get_mut(&key) {
                    match field {
                        MemberField::Name(v) => m.name = v.trim().to_owned(),
                        MemberField::BirthYear(v) => m.birth_year = v,
                        MemberField::Sex(v) => m.sex = v,
                        MemberField::Insured(v) => m.insured = v,
                        MemberField::InSchool(v) => m.in_school = v,
                        MemberField::Employed(v) => m.employed = v,
                    }
                }
            }
            RecordEdit::RemoveMember(key) => {
                r.roster.remove(&key);
            }
            RecordEdit::Income { source, amount } => {
                r.income.insert(source.trim().to_owned(), amount);
            }
            RecordEdit::RemoveIncome(source) => {
                r.income.remove(&source);
            }
            RecordEdit::AddPhoto(p) => photo::add(&mut r.photos, p),
            RecordEdit::RemovePhoto(hash) => photo::remove(&mut r.photos, &hash),
        }
    }
}

impl Command {
    /// Validates and applies the command as one change made at `now`
    /// (nothing is written when it is refused).
    pub fn apply(self, doc: &mut Automerge, now: i64) -> Result<(), SurveyError> {
        match self {
            Command::AddHousehold {
                id,
                head,
                members,
                village,
            } => survey::add_household(doc, &id, &head, members, &village, now),
            Command::EditHousehold { id, edit } => survey::edit_household(doc, &id, edit, now),
            Command::EditRecord { id, edit } => {
                record::update_record(doc, &id, now, move |r| edit.apply(r))
            }
            Command::PutInfrastructure { id, entry } => {
                infrastructure::put_infrastructure(doc, &id, &entry, now)
            }
            Command::Attest {
                indicator,
                attestation,
            } => infrastructure::attest(doc, &indicator, &attestation, now),
            Command::EditEvidence { of, edit } => {
                infrastructure::update_evidence(doc, &of, edit, now)
            }
            Command::Choose {
                entry,
                path,
                candidate,
            } => conflicts::choose(doc, &entry, &path, &candidate, now),
        }
    }
}
