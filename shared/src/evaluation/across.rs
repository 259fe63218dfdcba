//! A commune under two criteria sets side by side (2021–2025 against
//! 2026–2030, or a version against its draft successor): what it met and
//! no longer meets, what it gains, the new requirements it misses, and the
//! households behind each gap. Indicators of two sets are matched by what
//! they measure (the survey quantity, or the attested statement), not by
//! their number, which the sets reuse for different things.

use super::{evaluate_commune, IndicatorResult, Scorecard, Status, SurveyFacts};
use crate::appraisal::Appraisal;
use crate::catalog::{Catalog, Rule};
use crate::registry::Commune;

/// One side of a matched indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// Criterion number in that set.
    pub criterion: u32,
    /// Indicator id in that set.
    pub indicator: String,
    /// Its evaluation.
    pub result: IndicatorResult,
}

/// One measure whose standing differs between the two sets.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureChange {
    /// What is measured, e.g. `household-share:clean_water`.
    pub measure: String,
    /// Under the first set (`None`: it does not measure this).
    pub before: Option<Side>,
    /// Under the second set (`None`: it no longer measures this).
    pub after: Option<Side>,
    /// How many households stand behind the gap under the second set
    /// (those lacking what a household-share counts, or under an average's
    /// threshold); 0 for infrastructure and attested measures.
    pub households: usize,
    /// Their ids, where the survey gives them (at most 200, for a list).
    pub household_ids: Vec<String>,
}

/// A commune under two sets.
#[derive(Debug, Clone, PartialEq)]
pub struct SetComparison {
    /// Its scorecard under the first set.
    pub before: Scorecard,
    /// Its scorecard under the second.
    pub after: Scorecard,
    /// Met under the first, not under the second (a higher threshold,
    /// another commune class).
    pub lost: Vec<MeasureChange>,
    /// Not met under the first, met under the second.
    pub gained: Vec<MeasureChange>,
    /// Only the second set asks for it, and it is not met.
    pub new_unmet: Vec<MeasureChange>,
}

impl SetComparison {
    /// Meets every criterion of the first set.
    pub fn meets_before(&self) -> bool {
        self.before.met() == self.before.criteria.len()
    }

    /// Meets every criterion of the second set.
    pub fn meets_after(&self) -> bool {
        self.after.met() == self.after.criteria.len()
    }
}

/// The key two sets' indicators are matched by.
pub fn measure(catalog: &Catalog, indicator: &crate::catalog::Indicator) -> String {
    match &indicator.rule {
        Rule::Attested => format!("attested:{}", catalog.attestation_key(&indicator.id)),
        Rule::HouseholdShare { field } => format!("household-share:{field}"),
        Rule::HouseholdAverage { field } => format!("household-average:{field}"),
        Rule::InfrastructureCount { field } => format!("infrastructure-count:{field}"),
        Rule::InfrastructureShare { field } => format!("infrastructure-share:{field}"),
    }
}

fn sides(catalog: &Catalog, card: &Scorecard) -> Vec<(String, Side)> {
    catalog
        .criteria
        .iter()
        .zip(&card.criteria)
        .flat_map(|(criterion, result)| {
            criterion
                .indicators
                .iter()
                .zip(&result.indicators)
                .map(|(ind, r)| {
                    (
                        measure(catalog, ind),
                        Side {
                            criterion: criterion.number,
                            indicator: ind.id.clone(),
                            result: r.clone(),
                        },
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The households behind a gap of the second set's indicator.
fn behind(catalog: &Catalog, side: &Side, facts: &SurveyFacts) -> (usize, Vec<String>) {
    let lacking = super::lacking(catalog, &side.indicator, side.result.threshold, facts);
    let ids = lacking
        .iter()
        .filter_map(|h| h.id.clone())
        .take(200)
        .collect();
    (lacking.len(), ids)
}

/// Evaluates a commune under two sets (each with its own year) and says
/// what changes between them.
pub fn compare_sets(
    (first, first_year): (&Catalog, i32),
    (second, second_year): (&Catalog, i32),
    commune: &Commune,
    facts: &SurveyFacts,
    appraisal: &Appraisal,
) -> SetComparison {
    let before = evaluate_commune(first, commune, first_year, facts, appraisal);
    let after = evaluate_commune(second, commune, second_year, facts, appraisal);
    let old = sides(first, &before);
    let new = sides(second, &after);
    let (mut lost, mut gained, mut new_unmet) = (Vec::new(), Vec::new(), Vec::new());
    for (key, side) in &new {
        let was = old.iter().find(|(k, _)| k == key).map(|(_, s)| s.clone());
        let met_now = side.result.status == Status::Met;
        let change = |before: Option<Side>| {
            let (households, household_ids) = if met_now {
                (0, Vec::new())
            } else {
                behind(second, side, facts)
            };
            MeasureChange {
                measure: key.clone(),
                before,
                after: Some(side.clone()),
                households,
                household_ids,
            }
        };
        match was {
            None if !met_now => new_unmet.push(change(None)),
            None => {}
            Some(b) => match (b.result.status == Status::Met, met_now) {
                (true, false) => lost.push(change(Some(b))),
                (false, true) => gained.push(change(Some(b))),
                _ => {}
            },
        }
    }
    SetComparison {
        before,
        after,
        lost,
        gained,
        new_unmet,
    }
}

/// A province under two sets: every unit existing on `date`, compared.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvinceComparison {
    /// Each unit's comparison, by code, in registry order.
    pub communes: Vec<(String, SetComparison)>,
    /// Units meeting every criterion of the first set.
    pub meeting_before: usize,
    /// Units meeting every criterion of the second set.
    pub meeting_after: usize,
    /// Units that meet the first set and not the second (codes).
    pub lost_standard: Vec<String>,
}

/// Compares every unit of a province existing on `date` under two sets
/// (`surveys` in registry order; appraisals are not read: the comparison
/// is of what the survey says).
pub fn compare_province(
    registry: &crate::registry::Registry,
    surveys: &[SurveyFacts],
    first: (&Catalog, i32),
    second: (&Catalog, i32),
    date: crate::date::Date,
) -> ProvinceComparison {
    let none = Appraisal::default();
    let empty = SurveyFacts::default();
    let communes: Vec<(String, SetComparison)> = registry
        .as_of_indexed(date)
        .map(|(i, c)| {
            let facts = surveys.get(i).unwrap_or(&empty);
            (c.code.clone(), compare_sets(first, second, c, facts, &none))
        })
        .collect();
    ProvinceComparison {
        meeting_before: communes.iter().filter(|(_, c)| c.meets_before()).count(),
        meeting_after: communes.iter().filter(|(_, c)| c.meets_after()).count(),
        lost_standard: communes
            .iter()
            .filter(|(_, c)| c.meets_before() && !c.meets_after())
            .map(|(code, _)| code.clone())
            .collect(),
        communes,
    }
}
