//! The province overview the Coordination Office watches: every commune's
//! score against the NTM and advanced sets, its status and target, and
//! whether a recognised commune is at risk of losing the standard.

use crate::catalog::{Catalog, CriteriaSet};
use crate::evaluation::{evaluate, SurveyFacts};
use crate::registry::{Level, Registry, Target};

/// One commune in the overview.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneRow {
    /// Commune code.
    pub code: String,
    /// Commune name.
    pub name: String,
    /// District name, where the tier exists.
    pub district: Option<String>,
    /// Recognised level, if any.
    pub recognised: Option<Level>,
    /// Its target.
    pub target: Option<Target>,
    /// Criteria met of the NTM set.
    pub ntm_met: usize,
    /// Criteria met of the advanced set.
    pub advanced_met: usize,
    /// Recognised, but no longer meets every criterion of its level.
    pub at_risk: bool,
}

/// Totals shown above the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Communes.
    pub communes: usize,
    /// Meeting 19/19 of the NTM set now.
    pub ntm_now: usize,
    /// Recognised NTM (or advanced).
    pub recognised: usize,
    /// Recognised communes at risk.
    pub at_risk: usize,
    /// Targets for the year: NTM and advanced.
    pub targets: (usize, usize),
}

/// Evaluates every commune for `year` against the NTM and advanced catalogs.
pub fn overview(
    registry: &Registry,
    surveys: &[SurveyFacts],
    catalogs: &[Catalog],
    year: i32,
) -> (Vec<CommuneRow>, Totals) {
    let set = |s| catalogs.iter().find(|c| c.set == s);
    let (ntm, advanced) = (set(CriteriaSet::Ntm), set(CriteriaSet::Advanced));
    let empty = SurveyFacts::default();
    let rows: Vec<CommuneRow> = registry
        .communes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let facts = surveys.get(i).unwrap_or(&empty);
            let met = |cat: Option<&Catalog>| {
                cat.map(|k| evaluate(k, c.applicable_region, year, facts))
                    .map_or(0, |s| s.met())
            };
            let (ntm_met, advanced_met) = (met(ntm), met(advanced));
            let at_risk = match c.recognised() {
                Some(Level::Advanced) => advanced_met < 19,
                Some(Level::Ntm) => ntm_met < 19,
                None => false,
            };
            CommuneRow {
                code: c.code.clone(),
                name: c.name.clone(),
                district: c
                    .district
                    .as_ref()
                    .and_then(|d| registry.districts.iter().find(|x| &x.code == d))
                    .map(|d| d.name.clone()),
                recognised: c.recognised(),
                target: c.target,
                ntm_met,
                advanced_met,
                at_risk,
            }
        })
        .collect();
    let targets = |level| {
        registry
            .communes
            .iter()
            .filter(|c| c.target.is_some_and(|t| t.level == level && t.year == year))
            .count()
    };
    let totals = Totals {
        communes: rows.len(),
        ntm_now: rows.iter().filter(|r| r.ntm_met == 19).count(),
        recognised: rows.iter().filter(|r| r.recognised.is_some()).count(),
        at_risk: rows.iter().filter(|r| r.at_risk).count(),
        targets: (targets(Level::Ntm), targets(Level::Advanced)),
    };
    (rows, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::demo::{generate, DemoParams};

    #[test]
    fn demo_overview_flags_recognised_communes_that_slipped() {
        let demo = generate(DemoParams {
            households: (40, 80),
            ..DemoParams::default()
        });
        let (rows, totals) = overview(&demo.registry, &demo.surveys, &catalog::shipped(), 2024);
        assert_eq!(totals.communes, 127);
        assert!(
            totals.at_risk > 0 && totals.at_risk < totals.recognised,
            "{totals:?}"
        );
        for row in &rows {
            assert_eq!(
                row.at_risk,
                row.recognised == Some(Level::Ntm) && row.ntm_met < 19
                    || row.recognised == Some(Level::Advanced) && row.advanced_met < 19
            );
        }
        let muong_hoa = rows.iter().find(|r| r.name == "Xã Mường Hoa").unwrap();
        assert_eq!((muong_hoa.ntm_met, muong_hoa.at_risk), (19, false));
        assert_eq!(muong_hoa.district.as_deref(), Some("Thị xã Sa Pa"));
        assert!(totals.targets.0 >= 1, "Tả Van aims for NTM in 2024");
    }
}
