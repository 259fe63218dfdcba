//! The survey quantities a catalog rule may be computed from. A rule naming
//! anything else is rejected when the catalog loads; the survey model
//! computes exactly these.

/// Yes/no facts about a household (for `household-share` rules).
pub const HOUSEHOLD_PREDICATES: &[&str] = &[
    "clean_water",
    "hygienic_latrine",
    "solid_house",
    "all_members_insured",
    "internet_access",
    "digital_services",
    "waste_treated",
    "poor",
    "has_employed_member",
    "children_in_school",
];

/// Numbers about a household (for `household-average` rules).
pub const HOUSEHOLD_QUANTITIES: &[&str] = &["income_per_person_year"];

/// Kinds of infrastructure counted when they meet their standard.
pub const INFRASTRUCTURE_COUNTS: &[&str] = &[
    "school_up_to_standard",
    "cultural_house_up_to_standard",
    "market_up_to_standard",
];

/// Infrastructure shares, in percent.
pub const INFRASTRUCTURE_SHARES: &[&str] = &[
    "road_km_hardened",
    "irrigated_area",
    "power_safe_households",
];
