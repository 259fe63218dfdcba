//! Whether a province has completed the NTM programme under a set's rule
//! (Decision 51/2025/QĐ-TTg, Annex III): every commune meets the set, a
//! share of communes meets the modern set, and wards formed from farming
//! communes (and special zones) meet most of the contents.

use super::{Scorecard, Status};
use crate::catalog::CompletionRule;
use crate::registry::{Commune, UnitKind};

/// One unit's results, as the completion rule reads them.
#[derive(Debug, Clone, Copy)]
pub struct UnitResult<'a> {
    /// The unit.
    pub unit: &'a Commune,
    /// Its scorecard under the set whose rule this is.
    pub card: &'a Scorecard,
    /// Its scorecard under the modern set, if evaluated.
    pub modern: Option<&'a Scorecard>,
}

/// How far a province is from completing the programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The rule applied.
    pub rule: CompletionRule,
    /// Communes (not wards or special zones).
    pub communes: usize,
    /// Communes meeting every criterion of the set.
    pub communes_met: usize,
    /// Communes meeting every criterion of the modern set.
    pub communes_modern: usize,
    /// Wards formed from farming communes, and special zones: those the
    /// rule asks contents of.
    pub wards_counted: usize,
    /// Of those, the ones meeting the rule's share of indicators.
    pub wards_met: usize,
    /// Communes that do not meet the set (codes), for the list to work on.
    pub communes_short: Vec<String>,
    /// Every condition holds.
    pub complete: bool,
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn meets(card: &Scorecard) -> bool {
    card.met() == card.criteria.len()
}

/// Applies a completion rule to a province's units (those in existence).
pub fn completion(rule: &CompletionRule, units: &[UnitResult<'_>]) -> Completion {
    let communes: Vec<&UnitResult<'_>> = units
        .iter()
        .filter(|u| u.unit.kind == UnitKind::Commune)
        .collect();
    let communes_met = communes.iter().filter(|u| meets(u.card)).count();
    let communes_modern = communes
        .iter()
        .filter(|u| u.modern.is_some_and(meets))
        .count();
    let counted: Vec<&UnitResult<'_>> = units
        .iter()
        .filter(|u| match u.unit.kind {
            UnitKind::SpecialZone => true,
            UnitKind::Ward => u
                .unit
                .farmland_percent
                .is_some_and(|f| f >= rule.ward_farmland_percent),
            UnitKind::Commune => false,
        })
        .collect();
    let wards_met = counted
        .iter()
        .filter(|u| {
            let indicators: Vec<Status> = u
                .card
                .criteria
                .iter()
                .flat_map(|c| c.indicators.iter().map(|i| i.status))
                .collect();
            let met = indicators.iter().filter(|s| **s == Status::Met).count();
            percent(met, indicators.len()) >= rule.ward_contents_percent - 1e-9
        })
        .count();
    let complete = percent(communes_met, communes.len()) >= rule.communes_met_percent - 1e-9
        && percent(communes_modern, communes.len()) >= rule.modern_percent - 1e-9
        && wards_met == counted.len();
    Completion {
        rule: rule.clone(),
        communes: communes.len(),
        communes_met,
        communes_modern,
        wards_counted: counted.len(),
        wards_met,
        communes_short: communes
            .iter()
            .filter(|u| !meets(u.card))
            .map(|u| u.unit.code.clone())
            .collect(),
        complete,
    }
}
