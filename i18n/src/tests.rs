use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast;
use fluent_syntax::parser;
use ntm_core::appraisal::{DossierState, Verdict};
use ntm_core::catalog::{CriteriaSet, Region};
use ntm_core::registry::UnitKind;
use ntm_core::survey::infrastructure::InfraKind;
use ntm_core::survey::listing::Filter;
use ntm_core::survey::poverty::{PovertyClass, PovertyStandard};
use ntm_core::survey::record::{Housing, Sanitation, Sex, WaterSource};
use ntm_core::survey::validation::{field, Invalid, FIELDS};

use super::*;

/// Each message id of a locale file and the variables its text uses.
fn messages(locale: Locale) -> BTreeMap<String, BTreeSet<String>> {
    let resource = parser::parse(locale.source())
        .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", locale.code()));
    let mut out = BTreeMap::new();
    for entry in resource.body {
        if let ast::Entry::Message(m) = entry {
            let mut vars = BTreeSet::new();
            if let Some(pattern) = &m.value {
                pattern_vars(pattern, &mut vars);
            }
            assert!(
                out.insert(m.id.name.to_owned(), vars).is_none(),
                "{} says {} twice",
                locale.code(),
                m.id.name
            );
        }
    }
    out
}

fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(inline) => inline_vars(inline, vars),
    }
}

fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

#[test]
fn both_languages_say_the_same_things_with_the_same_arguments() {
    let vi = messages(Locale::Vi);
    let en = messages(Locale::En);
    let only_vi: Vec<&String> = vi.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<&String> = en.keys().filter(|k| !vi.contains_key(*k)).collect();
    assert!(only_vi.is_empty(), "missing in en.ftl: {only_vi:?}");
    assert!(only_en.is_empty(), "missing in vi.ftl: {only_en:?}");
    for (id, vars) in &vi {
        assert_eq!(vars, &en[id], "{id} uses other arguments in English");
    }
    assert!(vi.len() > 200, "{} texts", vi.len());
}

/// Ids named in code as literals: `t("…")`, `tf("…"`, `Message::new("…")`.
fn ids_in(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            ids_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for call in ["t(\"", "tf(\"", "Message::new(\""] {
                for (at, _) in text.match_indices(call) {
                    // `t("` inside another name (`list("`) is not a call.
                    let before = text[..at].chars().next_back();
                    if call == "t(\"" && before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &text[at + call.len()..];
                    let id = &rest[..rest.find('"').unwrap()];
                    out.insert(id.to_owned());
                }
            }
        }
    }
}

#[test]
fn every_text_the_code_names_exists_in_both_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut ids = BTreeSet::new();
    ids_in(&root.join("app/src"), &mut ids);
    ids_in(&root.join("shared/src"), &mut ids);
    assert!(ids.len() > 150, "the scan found only {} ids", ids.len());
    // Coded values the views label as `prefix-code`.
    let coded: Vec<String> = [
        Sex::ALL.map(|v| format!("sex-{}", v.code())).to_vec(),
        Housing::ALL
            .map(|v| format!("housing-{}", v.code()))
            .to_vec(),
        WaterSource::ALL
            .map(|v| format!("water-{}", v.code()))
            .to_vec(),
        Sanitation::ALL
            .map(|v| format!("sanitation-{}", v.code()))
            .to_vec(),
        InfraKind::ALL
            .map(|v| format!("infra-kind-{}", v.code()))
            .to_vec(),
        Filter::ALL.map(|v| format!("filter-{}", v.code())).to_vec(),
        [
            PovertyClass::Poor,
            PovertyClass::NearPoor,
            PovertyClass::NotPoor,
        ]
        .map(|v| format!("poverty-{}", v.code()))
        .to_vec(),
        [PovertyClass::Poor, PovertyClass::NearPoor]
            .map(|v| format!("poverty-short-{}", v.code()))
            .to_vec(),
        [
            PovertyStandard::DECREE_07_2021,
            PovertyStandard::DECREE_351_2025,
        ]
        .map(|s| format!("standard-{}", s.legal_basis))
        .to_vec(),
        [Verdict::Met, Verdict::NotMet, Verdict::NeedsEvidence]
            .map(|v| format!("verdict-{}", v.code()))
            .to_vec(),
        DossierState::ALL
            .map(|v| format!("dossier-{}", v.code()))
            .to_vec(),
        UnitKind::ALL
            .map(|v| format!("unit-kind-{}", v.code()))
            .to_vec(),
        Region::ALL.map(|v| format!("region-{}", v.code())).to_vec(),
        CriteriaSet::ALL
            .map(|v| format!("set-{}", v.code()))
            .to_vec(),
        CriteriaSet::ALL
            .map(|v| format!("set-short-{}", v.code()))
            .to_vec(),
        FIELDS.map(|(_, code)| code.to_owned()).to_vec(),
        ["sync-offline", "sync-syncing", "sync-up-to-date"]
            .map(str::to_owned)
            .to_vec(),
        ["status-met", "status-not-met", "status-missing"]
            .map(str::to_owned)
            .to_vec(),
    ]
    .concat();
    ids.extend(coded);
    for locale in Locale::ALL {
        let words = Words::new(locale);
        let missing: Vec<&String> = ids.iter().filter(|id| !words.has(id)).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", locale.code());
    }
}

#[test]
fn core_messages_read_as_sentences_in_each_language() {
    let vi = Words::new(Locale::Vi);
    let en = Words::new(Locale::En);
    let required = Invalid::Required("head").message();
    assert_eq!(vi.message(&required), "Tên chủ hộ không được để trống.");
    assert_eq!(en.message(&required), "Head of household is required.");
    let members = Invalid::MembersOutOfRange(0).message();
    assert_eq!(
        en.message(&members),
        "Number of members must be 1 to 50 (got 0)."
    );
    assert_eq!(vi.message(&field("nonsense")), "Trường");
    let reason = Message::new("reason-not-met")
        .with(
            "value",
            Arg::Decimal {
                value: 60.0,
                digits: 1,
            },
        )
        .with("sign", "≥")
        .with(
            "threshold",
            Arg::Decimal {
                value: 90.0,
                digits: 0,
            },
        )
        .with("illustrative", "yes");
    assert_eq!(
        vi.message(&reason),
        "60,0 chưa đạt yêu cầu ≥ 90 (ngưỡng minh họa)"
    );
    assert_eq!(
        en.message(&reason),
        "60.0 does not meet ≥ 90 (illustrative threshold)"
    );
    let official = Message::new("reason-met")
        .with(
            "value",
            Arg::Decimal {
                value: 95.0,
                digits: 1,
            },
        )
        .with("sign", "≥")
        .with(
            "threshold",
            Arg::Decimal {
                value: 90.0,
                digits: 0,
            },
        )
        .with("illustrative", "no");
    assert_eq!(vi.message(&official), "95,0 đạt yêu cầu ≥ 90");
}

#[test]
fn counts_follow_the_language_and_money_is_written_in_dong() {
    let vi = Words::new(Locale::Vi);
    let en = Words::new(Locale::En);
    assert_eq!(vi.number(1_234_567), "1.234.567");
    assert_eq!(en.number(1_234_567), "1,234,567");
    assert_eq!(vi.number(-999), "-999");
    assert_eq!(vi.decimal(2.5, 2), "2,50");
    assert_eq!(en.decimal(2.5, 2), "2.50");
    assert_eq!(vi.decimal(-0.04, 1), "0,0");
    assert_eq!(vi.money(2_000_000), "2.000.000 đ");
    assert_eq!(en.money(2_000_000), "2.000.000 đ");
    // Numbers inside texts, and English plurals.
    assert_eq!(
        vi.format("households-shown", &[("count", 2700.into())]),
        "2.700 hộ · xếp theo tên chủ hộ"
    );
    assert_eq!(
        en.format("households-shown", &[("count", 1.into())]),
        "1 household · by the head's name"
    );
    assert_eq!(
        en.format("unconfirmed", &[("count", 3.into())]),
        "3 changes not yet on the relay"
    );
    assert_eq!(
        en.format("unconfirmed", &[("count", 0.into())]),
        "All changes are on the relay"
    );
    // An id nobody wrote shows as itself, so a gap is visible, not blank.
    assert_eq!(vi.get("no-such-text"), "no-such-text");
}

#[test]
fn locales_are_named_and_coded() {
    assert_eq!(Locale::default(), Locale::Vi);
    for l in Locale::ALL {
        assert_eq!(Locale::from_code(l.code()), Some(l));
    }
    assert_eq!(Locale::from_code("fr"), None);
    assert_eq!(Locale::Vi.native_name(), "Tiếng Việt");
}
