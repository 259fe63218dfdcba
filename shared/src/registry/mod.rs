//! The administrative registry (DESIGN.md §3, `registry` document):
//! province → optional district → commune → village, as data (many provinces
//! have no district tier since the 2025 reform), with each commune's
//! programme status, applicable region, target, sponsor and leader.

pub mod document;

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::catalog::Region;
use crate::ids::DocumentId;

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
}

/// A commune's target: reach `level` in `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Target {
    /// The level aimed for.
    pub level: Level,
    /// The year.
    pub year: i32,
}

/// A commune (xã) and its place in the programme.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Commune {
    /// Administrative code.
    pub code: String,
    /// Name, e.g. "Xã Tả Van".
    pub name: String,
    /// Its district, if the province still has that tier.
    pub district: Option<String>,
    /// Whose thresholds apply: its own region, or the northern-mountains
    /// level for extremely disadvantaged / safety-zone communes anywhere.
    /// Stored, never derived from the province.
    pub applicable_region: Region,
    /// Xã đặc biệt khó khăn.
    pub extremely_disadvantaged: bool,
    /// Year recognised as NTM, if it is.
    pub ntm_year: Option<i32>,
    /// Year recognised as advanced NTM, if it is.
    pub advanced_year: Option<i32>,
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
    /// The highest level it is recognised at.
    pub fn recognised(&self) -> Option<Level> {
        if self.advanced_year.is_some() {
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
}
