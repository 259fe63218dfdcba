//! Household poverty classification, Decree 07/2021/NĐ-CP (2022–2025):
//! rural poor = income ≤ 1,500,000 đ/person/month and ≥ 3 deprivations of
//! basic social services; near-poor = same income, < 3 deprivations.
//! Urban line 2,000,000 đ. The lines are parameters (they change by period:
//! 2,200,000 / 2,800,000 from 2027), never constants in the logic.

/// Where the household lives (the income line differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Nông thôn.
    Rural,
    /// Thành thị.
    Urban,
}

/// A poverty standard: income lines and the deprivation count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PovertyStandard {
    /// Rural income line, đồng per person per month (inclusive).
    pub rural_line: i64,
    /// Urban income line, đồng per person per month (inclusive).
    pub urban_line: i64,
    /// Deprivations that make a household under the line poor rather than near-poor.
    pub poor_deprivations: u32,
}

impl PovertyStandard {
    /// Decree 07/2021/NĐ-CP, 2022–2025.
    pub const DECREE_07_2021: PovertyStandard = PovertyStandard {
        rural_line: 1_500_000,
        urban_line: 2_000_000,
        poor_deprivations: 3,
    };
}

/// The classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PovertyClass {
    /// Hộ nghèo.
    Poor,
    /// Hộ cận nghèo.
    NearPoor,
    /// Không nghèo.
    NotPoor,
}

impl PovertyClass {
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            PovertyClass::Poor => "Hộ nghèo",
            PovertyClass::NearPoor => "Hộ cận nghèo",
            PovertyClass::NotPoor => "Không nghèo",
        }
    }
}

/// Classifies a household from its income per person per month (đồng) and
/// its number of deprivations.
pub fn classify(
    standard: PovertyStandard,
    area: Area,
    income_per_person_month: i64,
    deprivations: u32,
) -> PovertyClass {
    let line = match area {
        Area::Rural => standard.rural_line,
        Area::Urban => standard.urban_line,
    };
    if income_per_person_month > line {
        PovertyClass::NotPoor
    } else if deprivations >= standard.poor_deprivations {
        PovertyClass::Poor
    } else {
        PovertyClass::NearPoor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-worked cases: (area, income/person/month, deprivations, expected).
    const CASES: &[(Area, i64, u32, PovertyClass)] = &[
        (Area::Rural, 1_200_000, 4, PovertyClass::Poor),
        (Area::Rural, 1_500_000, 3, PovertyClass::Poor), // the line itself is inside
        (Area::Rural, 1_500_000, 2, PovertyClass::NearPoor),
        (Area::Rural, 1_500_001, 6, PovertyClass::NotPoor), // above the line: not poor whatever the deprivations
        (Area::Rural, 0, 0, PovertyClass::NearPoor),
        (Area::Urban, 1_800_000, 3, PovertyClass::Poor), // urban line is 2,000,000
        (Area::Urban, 2_000_000, 1, PovertyClass::NearPoor),
        (Area::Urban, 2_100_000, 5, PovertyClass::NotPoor),
    ];

    #[test]
    fn decree_07_cases() {
        for &(area, income, deprivations, expected) in CASES {
            assert_eq!(
                classify(PovertyStandard::DECREE_07_2021, area, income, deprivations),
                expected,
                "{area:?} {income} đ, {deprivations} deprivations"
            );
        }
    }

    #[test]
    fn the_2027_line_is_a_parameter() {
        let later = PovertyStandard {
            rural_line: 2_200_000,
            urban_line: 2_800_000,
            poor_deprivations: 3,
        };
        assert_eq!(
            classify(later, Area::Rural, 2_000_000, 3),
            PovertyClass::Poor
        );
        assert_eq!(
            classify(PovertyStandard::DECREE_07_2021, Area::Rural, 2_000_000, 3),
            PovertyClass::NotPoor
        );
    }
}
