//! The full household record (DESIGN.md §2): roster of members (a repeat
//! group keyed by stable ids), income by source, housing, water, sanitation,
//! information access, GPS and photo references; mapped onto the survey
//! document with autosurgeon, and turned into the facts evaluation reads.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, Value};
use autosurgeon::{hydrate_prop, reconcile_prop, Hydrate, Reconcile};

use super::poverty::{classify, Area, Deprivation, PovertyClass, PovertyStandard};
use super::{commit, household_obj, HouseholdId, Invalid, SurveyError};
use crate::evaluation::{HouseholdFacts, SurveyFacts};

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

/// Type of house (nhà ở).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Housing {
    /// Kiên cố.
    Permanent,
    /// Bán kiên cố.
    SemiPermanent,
    /// Nhà thiếu kiên cố.
    Flimsy,
    /// Nhà đơn sơ, tạm.
    Makeshift,
}

/// Main water source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum WaterSource {
    /// Nước máy, nước sạch tập trung đạt quy chuẩn.
    PipedToStandard,
    /// Giếng khoan, giếng đào có xử lý.
    TreatedWell,
    /// Nước tự chảy, sông suối, không xử lý.
    Untreated,
}

/// Latrine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Sanitation {
    /// Tự hoại, bán tự hoại.
    Flush,
    /// Hai ngăn, chìm có ống thông hơi.
    ImprovedPit,
    /// Không hợp vệ sinh, hoặc không có.
    Unimproved,
}

impl Sex {
    /// Every value, in form order.
    pub const ALL: [Sex; 2] = [Sex::Male, Sex::Female];

    /// Stable code: the label is `sex-<code>` in the locale files.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

impl Housing {
    /// Every value, in form order.
    pub const ALL: [Housing; 4] = [
        Housing::Permanent,
        Housing::SemiPermanent,
        Housing::Flimsy,
        Housing::Makeshift,
    ];

    /// Stable code: the label is `housing-<code>` in the locale files.
    pub fn code(self) -> &'static str {
        match self {
            Housing::Permanent => "permanent",
            Housing::SemiPermanent => "semi-permanent",
            Housing::Flimsy => "flimsy",
            Housing::Makeshift => "makeshift",
        }
    }
}

impl WaterSource {
    /// Every value, in form order.
    pub const ALL: [WaterSource; 3] = [
        WaterSource::PipedToStandard,
        WaterSource::TreatedWell,
        WaterSource::Untreated,
    ];

    /// Stable code: the label is `water-<code>` in the locale files.
    pub fn code(self) -> &'static str {
        match self {
            WaterSource::PipedToStandard => "piped",
            WaterSource::TreatedWell => "treated-well",
            WaterSource::Untreated => "untreated",
        }
    }
}

impl Sanitation {
    /// Every value, in form order.
    pub const ALL: [Sanitation; 3] = [
        Sanitation::Flush,
        Sanitation::ImprovedPit,
        Sanitation::Unimproved,
    ];

    /// Stable code: the label is `sanitation-<code>` in the locale files.
    pub fn code(self) -> &'static str {
        match self {
            Sanitation::Flush => "flush",
            Sanitation::ImprovedPit => "improved-pit",
            Sanitation::Unimproved => "unimproved",
        }
    }
}

/// One person of the household.
#[derive(Debug, Clone, Default, PartialEq, Reconcile, Hydrate)]
pub struct Member {
    /// Full name.
    pub name: String,
    /// Year of birth.
    #[autosurgeon(missing = "Default::default")]
    pub birth_year: Option<i64>,
    /// Sex.
    #[autosurgeon(missing = "Default::default")]
    pub sex: Option<Sex>,
    /// Has health insurance (BHYT).
    #[autosurgeon(missing = "Default::default")]
    pub insured: Option<bool>,
    /// Attends school now.
    #[autosurgeon(missing = "Default::default")]
    pub in_school: Option<bool>,
    /// Has work.
    #[autosurgeon(missing = "Default::default")]
    pub employed: Option<bool>,
    /// Place in the household's list (smaller first); members recorded
    /// before the list could be reordered have none.
    #[autosurgeon(missing = "Default::default")]
    pub position: Option<f64>,
}

/// A question of the members' form that only some ages are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberQuestion {
    /// Attends school: asked at school ages.
    InSchool,
    /// Has work: asked from working age on.
    Employed,
}

/// Ages asked whether they attend school (wider than the compulsory ages
/// the deprivation counts: kindergarten to upper secondary).
const ASKED_SCHOOL_AGE: std::ops::RangeInclusive<i64> = 3..=18;

impl Member {
    /// Whether the form asks this member `question` in `year`; always,
    /// while the birth year is unknown.
    pub fn asks(&self, question: MemberQuestion, year: i64) -> bool {
        let Some(age) = self.birth_year.map(|b| year - b) else {
            return true;
        };
        match question {
            MemberQuestion::InSchool => ASKED_SCHOOL_AGE.contains(&age),
            MemberQuestion::Employed => age >= *WORKING_AGE.start(),
        }
    }
}

/// Checks what a person is typing into a field before it is saved, so the
/// form can say what is wrong at once (saving checks again).
pub fn check_input(field: &'static str, text: &str, year: i64) -> Result<(), Invalid> {
    let text = text.trim();
    match field {
        "birth_year" if text.is_empty() => Ok(()),
        "birth_year" => match text.parse::<i64>() {
            Ok(y) if (year - 120..=year).contains(&y) => Ok(()),
            _ => Err(Invalid::OutOfRange("birth_year")),
        },
        "income" => match crate::format::parse_vnd(text) {
            Some(v) if (0..=MAX_INCOME).contains(&v) => Ok(()),
            _ => Err(Invalid::OutOfRange("income")),
        },
        "member_name" if text.is_empty() => Err(Invalid::Required("member_name")),
        "member_name" if text.chars().count() > super::validation::MAX_TEXT => {
            Err(Invalid::TooLong("member_name"))
        }
        _ => Ok(()),
    }
}

/// A GPS fix.
#[derive(Debug, Clone, Copy, PartialEq, Reconcile, Hydrate)]
pub struct Gps {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

impl Gps {
    /// Within Viet Nam, islands included, with a margin (a fix elsewhere is
    /// a typing slip or a device that has not found its position).
    pub fn in_viet_nam(&self) -> bool {
        (7.0..=24.0).contains(&self.lat) && (101.0..=118.0).contains(&self.lon)
    }
}

/// Everything recorded about a household beyond the quick fields.
#[derive(Debug, Clone, Default, PartialEq, Reconcile, Hydrate)]
pub struct HouseholdRecord {
    /// Members by stable id: devices adding different members never collide.
    #[autosurgeon(missing = "Default::default")]
    pub roster: BTreeMap<String, Member>,
    /// Yearly income by source (đồng), e.g. "trồng trọt", "chăn nuôi", "tiền lương".
    #[autosurgeon(missing = "Default::default")]
    pub income: BTreeMap<String, i64>,
    /// House type.
    #[autosurgeon(missing = "Default::default")]
    pub housing: Option<Housing>,
    /// Water source.
    #[autosurgeon(missing = "Default::default")]
    pub water: Option<WaterSource>,
    /// Latrine.
    #[autosurgeon(missing = "Default::default")]
    pub sanitation: Option<Sanitation>,
    /// Uses the internet (mobile or fixed).
    #[autosurgeon(missing = "Default::default")]
    pub internet: Option<bool>,
    /// Uses digital services (online public services, cashless payment).
    /// A deprivation dimension of Decree 351/2025 (2027–2030).
    #[autosurgeon(missing = "Default::default")]
    pub digital_services: Option<bool>,
    /// Household waste is collected or treated as required. A deprivation
    /// dimension of Decree 351/2025 (2027–2030).
    #[autosurgeon(missing = "Default::default")]
    pub waste_treated: Option<bool>,
    /// Where the house is.
    #[autosurgeon(missing = "Default::default")]
    pub gps: Option<Gps>,
    /// Photos of the house and the household's conditions.
    #[autosurgeon(missing = "Default::default")]
    pub photos: Vec<super::photo::Photo>,
}

/// How far a household's record is filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, minicbor::Encode, minicbor::Decode)]
pub enum Progress {
    /// Nothing of the record yet (only the quick fields).
    #[n(0)]
    NotSurveyed,
    /// Some sections answered.
    #[n(1)]
    Incomplete {
        /// Sections answered.
        #[n(0)]
        answered: u8,
        /// Sections in all.
        #[n(1)]
        of: u8,
    },
    /// Every section answered.
    #[n(2)]
    Complete,
}

/// Reads a household's record (fields never recorded are empty).
pub fn read_record(doc: &Automerge, id: &HouseholdId) -> Result<HouseholdRecord, SurveyError> {
    let obj = household_obj(doc, id)?;
    match doc.get(&obj, "record") {
        Ok(Some(_)) => {
            hydrate_prop(doc, &obj, "record").map_err(|e| SurveyError::Automerge(e.to_string()))
        }
        _ => Ok(HouseholdRecord::default()),
    }
}

fn map_in(
    tx: &mut automerge::transaction::Transaction<'_>,
    parent: &automerge::ObjId,
    key: &str,
    kind: ObjType,
) -> Result<automerge::ObjId, automerge::AutomergeError> {
    match tx.get(parent, key)? {
        Some((Value::Object(k), obj)) if k == kind => Ok(obj),
        // Households recorded before the record existed get it on first write.
        _ => tx.put_object(parent, key, kind),
    }
}

/// Changes a household's record in one Automerge change: reads it, lets `edit`
/// change it, and writes only the fields (and members, and income sources)
/// that changed, so devices editing other fields concurrently never collide.
pub fn update_record(
    doc: &mut Automerge,
    id: &HouseholdId,
    unix_seconds: i64,
    edit: impl FnOnce(&mut HouseholdRecord),
) -> Result<(), SurveyError> {
    let before = read_record(doc, id)?;
    let mut after = before.clone();
    edit(&mut after);
    if after == before {
        return Ok(());
    }
    after
        .validate(crate::format::civil_date_vn(unix_seconds).0)
        .map_err(SurveyError::Invalid)?;
    let household = household_obj(doc, id)?;
    let am = |e: automerge::AutomergeError| SurveyError::Automerge(e.to_string());
    let rc = |e: autosurgeon::ReconcileError| SurveyError::Automerge(e.to_string());
    doc.transact_with::<_, _, SurveyError, _>(
        |_| commit(unix_seconds, "edit household record"),
        |tx| {
            let record = map_in(tx, &household, "record", ObjType::Map).map_err(am)?;
            macro_rules! scalar_fields {
                ($($field:ident),*) => {$(
                    if after.$field != before.$field {
                        reconcile_prop(tx, &record, stringify!($field), &after.$field).map_err(rc)?;
                    }
                )*};
            }
            scalar_fields!(housing, water, sanitation, internet, digital_services, waste_treated, gps, photos);
            if after.income != before.income {
                let income = map_in(tx, &record, "income", ObjType::Map).map_err(am)?;
                for source in before.income.keys().filter(|k| !after.income.contains_key(*k)) {
                    tx.delete(&income, source.as_str()).map_err(am)?;
                }
                for (source, amount) in after.income.iter().filter(|(k, v)| before.income.get(*k) != Some(v)) {
                    tx.put(&income, source.as_str(), *amount).map_err(am)?;
                }
            }
            if after.roster != before.roster {
                let roster = map_in(tx, &record, "roster", ObjType::Map).map_err(am)?;
                for gone in before.roster.keys().filter(|k| !after.roster.contains_key(*k)) {
                    tx.delete(&roster, gone.as_str()).map_err(am)?;
                }
                for (key, member) in &after.roster {
                    match before.roster.get(key) {
                        None => reconcile_prop(tx, &roster, key.as_str(), member).map_err(rc)?,
                        Some(old) if old != member => {
                            let obj = map_in(tx, &roster, key, ObjType::Map).map_err(am)?;
                            macro_rules! member_fields {
                                ($($field:ident),*) => {$(
                                    if member.$field != old.$field {
                                        reconcile_prop(tx, &obj, stringify!($field), &member.$field).map_err(rc)?;
                                    }
                                )*};
                            }
                            member_fields!(name, birth_year, sex, insured, in_school, employed, position);
                        }
                        Some(_) => {}
                    }
                }
            }
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

/// Working age for "has an employed member".
const WORKING_AGE: std::ops::RangeInclusive<i64> = 15..=60;
/// Compulsory school age.
const SCHOOL_AGE: std::ops::RangeInclusive<i64> = 6..=14;

/// Largest plausible yearly income of one source (đồng).
const MAX_INCOME: i64 = 100_000_000_000;

impl HouseholdRecord {
    /// Checks every value against its plausible range (`year`: this year).
    pub fn validate(&self, year: i64) -> Result<(), Invalid> {
        if self.roster.len() > super::validation::MAX_MEMBERS as usize {
            return Err(Invalid::OutOfRange("roster"));
        }
        for member in self.roster.values() {
            let name = member.name.trim();
            if name.is_empty() {
                return Err(Invalid::Required("member_name"));
            }
            if name.chars().count() > super::validation::MAX_TEXT {
                return Err(Invalid::TooLong("member_name"));
            }
            if member
                .birth_year
                .is_some_and(|y| !(year - 120..=year).contains(&y))
            {
                return Err(Invalid::OutOfRange("birth_year"));
            }
        }
        for (source, amount) in &self.income {
            if source.trim().is_empty() {
                return Err(Invalid::Required("income_source"));
            }
            if !(0..=MAX_INCOME).contains(amount) {
                return Err(Invalid::OutOfRange("income"));
            }
        }
        if self.gps.is_some_and(|g| !g.in_viet_nam()) {
            return Err(Invalid::OutOfRange("gps"));
        }
        Ok(())
    }

    /// Members in the household's order: by position, then (for members
    /// recorded before positions) oldest first, then by key.
    pub fn members_in_order(&self) -> Vec<(&String, &Member)> {
        let mut list: Vec<(&String, &Member)> = self.roster.iter().collect();
        list.sort_by(|(ka, a), (kb, b)| {
            let pos = |m: &Member| m.position.unwrap_or(f64::MAX);
            pos(a)
                .total_cmp(&pos(b))
                .then_with(|| {
                    a.birth_year
                        .unwrap_or(i64::MAX)
                        .cmp(&b.birth_year.unwrap_or(i64::MAX))
                })
                .then_with(|| ka.cmp(kb))
        });
        list
    }

    /// Moves a member one place up or down, numbering everyone's position
    /// in the new order.
    pub fn move_member(&mut self, key: &str, up: bool) {
        let mut order: Vec<String> = self
            .members_in_order()
            .into_iter()
            .map(|(k, _)| k.clone())
            .collect();
        let Some(i) = order.iter().position(|k| k == key) else {
            return;
        };
        let j = if up { i.checked_sub(1) } else { Some(i + 1) };
        let Some(j) = j.filter(|j| *j < order.len()) else {
            return;
        };
        order.swap(i, j);
        for (n, k) in order.iter().enumerate() {
            if let Some(m) = self.roster.get_mut(k) {
                m.position = Some(n as f64);
            }
        }
    }

    /// The position a new member takes: after everyone listed.
    pub fn next_position(&self) -> f64 {
        self.roster.len() as f64
    }

    fn ages(&self, year: i64) -> impl Iterator<Item = (i64, &Member)> {
        self.roster
            .values()
            .filter_map(move |m| m.birth_year.map(|b| (year - b, m)))
    }

    /// Whether the household is deprived on one dimension (`false` when
    /// the record does not say: a deprivation is counted only when recorded).
    pub fn deprived(&self, dimension: Deprivation, year: i64) -> bool {
        match dimension {
            Deprivation::Employment => {
                self.ages(year).any(|(a, _)| WORKING_AGE.contains(&a))
                    && !self
                        .ages(year)
                        .any(|(a, m)| WORKING_AGE.contains(&a) && m.employed == Some(true))
            }
            Deprivation::SchoolAttendance => self
                .ages(year)
                .any(|(a, m)| SCHOOL_AGE.contains(&a) && m.in_school == Some(false)),
            Deprivation::HealthInsurance => self.roster.values().any(|m| m.insured == Some(false)),
            Deprivation::HousingQuality => {
                matches!(self.housing, Some(Housing::Flimsy | Housing::Makeshift))
            }
            Deprivation::Water => self.water == Some(WaterSource::Untreated),
            Deprivation::Sanitation => self.sanitation == Some(Sanitation::Unimproved),
            Deprivation::Telecoms | Deprivation::InternetAccess => self.internet == Some(false),
            Deprivation::DigitalServices => self.digital_services == Some(false),
            Deprivation::WasteTreatment => self.waste_treated == Some(false),
        }
    }

    /// Deprivations of basic social services under the standard in force in
    /// `year`, over the dimensions the survey records (the decrees list
    /// more; those not surveyed are not counted).
    pub fn deprivations(&self, year: i64) -> u32 {
        let standard = PovertyStandard::for_year(year as i32);
        standard
            .dimensions
            .iter()
            .filter(|d| self.deprived(**d, year))
            .count() as u32
    }

    /// Income per person per month (đồng), if income and members are known.
    pub fn income_per_person_month(&self, members: i64) -> Option<i64> {
        (members > 0 && !self.income.is_empty())
            .then(|| self.income.values().sum::<i64>() / members / 12)
    }

    /// Poverty class under the standard in force in `year` (rural area),
    /// if income is known.
    pub fn poverty(&self, members: i64, year: i64) -> Option<PovertyClass> {
        let standard = PovertyStandard::for_year(year as i32);
        Some(classify(
            standard,
            Area::Rural,
            self.income_per_person_month(members)?,
            self.deprivations(year),
        ))
    }

    /// How far the record is filled in: each of its sections (members with
    /// birth year and sex, income, housing, water, sanitation, internet,
    /// digital services, waste, position) answered or not.
    pub fn progress(&self) -> Progress {
        let answered = [
            !self.roster.is_empty()
                && self
                    .roster
                    .values()
                    .all(|m| m.birth_year.is_some() && m.sex.is_some()),
            !self.income.is_empty(),
            self.housing.is_some(),
            self.water.is_some(),
            self.sanitation.is_some(),
            self.internet.is_some(),
            self.digital_services.is_some(),
            self.waste_treated.is_some(),
            self.gps.is_some(),
        ];
        let done = answered.iter().filter(|a| **a).count() as u8;
        let of = answered.len() as u8;
        match done {
            0 => Progress::NotSurveyed,
            n if n == of => Progress::Complete,
            n => Progress::Incomplete { answered: n, of },
        }
    }

    /// How many members: the roster's size once anyone is listed, else
    /// the number declared with the household.
    pub fn member_count(&self, declared: Option<u32>) -> Option<u32> {
        if self.roster.is_empty() {
            declared
        } else {
            u32::try_from(self.roster.len()).ok()
        }
    }

    /// The facts the catalog vocabulary asks for (`None` where not recorded).
    pub fn facts(&self, declared_members: Option<i64>, year: i64) -> HouseholdFacts {
        let declared = declared_members.and_then(|n| u32::try_from(n).ok());
        let members = self.member_count(declared).map_or(0, i64::from);
        let mut f = HouseholdFacts::default();
        f.set_predicate(
            "clean_water",
            self.water.map(|w| w != WaterSource::Untreated),
        );
        f.set_predicate(
            "hygienic_latrine",
            self.sanitation.map(|s| s != Sanitation::Unimproved),
        );
        f.set_predicate(
            "solid_house",
            self.housing
                .map(|h| matches!(h, Housing::Permanent | Housing::SemiPermanent)),
        );
        f.set_predicate("internet_access", self.internet);
        f.set_predicate("digital_services", self.digital_services);
        f.set_predicate("waste_treated", self.waste_treated);
        let known = |pick: fn(&Member) -> Option<bool>| {
            self.roster
                .values()
                .map(pick)
                .collect::<Option<Vec<bool>>>()
        };
        f.set_predicate(
            "all_members_insured",
            (!self.roster.is_empty())
                .then(|| known(|m| m.insured))
                .flatten()
                .map(|v| v.iter().all(|b| *b)),
        );
        let workers: Vec<&Member> = self
            .ages(year)
            .filter(|(a, _)| WORKING_AGE.contains(a))
            .map(|(_, m)| m)
            .collect();
        f.set_predicate(
            "has_employed_member",
            (!workers.is_empty()).then(|| workers.iter().any(|m| m.employed == Some(true))),
        );
        let children: Vec<&Member> = self
            .ages(year)
            .filter(|(a, _)| SCHOOL_AGE.contains(a))
            .map(|(_, m)| m)
            .collect();
        f.set_predicate(
            "children_in_school",
            (!children.is_empty()).then(|| children.iter().all(|m| m.in_school == Some(true))),
        );
        f.set_predicate(
            "poor",
            self.poverty(members, year).map(|p| p == PovertyClass::Poor),
        );
        f.set_quantity(
            "income_per_person_year",
            (members > 0 && !self.income.is_empty())
                .then(|| self.income.values().sum::<i64>() as f64 / members as f64 / 1e6),
        );
        f
    }
}

/// The household facts of a survey document for a year.
pub fn household_facts(doc: &Automerge, year: i64) -> SurveyFacts {
    let mut facts = SurveyFacts::default();
    for household in super::households(doc) {
        let record = read_record(doc, &household.id).unwrap_or_default();
        facts
            .households
            .push(household_fact(&household, &record, year));
    }
    facts
}

/// One household's facts for evaluation, named by its id.
pub(crate) fn household_fact(
    household: &super::Household,
    record: &HouseholdRecord,
    year: i64,
) -> HouseholdFacts {
    let mut f = record.facts(household.members.value.map(i64::from), year);
    f.id = Some(household.id.as_str().to_owned());
    f
}

#[cfg(test)]
mod tests;
