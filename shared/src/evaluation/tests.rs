use super::*;
use crate::catalog;

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
        Region::NorthernMidlandsMountains,
        2023,
        &model_commune(),
    );
    assert_eq!(card.score(), "19/19", "{:#?}", card.gaps());
    assert!(card.gaps().is_empty());
    let income = card.criteria[9].indicators[0].clone();
    assert_eq!(income.threshold, Some(39.0));
    assert!(income.illustrative);
    assert!(
        income.reason_vi.contains("ngưỡng minh họa"),
        "{}",
        income.reason_vi
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
    let card = evaluate(&catalog, region, 2023, &facts);
    let failing: Vec<&str> = card.gaps().iter().map(|(_, i)| i.id.as_str()).collect();
    assert_eq!(failing, vec!["2.1", "7", "10", "11", "13.1", "17.1"]);
    assert_eq!(card.met(), 13);
    let (_, road) = card.gaps()[0];
    assert_eq!(road.value, Some(60.0));
    assert_eq!(road.status, Status::NotMet);
    assert!(
        road.reason_vi.starts_with("60.0 chưa đạt yêu cầu ≥ 90"),
        "{}",
        road.reason_vi
    );
    let poverty = card
        .gaps()
        .into_iter()
        .find(|(_, i)| i.id == "11")
        .unwrap()
        .1
        .clone();
    assert_eq!(poverty.value, Some(10.0));
    assert!(poverty.reason_vi.contains("≤ 6"), "{}", poverty.reason_vi);
}

#[test]
fn missing_data_is_neither_met_nor_not_met() {
    let card = evaluate(&ntm(), Region::RedRiverDelta, 2023, &SurveyFacts::default());
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
    let card = evaluate(&ntm(), Region::RedRiverDelta, 2023, &facts);
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
    let status = |region, year| evaluate(&catalog, region, year, &facts).criteria[9].status;
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
    let before = evaluate(&catalog, Region::NorthernMidlandsMountains, 2023, &facts);
    let after = evaluate(&catalog, Region::NorthernMidlandsMountains, 2024, &facts);
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
        Region::NorthernMidlandsMountains,
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
        assert_eq!(card.region, region);
        assert_eq!(card, {
            let mut plain = evaluate(&catalog, region, 2023, &model_commune());
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
