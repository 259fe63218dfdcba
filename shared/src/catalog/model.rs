//! The validated catalog: criteria sets, criteria, indicators, thresholds.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

/// The 7 socio-economic regions of Decision 318/QĐ-TTg, each with its own targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Reconcile, Hydrate)]
pub enum Region {
    /// Trung du và miền núi phía Bắc (also applied to extremely disadvantaged communes anywhere).
    NorthernMidlandsMountains,
    /// Đồng bằng sông Hồng.
    RedRiverDelta,
    /// Bắc Trung Bộ.
    NorthCentral,
    /// Duyên hải Nam Trung Bộ.
    SouthCentralCoast,
    /// Tây Nguyên.
    CentralHighlands,
    /// Đông Nam Bộ.
    Southeast,
    /// Đồng bằng sông Cửu Long.
    MekongDelta,
}

impl Region {
    /// All regions, in the order of the decision.
    pub const ALL: [Region; 7] = [
        Region::NorthernMidlandsMountains,
        Region::RedRiverDelta,
        Region::NorthCentral,
        Region::SouthCentralCoast,
        Region::CentralHighlands,
        Region::Southeast,
        Region::MekongDelta,
    ];

    /// The code used in catalog files.
    pub fn code(self) -> &'static str {
        match self {
            Region::NorthernMidlandsMountains => "tdmnpb",
            Region::RedRiverDelta => "dbsh",
            Region::NorthCentral => "btb",
            Region::SouthCentralCoast => "dhntb",
            Region::CentralHighlands => "tn",
            Region::Southeast => "dnb",
            Region::MekongDelta => "dbscl",
        }
    }

    /// Vietnamese name.
    pub fn name_vi(self) -> &'static str {
        match self {
            Region::NorthernMidlandsMountains => "Trung du và miền núi phía Bắc",
            Region::RedRiverDelta => "Đồng bằng sông Hồng",
            Region::NorthCentral => "Bắc Trung Bộ",
            Region::SouthCentralCoast => "Duyên hải Nam Trung Bộ",
            Region::CentralHighlands => "Tây Nguyên",
            Region::Southeast => "Đông Nam Bộ",
            Region::MekongDelta => "Đồng bằng sông Cửu Long",
        }
    }

    /// The region for a catalog code.
    pub fn from_code(code: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.code() == code)
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Region::NorthernMidlandsMountains => "Northern midlands and mountains",
            Region::RedRiverDelta => "Red River Delta",
            Region::NorthCentral => "North Central",
            Region::SouthCentralCoast => "South Central Coast",
            Region::CentralHighlands => "Central Highlands",
            Region::Southeast => "Southeast",
            Region::MekongDelta => "Mekong Delta",
        }
    }
}

/// One class of communes a criteria set keys its thresholds by (a region
/// of Decision 318, a commune group of Decision 51, or a province's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneClass {
    /// Code used in catalog files and in the registry, e.g. `tdmnpb`, `nhom-3`.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// How a criteria set classifies communes: each commune belongs to one
/// class, recorded per classification in the registry, and every threshold
/// is given per class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Stable id, the key of a commune's class in the registry.
    pub id: String,
    /// Vietnamese name, e.g. "Vùng kinh tế – xã hội".
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// The classes, in the order of the legal act.
    pub classes: Vec<CommuneClass>,
}

/// The classification a catalog uses when it declares none: the 7 regions
/// of Decision 318/QĐ-TTg (2021–2025), so those catalogs load unchanged.
pub const REGIONS_318: &str = "vung-318";

impl Classification {
    /// The 7 socio-economic regions of Decision 318/QĐ-TTg.
    pub fn regions_318() -> Self {
        Self {
            id: REGIONS_318.to_owned(),
            name_vi: "Vùng kinh tế – xã hội (Quyết định 318/QĐ-TTg)".to_owned(),
            name_en: "Socio-economic region (Decision 318/QĐ-TTg)".to_owned(),
            classes: Region::ALL
                .iter()
                .map(|r| CommuneClass {
                    code: r.code().to_owned(),
                    name_vi: r.name_vi().to_owned(),
                    name_en: r.name_en().to_owned(),
                })
                .collect(),
        }
    }

    /// A class by code.
    pub fn class(&self, code: &str) -> Option<&CommuneClass> {
        self.classes.iter().find(|c| c.code == code)
    }

    /// A commune's class here when all that is known is its 2021–2025
    /// region: the region itself under Decision 318, nothing otherwise.
    pub fn class_of_region(&self, region: Region) -> Option<String> {
        (self.id == REGIONS_318).then(|| region.code().to_owned())
    }
}

/// Which national set a catalog version belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CriteriaSet {
    /// Xã nông thôn mới.
    Ntm,
    /// Xã nông thôn mới nâng cao.
    Advanced,
    /// Xã nông thôn mới hiện đại (2026–2030 pilot, Decision 51/2025 Annex II).
    Modern,
}

impl CriteriaSet {
    /// The code used in catalog files.
    pub fn code(self) -> &'static str {
        match self {
            CriteriaSet::Ntm => "ntm",
            CriteriaSet::Advanced => "advanced",
            CriteriaSet::Modern => "modern",
        }
    }

    /// Every set, in the order of the levels they set.
    pub const ALL: [CriteriaSet; 3] =
        [CriteriaSet::Ntm, CriteriaSet::Advanced, CriteriaSet::Modern];
}

/// The five groups of criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Quy hoạch.
    Planning,
    /// Hạ tầng kinh tế – xã hội.
    Infrastructure,
    /// Kinh tế và tổ chức sản xuất.
    Economy,
    /// Văn hóa – Xã hội – Môi trường.
    CultureSocietyEnvironment,
    /// Hệ thống chính trị.
    PoliticalSystem,
}

/// What an indicator's value is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// Đạt / không đạt (attested).
    YesNo,
    /// Percent.
    Percent,
    /// Million đồng per person per year.
    MillionVndPerPersonYear,
    /// A count of facilities.
    Count,
}

/// How an indicator's value is obtained and judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Attested by the commune with evidence; met when attested.
    Attested,
    /// Percentage of surveyed households for which `field` holds.
    HouseholdShare {
        /// A household predicate from [`super::HOUSEHOLD_PREDICATES`].
        field: String,
    },
    /// Average over surveyed households (per person where the field says so).
    HouseholdAverage {
        /// A household quantity from [`super::HOUSEHOLD_QUANTITIES`].
        field: String,
    },
    /// Number of infrastructure entries of a kind that meet their standard.
    InfrastructureCount {
        /// An infrastructure kind from [`super::INFRASTRUCTURE_COUNTS`].
        field: String,
    },
    /// Percentage of an infrastructure quantity that meets its standard.
    InfrastructureShare {
        /// An infrastructure share from [`super::INFRASTRUCTURE_SHARES`].
        field: String,
    },
}

/// Whether the value must reach the threshold or stay under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// value ≥ threshold.
    AtLeast,
    /// value ≤ threshold (e.g. the poverty rate).
    AtMost,
}

/// Thresholds in force from a year on, one per class of commune.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdStep {
    /// First year these values apply.
    pub from_year: i32,
    /// The value for each class of the catalog's classification.
    pub by_class: BTreeMap<String, f64>,
}

/// One indicator (chỉ tiêu).
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Its id, e.g. `10.1` (or `10` for a criterion with a single indicator).
    pub id: String,
    /// Vietnamese text.
    pub text_vi: String,
    /// English text.
    pub text_en: String,
    /// Unit of the value.
    pub unit: Unit,
    /// How the value is obtained.
    pub rule: Rule,
    /// Direction of the comparison.
    pub compare: Compare,
    /// Thresholds by year (ascending); empty for attested indicators.
    pub thresholds: Vec<ThresholdStep>,
}

impl Indicator {
    /// The threshold for a class of commune in a year: the latest step
    /// not after `year`.
    pub fn threshold(&self, class: &str, year: i32) -> Option<f64> {
        self.thresholds
            .iter()
            .rev()
            .find(|s| s.from_year <= year)
            .and_then(|s| s.by_class.get(class).copied())
    }
}

/// A department that owns and appraises criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// Code used in the catalog.
    pub code: String,
    /// Vietnamese name, e.g. "Sở Xây dựng".
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// One criterion (tiêu chí).
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// 1 to the set's count (19 for 2021–2025, 10 for 2026–2030).
    pub number: u32,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Group, where the set groups its criteria (2021–2025 does).
    pub group: Option<Group>,
    /// Code of the owning department.
    pub owner: String,
    /// Its indicators; the criterion is met when all are met.
    pub indicators: Vec<Indicator>,
}

/// A version of a criteria set.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// Stable id, e.g. `ntm-2021-2025`.
    pub id: String,
    /// Which set.
    pub set: CriteriaSet,
    /// Version label.
    pub version: String,
    /// Vietnamese title.
    pub name_vi: String,
    /// English title.
    pub name_en: String,
    /// The legal act it follows.
    pub legal_basis: String,
    /// True when thresholds are not the official annex values; every display
    /// and export of a threshold must say so.
    pub illustrative: bool,
    /// Where its attested indicators' statements are kept: empty for the
    /// 2021–2025 sets (a statement is keyed by the indicator id, shared by
    /// the NTM and advanced sets), a scope for later sets so that their
    /// "1.1" is not the older set's "1.1".
    pub attestation_scope: String,
    /// First day it applies (`None`: not stated; the 2021–2025 sets).
    pub in_force_from: Option<crate::date::Date>,
    /// How it classifies communes (its thresholds are per class).
    pub classification: Classification,
    /// Departments that own criteria.
    pub departments: Vec<Department>,
    /// The criteria, numbered 1 to their count.
    pub criteria: Vec<Criterion>,
    /// When a province has completed the programme under this set, where
    /// the set says (Decision 51/2025 Annex III).
    pub completion: Option<CompletionRule>,
}

/// When a province has completed the NTM programme (Decision 51/2025/QĐ-TTg,
/// Annex III): every commune at the standard, a share of them modern, and
/// wards formed from farming communes meeting most of the contents.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRule {
    /// Share of communes that must meet this set, percent (100).
    pub communes_met_percent: f64,
    /// Share of communes that must meet the modern set, percent (10).
    pub modern_percent: f64,
    /// The catalog id of the modern set.
    pub modern_catalog: String,
    /// A ward counts when it was formed from communes whose farmland was at
    /// least this share of their land on 01/07/2025, percent (70).
    pub ward_farmland_percent: f64,
    /// Such wards and special zones must meet this share of the indicators, percent (70).
    pub ward_contents_percent: f64,
    /// The legal act.
    pub legal_basis: String,
}

impl Catalog {
    /// An indicator by id.
    pub fn indicator(&self, id: &str) -> Option<(&Criterion, &Indicator)> {
        self.criteria
            .iter()
            .flat_map(|c| c.indicators.iter().map(move |i| (c, i)))
            .find(|(_, i)| i.id == id)
    }

    /// A department by code.
    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }

    /// Of several versions, the one of `set` in force on `date`: the latest
    /// to have started (a version stating no start counts as the earliest).
    pub fn in_force(
        catalogs: &[Catalog],
        set: CriteriaSet,
        date: crate::date::Date,
    ) -> Option<&Catalog> {
        catalogs
            .iter()
            .filter(|c| c.set == set && c.in_force_from.is_none_or(|from| from <= date))
            .max_by_key(|c| c.in_force_from)
    }

    /// The key under which the survey keeps the commune's statement on an
    /// attested indicator of this set.
    pub fn attestation_key(&self, indicator: &str) -> String {
        if self.attestation_scope.is_empty() {
            indicator.to_owned()
        } else {
            format!("{}/{indicator}", self.attestation_scope)
        }
    }
}
