use super::*;

#[test]
fn shipped_catalogs_load_with_19_criteria_and_are_marked_illustrative() {
    let catalogs = shipped();
    assert_eq!(catalogs.len(), 2);
    for c in &catalogs {
        assert_eq!(c.criteria.len(), 19, "{}", c.id);
        assert_eq!(
            c.criteria.iter().map(|c| c.number).collect::<Vec<_>>(),
            (1..=19).collect::<Vec<_>>()
        );
        assert!(
            c.illustrative,
            "{}: thresholds are not the official annex",
            c.id
        );
        for criterion in &c.criteria {
            assert!(c.department(&criterion.owner).is_some());
            assert!(!criterion.indicators.is_empty());
        }
    }
    assert_eq!(catalogs[0].set, CriteriaSet::Ntm);
    assert_eq!(catalogs[1].set, CriteriaSet::Advanced);
    assert_eq!(catalogs[1].criteria[14].name_vi, "Hành chính công");
}

#[test]
fn thresholds_resolve_by_region_and_year() {
    let ntm = &shipped()[0];
    let (_, income) = ntm.indicator("10").unwrap();
    assert_eq!(
        income.rule,
        Rule::HouseholdAverage {
            field: "income_per_person_year".into()
        }
    );
    assert_eq!(
        income.threshold(Region::NorthernMidlandsMountains, 2023),
        Some(39.0)
    );
    assert_eq!(
        income.threshold(Region::NorthernMidlandsMountains, 2025),
        Some(45.0)
    );
    assert_eq!(income.threshold(Region::RedRiverDelta, 2024), Some(60.0));
    assert_eq!(
        income.threshold(Region::MekongDelta, 2022),
        Some(48.0),
        "`all` fills unlisted regions"
    );
    assert_eq!(
        income.threshold(Region::MekongDelta, 2021),
        None,
        "nothing before the first step"
    );
    let (_, poverty) = ntm.indicator("11").unwrap();
    assert_eq!(poverty.compare, Compare::AtMost);
}

const VALID: &str = r#"
[catalog]
id = "x"
set = "ntm"
version = "1"
name_vi = "X"
name_en = "X"
legal_basis = "test"
illustrative = true

[[department]]
code = "d"
name_vi = "Sở"
name_en = "Dept"
"#;

/// A catalog of 19 criteria where criterion 2 has the given indicator line.
fn catalog_with(indicator: &str) -> String {
    let mut text = VALID.to_owned();
    for n in 1..=19 {
        let ind = if n == 2 {
            indicator.to_owned()
        } else {
            format!(
                r#"{{ id = "{n}", text_vi = "t", text_en = "t", unit = "yes-no", rule = "attested" }}"#
            )
        };
        text.push_str(&format!(
            "\n[[criterion]]\nnumber = {n}\nname_vi = \"c\"\nname_en = \"c\"\ngroup = \"planning\"\nowner = \"d\"\nindicator = [\n  {ind},\n]\n"
        ));
    }
    text
}

fn errors(text: &str) -> Vec<CatalogError> {
    load_catalog("bad.toml", text)
        .expect_err("must be rejected")
        .0
}

fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("needle")]
        .matches('\n')
        .count()
        + 1
}

#[test]
fn the_test_catalog_is_valid() {
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "household-share", source = "clean_water", threshold = [{ from_year = 2022, values = { all = 50 } }] }"#,
    );
    let c = load_catalog("ok.toml", &text).unwrap();
    assert_eq!(
        c.indicator("2.1")
            .unwrap()
            .1
            .threshold(Region::CentralHighlands, 2030),
        Some(50.0)
    );
}

#[test]
fn unknown_unit_names_file_line_and_field() {
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "kmh", rule = "attested" }"#,
    );
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].file, "bad.toml");
    assert_eq!(e[0].line, line_of(&text, "\"kmh\""));
    assert_eq!(e[0].field, "criterion 2 › indicator 2.1 › unit");
    assert!(
        e[0].message.contains("unknown value \"kmh\""),
        "{}",
        e[0].message
    );
    assert!(e[0]
        .to_string()
        .starts_with(&format!("bad.toml:{}: criterion 2", e[0].line)));
}

#[test]
fn duplicate_indicator_ids_are_rejected() {
    let text = catalog_with(
        r#"{ id = "1", text_vi = "t", text_en = "t", unit = "yes-no", rule = "attested" }"#,
    );
    let e = errors(&text);
    assert!(
        e.iter().any(|e| e.message == "duplicate indicator id \"1\""
            && e.field == "criterion 2 › indicator 1 › id"),
        "{e:?}"
    );
}

#[test]
fn unknown_region_is_rejected() {
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "household-share", source = "poor", threshold = [{ from_year = 2022, values = { all = 5, mars = 1 } }] }"#,
    );
    let e = errors(&text);
    assert!(
        e.iter()
            .any(|e| e.message.starts_with("unknown region \"mars\"")
                && e.line == line_of(&text, "mars")),
        "{e:?}"
    );
}

#[test]
fn a_rule_referring_to_an_unknown_field_is_rejected() {
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "household-share", source = "owns_a_yacht", threshold = [{ from_year = 2022, values = { all = 5 } }] }"#,
    );
    let e = errors(&text);
    assert!(
        e.iter()
            .any(|e| e.message.contains("unknown field \"owns_a_yacht\"")
                && e.field.ends_with("› source")),
        "{e:?}"
    );
}

#[test]
fn missing_thresholds_are_rejected() {
    let none = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "household-share", source = "poor" }"#,
    );
    assert!(errors(&none)
        .iter()
        .any(|e| e.message == "missing threshold"));
    let partial = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "household-share", source = "poor", threshold = [{ from_year = 2022, values = { tdmnpb = 5 } }] }"#,
    );
    let e = errors(&partial);
    assert_eq!(e.len(), 6, "six regions lack a value: {e:?}");
    assert!(e[0].message.starts_with("missing threshold for region"));
}

#[test]
fn structural_mistakes_are_rejected() {
    // Unknown rule kind.
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "vibes", source = "poor", threshold = [{ from_year = 2022, values = { all = 1 } }] }"#,
    );
    assert!(errors(&text)
        .iter()
        .any(|e| e.message.starts_with("unknown rule \"vibes\"")));
    // An attested indicator with a threshold, a computed one without a source.
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "yes-no", rule = "attested", threshold = [{ from_year = 2022, values = { all = 1 } }] }"#,
    );
    assert!(errors(&text)
        .iter()
        .any(|e| e.message == "an attested indicator has no threshold"));
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "household-share" }"#,
    );
    assert!(errors(&text)
        .iter()
        .any(|e| e.message == "rule household-share needs a source field"));
    // An unknown key (typo) is a TOML-level error with its line.
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "yes-no", rule = "attested", treshold = 3 }"#,
    );
    let e = errors(&text);
    assert_eq!(e[0].line, line_of(&text, "treshold"), "{e:?}");
    assert!(e[0].message.contains("treshold"), "{e:?}");
    // Not TOML at all.
    let e = errors("[catalog\nid = 1");
    assert_eq!((e[0].line, e[0].field.as_str()), (1, "toml"));
}

#[test]
fn criteria_must_be_1_to_19_once_each_with_known_owners_and_groups() {
    let text = catalog_with(
        r#"{ id = "2.1", text_vi = "t", text_en = "t", unit = "yes-no", rule = "attested" }"#,
    )
    .replacen("number = 3\n", "number = 4\n", 1)
    .replacen("owner = \"d\"", "owner = \"nobody\"", 1)
    .replacen("group = \"planning\"", "group = \"fun\"", 1);
    let e = errors(&text);
    let messages: Vec<&str> = e.iter().map(|e| e.message.as_str()).collect();
    assert!(messages.contains(&"duplicate criterion 4"), "{messages:?}");
    assert!(messages.contains(&"missing criteria: 3"), "{messages:?}");
    assert!(
        messages.contains(&"unknown department \"nobody\""),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("unknown value \"fun\"")),
        "{messages:?}"
    );
}
