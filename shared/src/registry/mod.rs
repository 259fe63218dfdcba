//! The administrative registry (DESIGN.md §3, `registry` document):
//! province → optional district → commune → village, as data (no province
//! has a district tier since the reform of 01/07/2025), with each unit's
//! validity dates and succession (old units → the merged one), its class in
//! each catalog's classification, programme status, target, sponsor and
//! leader.

pub mod document;
mod succession;

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::catalog::{Classification, CriteriaSet, Region};
use crate::date::Date;
use crate::ids::DocumentId;
pub use succession::{PredecessorStanding, Standing, SuccessionError};

/// A province.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Province {
    /// Administrative code.
    pub code: String,
    /// Name, e.g. "Lào Cai".
    pub name: String,
    /// Generated demo data, not real figures: shown wherever the data is.
    pub synthetic: bool,
}

/// A district (huyện, thị xã, thành phố), where the tier still exists.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct District {
    /// Administrative code.
    pub code: String,
    /// Name, e.g. "Thị xã Sa Pa".
    pub name: String,
    /// Its last day (30/06/2025 for every district: the tier was abolished).
    pub valid_until: Option<Date>,
}

/// A village (thôn, bản).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Village {
    /// Code, unique in the province.
    pub code: String,
    /// Name, e.g. "Bản Hồ".
    pub name: String,
}

/// The level a commune is recognised at or aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum Level {
    /// Nông thôn mới.
    Ntm,
    /// Nông thôn mới nâng cao.
    Advanced,
    /// Nông thôn mới hiện đại (2026–2030).
    Modern,
}

impl Level {
    /// The criteria set a commune at this level must keep meeting.
    pub fn criteria_set(self) -> CriteriaSet {
        match self {
            Level::Ntm => CriteriaSet::Ntm,
            Level::Advanced => CriteriaSet::Advanced,
            Level::Modern => CriteriaSet::Modern,
        }
    }
}

/// What kind of commune-level unit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate, Default)]
pub enum UnitKind {
    /// Xã.
    #[default]
    Commune,
    /// Phường.
    Ward,
    /// Đặc khu.
    SpecialZone,
}

impl UnitKind {
    /// Every kind.
    pub const ALL: [UnitKind; 3] = [UnitKind::Commune, UnitKind::Ward, UnitKind::SpecialZone];

    /// Stable code (`unit-kind-<code>` in the locale files).
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Commune => "commune",
            UnitKind::Ward => "ward",
            UnitKind::SpecialZone => "special-zone",
        }
    }

    /// Vietnamese name, as unit names begin ("Xã", "Phường").
    pub fn name_vi(self) -> &'static str {
        match self {
            UnitKind::Commune => "Xã",
            UnitKind::Ward => "Phường",
            UnitKind::SpecialZone => "Đặc khu",
        }
    }
}

/// A commune's target: reach `level` in `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Target {
    /// The level aimed for.
    pub level: Level,
    /// The year.
    pub year: i32,
}

/// A commune-level unit (xã, phường, đặc khu) and its place in the programme.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Commune {
    /// Administrative code.
    pub code: String,
    /// Name, e.g. "Xã Tả Van".
    pub name: String,
    /// Commune, ward or special zone (a commune in registries written
    /// before units had kinds).
    #[autosurgeon(missing = "Default::default")]
    pub kind: UnitKind,
    /// Its district, where it belonged to one (before 01/07/2025).
    pub district: Option<String>,
    /// Whose 2021–2025 thresholds apply (Decision 318's region): its own
    /// region, or the northern-mountains level for extremely disadvantaged
    /// / safety-zone communes anywhere. Stored, never derived from the province.
    pub applicable_region: Region,
    /// Its class in every other classification a catalog uses, by
    /// classification id (e.g. `nhom-xa-51-2025` → `nhom-3`).
    #[autosurgeon(missing = "Default::default")]
    pub classes: BTreeMap<String, String>,
    /// First day the unit exists (`None`: before the registry's history).
    pub valid_from: Option<Date>,
    /// Last day it exists (`None`: it still does).
    pub valid_until: Option<Date>,
    /// The units it was formed from, by code, on `valid_from`.
    #[autosurgeon(missing = "Default::default")]
    pub predecessors: Vec<String>,
    /// The unit it became part of, the day after `valid_until`.
    pub successor: Option<String>,
    /// For a ward or special zone: the farmland share, percent, of the
    /// communes it was formed from on 01/07/2025 (Decision 51/2025 Annex III).
    pub farmland_percent: Option<f64>,
    /// Xã đặc biệt khó khăn.
    pub extremely_disadvantaged: bool,
    /// Year recognised as NTM, if it is.
    pub ntm_year: Option<i32>,
    /// Year recognised as advanced NTM, if it is.
    pub advanced_year: Option<i32>,
    /// Year recognised as modern NTM, if it is.
    pub modern_year: Option<i32>,
    /// What it aims for next.
    pub target: Option<Target>,
    /// Department sponsoring it (đỡ đầu), by catalog department code.
    pub sponsor: Option<String>,
    /// Provincial leader assigned to it.
    pub leader: Option<String>,
    /// Its villages.
    pub villages: Vec<Village>,
    /// Its documents: devices find what to sync from here.
    pub documents: CommuneDocuments,
}

/// The ids of a commune's own documents (as `automerge-repo` ids, base58check).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct CommuneDocuments {
    /// The `survey` document.
    pub survey: String,
    /// The `dossier` document (district review, dossier state). Empty in
    /// a registry written before the appraisal was split (still readable).
    #[autosurgeon(missing = "Default::default")]
    pub dossier: String,
    /// Each department's `verdicts` document, by department code.
    #[autosurgeon(missing = "Default::default")]
    pub verdicts: BTreeMap<String, String>,
}

impl CommuneDocuments {
    /// The ids admin tooling gives a commune's documents, with a verdicts
    /// document for each department owning criteria in the shipped catalogs.
    pub fn derived(province: &str, commune: &str) -> Self {
        Self::derived_for(province, commune, crate::appraisal::shipped_departments())
    }

    /// The ids admin tooling gives a commune's documents: derived from the
    /// province, commune and department codes, so they are the same
    /// wherever they are made. `departments`: those owning criteria in the
    /// province's catalogs ([`crate::appraisal::departments`]).
    pub fn derived_for(province: &str, commune: &str, departments: &[String]) -> Self {
        let id = |path: String| DocumentId::derived(&path).to_string();
        Self {
            survey: id(format!("survey/{province}/{commune}")),
            dossier: id(format!("dossier/{province}/{commune}")),
            verdicts: departments
                .iter()
                .map(|d| (d.clone(), id(format!("verdicts/{province}/{commune}/{d}"))))
                .collect(),
        }
    }

    /// The survey document's id (`None` if the stored text is not an id).
    pub fn survey_id(&self) -> Option<DocumentId> {
        self.survey.parse().ok()
    }

    /// The appraisal documents' ids (`None` if a stored text is not an id).
    pub fn appraisal_ids(&self) -> Option<crate::appraisal::AppraisalIds> {
        Some(crate::appraisal::AppraisalIds {
            dossier: self.dossier.parse().ok()?,
            verdicts: self
                .verdicts
                .iter()
                .map(|(d, id)| Some((d.clone(), id.parse().ok()?)))
                .collect::<Option<_>>()?,
        })
    }
}

impl Commune {
    /// A unit with no history: valid always, no predecessors, a class only
    /// in the 2021–2025 regions (tests and tools fill the rest).
    pub fn new(code: &str, name: &str, region: Region, documents: CommuneDocuments) -> Self {
        Self {
            code: code.to_owned(),
            name: name.to_owned(),
            kind: UnitKind::Commune,
            district: None,
            applicable_region: region,
            classes: BTreeMap::new(),
            valid_from: None,
            valid_until: None,
            predecessors: Vec::new(),
            successor: None,
            farmland_percent: None,
            extremely_disadvantaged: false,
            ntm_year: None,
            advanced_year: None,
            modern_year: None,
            target: None,
            sponsor: None,
            leader: None,
            villages: Vec::new(),
            documents,
        }
    }

    /// Its class in a catalog's classification (`None`: not recorded, so
    /// no threshold applies). The 2021–2025 regions come from
    /// `applicable_region`.
    pub fn class_in(&self, classification: &Classification) -> Option<String> {
        self.classes
            .get(&classification.id)
            .cloned()
            .or_else(|| classification.class_of_region(self.applicable_region))
    }

    /// Whether the unit exists on `date`.
    pub fn valid_on(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= date)
            && self.valid_until.is_none_or(|until| date <= until)
    }

    /// The highest level it is recognised at.
    pub fn recognised(&self) -> Option<Level> {
        if self.modern_year.is_some() {
            Some(Level::Modern)
        } else if self.advanced_year.is_some() {
            Some(Level::Advanced)
        } else if self.ntm_year.is_some() {
            Some(Level::Ntm)
        } else {
            None
        }
    }
}

/// A province's registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    /// The province.
    pub province: Province,
    /// Its districts (empty where the tier is gone).
    pub districts: Vec<District>,
    /// Its communes.
    pub communes: Vec<Commune>,
}

impl Registry {
    /// A commune by code.
    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.communes.iter().find(|c| c.code == code)
    }

    /// Communes of a district.
    pub fn communes_of<'a>(&'a self, district: &'a str) -> impl Iterator<Item = &'a Commune> + 'a {
        self.communes
            .iter()
            .filter(move |c| c.district.as_deref() == Some(district))
    }

    /// The province as of a date: the units that existed that day.
    pub fn as_of(&self, date: Date) -> impl Iterator<Item = &Commune> + '_ {
        self.as_of_indexed(date).map(|(_, c)| c)
    }

    /// The units that existed on a date, with their place in `communes`
    /// (where lists kept in registry order, such as surveys, find them).
    pub fn as_of_indexed(&self, date: Date) -> impl Iterator<Item = (usize, &Commune)> + '_ {
        self.communes
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.valid_on(date))
    }

    /// The districts that existed on a date (none from 01/07/2025).
    pub fn districts_as_of(&self, date: Date) -> impl Iterator<Item = &District> + '_ {
        self.districts
            .iter()
            .filter(move |d| d.valid_until.is_none_or(|until| date <= until))
    }
}
