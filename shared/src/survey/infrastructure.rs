//! Infrastructure entries (roads, schools, cultural houses, markets,
//! irrigation, power) and attested indicators, each with evidence, in the
//! commune's survey document; and the facts evaluation reads from them.

use std::collections::BTreeMap;

use automerge::{Automerge, ReadDoc};
use autosurgeon::{hydrate_prop, reconcile_prop, Hydrate, Reconcile};

use super::photo::Photo;
use super::record::Gps;
use super::{commit, root_map, Invalid, SurveyError};
use crate::evaluation::{Share, SurveyFacts};

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum InfraKind {
    /// A road segment (đường xã, thôn).
    Road,
    /// A school.
    School,
    /// A cultural house (nhà văn hóa).
    CulturalHouse,
    /// A market (chợ).
    Market,
    /// An irrigation work and the land it serves.
    Irrigation,
    /// Power supply of an area.
    Power,
}

impl InfraKind {
    /// Every kind, in form order.
    pub const ALL: [InfraKind; 6] = [
        InfraKind::Road,
        InfraKind::School,
        InfraKind::CulturalHouse,
        InfraKind::Market,
        InfraKind::Irrigation,
        InfraKind::Power,
    ];

    /// Stable code: the label is `infra-kind-<code>` in the locale files.
    pub fn code(self) -> &'static str {
        match self {
            InfraKind::Road => "road",
            InfraKind::School => "school",
            InfraKind::CulturalHouse => "cultural-house",
            InfraKind::Market => "market",
            InfraKind::Irrigation => "irrigation",
            InfraKind::Power => "power",
        }
    }
}

/// Evidence behind an entry or an attestation.
#[derive(Debug, Clone, Default, PartialEq, Reconcile, Hydrate)]
pub struct Evidence {
    /// What was seen or which document proves it.
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    /// Photos of what was seen.
    #[autosurgeon(missing = "Default::default")]
    pub photos: Vec<super::photo::Photo>,
    /// Where.
    #[autosurgeon(missing = "Default::default")]
    pub gps: Option<Gps>,
}

/// One infrastructure entry. Which measures apply depends on the kind.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct InfraEntry {
    /// Kind.
    pub kind: InfraKind,
    /// Name, e.g. "Đường liên thôn Bản Hồ – Lao Chải".
    pub name: String,
    /// Road: length in km.
    #[autosurgeon(missing = "Default::default")]
    pub length_km: Option<f64>,
    /// Road: hardened (cứng hóa).
    #[autosurgeon(missing = "Default::default")]
    pub hardened: Option<bool>,
    /// School, cultural house, market: meets its standard.
    #[autosurgeon(missing = "Default::default")]
    pub up_to_standard: Option<bool>,
    /// Irrigation: farmland served, ha.
    #[autosurgeon(missing = "Default::default")]
    pub area_ha: Option<f64>,
    /// Irrigation: of which actively irrigated, ha.
    #[autosurgeon(missing = "Default::default")]
    pub irrigated_ha: Option<f64>,
    /// Power: households in the area.
    #[autosurgeon(missing = "Default::default")]
    pub households: Option<i64>,
    /// Power: of which with safe, regular supply.
    #[autosurgeon(missing = "Default::default")]
    pub safe_households: Option<i64>,
    /// Evidence.
    #[autosurgeon(missing = "Default::default")]
    pub evidence: Evidence,
}

impl InfraEntry {
    /// A new entry with no measures.
    pub fn new(kind: InfraKind, name: &str) -> Self {
        Self {
            kind,
            name: name.to_owned(),
            length_km: None,
            hardened: None,
            up_to_standard: None,
            area_ha: None,
            irrigated_ha: None,
            households: None,
            safe_households: None,
            evidence: Evidence::default(),
        }
    }

    /// Checks ranges and part ≤ whole.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.name.trim().is_empty() {
            return Err(Invalid::Required("name"));
        }
        if self
            .length_km
            .is_some_and(|k| !(0.0..=1_000.0).contains(&k))
        {
            return Err(Invalid::OutOfRange("length_km"));
        }
        if self
            .area_ha
            .is_some_and(|a| !(0.0..=100_000.0).contains(&a))
            || self.irrigated_ha.is_some_and(|a| a < 0.0)
        {
            return Err(Invalid::OutOfRange("area_ha"));
        }
        if let (Some(part), Some(whole)) = (self.irrigated_ha, self.area_ha) {
            if part > whole {
                return Err(Invalid::PartExceedsWhole("irrigated_ha"));
            }
        }
        if self.households.is_some_and(|h| h < 0) || self.safe_households.is_some_and(|h| h < 0) {
            return Err(Invalid::OutOfRange("households"));
        }
        if let (Some(part), Some(whole)) = (self.safe_households, self.households) {
            if part > whole {
                return Err(Invalid::PartExceedsWhole("safe_households"));
            }
        }
        Ok(())
    }
}

/// A commune's statement on an attested indicator.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Attestation {
    /// Met or not.
    pub met: bool,
    /// Evidence.
    #[autosurgeon(missing = "Default::default")]
    pub evidence: Evidence,
    /// Who attested (officer).
    pub by: String,
    /// When (unix seconds).
    pub at: i64,
}

fn put<T: Reconcile>(
    doc: &mut Automerge,
    container: &str,
    key: &str,
    value: &T,
    unix_seconds: i64,
    message: &str,
) -> Result<(), SurveyError> {
    let obj = root_map(doc, container)?;
    doc.transact_with::<_, _, SurveyError, _>(
        |_| commit(unix_seconds, message),
        |tx| {
            reconcile_prop(tx, &obj, key, value).map_err(|e| SurveyError::Automerge(e.to_string()))
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

/// Adds or updates an entry (`id`: a stable UUID) in one change, after validation.
pub fn put_infrastructure(
    doc: &mut Automerge,
    id: &str,
    entry: &InfraEntry,
    unix_seconds: i64,
) -> Result<(), SurveyError> {
    entry.validate().map_err(SurveyError::Invalid)?;
    put(
        doc,
        "infrastructure",
        id,
        entry,
        unix_seconds,
        "infrastructure entry",
    )
}

/// Records an attestation for an indicator in one change.
pub fn attest(
    doc: &mut Automerge,
    indicator: &str,
    attestation: &Attestation,
    unix_seconds: i64,
) -> Result<(), SurveyError> {
    if attestation.by.trim().is_empty() {
        return Err(SurveyError::Invalid(Invalid::Required("by")));
    }
    put(
        doc,
        "attestations",
        indicator,
        attestation,
        unix_seconds,
        "attestation",
    )
}

/// Whose evidence an edit is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceOf {
    /// An infrastructure entry, by id.
    Infrastructure(String),
    /// The statement on an attested indicator, by its key.
    Attestation(String),
}

/// One change to a piece of evidence. Evidence is edited a part at a
/// time, read from the current document: a photo added on one tablet and
/// a note typed on another both stay.
#[derive(Debug, Clone, PartialEq)]
pub enum EvidenceEdit {
    /// What was seen, or which document proves it.
    Note(String),
    /// Adds a photo (once per picture).
    AddPhoto(Photo),
    /// Removes the photo of this picture.
    RemovePhoto(String),
    /// Where (from the device, or typed).
    Gps(Option<Gps>),
}

/// Applies one evidence edit in one change.
pub fn update_evidence(
    doc: &mut Automerge,
    of: &EvidenceOf,
    edit: EvidenceEdit,
    unix_seconds: i64,
) -> Result<(), SurveyError> {
    let (container, key) = match of {
        EvidenceOf::Infrastructure(id) => ("infrastructure", id),
        EvidenceOf::Attestation(key) => ("attestations", key),
    };
    let parent = root_map(doc, container)?;
    let entry = match doc.get(&parent, key.as_str()) {
        Ok(Some((automerge::Value::Object(_), id))) => id,
        _ => return Err(SurveyError::UnknownEntry(key.clone())),
    };
    let before: Evidence = hydrate_prop(doc, &entry, "evidence").unwrap_or_default();
    let mut after = before.clone();
    match edit {
        EvidenceEdit::Note(note) => {
            let note = note.trim().to_owned();
            if note.chars().count() > super::validation::MAX_NOTE {
                return Err(SurveyError::Invalid(Invalid::TooLong("note")));
            }
            after.note = note;
        }
        EvidenceEdit::AddPhoto(p) => super::photo::add(&mut after.photos, p),
        EvidenceEdit::RemovePhoto(hash) => super::photo::remove(&mut after.photos, &hash),
        EvidenceEdit::Gps(gps) => {
            if gps.is_some_and(|g| !g.in_viet_nam()) {
                return Err(SurveyError::Invalid(Invalid::OutOfRange("gps")));
            }
            after.gps = gps;
        }
    }
    if after == before {
        return Ok(());
    }
    doc.transact_with::<_, _, SurveyError, _>(
        |_| commit(unix_seconds, "evidence"),
        |tx| {
            reconcile_prop(tx, &entry, "evidence", &after)
                .map_err(|e| SurveyError::Automerge(e.to_string()))
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

fn read_all<T: Hydrate>(doc: &Automerge, container: &str) -> BTreeMap<String, T> {
    let Ok(obj) = root_map(doc, container) else {
        return BTreeMap::new();
    };
    // An entry another peer wrote in a shape this version cannot read is skipped, not fatal.
    doc.keys(&obj)
        .filter_map(|k| hydrate_prop(doc, &obj, k.as_str()).ok().map(|v| (k, v)))
        .collect()
}

/// Every infrastructure entry by id.
pub fn infrastructure(doc: &Automerge) -> BTreeMap<String, InfraEntry> {
    read_all(doc, "infrastructure")
}

/// Every attestation by indicator id.
pub fn attestations(doc: &Automerge) -> BTreeMap<String, Attestation> {
    read_all(doc, "attestations")
}

/// The entries that keep an infrastructure indicator (its rule's `field`,
/// e.g. `road_km_hardened`) from its best: the works of its kind that do
/// not (or not yet known to) meet their standard. What a scorecard gap
/// points the officer to.
pub fn lacking<'a>(
    field: &str,
    entries: impl IntoIterator<Item = (&'a String, &'a InfraEntry)>,
) -> std::collections::BTreeSet<String> {
    let short = |part: Option<f64>, whole: Option<f64>| match (part, whole) {
        (Some(p), Some(w)) => p < w,
        _ => true,
    };
    let fails = |e: &InfraEntry| match field {
        "school_up_to_standard" => e.kind == InfraKind::School && e.up_to_standard != Some(true),
        "cultural_house_up_to_standard" => {
            e.kind == InfraKind::CulturalHouse && e.up_to_standard != Some(true)
        }
        "market_up_to_standard" => e.kind == InfraKind::Market && e.up_to_standard != Some(true),
        "road_km_hardened" => e.kind == InfraKind::Road && e.hardened != Some(true),
        "irrigated_area" => e.kind == InfraKind::Irrigation && short(e.irrigated_ha, e.area_ha),
        "power_safe_households" => {
            e.kind == InfraKind::Power
                && short(
                    e.safe_households.map(|v| v as f64),
                    e.households.map(|v| v as f64),
                )
        }
        _ => false,
    };
    entries
        .into_iter()
        .filter(|(_, e)| fails(e))
        .map(|(id, _)| id.clone())
        .collect()
}

/// Adds the infrastructure and attestation facts of the document to `facts`.
pub fn add_facts(doc: &Automerge, facts: &mut SurveyFacts) {
    let entries = infrastructure(doc);
    let count = |kind: InfraKind| {
        entries
            .values()
            .filter(|e| e.kind == kind && e.up_to_standard == Some(true))
            .count() as u32
    };
    for (field, kind) in [
        ("school_up_to_standard", InfraKind::School),
        ("cultural_house_up_to_standard", InfraKind::CulturalHouse),
        ("market_up_to_standard", InfraKind::Market),
    ] {
        if entries.values().any(|e| e.kind == kind) {
            facts
                .infrastructure_counts
                .insert(field.into(), count(kind));
        }
    }
    let mut share = |field: &str, pairs: Vec<(f64, f64)>| {
        if !pairs.is_empty() {
            let (part, whole) = pairs
                .iter()
                .fold((0.0, 0.0), |(p, w), (a, b)| (p + a, w + b));
            facts
                .infrastructure_shares
                .insert(field.into(), Share { part, whole });
        }
    };
    share(
        "road_km_hardened",
        entries
            .values()
            .filter(|e| e.kind == InfraKind::Road)
            .filter_map(|e| Some((if e.hardened? { e.length_km? } else { 0.0 }, e.length_km?)))
            .collect(),
    );
    share(
        "irrigated_area",
        entries
            .values()
            .filter(|e| e.kind == InfraKind::Irrigation)
            .filter_map(|e| Some((e.irrigated_ha?, e.area_ha?)))
            .collect(),
    );
    share(
        "power_safe_households",
        entries
            .values()
            .filter(|e| e.kind == InfraKind::Power)
            .filter_map(|e| Some((e.safe_households? as f64, e.households? as f64)))
            .collect(),
    );
    for (indicator, a) in attestations(doc) {
        facts.attested.insert(indicator, a.met);
    }
}

#[cfg(test)]
mod tests;
