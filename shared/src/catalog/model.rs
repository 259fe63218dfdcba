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
}

/// Which national set a catalog version belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CriteriaSet {
    /// Xã nông thôn mới.
    Ntm,
    /// Xã nông thôn mới nâng cao.
    Advanced,
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

/// Thresholds in force from a year on, one per region.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdStep {
    /// First year these values apply.
    pub from_year: i32,
    /// The value for each of the 7 regions.
    pub by_region: BTreeMap<Region, f64>,
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
    /// The threshold for a region in a year: the latest step not after `year`.
    pub fn threshold(&self, region: Region, year: i32) -> Option<f64> {
        self.thresholds
            .iter()
            .rev()
            .find(|s| s.from_year <= year)
            .and_then(|s| s.by_region.get(&region).copied())
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
    /// 1 to 19.
    pub number: u32,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Group.
    pub group: Group,
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
    /// Departments that own criteria.
    pub departments: Vec<Department>,
    /// The 19 criteria, by number.
    pub criteria: Vec<Criterion>,
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
}
