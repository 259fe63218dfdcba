//! Loading a catalog from TOML, with every error naming file, line and field.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::model::*;
use super::vocabulary;

/// One problem in a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// The file (as given to the loader).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Where in the structure, e.g. `criterion 2 › indicator 2.1 › unit`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

/// Every problem found in a catalog (loading does not stop at the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct CatalogErrors(pub Vec<CatalogError>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    catalog: RawHeader,
    #[serde(default)]
    classification: Option<Spanned<RawClassification>>,
    #[serde(default)]
    completion: Option<Spanned<RawCompletion>>,
    #[serde(default)]
    department: Vec<RawDepartment>,
    #[serde(default)]
    criterion: Vec<Spanned<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    set: Spanned<String>,
    version: String,
    name_vi: String,
    name_en: String,
    legal_basis: String,
    illustrative: bool,
    /// How many criteria the set has (19 when not given, as in 2021–2025).
    #[serde(default)]
    criteria: Option<Spanned<u32>>,
    #[serde(default)]
    attestation_scope: Option<Spanned<String>>,
    /// First day the set applies, `dd/mm/yyyy` or `yyyy-mm-dd`.
    #[serde(default)]
    in_force_from: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClassification {
    id: Spanned<String>,
    name_vi: String,
    name_en: String,
    #[serde(default)]
    class: Vec<RawClass>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    code: Spanned<String>,
    name_vi: String,
    name_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompletion {
    communes_met_percent: Spanned<f64>,
    modern_percent: Spanned<f64>,
    modern_catalog: Spanned<String>,
    ward_farmland_percent: Spanned<f64>,
    ward_contents_percent: Spanned<f64>,
    legal_basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDepartment {
    code: Spanned<String>,
    name_vi: String,
    name_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    number: Spanned<u32>,
    name_vi: String,
    name_en: String,
    #[serde(default)]
    group: Option<Spanned<String>>,
    owner: Spanned<String>,
    #[serde(default)]
    indicator: Vec<Spanned<RawIndicator>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Spanned<String>,
    text_vi: String,
    text_en: String,
    unit: Spanned<String>,
    rule: Spanned<String>,
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(default)]
    compare: Option<Spanned<String>>,
    #[serde(default)]
    threshold: Vec<Spanned<RawThreshold>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    from_year: Spanned<i32>,
    values: Spanned<BTreeMap<String, Spanned<f64>>>,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<CatalogError>,
    classification: Classification,
}

impl Ctx<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn error(&mut self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) {
        let line = self.line(&span);
        self.errors.push(CatalogError {
            file: self.file.to_owned(),
            line,
            field: field.into(),
            message: message.into(),
        });
    }
}

fn one_of<T: Copy>(options: &[(&str, T)], s: &str) -> Result<T, String> {
    options
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown value {s:?} (expected one of: {})",
                names.join(", ")
            )
        })
}

const SETS: &[(&str, CriteriaSet)] = &[
    ("ntm", CriteriaSet::Ntm),
    ("advanced", CriteriaSet::Advanced),
    ("modern", CriteriaSet::Modern),
];
const GROUPS: &[(&str, Group)] = &[
    ("planning", Group::Planning),
    ("infrastructure", Group::Infrastructure),
    ("economy", Group::Economy),
    (
        "culture-society-environment",
        Group::CultureSocietyEnvironment,
    ),
    ("political-system", Group::PoliticalSystem),
];
const UNITS: &[(&str, Unit)] = &[
    ("yes-no", Unit::YesNo),
    ("percent", Unit::Percent),
    ("million-vnd-per-person-year", Unit::MillionVndPerPersonYear),
    ("count", Unit::Count),
];
const COMPARES: &[(&str, Compare)] =
    &[("at-least", Compare::AtLeast), ("at-most", Compare::AtMost)];

/// Parses and validates a catalog. `file` is only used in error messages.
pub fn load_catalog(file: &str, text: &str) -> Result<Catalog, CatalogErrors> {
    let mut ctx = Ctx {
        file,
        text,
        errors: Vec::new(),
        classification: Classification::regions_318(),
    };
    let raw: RawCatalog = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            ctx.error(span, "toml", e.message().to_owned());
            return Err(CatalogErrors(ctx.errors));
        }
    };
    let set = one_of(SETS, raw.catalog.set.get_ref())
        .map_err(|m| ctx.error(raw.catalog.set.span(), "catalog › set", m))
        .ok();
    if raw.catalog.id.get_ref().trim().is_empty() {
        ctx.error(raw.catalog.id.span(), "catalog › id", "must not be empty");
    }
    let count = raw.catalog.criteria.as_ref().map_or(19, |c| *c.get_ref());
    if let Some(c) = &raw.catalog.criteria {
        if !(1..=40).contains(c.get_ref()) {
            ctx.error(c.span(), "catalog › criteria", "must be 1 to 40");
        }
    }
    if let Some(scope) = &raw.catalog.attestation_scope {
        let ok = !scope.get_ref().is_empty()
            && scope
                .get_ref()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            ctx.error(
                scope.span(),
                "catalog › attestation_scope",
                "must be letters, digits and `-`",
            );
        }
    }
    let in_force_from = raw.catalog.in_force_from.as_ref().and_then(|d| {
        crate::date::Date::parse(d.get_ref())
            .map_err(|e| ctx.error(d.span(), "catalog › in_force_from", e.to_string()))
            .ok()
    });
    if let Some(classification) = raw.classification {
        classification_of(&mut ctx, classification);
    }
    let completion = raw.completion.and_then(|c| completion_of(&mut ctx, c));

    let mut departments = Vec::new();
    for d in raw.department {
        if departments
            .iter()
            .any(|x: &Department| x.code == *d.code.get_ref())
        {
            ctx.error(
                d.code.span(),
                "department › code",
                format!("duplicate department {:?}", d.code.get_ref()),
            );
        }
        departments.push(Department {
            code: d.code.into_inner(),
            name_vi: d.name_vi,
            name_en: d.name_en,
        });
    }

    let mut criteria = Vec::new();
    let mut indicator_ids = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    for spanned in raw.criterion {
        let span = spanned.span();
        let c = spanned.into_inner();
        let number = *c.number.get_ref();
        let here = format!("criterion {number}");
        if !(1..=count).contains(&number) {
            ctx.error(
                c.number.span(),
                format!("{here} › number"),
                format!("must be 1 to {count} (the set's criteria count)"),
            );
        }
        if !numbers.insert(number) {
            ctx.error(
                c.number.span(),
                format!("{here} › number"),
                format!("duplicate criterion {number}"),
            );
        }
        let group = match &c.group {
            None => Some(None),
            Some(g) => one_of(GROUPS, g.get_ref())
                .map(Some)
                .map_err(|m| ctx.error(g.span(), format!("{here} › group"), m))
                .ok(),
        };
        if !departments.iter().any(|d| d.code == *c.owner.get_ref()) {
            ctx.error(
                c.owner.span(),
                format!("{here} › owner"),
                format!("unknown department {:?}", c.owner.get_ref()),
            );
        }
        if c.indicator.is_empty() {
            ctx.error(span, here.clone(), "has no indicator");
        }
        let mut indicators = Vec::new();
        for ind in c.indicator {
            let ind = ind.into_inner();
            if let Some(i) = indicator(&mut ctx, &here, ind, &mut indicator_ids) {
                indicators.push(i);
            }
        }
        if let Some(group) = group {
            criteria.push(Criterion {
                number,
                name_vi: c.name_vi,
                name_en: c.name_en,
                group,
                owner: c.owner.into_inner(),
                indicators,
            });
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|n| !numbers.contains(n))
        .map(|n| n.to_string())
        .collect();
    if !missing.is_empty() {
        ctx.error(
            0..0,
            "criterion",
            format!("missing criteria: {}", missing.join(", ")),
        );
    }
    criteria.sort_by_key(|c| c.number);
    match (ctx.errors.is_empty(), set) {
        (true, Some(set)) => Ok(Catalog {
            id: raw.catalog.id.into_inner(),
            set,
            version: raw.catalog.version,
            name_vi: raw.catalog.name_vi,
            name_en: raw.catalog.name_en,
            legal_basis: raw.catalog.legal_basis,
            illustrative: raw.catalog.illustrative,
            attestation_scope: raw
                .catalog
                .attestation_scope
                .map(Spanned::into_inner)
                .unwrap_or_default(),
            in_force_from,
            classification: ctx.classification,
            departments,
            criteria,
            completion,
        }),
        _ => Err(CatalogErrors(ctx.errors)),
    }
}

fn indicator(
    ctx: &mut Ctx<'_>,
    criterion: &str,
    ind: RawIndicator,
    ids: &mut BTreeSet<String>,
) -> Option<Indicator> {
    let id = ind.id.get_ref().clone();
    let here = format!("{criterion} › indicator {id}");
    let errors_before = ctx.errors.len();
    if !ids.insert(id.clone()) {
        ctx.error(
            ind.id.span(),
            format!("{here} › id"),
            format!("duplicate indicator id {id:?}"),
        );
    }
    let unit = one_of(UNITS, ind.unit.get_ref())
        .map_err(|m| ctx.error(ind.unit.span(), format!("{here} › unit"), m))
        .ok();
    let compare = match &ind.compare {
        Some(c) => one_of(COMPARES, c.get_ref())
            .map_err(|m| ctx.error(c.span(), format!("{here} › compare"), m))
            .ok(),
        None => Some(Compare::AtLeast),
    };
    let source = ind.source.as_ref().map(|s| (s.get_ref().clone(), s.span()));
    let rule = match (ind.rule.get_ref().as_str(), source) {
        ("attested", None) => Some(Rule::Attested),
        ("attested", Some((_, span))) => {
            ctx.error(
                span,
                format!("{here} › source"),
                "an attested indicator has no source field",
            );
            None
        }
        (kind, Some((field, span))) => {
            let (known, make): (&[&str], fn(String) -> Rule) = match kind {
                "household-share" => (vocabulary::HOUSEHOLD_PREDICATES, |field| {
                    Rule::HouseholdShare { field }
                }),
                "household-average" => (vocabulary::HOUSEHOLD_QUANTITIES, |field| {
                    Rule::HouseholdAverage { field }
                }),
                "infrastructure-count" => (vocabulary::INFRASTRUCTURE_COUNTS, |field| {
                    Rule::InfrastructureCount { field }
                }),
                "infrastructure-share" => (vocabulary::INFRASTRUCTURE_SHARES, |field| {
                    Rule::InfrastructureShare { field }
                }),
                other => {
                    ctx.error(
                        ind.rule.span(),
                        format!("{here} › rule"),
                        format!("unknown rule {other:?} (expected one of: attested, household-share, household-average, infrastructure-count, infrastructure-share)"),
                    );
                    return None;
                }
            };
            if known.contains(&field.as_str()) {
                Some(make(field))
            } else {
                ctx.error(
                    span,
                    format!("{here} › source"),
                    format!(
                        "rule {kind} refers to unknown field {field:?} (known: {})",
                        known.join(", ")
                    ),
                );
                None
            }
        }
        (kind, None) => {
            ctx.error(
                ind.rule.span(),
                format!("{here} › source"),
                format!("rule {kind} needs a source field"),
            );
            None
        }
    };
    let mut thresholds = Vec::new();
    for step in &ind.threshold {
        let step_span = step.span();
        let step = step.get_ref();
        let mut by_class = BTreeMap::new();
        let default = step.values.get_ref().get("all").map(|v| *v.get_ref());
        for (key, value) in step.values.get_ref() {
            if key != "all" && ctx.classification.class(key).is_none() {
                let codes: Vec<&str> = ctx
                    .classification
                    .classes
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect();
                let message = format!(
                    "unknown class {key:?} of {} (expected all or one of: {})",
                    ctx.classification.id,
                    codes.join(", ")
                );
                ctx.error(
                    value.span(),
                    format!("{here} › threshold {} › {key}", step.from_year.get_ref()),
                    message,
                );
            }
            if !value.get_ref().is_finite() {
                ctx.error(
                    value.span(),
                    format!("{here} › threshold › {key}"),
                    "must be a finite number",
                );
            }
        }
        for class in ctx.classification.classes.clone() {
            match step
                .values
                .get_ref()
                .get(&class.code)
                .map(|v| *v.get_ref())
                .or(default)
            {
                Some(v) => {
                    by_class.insert(class.code, v);
                }
                None => ctx.error(
                    step.values.span(),
                    format!("{here} › threshold {}", step.from_year.get_ref()),
                    format!(
                        "missing threshold for class {} ({}); give it or `all`",
                        class.code, class.name_vi
                    ),
                ),
            }
        }
        if thresholds
            .last()
            .is_some_and(|prev: &ThresholdStep| prev.from_year >= *step.from_year.get_ref())
        {
            ctx.error(
                step_span,
                format!("{here} › threshold › from_year"),
                "threshold steps must be in increasing years",
            );
        }
        thresholds.push(ThresholdStep {
            from_year: *step.from_year.get_ref(),
            by_class,
        });
    }
    match (&rule, thresholds.is_empty()) {
        (Some(Rule::Attested), false) => ctx.error(
            ind.rule.span(),
            format!("{here} › threshold"),
            "an attested indicator has no threshold",
        ),
        (Some(r), true) if *r != Rule::Attested => ctx.error(
            ind.rule.span(),
            format!("{here} › threshold"),
            "missing threshold",
        ),
        _ => {}
    }
    if unit == Some(Unit::YesNo) && rule.as_ref().is_some_and(|r| *r != Rule::Attested) {
        ctx.error(
            ind.unit.span(),
            format!("{here} › unit"),
            "only attested indicators are yes-no",
        );
    }
    if ctx.errors.len() > errors_before {
        return None;
    }
    Some(Indicator {
        id,
        text_vi: ind.text_vi,
        text_en: ind.text_en,
        unit: unit?,
        rule: rule?,
        compare: compare?,
        thresholds,
    })
}

/// The catalog's own classification of communes; checked before any
/// threshold is read, since thresholds are keyed by its classes.
fn classification_of(ctx: &mut Ctx<'_>, raw: Spanned<RawClassification>) {
    let span = raw.span();
    let raw = raw.into_inner();
    if raw.id.get_ref().trim().is_empty() {
        ctx.error(raw.id.span(), "classification › id", "must not be empty");
    }
    let mut classes: Vec<CommuneClass> = Vec::new();
    for class in raw.class {
        let code = class.code.get_ref();
        if code.trim().is_empty() || code == "all" {
            ctx.error(
                class.code.span(),
                "classification › class › code",
                "must be a non-empty code other than `all`",
            );
        } else if classes.iter().any(|c| c.code == *code) {
            ctx.error(
                class.code.span(),
                "classification › class › code",
                format!("duplicate class {code:?}"),
            );
        }
        classes.push(CommuneClass {
            code: class.code.into_inner(),
            name_vi: class.name_vi,
            name_en: class.name_en,
        });
    }
    if classes.is_empty() {
        ctx.error(span, "classification", "declares no class");
    }
    ctx.classification = Classification {
        id: raw.id.into_inner(),
        name_vi: raw.name_vi,
        name_en: raw.name_en,
        classes,
    };
}

fn completion_of(ctx: &mut Ctx<'_>, raw: Spanned<RawCompletion>) -> Option<CompletionRule> {
    let raw = raw.into_inner();
    let before = ctx.errors.len();
    for (name, value) in [
        ("communes_met_percent", &raw.communes_met_percent),
        ("modern_percent", &raw.modern_percent),
        ("ward_farmland_percent", &raw.ward_farmland_percent),
        ("ward_contents_percent", &raw.ward_contents_percent),
    ] {
        if !(0.0..=100.0).contains(value.get_ref()) {
            ctx.error(
                value.span(),
                format!("completion › {name}"),
                "must be a percentage from 0 to 100",
            );
        }
    }
    if raw.modern_catalog.get_ref().trim().is_empty() {
        ctx.error(
            raw.modern_catalog.span(),
            "completion › modern_catalog",
            "must name the modern set's catalog id",
        );
    }
    (ctx.errors.len() == before).then(|| CompletionRule {
        communes_met_percent: raw.communes_met_percent.into_inner(),
        modern_percent: raw.modern_percent.into_inner(),
        modern_catalog: raw.modern_catalog.into_inner(),
        ward_farmland_percent: raw.ward_farmland_percent.into_inner(),
        ward_contents_percent: raw.ward_contents_percent.into_inner(),
        legal_basis: raw.legal_basis,
    })
}
