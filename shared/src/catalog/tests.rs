use super::*;

#[test]
fn shipped_catalogs_load_with_19_criteria_and_are_marked_illustrative() {
    let catalogs = shipped();
    assert_eq!(catalogs.len(), 4);
    for c in &catalogs[..2] {
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
        income.threshold(Region::NorthernMidlandsMountains.code(), 2023),
        Some(39.0)
    );
    assert_eq!(
        income.threshold(Region::NorthernMidlandsMountains.code(), 2025),
        Some(45.0)
    );
    assert_eq!(
        income.threshold(Region::RedRiverDelta.code(), 2024),
        Some(60.0)
    );
    assert_eq!(
        income.threshold(Region::MekongDelta.code(), 2022),
        Some(48.0),
        "`all` fills unlisted regions"
    );
    assert_eq!(
        income.threshold(Region::MekongDelta.code(), 2021),
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
            .threshold(Region::CentralHighlands.code(), 2030),
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
        e.iter().any(
            |e| e.message.starts_with("unknown class \"mars\" of vung-318")
                && e.line == line_of(&text, "mars")
        ),
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
    assert!(e[0].message.starts_with("missing threshold for class"));
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

#[test]
fn the_2026_2030_sets_have_ten_criteria_three_commune_groups_and_the_completion_rule() {
    let catalogs = shipped();
    let ntm = catalogs.iter().find(|c| c.id == "ntm-2026-2030").unwrap();
    let modern = catalogs
        .iter()
        .find(|c| c.id == "ntm-modern-2026-2030")
        .unwrap();
    assert_eq!(
        (ntm.set, modern.set),
        (CriteriaSet::Ntm, CriteriaSet::Modern)
    );
    for c in [ntm, modern] {
        assert!(c.illustrative, "{}: the 47 indicators were not found", c.id);
        assert_eq!(c.criteria.len(), 10);
        assert_eq!(c.classification.id, "nhom-xa-51-2025");
        let groups: Vec<&str> = c
            .classification
            .classes
            .iter()
            .map(|k| k.code.as_str())
            .collect();
        assert_eq!(groups, ["nhom-1", "nhom-2", "nhom-3"]);
        assert_eq!(c.in_force_from, crate::date::Date::new(2026, 2, 15));
        assert!(c
            .criteria
            .iter()
            .all(|k| k.group.is_none() && c.department(&k.owner).is_some()));
        assert_eq!(c.attestation_key("1.1"), "2026-2030/1.1");
    }
    let names: Vec<&str> = ntm.criteria.iter().map(|c| c.name_vi.as_str()).collect();
    assert_eq!(
        names,
        [
            "Quy hoạch",
            "Hạ tầng kinh tế – xã hội",
            "Phát triển kinh tế nông thôn",
            "Đào tạo nguồn nhân lực nông thôn",
            "Văn hóa, giáo dục, y tế",
            "Giảm nghèo và an sinh xã hội",
            "Khoa học, công nghệ và chuyển đổi số",
            "Môi trường và cảnh quan nông thôn",
            "Hệ thống chính trị và hành chính công",
            "Tiếp cận pháp luật, an ninh và quốc phòng",
        ]
    );
    // Thresholds by group; group 3 (mountain Area II/III) the most lenient.
    let (_, water) = ntm.indicator("8.1").unwrap();
    assert_eq!(water.threshold("nhom-1", 2026), Some(98.0));
    assert_eq!(water.threshold("nhom-3", 2030), Some(80.0));
    assert_eq!(
        water.threshold("tdmnpb", 2026),
        None,
        "regions are not its classes"
    );
    let rule = ntm.completion.as_ref().unwrap();
    assert_eq!(rule.modern_catalog, modern.id);
    // The 2021–2025 sets keep the regions and no completion rule.
    assert_eq!(catalogs[0].classification, Classification::regions_318());
    assert!(catalogs[0].completion.is_none() && catalogs[0].attestation_scope.is_empty());
    let in_force = |y, m, d| {
        Catalog::in_force(
            &catalogs,
            CriteriaSet::Ntm,
            crate::date::Date::new(y, m, d).unwrap(),
        )
        .map(|c| c.id.as_str())
    };
    assert_eq!(in_force(2026, 2, 14), Some("ntm-2021-2025"));
    assert_eq!(in_force(2026, 2, 15), Some("ntm-2026-2030"));
}

/// A province's own 2026–2030 set: its groups' thresholds, its departments.
const PROVINCE_2026: &str = r#"
[catalog]
id = "lao-cai-ntm-2026-2030"
set = "ntm"
version = "2026.1"
name_vi = "Bộ tiêu chí xã NTM tỉnh Lào Cai 2026–2030"
name_en = "Lào Cai NTM criteria 2026–2030"
legal_basis = "Quyết định của UBND tỉnh"
illustrative = false
criteria = 2
in_force_from = "01/03/2026"
attestation_scope = "2026-2030"

[classification]
id = "nhom-xa-51-2025"
name_vi = "Nhóm xã"
name_en = "Commune group"
class = [
  { code = "nhom-1", name_vi = "Nhóm 1", name_en = "Group 1" },
  { code = "nhom-2", name_vi = "Nhóm 2", name_en = "Group 2" },
  { code = "nhom-3", name_vi = "Nhóm 3", name_en = "Group 3" },
]

[[department]]
code = "so-nnmt"
name_vi = "Sở Nông nghiệp và Môi trường"
name_en = "Department of Agriculture and Environment"

[[criterion]]
number = 1
name_vi = "Quy hoạch"
name_en = "Planning"
owner = "so-nnmt"
indicator = [
  { id = "1.1", text_vi = "t", text_en = "t", unit = "yes-no", rule = "attested" },
]

[[criterion]]
number = 2
name_vi = "Môi trường"
name_en = "Environment"
owner = "so-nnmt"
indicator = [
  { id = "2.1", text_vi = "t", text_en = "t", unit = "percent", rule = "household-share", source = "waste_treated", threshold = [{ from_year = 2026, values = { all = 90, nhom-3 = 75 } }] },
]
"#;

#[test]
fn a_province_s_own_2026_2030_set_loads_with_its_groups_and_departments() {
    let c = load_catalog("lao-cai.toml", PROVINCE_2026).unwrap();
    assert!(!c.illustrative);
    assert_eq!(c.criteria.len(), 2);
    let (_, waste) = c.indicator("2.1").unwrap();
    assert_eq!(waste.threshold("nhom-2", 2027), Some(90.0));
    assert_eq!(waste.threshold("nhom-3", 2027), Some(75.0));
    // And it imports as a catalog document, as any version does.
    let (_, doc) = document::import("lao-cai.toml", PROVINCE_2026, "admin", 1_772_000_000).unwrap();
    assert_eq!(document::read(&doc).unwrap(), c);
}

#[test]
fn mistakes_in_the_new_fields_name_their_line() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "criteria = 2",
            "criteria = 3",
            "criterion",
            "missing criteria: 3",
        ),
        (
            "criteria = 2",
            "criteria = 0",
            "catalog › criteria",
            "must be 1 to 40",
        ),
        (
            r#""01/03/2026""#,
            r#""31/02/2026""#,
            "catalog › in_force_from",
            "not a date",
        ),
        (
            r#""2026-2030""#,
            r#""2026 2030""#,
            "catalog › attestation_scope",
            "letters, digits",
        ),
        (
            "nhom-3 = 75",
            "nhom-4 = 75",
            "criterion 2 › indicator 2.1 › threshold 2026 › nhom-4",
            "unknown class \"nhom-4\" of nhom-xa-51-2025",
        ),
        (
            "{ code = \"nhom-2\"",
            "{ code = \"nhom-1\"",
            "classification › class › code",
            "duplicate class",
        ),
        (
            "number = 2\n",
            "number = 3\n",
            "criterion 3 › number",
            "must be 1 to 2",
        ),
    ];
    for (from, to, field, message) in cases {
        assert!(PROVINCE_2026.contains(from), "{from}");
        let text = PROVINCE_2026.replacen(from, to, 1);
        let e = errors(&text);
        let hit = e.iter().find(|e| e.field == *field);
        let hit = hit.unwrap_or_else(|| panic!("{to}: no error on {field}: {e:?}"));
        assert!(hit.message.contains(message), "{to}: {hit}");
        if *field != "criterion" {
            let at = PROVINCE_2026.find(from).unwrap();
            let line = PROVINCE_2026[..at].matches('\n').count() + 1;
            assert_eq!(hit.line, line, "{to}: {hit}");
        }
    }
    let text = PROVINCE_2026.to_owned()
        + "\n[completion]\ncommunes_met_percent = 120\nmodern_percent = 10\nmodern_catalog = \"m\"\nward_farmland_percent = 70\nward_contents_percent = 70\nlegal_basis = \"x\"\n";
    let e = errors(&text);
    assert!(
        e.iter()
            .any(|e| e.field == "completion › communes_met_percent"
                && e.line == line_of(&text, "communes_met_percent = 120")),
        "{e:?}"
    );
}
