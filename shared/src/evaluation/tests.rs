use super::*;
use crate::catalog::{self, Region};

fn ntm() -> Catalog {
    catalog::shipped().remove(0)
}

fn household(yes: &[&str], no: &[&str], income: f64) -> HouseholdFacts {
    let mut h = HouseholdFacts::default();
    for p in yes {
        h.set_predicate(p, Some(true));
    }
    for p in no {
        h.set_predicate(p, Some(false));
    }
    h.set_quantity("income_per_person_year", Some(income));
    h
}

const GOOD: &[&str] = &[
    "clean_water",
    "hygienic_latrine",
    "solid_house",
    "all_members_insured",
    "internet_access",
    "has_employed_member",
    "children_in_school",
];

/// A commune meeting every NTM indicator in the northern mountains in 2023.
fn model_commune() -> SurveyFacts {
    let mut facts = SurveyFacts::default();
    for i in 0..20 {
        facts
            .households
            .push(household(GOOD, &["poor"], 40.0 + f64::from(i % 3)));
    }
    for (k, n) in [
        ("school_up_to_standard", 2),
        ("cultural_house_up_to_standard", 5),
        ("market_up_to_standard", 1),
    ] {
        facts.infrastructure_counts.insert(k.into(), n);
    }
    for k in [
        "road_km_hardened",
        "irrigated_area",
        "power_safe_households",
    ] {
        facts.infrastructure_shares.insert(
            k.into(),
            Share {
                part: 99.0,
                whole: 100.0,
            },
        );
    }
    for c in &ntm().criteria {
        for i in &c.indicators {
            if i.rule == Rule::Attested {
                facts.attested.insert(i.id.clone(), true);
            }
        }
    }
    facts
}

#[test]
fn a_model_commune_scores_19_of_19_with_illustrative_thresholds_marked() {
    let card = evaluate(
        &ntm(),
        Some(Region::NorthernMidlandsMountains.code()),
        2023,
        &model_commune(),
    );
    assert_eq!(card.score(), "19/19", "{:#?}", card.gaps());
    assert!(card.gaps().is_empty());
    let income = card.criteria[9].indicators[0].clone();
    assert_eq!(income.threshold, Some(39.0));
    assert!(income.illustrative);
    assert_eq!(income.reason.code, "reason-met");
    assert!(
        income
            .reason
            .args
            .contains(&("illustrative", Arg::from("yes"))),
        "{:?}",
        income.reason
    );
    // Attested indicators have no threshold, so nothing to mark.
    assert!(!card.criteria[0].indicators[0].illustrative);
}

#[test]
fn each_rule_kind_can_fail_and_lands_in_the_gap_list() {
    let catalog = ntm();
    let region = Region::NorthernMidlandsMountains;
    // household-share (at-least): 50 % clean water < 35 %? no: 50 ≥ 35 → met; make it 30 %.
    let mut facts = model_commune();
    for h in facts.households.iter_mut().take(14) {
        h.set_predicate("clean_water", Some(false));
    }
    // household-share (at-most): 2 of 20 poor = 10 % > 6 %.
    for h in facts.households.iter_mut().take(2) {
        h.set_predicate("poor", Some(true));
    }
    // household-average: income below 39.
    for h in facts.households.iter_mut() {
        h.set_quantity("income_per_person_year", Some(30.0));
    }
    // infrastructure-count and -share.
    facts
        .infrastructure_counts
        .insert("market_up_to_standard".into(), 0);
    facts.infrastructure_shares.insert(
        "road_km_hardened".into(),
        Share {
            part: 12.0,
            whole: 20.0,
        },
    );
    // attested, answered no.
    facts.attested.insert("13.1".into(), false);
    let card = evaluate(&catalog, Some(region.code()), 2023, &facts);
    let failing: Vec<&str> = card.gaps().iter().map(|(_, i)| i.id.as_str()).collect();
    assert_eq!(failing, vec!["2.1", "7", "10", "11", "13.1", "17.1"]);
    assert_eq!(card.met(), 13);
    let (_, road) = card.gaps()[0];
    assert_eq!(road.value, Some(60.0));
    assert_eq!(road.status, Status::NotMet);
    assert_eq!(
        road.reason,
        Message::new("reason-not-met")
            .with(
                "value",
                Arg::Decimal {
                    value: 60.0,
                    digits: 1
                }
            )
            .with("sign", "≥")
            .with(
                "threshold",
                Arg::Decimal {
                    value: 90.0,
                    digits: 0
                }
            )
            .with("illustrative", "yes")
    );
    let poverty = card
        .gaps()
        .into_iter()
        .find(|(_, i)| i.id == "11")
        .unwrap()
        .1
        .clone();
    assert_eq!(poverty.value, Some(10.0));
    assert!(
        poverty.reason.args.contains(&("sign", Arg::from("≤")))
            && poverty.reason.args.contains(&(
                "threshold",
                Arg::Decimal {
                    value: 6.0,
                    digits: 0
                }
            )),
        "{:?}",
        poverty.reason
    );
}

#[test]
fn missing_data_is_neither_met_nor_not_met() {
    let card = evaluate(
        &ntm(),
        Some(Region::RedRiverDelta.code()),
        2023,
        &SurveyFacts::default(),
    );
    assert_eq!(card.met(), 0);
    assert!(card
        .criteria
        .iter()
        .all(|c| c.status == Status::MissingData));
    // A household that did not answer a question does not count either way.
    let mut facts = model_commune();
    for h in &mut facts.households {
        h.set_predicate("internet_access", None);
    }
    facts.households[0].set_predicate("internet_access", Some(true));
    let card = evaluate(&ntm(), Some(Region::RedRiverDelta.code()), 2023, &facts);
    let internet = card.criteria[7]
        .indicators
        .iter()
        .find(|i| i.id == "8.2")
        .unwrap();
    assert_eq!(
        (internet.value, internet.status),
        (Some(100.0), Status::Met)
    );
}

#[test]
fn thresholds_follow_region_and_year() {
    let facts = model_commune(); // income ≈ 41
    let catalog = ntm();
    let status = |region: Region, year| {
        evaluate(&catalog, Some(region.code()), year, &facts).criteria[9].status
    };
    assert_eq!(status(Region::NorthernMidlandsMountains, 2023), Status::Met); // ≥ 39
    assert_eq!(
        status(Region::NorthernMidlandsMountains, 2024),
        Status::NotMet
    ); // ≥ 45 from 2024
    assert_eq!(status(Region::RedRiverDelta, 2023), Status::NotMet); // ≥ 52
}

#[test]
fn comparing_two_evaluations_shows_what_was_lost() {
    let facts = model_commune();
    let catalog = ntm();
    let before = evaluate(
        &catalog,
        Some(Region::NorthernMidlandsMountains.code()),
        2023,
        &facts,
    );
    let after = evaluate(
        &catalog,
        Some(Region::NorthernMidlandsMountains.code()),
        2024,
        &facts,
    );
    let (changes, delta) = compare(&before, &after);
    assert_eq!(
        changes,
        vec![Change {
            indicator: "10".into(),
            before: Some(Status::Met),
            after: Some(Status::NotMet)
        }]
    );
    assert_eq!(delta, -1);
    // Against the advanced set: an indicator that exists in one only shows as
    // added or removed; one that became attested lacks its attestation.
    let advanced = evaluate(
        &catalog::shipped()[1],
        Some(Region::NorthernMidlandsMountains.code()),
        2023,
        &facts,
    );
    let (changes, _) = compare(&before, &advanced);
    let change = |id: &str| changes.iter().find(|c| c.indicator == id).cloned();
    assert_eq!(
        change("15"),
        Some(Change {
            indicator: "15".into(),
            before: None,
            after: Some(Status::MissingData)
        })
    );
    assert_eq!(
        change("4.1"),
        Some(Change {
            indicator: "4.1".into(),
            before: Some(Status::Met),
            after: None
        })
    );
    assert_eq!(
        change("8.2").map(|c| (c.before, c.after)),
        Some((Some(Status::Met), Some(Status::MissingData)))
    );
    assert_eq!(change("1.1"), None, "attested in both and still met");
}

#[test]
fn a_commune_is_evaluated_with_its_region_and_its_department_verdicts() {
    use crate::appraisal::{self, verdicts, Verdict};
    let catalog = ntm();
    let mut commune = crate::demo::generate(crate::demo::DemoParams {
        communes: 1,
        households: (1, 1),
        ..Default::default()
    })
    .registry
    .communes
    .remove(0);
    let mut doc = verdicts::genesis(&commune.code, "so-vhttdl");
    let ruling = verdicts::Ruling {
        verdict: Verdict::NeedsEvidence,
        remark: "Thiếu ảnh nhà văn hóa".into(),
        at: 1_700_000_000,
    };
    let culture = catalog
        .criteria
        .iter()
        .find(|c| c.owner == "so-vhttdl")
        .unwrap()
        .number;
    verdicts::record_verdict(&mut doc, &catalog, culture, &ruling).unwrap();
    let catalogs = [catalog.clone()];
    let appraisal = appraisal::assemble(&catalogs, None, [("so-vhttdl", &doc)]);
    let verdict = appraisal.verdict(&catalog.id, culture).unwrap().clone();
    assert_eq!(
        (verdict.verdict, verdict.department.as_str()),
        (Verdict::NeedsEvidence, "so-vhttdl")
    );

    for region in [Region::NorthernMidlandsMountains, Region::MekongDelta] {
        commune.applicable_region = region;
        let card = evaluate_commune(&catalog, &commune, 2023, &model_commune(), &appraisal);
        assert_eq!(card.class.as_deref(), Some(region.code()));
        assert_eq!(card, {
            let mut plain = evaluate(&catalog, Some(region.code()), 2023, &model_commune());
            plain.criteria[culture as usize - 1].appraisal = Some(verdict.clone());
            plain
        });
    }
    let card = evaluate_commune(&catalog, &commune, 2023, &model_commune(), &appraisal);
    let with_verdict: Vec<u32> = card
        .criteria
        .iter()
        .filter(|c| c.appraisal.is_some())
        .map(|c| c.number)
        .collect();
    assert_eq!(with_verdict, [culture]);
}

mod across_sets {
    use super::*;
    use crate::evaluation::across::{compare_sets, measure};
    use crate::evaluation::completion::{completion, UnitResult};
    use crate::registry::{Commune, CommuneDocuments, UnitKind};

    fn set(id: &str) -> Catalog {
        catalog::shipped().into_iter().find(|c| c.id == id).unwrap()
    }

    fn group_3_commune() -> Commune {
        let mut c = Commune::new(
            "ta-van",
            "Xã Tả Van",
            Region::NorthernMidlandsMountains,
            CommuneDocuments::derived("p", "ta-van"),
        );
        c.classes.insert("nhom-xa-51-2025".into(), "nhom-3".into());
        c
    }

    /// Ten households, worked by hand against both shipped NTM sets.
    fn ten_households() -> SurveyFacts {
        let mut facts = SurveyFacts::default();
        for i in 0..10 {
            let mut h = HouseholdFacts {
                id: Some(format!("h{i}")),
                ..HouseholdFacts::default()
            };
            h.set_predicate("clean_water", Some(i < 7)); // 70 %
            h.set_predicate("internet_access", Some(i < 8)); // 80 %
            h.set_predicate("digital_services", Some(i < 3)); // 30 %
            h.set_predicate("waste_treated", Some(i < 8)); // 80 %
            h.set_predicate("poor", Some(false));
            h.set_quantity("income_per_person_year", Some(50.0));
            facts.households.push(h);
        }
        facts
    }

    #[test]
    fn a_commune_under_both_sets_shows_what_it_loses_and_the_households_behind() {
        let (old, new) = (set("ntm-2021-2025"), set("ntm-2026-2030"));
        let cmp = compare_sets(
            (&old, 2025),
            (&new, 2026),
            &group_3_commune(),
            &ten_households(),
            &Appraisal::default(),
        );
        assert_eq!(cmp.before.criteria.len(), 19);
        assert_eq!(cmp.after.criteria.len(), 10);
        assert_eq!(cmp.after.class.as_deref(), Some("nhom-3"));
        let lost: Vec<(&str, usize)> = cmp
            .lost
            .iter()
            .map(|c| (c.measure.as_str(), c.households))
            .collect();
        // Clean water 70 %: ≥ 35 (2021–2025, northern mountains) but < 80
        // (2026–2030, group 3); income 50 M: ≥ 45 but < 55.
        assert_eq!(
            lost,
            [
                ("household-average:income_per_person_year", 10),
                ("household-share:clean_water", 3),
            ]
        );
        let water = cmp
            .lost
            .iter()
            .find(|c| c.measure.ends_with("clean_water"))
            .unwrap();
        assert_eq!(water.household_ids, ["h7", "h8", "h9"]);
        assert_eq!(
            (
                water.before.as_ref().unwrap().indicator.as_str(),
                water.after.as_ref().unwrap().indicator.as_str()
            ),
            ("17.1", "8.1"),
            "matched by what they measure, not by number"
        );
        // Internet 80 % meets both (≥ 80); poverty 0 % meets both.
        assert!(!cmp
            .lost
            .iter()
            .chain(&cmp.gained)
            .any(|c| c.measure.contains("internet")));
        // New in 2026–2030: digital services 30 % < 40 (7 households); waste
        // treatment 80 % ≥ 70 is met, so not listed.
        let digital = cmp
            .new_unmet
            .iter()
            .find(|c| c.measure == "household-share:digital_services")
            .unwrap();
        assert_eq!(digital.households, 7);
        assert!(!cmp.new_unmet.iter().any(|c| c.measure.contains("waste")));
        // Attested indicators of the new set are statements of their own.
        assert!(cmp
            .new_unmet
            .iter()
            .any(|c| c.measure == "attested:2026-2030/1.1"));
        assert_eq!(
            measure(&old, old.indicator("1.1").unwrap().1),
            "attested:1.1"
        );
    }

    #[test]
    fn a_commune_without_a_group_gets_no_threshold_and_says_why() {
        let new = set("ntm-2026-2030");
        let mut commune = group_3_commune();
        commune.classes.clear();
        let card = evaluate_commune(
            &new,
            &commune,
            2026,
            &ten_households(),
            &Appraisal::default(),
        );
        let water = &card.criteria[7].indicators[0];
        assert_eq!((water.status, water.threshold), (Status::MissingData, None));
        assert_eq!(water.reason.code, "reason-no-class");
    }

    fn card(met: usize, of: usize) -> Scorecard {
        let mut card = evaluate(
            &set("ntm-2026-2030"),
            Some("nhom-3"),
            2026,
            &SurveyFacts::default(),
        );
        let mut n = 0;
        for c in &mut card.criteria {
            for i in &mut c.indicators {
                i.status = if n < met { Status::Met } else { Status::NotMet };
                n += 1;
            }
        }
        assert!(of == n, "the set has {n} indicators");
        for c in &mut card.criteria {
            c.status = if c.indicators.iter().all(|i| i.status == Status::Met) {
                Status::Met
            } else {
                Status::NotMet
            };
        }
        card
    }

    #[test]
    fn province_completion_follows_annex_iii() {
        let rule = set("ntm-2026-2030").completion.expect("Annex III is data");
        assert_eq!(
            (
                rule.communes_met_percent,
                rule.modern_percent,
                rule.ward_contents_percent
            ),
            (100.0, 10.0, 70.0)
        );
        let total = set("ntm-2026-2030")
            .criteria
            .iter()
            .map(|c| c.indicators.len())
            .sum();
        let unit = |code: &str, kind: UnitKind, farmland: Option<f64>| {
            let mut c = group_3_commune();
            c.code = code.into();
            c.kind = kind;
            c.farmland_percent = farmland;
            c
        };
        let units = [
            unit("a", UnitKind::Commune, None),
            unit("b", UnitKind::Commune, None),
            unit("c", UnitKind::Commune, None),
            unit("w1", UnitKind::Ward, Some(80.0)),
            unit("w2", UnitKind::Ward, Some(30.0)),
        ];
        let all = card(total, total);
        let short = card(total - 1, total);
        let seventy = card((total * 7).div_ceil(10), total);
        let sixty = card(total * 6 / 10, total);
        let none = card(0, total);
        let results = |c: &Scorecard, w1: &Scorecard| {
            let pick = |i: usize| match i {
                2 => c.clone(),
                3 => w1.clone(),
                4 => none.clone(),
                _ => all.clone(),
            };
            (0..5).map(pick).collect::<Vec<_>>()
        };
        let run = |cards: &[Scorecard], modern: Option<&Scorecard>| {
            let list: Vec<UnitResult<'_>> = units
                .iter()
                .zip(cards)
                .enumerate()
                .map(|(i, (u, c))| UnitResult {
                    unit: u,
                    card: c,
                    modern: (i == 0).then_some(modern).flatten(),
                })
                .collect();
            completion(&rule, &list)
        };
        // Commune c short of one indicator: not complete, and named.
        let cards = results(&short, &seventy);
        let c = run(&cards, Some(&all));
        assert_eq!((c.communes, c.communes_met, c.complete), (3, 2, false));
        assert_eq!(c.communes_short, ["c"]);
        // Every commune met, one of three modern (≥ 10 %), w1 at 70 %
        // of the contents, w2 (30 % farmland) not asked: complete.
        let cards = results(&all, &seventy);
        let c = run(&cards, Some(&all));
        assert_eq!((c.wards_counted, c.wards_met, c.communes_modern), (1, 1, 1));
        assert!(c.complete, "{c:?}");
        // No modern commune: not complete.
        assert!(!run(&cards, None).complete);
        // w1 at 60 %: not complete.
        let cards = results(&all, &sixty);
        assert!(!run(&cards, Some(&all)).complete);
    }
}

#[test]
fn a_gap_names_the_households_that_keep_it_open() {
    let catalog = ntm();
    let mut facts = model_commune();
    for (i, h) in facts.households.iter_mut().enumerate() {
        h.id = Some(format!("h{i:02}"));
    }
    // No clean water in three households; two poor; one earning little.
    for i in [3, 7, 11] {
        facts.households[i].set_predicate("clean_water", Some(false));
    }
    for i in [0, 7] {
        facts.households[i].set_predicate("poor", Some(true));
    }
    facts.households[5].set_quantity("income_per_person_year", Some(20.0));
    let ids = |indicator: &str, threshold: Option<f64>| -> Vec<String> {
        lacking(&catalog, indicator, threshold, &facts)
            .into_iter()
            .filter_map(|h| h.id.clone())
            .collect()
    };
    assert_eq!(ids("17.1", Some(35.0)), ["h03", "h07", "h11"]);
    // At most 6 % poor: the poor households are the gap.
    assert_eq!(ids("11", Some(6.0)), ["h00", "h07"]);
    assert_eq!(ids("10", Some(39.0)), ["h05"]);
    // An average without a threshold, infrastructure, attestation: none.
    assert!(ids("10", None).is_empty());
    assert!(ids("2.1", Some(90.0)).is_empty());
    assert!(ids("13.1", None).is_empty());
    assert!(ids("no-such-indicator", None).is_empty());
}
