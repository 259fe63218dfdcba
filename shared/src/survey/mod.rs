//! The `survey` document of one commune (DESIGN.md §3): its schema in
//! Automerge, the edits the forms make, and the read model the views show.
//!
//! Households live in a map keyed by a stable UUID, so that devices adding or
//! editing different households never touch the same key, and a field set
//! concurrently on two devices keeps both values (read back as a conflict).

pub mod conflicts;
pub mod field_history;
pub mod infrastructure;
pub mod listing;
pub mod merge;
pub mod photo;
pub mod poverty;
pub mod record;
pub mod validation;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};

pub(crate) use crate::document::commit;

use crate::ids::DocumentId;
pub use validation::{Invalid, SurveyError};

/// The schema tag written at the document root.
pub const SCHEMA: &str = "ntm-survey/2";

/// The actor of the genesis change: the same on every device, so every
/// device that creates a commune's document offline creates the *same* first
/// change, and their later work merges instead of forking the root objects.
pub const GENESIS_ACTOR: &[u8] = b"ntm-survey-genesis";

/// A commune whose survey document can be created offline by anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneRef {
    /// The survey document's id.
    pub document_id: DocumentId,
    /// The commune's appraisal documents (dossier, departments' verdicts).
    pub appraisal: crate::appraisal::AppraisalIds,
    /// The province's registry document.
    pub registry_id: DocumentId,
    /// Administrative code of the commune.
    pub code: String,
    /// Vietnamese name, e.g. "Xã Tả Van".
    pub name: String,
    /// Whose thresholds apply (from the registry).
    pub applicable_region: crate::catalog::Region,
}

impl CommuneRef {
    /// The reference to a commune the registry of `province` lists.
    pub fn of(province: &str, commune: &crate::registry::Commune) -> Option<CommuneRef> {
        Some(CommuneRef {
            document_id: commune.documents.survey_id()?,
            appraisal: commune.documents.appraisal_ids()?,
            registry_id: crate::registry::document::document_id(province),
            code: commune.code.clone(),
            name: commune.name.clone(),
            applicable_region: commune.applicable_region,
        })
    }

    /// Its class in a catalog's classification, as far as the reference
    /// knows it (the 2021–2025 region); the registry entry, once it has
    /// arrived, knows the rest.
    pub fn class_in(&self, classification: &crate::catalog::Classification) -> Option<String> {
        classification.class_of_region(self.applicable_region)
    }
}

/// The demo commune that `cargo xtask run` opens (synthetic data): the new
/// xã Tả Van of the demo province (formed on 01/07/2025 from the former Tả
/// Van, Mường Hoa and Hoàng Liên), with the survey document id its
/// registry lists.
pub fn demo_commune() -> CommuneRef {
    let code = "ta-van";
    let documents = crate::registry::CommuneDocuments::derived_for(
        crate::demo::PROVINCE_CODE,
        code,
        crate::demo::departments_2026(),
    );
    CommuneRef {
        document_id: documents.survey_id().expect("derived ids are valid"),
        appraisal: documents.appraisal_ids().expect("derived ids are valid"),
        registry_id: crate::registry::document::document_id(crate::demo::PROVINCE_CODE),
        code: code.into(),
        name: "Xã Tả Van (Lào Cai) — dữ liệu mẫu".into(),
        applicable_region: crate::catalog::Region::NorthernMidlandsMountains,
    }
}

/// A household's stable id (a UUID, from caller-supplied randomness).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, minicbor::Encode, minicbor::Decode,
)]
#[cbor(transparent)]
pub struct HouseholdId(#[n(0)] String);

impl HouseholdId {
    /// A new random (v4) household id from 16 random bytes.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(
            uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string(),
        )
    }

    /// An existing id read back from a document or a URL.
    pub fn parse(s: &str) -> Result<Self, SurveyError> {
        uuid::Uuid::parse_str(s)
            .map(|u| Self(u.to_string()))
            .map_err(|_| SurveyError::UnknownHousehold(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One field as stored: the winning value plus every concurrent value that
/// lost (shown to the user, who picks one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<T> {
    /// The value Automerge picked deterministically; `None` if never set.
    pub value: Option<T>,
    /// Other values set concurrently, not yet resolved by a person.
    pub conflicts: Vec<T>,
}

impl<T> Default for Field<T> {
    fn default() -> Self {
        Self {
            value: None,
            conflicts: Vec::new(),
        }
    }
}

/// A household as the list and the form show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    /// Stable id.
    pub id: HouseholdId,
    /// Head of household (chủ hộ).
    pub head: Field<String>,
    /// Number of members (số nhân khẩu).
    pub members: Field<u32>,
    /// Village (thôn, bản).
    pub village: Field<String>,
    /// When it was first recorded (unix seconds).
    pub created_at: i64,
}

/// One edit a form makes; each becomes one Automerge change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HouseholdEdit {
    /// Set the head of household's name.
    Head(String),
    /// Set the number of members.
    Members(u32),
    /// Set the village.
    Village(String),
}

impl HouseholdEdit {
    fn key(&self) -> &'static str {
        match self {
            Self::Head(_) => "head",
            Self::Members(_) => "members",
            Self::Village(_) => "village",
        }
    }
}

/// The genesis of a commune's survey document: byte-identical on every device.
pub fn genesis(commune: &CommuneRef) -> Automerge {
    crate::document::genesis(GENESIS_ACTOR, |doc| {
        doc.put(ROOT, "schema", SCHEMA).expect("fresh document");
        doc.put(ROOT, "commune_code", commune.code.as_str())
            .expect("fresh document");
        doc.put(ROOT, "commune_name", commune.name.as_str())
            .expect("fresh document");
        // Every container is created here, once, identically on every device:
        // containers created later by two devices would be two different objects.
        for container in ["households", "infrastructure", "attestations"] {
            doc.put_object(ROOT, container, ObjType::Map)
                .expect("fresh document");
        }
    })
}

/// A container map at the document root (created by the genesis).
pub(crate) fn root_map(doc: &Automerge, key: &str) -> Result<ObjId, SurveyError> {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Ok(id),
        _ => Err(SurveyError::NotASurvey),
    }
}

fn households_obj(doc: &Automerge) -> Result<ObjId, SurveyError> {
    root_map(doc, "households")
}

pub(crate) fn household_obj(doc: &Automerge, id: &HouseholdId) -> Result<ObjId, SurveyError> {
    match doc.get(households_obj(doc)?, id.as_str()) {
        Ok(Some((Value::Object(ObjType::Map), obj))) => Ok(obj),
        _ => Err(SurveyError::UnknownHousehold(id.as_str().to_owned())),
    }
}

/// Adds a household in one change. Values are validated first; nothing is
/// written if any is invalid.
pub fn add_household(
    doc: &mut Automerge,
    id: &HouseholdId,
    head: &str,
    members: u32,
    village: &str,
    unix_seconds: i64,
) -> Result<(), SurveyError> {
    let edits = [
        HouseholdEdit::Head(head.to_owned()),
        HouseholdEdit::Members(members),
        HouseholdEdit::Village(village.to_owned()),
    ];
    let edits: Vec<HouseholdEdit> = edits
        .into_iter()
        .map(validation::validate)
        .collect::<Result<_, _>>()?;
    let households = households_obj(doc)?;
    if doc.get(&households, id.as_str()).ok().flatten().is_some() {
        return Err(SurveyError::DuplicateHousehold(id.as_str().to_owned()));
    }
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| commit(unix_seconds, "add household"),
        |tx| {
            let obj = tx.put_object(&households, id.as_str(), ObjType::Map)?;
            tx.put(
                &obj,
                "created_at",
                ScalarValue::Timestamp(unix_seconds * 1000),
            )?;
            // The record's containers exist from the start, so devices that
            // fill it in concurrently write into the same objects.
            let record = tx.put_object(&obj, "record", ObjType::Map)?;
            tx.put_object(&record, "roster", ObjType::Map)?;
            tx.put_object(&record, "income", ObjType::Map)?;
            tx.put_object(&record, "photos", ObjType::List)?;
            for edit in &edits {
                put_edit(tx, &obj, edit)?;
            }
            Ok(())
        },
    )
    .map_err(|f| SurveyError::Automerge(f.error.to_string()))?;
    Ok(())
}

/// Changes one field of a household in one change. Setting a field that is
/// in conflict resolves the conflict to the new value.
pub fn edit_household(
    doc: &mut Automerge,
    id: &HouseholdId,
    edit: HouseholdEdit,
    unix_seconds: i64,
) -> Result<(), SurveyError> {
    let edit = validation::validate(edit)?;
    let obj = household_obj(doc, id)?;
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| commit(unix_seconds, "edit household"),
        |tx| put_edit(tx, &obj, &edit),
    )
    .map_err(|f| SurveyError::Automerge(f.error.to_string()))?;
    Ok(())
}

fn put_edit(
    tx: &mut impl Transactable,
    obj: &ObjId,
    edit: &HouseholdEdit,
) -> Result<(), automerge::AutomergeError> {
    match edit {
        HouseholdEdit::Head(s) | HouseholdEdit::Village(s) => tx.put(obj, edit.key(), s.as_str()),
        // Int, not Uint: JS peers read Uint as BigInt.
        HouseholdEdit::Members(n) => tx.put(obj, edit.key(), ScalarValue::Int(i64::from(*n))),
    }
}

fn read_field<T>(
    doc: &Automerge,
    obj: &ObjId,
    key: &str,
    convert: impl Fn(&ScalarValue) -> Option<T>,
) -> Field<T> {
    // `get_all` lists concurrent values with the winner last. JS peers write
    // strings as text objects; read those as their content.
    let mut values: Vec<T> = doc
        .get_all(obj, key)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(v, id)| match v {
            Value::Scalar(s) => convert(&s),
            Value::Object(ObjType::Text) => convert(&ScalarValue::Str(doc.text(&id).ok()?.into())),
            Value::Object(_) => None,
        })
        .collect();
    let value = values.pop();
    values.reverse();
    Field {
        value,
        conflicts: values,
    }
}

fn as_string(s: &ScalarValue) -> Option<String> {
    match s {
        ScalarValue::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

fn as_u32(s: &ScalarValue) -> Option<u32> {
    match s {
        ScalarValue::Uint(n) => u32::try_from(*n).ok(),
        ScalarValue::Int(n) => u32::try_from(*n).ok(),
        ScalarValue::F64(f) if f.fract() == 0.0 && *f >= 0.0 => Some(*f as u32),
        _ => None,
    }
}

/// Everything evaluation needs from a commune's survey document, for a year.
pub fn facts(doc: &Automerge, year: i64) -> crate::evaluation::SurveyFacts {
    let mut facts = record::household_facts(doc, year);
    infrastructure::add_facts(doc, &mut facts);
    facts
}

/// The commune's name as stored in the document.
pub fn commune_name(doc: &Automerge) -> Option<String> {
    match doc.get(ROOT, "commune_name") {
        Ok(Some((Value::Scalar(s), _))) => as_string(&s),
        _ => None,
    }
}

/// Every household, oldest first (then by id, so every device lists them in
/// the same order).
pub fn households(doc: &Automerge) -> Vec<Household> {
    let Ok(households) = households_obj(doc) else {
        return Vec::new();
    };
    let mut list: Vec<Household> = doc
        .keys(&households)
        .filter_map(|key| read_household(doc, &households, key))
        .collect();
    list.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    list
}

/// One household's quick fields (with their conflicts), if it exists.
pub fn household(doc: &Automerge, id: &HouseholdId) -> Option<Household> {
    read_household(doc, &households_obj(doc).ok()?, id.as_str().to_owned())
}

fn read_household(doc: &Automerge, households: &ObjId, key: String) -> Option<Household> {
    let obj = match doc.get(households, key.as_str()) {
        Ok(Some((Value::Object(ObjType::Map), obj))) => obj,
        _ => return None,
    };
    let created_at = match doc.get(&obj, "created_at") {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Timestamp(ms) => ms / 1000,
            _ => 0,
        },
        _ => 0,
    };
    Some(Household {
        id: HouseholdId(key),
        head: read_field(doc, &obj, "head", as_string),
        members: read_field(doc, &obj, "members", as_u32),
        village: read_field(doc, &obj, "village", as_string),
        created_at,
    })
}

#[cfg(test)]
mod tests;
