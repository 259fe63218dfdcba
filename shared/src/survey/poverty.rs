//! Household poverty classification by survey year, the standards as data:
//! Decree 07/2021/NĐ-CP (2022–2025, and still in 2026 under Decree
//! 351/2025/NĐ-CP): rural poor = income ≤ 1,500,000 đ/person/month and ≥ 3
//! deprivations of basic social services, near-poor = same income, < 3;
//! urban line 2,000,000 đ. Decree 351/2025/NĐ-CP (2027–2030): lines
//! 2,200,000 đ rural / 2,800,000 đ urban, the same deprivation count, the
//! information-means indicator removed and digital-service use, internet
//! access and household-waste treatment added (the final list of
//! dimensions is to be confirmed: see `../shared/reference/ntm-domain.md`,
//! "Since 2025", sources huengaynay.vn and vietnamnet.vn).

/// Where the household lives (the income line differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Nông thôn.
    Rural,
    /// Thành thị.
    Urban,
}

/// A deprivation of basic social services that the survey records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Deprivation {
    /// No working-age member has work (việc làm).
    Employment,
    /// A school-age child does not attend school (tình trạng đi học).
    SchoolAttendance,
    /// A member has no health insurance (bảo hiểm y tế).
    HealthInsurance,
    /// Flimsy or makeshift house (chất lượng nhà ở).
    HousingQuality,
    /// No clean water (nguồn nước sinh hoạt).
    Water,
    /// No hygienic latrine (nhà tiêu hợp vệ sinh).
    Sanitation,
    /// No telecoms service used (sử dụng dịch vụ viễn thông), Decree 07.
    Telecoms,
    /// No internet access (tiếp cận internet), Decree 351.
    InternetAccess,
    /// No digital services used (sử dụng dịch vụ số), Decree 351.
    DigitalServices,
    /// Household waste not collected or treated (xử lý rác thải sinh hoạt), Decree 351.
    WasteTreatment,
}

/// A poverty standard: income lines, the deprivation count and the
/// dimensions counted, with the years it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PovertyStandard {
    /// The legal act's code (`standard-<code>` in the locale files).
    pub legal_basis: &'static str,
    /// First survey year it applies to.
    pub from_year: i32,
    /// Last survey year it applies to.
    pub to_year: i32,
    /// Rural income line, đồng per person per month (inclusive).
    pub rural_line: i64,
    /// Urban income line, đồng per person per month (inclusive).
    pub urban_line: i64,
    /// Deprivations that make a household under the line poor rather than near-poor.
    pub poor_deprivations: u32,
    /// The dimensions counted (of those the survey records).
    pub dimensions: &'static [Deprivation],
}

impl PovertyStandard {
    /// Decree 07/2021/NĐ-CP: 2022–2025, extended to 2026 by Decree 351/2025.
    pub const DECREE_07_2021: PovertyStandard = PovertyStandard {
        legal_basis: "decree-07-2021",
        from_year: 2022,
        to_year: 2026,
        rural_line: 1_500_000,
        urban_line: 2_000_000,
        poor_deprivations: 3,
        dimensions: &[
            Deprivation::Employment,
            Deprivation::SchoolAttendance,
            Deprivation::HealthInsurance,
            Deprivation::HousingQuality,
            Deprivation::Water,
            Deprivation::Sanitation,
            Deprivation::Telecoms,
        ],
    };

    /// Decree 351/2025/NĐ-CP: 2027–2030.
    pub const DECREE_351_2025: PovertyStandard = PovertyStandard {
        legal_basis: "decree-351-2025",
        from_year: 2027,
        to_year: 2030,
        rural_line: 2_200_000,
        urban_line: 2_800_000,
        poor_deprivations: 3,
        dimensions: &[
            Deprivation::Employment,
            Deprivation::SchoolAttendance,
            Deprivation::HealthInsurance,
            Deprivation::HousingQuality,
            Deprivation::Water,
            Deprivation::Sanitation,
            Deprivation::InternetAccess,
            Deprivation::DigitalServices,
            Deprivation::WasteTreatment,
        ],
    };

    /// The standards the product knows, oldest first.
    pub const ALL: [PovertyStandard; 2] = [Self::DECREE_07_2021, Self::DECREE_351_2025];

    /// The standard for a survey year. Years before 2022 use Decree 07 (the
    /// 2016–2020 standard is not modelled); years after 2030 the latest.
    pub fn for_year(year: i32) -> PovertyStandard {
        Self::ALL
            .into_iter()
            .find(|s| (s.from_year..=s.to_year).contains(&year))
            .unwrap_or(if year < Self::ALL[0].from_year {
                Self::ALL[0]
            } else {
                Self::ALL[Self::ALL.len() - 1]
            })
    }
}

/// The classification.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, minicbor::Encode, minicbor::Decode,
)]
#[cbor(index_only)]
pub enum PovertyClass {
    /// Hộ nghèo.
    #[n(0)]
    Poor,
    /// Hộ cận nghèo.
    #[n(1)]
    NearPoor,
    /// Không nghèo.
    #[n(2)]
    NotPoor,
}

impl PovertyClass {
    /// Stable code: the label is `poverty-<code>` in the locale files.
    pub fn code(self) -> &'static str {
        match self {
            PovertyClass::Poor => "poor",
            PovertyClass::NearPoor => "near-poor",
            PovertyClass::NotPoor => "not-poor",
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

    /// Hand-worked cases under Decree 351/2025 (2027–2030).
    const CASES_2027: &[(Area, i64, u32, PovertyClass)] = &[
        // 2,000,000 đ: above Decree 07's line, under Decree 351's.
        (Area::Rural, 2_000_000, 3, PovertyClass::Poor),
        (Area::Rural, 2_200_000, 2, PovertyClass::NearPoor), // the line itself is inside
        (Area::Rural, 2_200_001, 5, PovertyClass::NotPoor),
        (Area::Urban, 2_500_000, 4, PovertyClass::Poor), // urban line 2,800,000
        (Area::Urban, 2_800_000, 0, PovertyClass::NearPoor),
        (Area::Urban, 2_900_000, 3, PovertyClass::NotPoor),
    ];

    #[test]
    fn decree_351_cases_from_2027() {
        for &(area, income, deprivations, expected) in CASES_2027 {
            assert_eq!(
                classify(PovertyStandard::for_year(2027), area, income, deprivations),
                expected,
                "{area:?} {income} đ, {deprivations} deprivations"
            );
        }
        assert_eq!(
            classify(PovertyStandard::for_year(2026), Area::Rural, 2_000_000, 3),
            PovertyClass::NotPoor,
            "2026 still uses Decree 07's 1,500,000 đ line"
        );
    }

    #[test]
    fn the_standard_follows_the_survey_year() {
        for (year, standard) in [
            (2021, PovertyStandard::DECREE_07_2021),
            (2024, PovertyStandard::DECREE_07_2021),
            (2026, PovertyStandard::DECREE_07_2021),
            (2027, PovertyStandard::DECREE_351_2025),
            (2030, PovertyStandard::DECREE_351_2025),
            (2031, PovertyStandard::DECREE_351_2025),
        ] {
            assert_eq!(PovertyStandard::for_year(year), standard, "{year}");
        }
        let later = PovertyStandard::DECREE_351_2025.dimensions;
        assert!(
            !later.contains(&Deprivation::Telecoms),
            "information means removed"
        );
        for added in [
            Deprivation::InternetAccess,
            Deprivation::DigitalServices,
            Deprivation::WasteTreatment,
        ] {
            assert!(later.contains(&added), "{added:?}");
        }
    }
}
