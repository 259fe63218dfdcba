//! The commune's scorecard: x/19 (or x/10) for each set in force, each
//! criterion, and the gap list with reasons. Thresholds say when they are
//! illustrative.

use leptos::prelude::*;
use ntm_core::appraisal::{Author, Happened};
use ntm_core::catalog::{Catalog, Rule};
use ntm_core::evaluation::{Scorecard, Status};
use ntm_core::format::date_vi;
use ntm_core::registry::Level;

use ntm_core::survey::infrastructure;
use ntm_core::survey::listing::HouseholdSet;

use super::households::{Among, Scope, Selected};
use super::infrastructure::{Behind, Focus};
use super::Tab;
use crate::engine::View;
use crate::i18n::{self, msg, t, tf};

/// "NTM nâng cao năm 2026": a level and the year.
pub(super) fn level_in(level: Level, year: i32) -> String {
    tf(
        "level-in-year",
        &[
            (
                "level",
                i18n::label("set-short", level.criteria_set().code()).into(),
            ),
            ("year", year.to_string().into()),
        ],
    )
}

fn status_label(status: Status) -> (&'static str, String) {
    (status.code(), i18n::label("status", status.code()))
}

fn card(sc: Scorecard) -> impl IntoView {
    let view = expect_context::<View>();
    let scope = expect_context::<Scope>().0;
    let selected = expect_context::<Selected>().0;
    let tab = expect_context::<RwSignal<Tab>>();
    let catalog = sc.catalog_id.clone();
    let illustrative = sc
        .criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .any(|i| i.illustrative);
    let gaps: Vec<(String, String, String, Option<HouseholdSet>)> = sc
        .gaps()
        .into_iter()
        .map(|(c, i)| {
            let ids = view
                .behind
                .with_untracked(|b| b.get(&(catalog.clone(), i.id.clone())).cloned());
            (
                format!("{}. {}", c.number, i18n::pick(&c.name_vi, &c.name_en)),
                i.id.clone(),
                msg(&i.reason),
                ids,
            )
        })
        .collect();
    let set_short = i18n::label("set-short", sc.set.code());
    // What each gap not computed from households is measured on: the
    // works of the infrastructure tab, or the commune's own statement.
    let catalog_doc = view
        .catalogs
        .with_untracked(|all| all.iter().find(|c| c.id == sc.catalog_id).cloned());
    let measured_on = move |indicator: &str| {
        let catalog = catalog_doc.as_ref()?;
        let (_, ind) = catalog.indicator(indicator)?;
        match &ind.rule {
            Rule::Attested => Some(On::Statement(catalog.attestation_key(indicator))),
            Rule::InfrastructureCount { field } | Rule::InfrastructureShare { field } => {
                Some(On::Works(field.clone()))
            }
            Rule::HouseholdShare { .. } | Rule::HouseholdAverage { .. } => None,
        }
    };
    let focus = expect_context::<Focus>().0;
    let works = expect_context::<Behind>().0;
    view! {
        <section class="card scorecard" data-set=sc.set.code() data-met=sc.met().to_string()>
            <h2>{i18n::label("set", sc.set.code())} ": " <span class="score">{sc.score()}</span> " " {t("criteria")}</h2>
            {illustrative.then(|| view! {
                <p class="synthetic" role="note">{t("illustrative-thresholds")}</p>
            })}
            <ul class="criteria">
                {sc.criteria.iter().map(|c| {
                    let (class, label) = status_label(c.status);
                    let verdict = c.appraisal.as_ref().map(|d| view! {
                        <em class="verdict" data-verdict=format!("{:?}", d.verdict)>
                            {tf("appraised", &[("verdict", i18n::label("verdict", d.verdict.code()).into()), ("date", date_vi(d.at).into())])}
                        </em>
                    });
                    view! { <li class=class data-number=c.number.to_string()>{format!("{}. {}", c.number, i18n::pick(&c.name_vi, &c.name_en))} <span>{label}</span> {verdict}</li> }
                }).collect_view()}
            </ul>
            <h3>{t("gaps")}</h3>
            <ul class="gaps">
                {gaps.into_iter().map(|(criterion, id, reason, ids)| {
                    let link = ids.map(|ids| {
                        let label = tf("scope-label", &[("indicator", id.as_str().into()), ("set", set_short.as_str().into())]);
                        let count = ids.len();
                        let show = move |_| {
                            scope.set(Some(Among { label: label.clone(), ids: ids.clone() }));
                            selected.set(None);
                            tab.set(Tab::Survey);
                        };
                        view! {
                            <button type="button" class="chip gap-households" data-count=count.to_string() on:click=show>
                                {tf("gap-households", &[("count", count.into())])}
                            </button>
                        }
                    });
                    let entries = (link.is_none()).then(|| measured_on(&id)).flatten().map(|on| {
                        let text = match &on {
                            On::Statement(_) => t("gap-attestation"),
                            On::Works(field) => {
                                let n = view.infrastructure.with_untracked(|l| {
                                    infrastructure::lacking(field, l.iter().map(|(id, e)| (id, e))).len()
                                });
                                tf("gap-works", &[("count", n.into())])
                            }
                        };
                        let show = move |_| {
                            match &on {
                                On::Statement(key) => {
                                    works.set(Default::default());
                                    focus.set(Some(key.clone()));
                                }
                                On::Works(field) => {
                                    focus.set(None);
                                    works.set(view.infrastructure.with_untracked(|l| {
                                        infrastructure::lacking(field, l.iter().map(|(id, e)| (id, e)))
                                    }));
                                }
                            }
                            tab.set(Tab::Infrastructure);
                        };
                        view! { <button type="button" class="chip gap-entries" on:click=show>{text}</button> }
                    });
                    view! {
                        <li data-indicator=id.clone()><strong>{criterion}</strong>{tf("gap-line", &[("indicator", id.as_str().into()), ("reason", reason.into())])} {link} {entries}</li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// What a gap not computed from households is measured on.
enum On {
    /// The commune's statement (its attestation key).
    Statement(String),
    /// Works of the infrastructure tab (the rule's field).
    Works(String),
}

/// One line of the appraisal history in words.
fn happened(what: &Happened) -> String {
    match what {
        Happened::Verdict {
            catalog,
            criterion,
            verdict,
        } => tf(
            "history-verdict",
            &[
                ("criterion", (*criterion).into()),
                ("catalog", catalog.as_str().into()),
                ("verdict", i18n::label("verdict", verdict.code()).into()),
            ],
        ),
        Happened::DistrictReview { approved: true } => t("history-district-approved"),
        Happened::DistrictReview { approved: false } => t("history-district-not-approved"),
        Happened::Dossier(state) => tf(
            "history-dossier",
            &[("state", i18n::label("dossier", state.code()).into())],
        ),
    }
}

/// Who wrote a line: the department by the catalogs' name, or the
/// district / Coordination Office.
fn party(author: &Author, catalogs: &[Catalog]) -> String {
    match author.department() {
        Some(code) => super::appraisal::department_name_in(catalogs, code),
        None => t("party-district-or-office"),
    }
}

/// The commune as the registry lists it, and where its dossier stands.
#[component]
pub(super) fn CommuneStatus() -> impl IntoView {
    let view = expect_context::<View>();
    move || {
        let appraisal = view.appraisal.get();
        let dossier = appraisal.dossier.map(|d| i18n::label("dossier", d.code()));
        let catalogs = view.catalogs.get();
        let history: Vec<String> = appraisal
            .history
            .iter()
            .rev()
            .take(5)
            .map(|h| {
                format!(
                    "{} · {} · {}",
                    date_vi(h.at),
                    party(&h.author, &catalogs),
                    happened(&h.what)
                )
            })
            .collect();
        match view.registry_entry.get() {
            None => view! {
                <section class="card" id="commune-status">
                    <p>{t("registry-not-arrived")}</p>
                </section>
            }
            .into_any(),
            Some(c) => {
                // Its class in each classification other than the regions
                // (the commune group of 2026–2030), named by the catalog.
                let groups: Vec<String> = c
                    .classes
                    .iter()
                    .map(|(classification, class)| {
                        catalogs
                            .iter()
                            .find(|k| &k.classification.id == classification)
                            .and_then(|k| k.classification.class(class))
                            .map_or_else(
                                || class.clone(),
                                |k| i18n::pick(&k.name_vi, &k.name_en).to_owned(),
                            )
                    })
                    .collect();
                let names = view.predecessor_names.get();
                let formed = (!c.predecessors.is_empty()).then(|| {
                    let from = c.valid_from.map(|d| d.to_string()).unwrap_or_default();
                    let of = if names.is_empty() {
                        c.predecessors.join(", ")
                    } else {
                        names.join(", ")
                    };
                    tf("formed-from", &[("from", from.into()), ("of", of.into())])
                });
                view! {
                <section class="card" id="commune-status">
                    <h2>{c.name.clone()}</h2>
                    <dl class="facts">
                        <dt>{t("unit-kind")}</dt><dd>{i18n::label("unit-kind", c.kind.code())}</dd>
                        {formed.map(|f| view! { <dt>{t("formed")}</dt><dd id="formed-from">{f}</dd> })}
                        <dt>{t("region-2021")}</dt><dd>{i18n::label("region", c.applicable_region.code())}</dd>
                        {(!groups.is_empty()).then(|| view! { <dt>{t("commune-group-2026")}</dt><dd id="commune-group">{groups.join("; ")}</dd> })}
                        <dt>{t("recognised")}</dt><dd id="recognised">{match (c.ntm_year, c.advanced_year) {
                            (_, Some(a)) => level_in(Level::Advanced, a),
                            (Some(n), None) => level_in(Level::Ntm, n),
                            _ => t("not-yet"),
                        }}</dd>
                        <dt>{t("target")}</dt><dd id="target">{c.target.map_or("—".to_owned(), |target| level_in(target.level, target.year))}</dd>
                        <dt>{t("sponsor")}</dt><dd>{c.sponsor.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>{t("leader")}</dt><dd>{c.leader.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>{t("dossier")}</dt><dd id="dossier">{dossier.unwrap_or_else(|| t("no-dossier"))}</dd>
                    </dl>
                    {(!history.is_empty()).then(|| view! {
                        <h3>{t("appraisal-history")}</h3>
                        <ul id="appraisal-history">{history.into_iter().map(|h| view! { <li>{h}</li> }).collect_view()}</ul>
                    })}
                </section>
            }
            .into_any()
            }
        }
    }
}

/// Both scorecards of the commune.
#[component]
pub fn Scorecards() -> impl IntoView {
    let view = expect_context::<View>();
    view! {
        <CommuneStatus/>
        <div id="scorecards" class="cards">
            {move || view.scorecards.get().into_iter().map(card).collect_view()}
        </div>
    }
}
