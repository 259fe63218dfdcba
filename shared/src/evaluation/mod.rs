//! Evaluation of a commune against a catalog version: every indicator's
//! value, threshold and status with its reason; every criterion; x/19; the
//! gap list; what changed between two evaluations; a commune under two sets
//! side by side (`across`); a province's completion of the programme
//! (`completion`). Pure and deterministic.

pub mod across;
pub mod completion;

use std::collections::BTreeMap;

use crate::appraisal::{Appraisal, Decision};
use crate::catalog::{
    Catalog, Compare, CriteriaSet, Rule, HOUSEHOLD_PREDICATES, HOUSEHOLD_QUANTITIES,
};
use crate::message::{Arg, Message};
use crate::registry::Commune;

/// What the survey says, in the catalog's vocabulary (see
/// `catalog::vocabulary`); computed from the survey document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurveyFacts {
    /// One entry per surveyed household.
    pub households: Vec<HouseholdFacts>,
    /// Infrastructure entries that meet their standard, by kind.
    pub infrastructure_counts: BTreeMap<String, u32>,
    /// Infrastructure quantities meeting the standard over the total, by kind.
    pub infrastructure_shares: BTreeMap<String, Share>,
    /// Attested indicators by id: met or not (with evidence in the survey).
    pub attested: BTreeMap<String, bool>,
}

/// Facts about one household, in the vocabulary's order (`None`: not
/// recorded). Fixed arrays, not maps: evaluating a province reads every
/// household once per indicator, and this keeps that a plain index.
#[derive(Debug, Clone, Default, PartialEq, minicbor::Encode, minicbor::Decode)]
pub struct HouseholdFacts {
    /// The household's id in the survey (`None` for generated facts), so
    /// a gap can name the households behind it.
    #[n(0)]
    pub id: Option<String>,
    #[n(1)]
    predicates: [Option<bool>; HOUSEHOLD_PREDICATES.len()],
    #[n(2)]
    quantities: [Option<f64>; HOUSEHOLD_QUANTITIES.len()],
}

fn index_of(vocabulary: &[&str], field: &str) -> usize {
    vocabulary
        .iter()
        .position(|f| *f == field)
        .unwrap_or_else(|| panic!("{field:?} is not in the vocabulary {vocabulary:?}"))
}

impl HouseholdFacts {
    /// Records a yes/no fact. Panics on a field outside the vocabulary (a
    /// programming error: catalogs naming unknown fields are refused at load).
    pub fn set_predicate(&mut self, field: &str, value: Option<bool>) {
        self.predicates[index_of(HOUSEHOLD_PREDICATES, field)] = value;
    }

    /// A yes/no fact.
    pub fn predicate(&self, field: &str) -> Option<bool> {
        self.predicates[index_of(HOUSEHOLD_PREDICATES, field)]
    }

    /// Records a quantity.
    pub fn set_quantity(&mut self, field: &str, value: Option<f64>) {
        self.quantities[index_of(HOUSEHOLD_QUANTITIES, field)] = value;
    }

    /// A quantity.
    pub fn quantity(&self, field: &str) -> Option<f64> {
        self.quantities[index_of(HOUSEHOLD_QUANTITIES, field)]
    }

    /// How many facts are recorded (for baselines and completeness).
    pub fn recorded(&self) -> usize {
        self.predicates.iter().flatten().count() + self.quantities.iter().flatten().count()
    }
}

/// A part of a whole (e.g. hardened km over all km).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// The part that meets the standard.
    pub part: f64,
    /// The whole.
    pub whole: f64,
}

/// Where a commune stands on an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Đạt.
    Met,
    /// Chưa đạt.
    NotMet,
    /// Thiếu dữ liệu.
    MissingData,
}

impl Status {
    /// Stable code (`status-<code>` in the locale files, CSS classes).
    pub fn code(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not-met",
            Status::MissingData => "missing",
        }
    }
}

/// One indicator's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorResult {
    /// Indicator id.
    pub id: String,
    /// The value (percent, count, million đ…); `None` when attested or missing.
    pub value: Option<f64>,
    /// The threshold for the commune's class and year.
    pub threshold: Option<f64>,
    /// The threshold is illustrative (not the official annex): say so wherever it shows.
    pub illustrative: bool,
    /// Met, not met or missing.
    pub status: Status,
    /// Why: a code and its arguments (value, threshold, comparison).
    pub reason: Message,
}

/// One criterion's evaluation: met when every indicator is met.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionResult {
    /// 1 to the set's count.
    pub number: u32,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Overall status: not met if any indicator is not met, else missing if any is missing.
    pub status: Status,
    /// Its indicators.
    pub indicators: Vec<IndicatorResult>,
    /// The owning department's verdict, when it has appraised the criterion
    /// (shown beside the computed status; it does not replace it).
    pub appraisal: Option<Decision>,
}

/// A commune's scorecard for one catalog version.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// The catalog version.
    pub catalog_id: String,
    /// Which set.
    pub set: CriteriaSet,
    /// The commune's class in the catalog's classification (`None`: not
    /// recorded, so no threshold applied).
    pub class: Option<String>,
    /// Year whose thresholds applied.
    pub year: i32,
    /// Every criterion of the set.
    pub criteria: Vec<CriterionResult>,
}

impl Scorecard {
    /// Criteria met (the x of x/19, x/10).
    pub fn met(&self) -> usize {
        self.criteria
            .iter()
            .filter(|c| c.status == Status::Met)
            .count()
    }

    /// "x/19" (or "x/10" for a set of ten).
    pub fn score(&self) -> String {
        format!("{}/{}", self.met(), self.criteria.len())
    }

    /// What is still missing: every indicator not met or without data.
    pub fn gaps(&self) -> Vec<(&CriterionResult, &IndicatorResult)> {
        self.criteria
            .iter()
            .flat_map(|c| c.indicators.iter().map(move |i| (c, i)))
            .filter(|(_, i)| i.status != Status::Met)
            .collect()
    }
}

/// Evaluates a commune of a class (of the catalog's classification: a
/// region, a commune group) for a year.
pub fn evaluate(
    catalog: &Catalog,
    class: Option<&str>,
    year: i32,
    facts: &SurveyFacts,
) -> Scorecard {
    let criteria = catalog
        .criteria
        .iter()
        .map(|criterion| {
            let indicators: Vec<IndicatorResult> = criterion
                .indicators
                .iter()
                .map(|ind| {
                    let threshold = class.and_then(|c| ind.threshold(c, year));
                    let (value, status, reason) = match &ind.rule {
                        Rule::Attested => {
                            match facts.attested.get(&catalog.attestation_key(&ind.id)) {
                                Some(true) => {
                                    (None, Status::Met, Message::new("reason-attested-met"))
                                }
                                Some(false) => (
                                    None,
                                    Status::NotMet,
                                    Message::new("reason-attested-not-met"),
                                ),
                                None => (
                                    None,
                                    Status::MissingData,
                                    Message::new("reason-attested-missing"),
                                ),
                            }
                        }
                        rule => {
                            let value = computed_value(rule, facts);
                            judge(
                                value,
                                threshold,
                                class.is_some(),
                                ind.compare,
                                catalog.illustrative,
                            )
                        }
                    };
                    IndicatorResult {
                        id: ind.id.clone(),
                        value,
                        threshold,
                        illustrative: catalog.illustrative && threshold.is_some(),
                        status,
                        reason,
                    }
                })
                .collect();
            let status = if indicators.iter().any(|i| i.status == Status::NotMet) {
                Status::NotMet
            } else if indicators.iter().any(|i| i.status == Status::MissingData) {
                Status::MissingData
            } else {
                Status::Met
            };
            CriterionResult {
                number: criterion.number,
                name_vi: criterion.name_vi.clone(),
                name_en: criterion.name_en.clone(),
                status,
                indicators,
                appraisal: None,
            }
        })
        .collect();
    Scorecard {
        catalog_id: catalog.id.clone(),
        set: catalog.set,
        class: class.map(str::to_owned),
        year,
        criteria,
    }
}

/// The evaluation DESIGN.md §4 names: (catalog version, registry entry,
/// survey facts, appraisal) → the commune's scorecard, with each criterion's
/// department verdict beside its computed status.
pub fn evaluate_commune(
    catalog: &Catalog,
    commune: &Commune,
    year: i32,
    facts: &SurveyFacts,
    appraisal: &Appraisal,
) -> Scorecard {
    let class = commune.class_in(&catalog.classification);
    let mut card = evaluate(catalog, class.as_deref(), year, facts);
    for criterion in &mut card.criteria {
        criterion.appraisal = appraisal.verdict(&catalog.id, criterion.number).cloned();
    }
    card
}

/// The households that keep an indicator from its threshold: those
/// without the fact an at-least share counts (with it, for an at-most
/// share such as the poverty rate), or whose quantity falls on the wrong
/// side of `threshold` for an average. Empty for rules not computed from
/// households, and for an average without a threshold.
pub fn lacking<'a>(
    catalog: &Catalog,
    indicator: &str,
    threshold: Option<f64>,
    facts: &'a SurveyFacts,
) -> Vec<&'a HouseholdFacts> {
    let Some((_, indicator)) = catalog.indicator(indicator) else {
        return Vec::new();
    };
    match &indicator.rule {
        Rule::HouseholdShare { field } => {
            let i = index_of(HOUSEHOLD_PREDICATES, field);
            let gap = indicator.compare == Compare::AtMost;
            facts
                .households
                .iter()
                .filter(|h| h.predicates[i] == Some(gap))
                .collect()
        }
        Rule::HouseholdAverage { field } => {
            let i = index_of(HOUSEHOLD_QUANTITIES, field);
            let Some(t) = threshold else {
                return Vec::new();
            };
            facts
                .households
                .iter()
                .filter(|h| {
                    h.quantities[i].is_some_and(|v| match indicator.compare {
                        Compare::AtLeast => v < t,
                        Compare::AtMost => v > t,
                    })
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn computed_value(rule: &Rule, facts: &SurveyFacts) -> Option<f64> {
    match rule {
        Rule::Attested => None,
        Rule::HouseholdShare { field } => {
            let i = index_of(HOUSEHOLD_PREDICATES, field);
            let (mut yes, mut known) = (0usize, 0usize);
            for value in facts.households.iter().filter_map(|h| h.predicates[i]) {
                known += 1;
                yes += usize::from(value);
            }
            (known > 0).then(|| 100.0 * yes as f64 / known as f64)
        }
        Rule::HouseholdAverage { field } => {
            let i = index_of(HOUSEHOLD_QUANTITIES, field);
            let (mut sum, mut known) = (0.0, 0usize);
            for value in facts.households.iter().filter_map(|h| h.quantities[i]) {
                known += 1;
                sum += value;
            }
            (known > 0).then(|| sum / known as f64)
        }
        Rule::InfrastructureCount { field } => facts
            .infrastructure_counts
            .get(field)
            .map(|n| f64::from(*n)),
        Rule::InfrastructureShare { field } => facts
            .infrastructure_shares
            .get(field)
            .filter(|s| s.whole > 0.0)
            .map(|s| 100.0 * s.part / s.whole),
    }
}

fn judge(
    value: Option<f64>,
    threshold: Option<f64>,
    class_known: bool,
    compare: Compare,
    illustrative: bool,
) -> (Option<f64>, Status, Message) {
    match (value, threshold) {
        (None, _) => (None, Status::MissingData, Message::new("reason-no-data")),
        (Some(v), None) if !class_known => (
            Some(v),
            Status::MissingData,
            Message::new("reason-no-class"),
        ),
        (Some(v), None) => (
            Some(v),
            Status::MissingData,
            Message::new("reason-no-threshold"),
        ),
        (Some(v), Some(t)) => {
            // Values are rounded for display; compare with a tolerance so 79.99999 is 80.
            let met = match compare {
                Compare::AtLeast => v >= t - 1e-9,
                Compare::AtMost => v <= t + 1e-9,
            };
            let sign = match compare {
                Compare::AtLeast => "≥",
                Compare::AtMost => "≤",
            };
            let reason = Message::new(if met { "reason-met" } else { "reason-not-met" })
                .with(
                    "value",
                    Arg::Decimal {
                        value: v,
                        digits: 1,
                    },
                )
                .with("sign", sign)
                .with("threshold", threshold_arg(t))
                .with("illustrative", if illustrative { "yes" } else { "no" });
            (
                Some(v),
                if met { Status::Met } else { Status::NotMet },
                reason,
            )
        }
    }
}

/// A threshold as written in the catalog: `90`, `2.5`, `0.75`.
fn threshold_arg(t: f64) -> Arg {
    let digits = (0..3u8)
        .find(|d| {
            let scale = 10f64.powi(i32::from(*d));
            ((t * scale).round() - t * scale).abs() < 1e-9
        })
        .unwrap_or(3);
    Arg::Decimal { value: t, digits }
}

/// One indicator whose status differs between two evaluations.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Indicator id.
    pub indicator: String,
    /// Status before (None: the indicator did not exist).
    pub before: Option<Status>,
    /// Status after (None: the indicator no longer exists).
    pub after: Option<Status>,
}

/// What a commune gained or lost between two evaluations (e.g. under a new
/// catalog version): changed indicators, and criteria met before and after.
pub fn compare(before: &Scorecard, after: &Scorecard) -> (Vec<Change>, i64) {
    let index = |s: &Scorecard| -> BTreeMap<String, Status> {
        s.criteria
            .iter()
            .flat_map(|c| c.indicators.iter().map(|i| (i.id.clone(), i.status)))
            .collect()
    };
    let (b, a) = (index(before), index(after));
    let mut ids: Vec<&String> = b.keys().chain(a.keys()).collect();
    ids.sort();
    ids.dedup();
    let changes = ids
        .into_iter()
        .filter_map(|id| {
            let (x, y) = (b.get(id).copied(), a.get(id).copied());
            (x != y).then(|| Change {
                indicator: id.clone(),
                before: x,
                after: y,
            })
        })
        .collect();
    (changes, after.met() as i64 - before.met() as i64)
}

#[cfg(test)]
mod tests;
