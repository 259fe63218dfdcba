//! The province overview the Coordination Office watches: every unit that
//! exists on a date, its score against each criteria set in force then
//! (with each criterion's status and department verdict: the communes ×
//! criteria matrix), its standing (recognised, to re-assess after a
//! merger, not recognised) and target, whether a recognised unit is at
//! risk of losing the standard, the groups the office filters by and the
//! progress against the year's targets.

use crate::appraisal::Verdict;
use crate::catalog::{Catalog, CriteriaSet};
use crate::date::Date;
use crate::evaluation::{evaluate_commune, Status, SurveyFacts};
use crate::registry::{Commune, Level, Registry, Standing, Target, UnitKind};
use crate::summary::CommuneSummary;
use std::collections::BTreeMap;

/// One unit's score against one criteria set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetScore {
    /// The catalog version.
    pub catalog_id: String,
    /// Which set.
    pub set: CriteriaSet,
    /// Criteria met.
    pub met: usize,
    /// Criteria in the set.
    pub total: usize,
    /// Each criterion's computed status, in the set's order.
    pub criteria: Vec<Status>,
    /// Each criterion's department verdict, in the set's order.
    pub verdicts: Vec<Option<Verdict>>,
}

/// One unit in the overview.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneRow {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Commune, ward or special zone.
    pub kind: UnitKind,
    /// District name, where the unit belonged to one on the date.
    pub district: Option<String>,
    /// Recognised, to re-assess, or not.
    pub standing: Standing,
    /// Its target.
    pub target: Option<Target>,
    /// Its score against each set in force, in set order (NTM, advanced, modern).
    pub scores: Vec<SetScore>,
    /// Recognised, but no longer meets every criterion of its level.
    pub at_risk: bool,
}

impl CommuneRow {
    /// Its score against a set, if that set is in force.
    pub fn score(&self, set: CriteriaSet) -> Option<&SetScore> {
        self.scores.iter().find(|s| s.set == set)
    }

    /// Whether it belongs to a group the office filters by, in `year`.
    pub fn in_group(&self, group: Group, year: i32) -> bool {
        let aims = |level| {
            self.target
                .is_some_and(|t| t.level == level && t.year == year)
        };
        match group {
            Group::All => true,
            Group::TargetNtm => aims(Level::Ntm),
            Group::TargetAdvanced => aims(Level::Advanced) || aims(Level::Modern),
            Group::Maintaining => matches!(self.standing, Standing::Recognised { .. }),
            Group::ToReassess => matches!(self.standing, Standing::ToReassess { .. }),
            Group::AtRisk => self.at_risk,
        }
    }
}

/// The groups of units the office looks at (the seed notice's lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// Every unit.
    All,
    /// Aiming for the NTM standard this year.
    TargetNtm,
    /// Aiming for the advanced or modern standard this year.
    TargetAdvanced,
    /// Recognised, and maintaining the standard.
    Maintaining,
    /// Formed by a merger and to re-assess.
    ToReassess,
    /// Recognised, and no longer meeting every criterion of its level.
    AtRisk,
}

impl Group {
    /// Every group, in the order a filter lists them.
    pub const ALL: [Group; 6] = [
        Group::All,
        Group::TargetNtm,
        Group::TargetAdvanced,
        Group::Maintaining,
        Group::ToReassess,
        Group::AtRisk,
    ];

    /// A stable code (for element values and text ids).
    pub fn code(self) -> &'static str {
        match self {
            Group::All => "all",
            Group::TargetNtm => "target-ntm",
            Group::TargetAdvanced => "target-advanced",
            Group::Maintaining => "maintaining",
            Group::ToReassess => "to-reassess",
            Group::AtRisk => "at-risk",
        }
    }

    /// The group for a code.
    pub fn from_code(code: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// How far the units aiming for a level this year have come ("NTM: 7 of 10").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetProgress {
    /// The level aimed for.
    pub level: Level,
    /// Units aiming for it this year.
    pub target: usize,
    /// Of those, meeting every criterion of its set now.
    pub meeting: usize,
    /// Of those, recognised at that level (or higher) this year.
    pub recognised: usize,
}

/// Progress against `year`'s targets, for each level some unit aims for.
pub fn progress(rows: &[CommuneRow], year: i32) -> Vec<TargetProgress> {
    [Level::Ntm, Level::Advanced, Level::Modern]
        .into_iter()
        .filter_map(|level| {
            let aiming: Vec<&CommuneRow> = rows
                .iter()
                .filter(|r| r.target.is_some_and(|t| t.level == level && t.year == year))
                .collect();
            (!aiming.is_empty()).then(|| TargetProgress {
                level,
                target: aiming.len(),
                meeting: aiming
                    .iter()
                    .filter(|r| {
                        r.score(level.criteria_set())
                            .is_some_and(|s| s.total > 0 && s.met == s.total)
                    })
                    .count(),
                recognised: aiming
                    .iter()
                    .filter(|r| {
                        matches!(r.standing, Standing::Recognised { level: l, year: y }
                            if l >= level && y == year)
                    })
                    .count(),
            })
        })
        .collect()
}

/// The average number of criteria of `set` met over the scored rows, and
/// the set's size; `None` when no row is scored against it.
pub fn average_met<'a>(
    rows: impl IntoIterator<Item = &'a CommuneRow>,
    set: CriteriaSet,
) -> Option<(f64, usize)> {
    let scores: Vec<&SetScore> = rows.into_iter().filter_map(|r| r.score(set)).collect();
    let total = scores.first()?.total;
    let met: usize = scores.iter().map(|s| s.met).sum();
    Some((met as f64 / scores.len() as f64, total))
}

/// Totals shown above the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Units.
    pub communes: usize,
    /// Meeting every criterion of the NTM set in force now.
    pub ntm_now: usize,
    /// Recognised (at any level).
    pub recognised: usize,
    /// Recognised units at risk.
    pub at_risk: usize,
    /// Formed by a merger and not recognised since.
    pub to_reassess: usize,
    /// Targets for the year: NTM, advanced and modern.
    pub targets: (usize, usize, usize),
}

/// The sets in force on a date, in set order.
pub fn sets_in_force(catalogs: &[Catalog], date: Date) -> Vec<&Catalog> {
    [CriteriaSet::Ntm, CriteriaSet::Advanced, CriteriaSet::Modern]
        .into_iter()
        .filter_map(|set| Catalog::in_force(catalogs, set, date))
        .collect()
}

/// Evaluates every unit that exists on `date` against each set in force
/// then (thresholds of `date`'s year). `surveys` is in registry order.
pub fn overview(
    registry: &Registry,
    surveys: &[SurveyFacts],
    catalogs: &[Catalog],
    date: Date,
) -> (Vec<CommuneRow>, Totals) {
    let in_force = sets_in_force(catalogs, date);
    let empty = SurveyFacts::default();
    let no_appraisal = crate::appraisal::Appraisal::default();
    rows_and_totals(registry, date, |i, c| {
        let facts = surveys.get(i).unwrap_or(&empty);
        in_force
            .iter()
            .map(|k| {
                let card = evaluate_commune(k, c, date.year, facts, &no_appraisal);
                SetScore {
                    catalog_id: k.id.clone(),
                    set: k.set,
                    met: card.met(),
                    total: card.criteria.len(),
                    criteria: card.criteria.iter().map(|c| c.status).collect(),
                    verdicts: card
                        .criteria
                        .iter()
                        .map(|c| c.appraisal.as_ref().map(|d| d.verdict))
                        .collect(),
                }
            })
            .collect()
    })
}

/// The overview from the province summary the relay keeps
/// (`crate::summary`): each unit of `date` scored as its entry says; a
/// unit without an entry has no scores yet.
pub fn overview_of_summary(
    registry: &Registry,
    summary: &BTreeMap<String, CommuneSummary>,
    date: Date,
) -> (Vec<CommuneRow>, Totals) {
    rows_and_totals(registry, date, |_, c| {
        summary
            .get(&c.code)
            .into_iter()
            .flat_map(|entry| &entry.sets)
            .filter_map(|s| {
                Some(SetScore {
                    catalog_id: s.catalog_id.clone(),
                    set: s.criteria_set()?,
                    met: s.met as usize,
                    total: s.total as usize,
                    criteria: s.statuses(),
                    verdicts: s.appraised(),
                })
            })
            .collect()
    })
}

/// The rows of the units of `date`, each scored by `score` (given its
/// place in the registry), with their standing, target, risk and the totals.
fn rows_and_totals(
    registry: &Registry,
    date: Date,
    score: impl Fn(usize, &Commune) -> Vec<SetScore>,
) -> (Vec<CommuneRow>, Totals) {
    let rows: Vec<CommuneRow> = registry
        .as_of_indexed(date)
        .map(|(i, c)| {
            let scores = score(i, c);
            let standing = registry
                .standing(&c.code, date)
                .unwrap_or(Standing::NotRecognised);
            // At risk only on a score that says so: a unit not scored yet
            // (no summary entry) is not reported as slipping.
            let falls_short = |set| {
                scores
                    .iter()
                    .find(|s| s.set == set)
                    .is_some_and(|s| s.met < s.total)
            };
            let at_risk = match &standing {
                Standing::Recognised { level, .. } => falls_short(level.criteria_set()),
                _ => false,
            };
            CommuneRow {
                code: c.code.clone(),
                name: c.name.clone(),
                kind: c.kind,
                district: c
                    .district
                    .as_ref()
                    .and_then(|d| registry.districts_as_of(date).find(|x| &x.code == d))
                    .map(|d| d.name.clone()),
                standing,
                target: c.target,
                scores,
                at_risk,
            }
        })
        .collect();
    let targets = |level| {
        rows.iter()
            .filter(|r| {
                r.target
                    .is_some_and(|t| t.level == level && t.year == date.year)
            })
            .count()
    };
    let totals = Totals {
        communes: rows.len(),
        ntm_now: rows
            .iter()
            .filter(|r| r.score(CriteriaSet::Ntm).is_some_and(|s| s.met == s.total))
            .count(),
        recognised: rows
            .iter()
            .filter(|r| matches!(r.standing, Standing::Recognised { .. }))
            .count(),
        at_risk: rows.iter().filter(|r| r.at_risk).count(),
        to_reassess: rows
            .iter()
            .filter(|r| matches!(r.standing, Standing::ToReassess { .. }))
            .count(),
        targets: (
            targets(Level::Ntm),
            targets(Level::Advanced),
            targets(Level::Modern),
        ),
    };
    (rows, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::demo::{generate, DemoParams};

    #[test]
    fn before_the_reform_recognised_communes_that_slipped_are_at_risk() {
        let demo = generate(DemoParams {
            households: (40, 80),
            ..DemoParams::default()
        });
        let day = Date::new(2024, 12, 31).unwrap();
        let (rows, totals) = overview(&demo.registry, &demo.surveys, &catalog::shipped(), day);
        assert_eq!(totals.communes, 227, "old Lào Cai and Yên Bái");
        assert!(
            totals.at_risk > 0 && totals.at_risk < totals.recognised,
            "{totals:?}"
        );
        for row in &rows {
            let ntm = row.score(CriteriaSet::Ntm).unwrap();
            assert_eq!((ntm.catalog_id.as_str(), ntm.total), ("ntm-2021-2025", 19));
            if let Standing::Recognised {
                level: Level::Ntm, ..
            } = row.standing
            {
                assert_eq!(row.at_risk, ntm.met < 19, "{}", row.name);
            }
        }
        let muong_hoa = rows.iter().find(|r| r.name == "Xã Mường Hoa").unwrap();
        assert_eq!(muong_hoa.score(CriteriaSet::Ntm).unwrap().met, 19);
        assert!(!muong_hoa.at_risk);
        assert_eq!(muong_hoa.district.as_deref(), Some("Thị xã Sa Pa"));
        assert!(totals.targets.0 >= 1, "Tả Van aims for NTM in 2024");
    }

    #[test]
    fn the_summary_gives_the_overview_the_facts_give() {
        let demo = generate(DemoParams {
            households: (20, 30),
            ..DemoParams::default()
        });
        let catalogs = catalog::shipped();
        for day in [
            Date::new(2024, 12, 31).unwrap(),
            Date::new(2026, 6, 1).unwrap(),
        ] {
            let none = crate::appraisal::Appraisal::default();
            let mut summary: BTreeMap<String, CommuneSummary> = demo
                .registry
                .as_of_indexed(day)
                .map(|(i, c)| {
                    let sets = sets_in_force(&catalogs, day)
                        .into_iter()
                        .map(|k| {
                            crate::summary::SetSummary::of(&evaluate_commune(
                                k,
                                c,
                                day.year,
                                &demo.surveys[i],
                                &none,
                            ))
                        })
                        .collect();
                    (
                        c.code.clone(),
                        CommuneSummary {
                            sets,
                            ..Default::default()
                        },
                    )
                })
                .collect();
            let expected = overview(&demo.registry, &demo.surveys, &catalogs, day);
            assert_eq!(overview_of_summary(&demo.registry, &summary, day), expected);
            // A unit the summary does not have yet: listed, not scored, not at risk.
            let (rows, totals) = &expected;
            let risky = rows.iter().find(|r| r.at_risk).map(|r| r.code.clone());
            if let Some(code) = risky {
                summary.remove(&code);
                let (rows, after) = overview_of_summary(&demo.registry, &summary, day);
                let row = rows.iter().find(|r| r.code == code).unwrap();
                assert!(row.scores.is_empty() && !row.at_risk);
                assert_eq!(after.at_risk, totals.at_risk - 1);
                assert_eq!(after.communes, totals.communes);
            } else {
                assert_eq!(day.year, 2026, "before the reform some units slipped");
            }
        }
    }

    fn row(code: &str, target: Option<Target>, standing: Standing, met: usize) -> CommuneRow {
        CommuneRow {
            code: code.into(),
            name: code.into(),
            kind: UnitKind::Commune,
            district: None,
            at_risk: matches!(standing, Standing::Recognised { .. }) && met < 10,
            standing,
            target,
            scores: vec![SetScore {
                catalog_id: "ntm-2026-2030".into(),
                set: CriteriaSet::Ntm,
                met,
                total: 10,
                criteria: (0..10)
                    .map(|i| if i < met { Status::Met } else { Status::NotMet })
                    .collect(),
                verdicts: vec![None; 10],
            }],
        }
    }

    #[test]
    fn progress_against_the_year_s_targets_and_the_office_s_groups() {
        let ntm = |year| {
            Some(Target {
                level: Level::Ntm,
                year,
            })
        };
        let rows = [
            // Aims for NTM in 2026, meets all ten and was recognised.
            row(
                "a",
                ntm(2026),
                Standing::Recognised {
                    level: Level::Ntm,
                    year: 2026,
                },
                10,
            ),
            // Aims for NTM in 2026, one short.
            row("b", ntm(2026), Standing::NotRecognised, 9),
            // Aims for NTM next year: not this year's target.
            row("c", ntm(2027), Standing::NotRecognised, 10),
            // Recognised in 2023, now two short: at risk.
            row(
                "d",
                None,
                Standing::Recognised {
                    level: Level::Ntm,
                    year: 2023,
                },
                8,
            ),
            row(
                "e",
                Some(Target {
                    level: Level::Modern,
                    year: 2026,
                }),
                Standing::ToReassess {
                    predecessors: vec![],
                },
                3,
            ),
        ];
        assert_eq!(
            progress(&rows, 2026),
            [
                TargetProgress {
                    level: Level::Ntm,
                    target: 2,
                    meeting: 1,
                    recognised: 1
                },
                TargetProgress {
                    level: Level::Modern,
                    target: 1,
                    meeting: 0,
                    recognised: 0
                },
            ]
        );
        let members = |group| {
            rows.iter()
                .filter(|r| r.in_group(group, 2026))
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(members(Group::All), ["a", "b", "c", "d", "e"]);
        assert_eq!(members(Group::TargetNtm), ["a", "b"]);
        assert_eq!(members(Group::TargetAdvanced), ["e"]);
        assert_eq!(members(Group::Maintaining), ["a", "d"]);
        assert_eq!(members(Group::ToReassess), ["e"]);
        assert_eq!(members(Group::AtRisk), ["d"]);
        assert!(Group::ALL
            .iter()
            .all(|g| Group::from_code(g.code()) == Some(*g)));
        // (10 + 9 + 10 + 8 + 3) / 5 = 8 of 10.
        assert_eq!(average_met(&rows, CriteriaSet::Ntm), Some((8.0, 10)));
        assert_eq!(average_met(&rows, CriteriaSet::Advanced), None);
    }

    #[test]
    fn after_the_reform_99_units_are_scored_against_2026_2030_and_merged_ones_are_to_reassess() {
        let demo = generate(DemoParams {
            households: (40, 80),
            ..DemoParams::default()
        });
        let day = Date::new(2026, 6, 1).unwrap();
        let (rows, totals) = overview(&demo.registry, &demo.surveys, &catalog::shipped(), day);
        assert_eq!(totals.communes, 99);
        assert_eq!(rows.iter().filter(|r| r.kind == UnitKind::Ward).count(), 10);
        assert!(
            rows.iter().all(|r| r.district.is_none()),
            "no district tier"
        );
        let ids: Vec<&str> = rows[0]
            .scores
            .iter()
            .map(|s| s.catalog_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "ntm-2026-2030",
                "ntm-advanced-2021-2025",
                "ntm-modern-2026-2030"
            ]
        );
        assert_eq!(rows[0].score(CriteriaSet::Ntm).unwrap().total, 10);
        // Every unit was formed by the merger and none is recognised since.
        assert_eq!(totals.to_reassess, 99);
        assert_eq!((totals.recognised, totals.at_risk), (0, 0));
        let ta_van = rows.iter().find(|r| r.code == "ta-van").unwrap();
        let Standing::ToReassess { predecessors } = &ta_van.standing else {
            panic!("{:?}", ta_van.standing);
        };
        let names: Vec<&str> = predecessors.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Xã Tả Van", "Xã Mường Hoa", "Xã Hoàng Liên"]);
        assert_eq!(predecessors[1].recognised, Some((Level::Ntm, 2023)));
    }
}
