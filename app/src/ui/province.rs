//! The Coordination Office's overview of the (synthetic) demo province as
//! of a date: today's 99 units scored against the sets in force, each
//! merged unit "to re-assess" with its predecessors' standing beside it;
//! or the province before the reform of 01/07/2025, with its districts.

use leptos::prelude::*;
use ntm_core::appraisal::Verdict;
use ntm_core::catalog::{self, CriteriaSet};
use ntm_core::date::Date;
use ntm_core::demo::{generate, reform_date, DemoParams, DemoProvince};
use ntm_core::evaluation::Status;
use ntm_core::overview::{average_met, overview, progress, CommuneRow, Group, Totals};
use ntm_core::registry::{Level, Standing};

use crate::engine::View;
use crate::i18n::{self, t, tf};

/// "NTM 2023": a level's short name and the year.
fn level_year(level: Level, year: i32) -> String {
    format!(
        "{} {year}",
        i18n::label("set-short", level.criteria_set().code())
    )
}

fn standing_text(standing: &Standing) -> String {
    match standing {
        Standing::Recognised { level, year } => level_year(*level, *year),
        Standing::NotRecognised => t("standing-not-recognised"),
        Standing::Succeeded { by, on } => tf(
            "standing-succeeded",
            &[("by", by.as_str().into()), ("on", on.to_string().into())],
        ),
        Standing::ToReassess { predecessors } => {
            let before: Vec<String> = predecessors
                .iter()
                .map(|p| match p.recognised {
                    Some((level, year)) => format!("{}: {}", p.name, level_year(level, year)),
                    None => tf(
                        "standing-predecessor-not-met",
                        &[("name", p.name.as_str().into())],
                    ),
                })
                .collect();
            tf(
                "standing-to-reassess",
                &[("before", before.join("; ").into())],
            )
        }
    }
}

/// The overview: on a device that watches the province, every unit as the
/// relay's province summary scores it (kept up to date as communes sync);
/// on a device without an enrolment (development relays), computed in the
/// browser from the generated demo province, with its history before the
/// reform.
#[component]
pub fn ProvinceOverview() -> impl IntoView {
    let view = expect_context::<View>();
    let from_summary = view.watching.with_untracked(Option::is_some);
    let province = StoredValue::new(None::<DemoProvince>);
    let data = RwSignal::new(None::<(Vec<CommuneRow>, Totals, Date)>);
    // The generated province is synthetic; a summary says so when its
    // registry does.
    let synthetic = move || {
        !from_summary
            || view
                .province
                .with(|p| p.as_ref().is_some_and(|p| p.synthetic))
    };
    let before_reform = RwSignal::new(false);
    let group = RwSignal::new(Group::All);
    let chosen_set = RwSignal::new(CriteriaSet::Ntm);
    // Why the last export failed, if it did.
    let exporting: RwSignal<Option<String>> = RwSignal::new(None);
    let compute = move || {
        let today = Date::of_unix_vn(crate::platform::unix_seconds());
        let date = if before_reform.get_untracked() {
            reform_date().previous_day()
        } else {
            today
        };
        province.with_value(|p| {
            if let Some(p) = p {
                let (rows, totals) = overview(&p.registry, &p.surveys, &catalog::shipped(), date);
                data.set(Some((rows, totals, date)));
            }
        });
    };
    if from_summary {
        Effect::new(move || {
            data.set(
                view.province
                    .get()
                    .map(|p| (p.rows.clone(), p.totals, p.date)),
            );
        });
    } else {
        // Let the "computing" line paint before the work starts.
        leptos::prelude::set_timeout(
            move || {
                province.set_value(Some(generate(DemoParams::default())));
                compute();
            },
            std::time::Duration::from_millis(30),
        );
    }
    let visible = move || {
        let group = group.get();
        data.with(|d| {
            d.iter()
                .flat_map(|(rows, _, date)| {
                    rows.iter().filter(move |r| r.in_group(group, date.year))
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    // The sets in force, as the first scored row has them.
    let sets = move || {
        data.with(|d| {
            d.iter()
                .flat_map(|(rows, _, _)| rows)
                .find(|r| !r.scores.is_empty())
                .map(|r| {
                    r.scores
                        .iter()
                        .map(|s| (s.set, s.catalog_id.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    // The chosen set's criteria, numbered, with their names for titles.
    let columns = move || {
        let set = chosen_set.get();
        let id = sets()
            .into_iter()
            .find(|(s, _)| *s == set)
            .map(|(_, id)| id);
        // The view's catalogs are the shipped ones until others arrive.
        view.catalogs.with(|catalogs| {
            catalogs
                .iter()
                .find(|c| Some(&c.id) == id.as_ref())
                .map(|c| {
                    c.criteria
                        .iter()
                        .map(|k| (k.number, i18n::pick(&k.name_vi, &k.name_en).to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let progress_line = move || {
        data.with(|d| {
            d.as_ref().map(|(rows, _, date)| {
                let year = date.year;
                let parts: Vec<_> = progress(rows, year)
                    .into_iter()
                    .map(|p| {
                        view! {
                            <span class="progress" data-level=p.level.criteria_set().code() data-target=p.target.to_string() data-meeting=p.meeting.to_string() data-recognised=p.recognised.to_string()>
                                {tf("target-progress", &[
                                    ("set", i18n::label("set-short", p.level.criteria_set().code()).into()),
                                    ("year", year.to_string().into()),
                                    ("meeting", p.meeting.into()),
                                    ("target", p.target.into()),
                                    ("recognised", p.recognised.into()),
                                ])}
                            </span>
                        }
                    })
                    .collect();
                let empty = parts.is_empty();
                view! {
                    <p id="target-progress">
                        {parts}
                        {empty.then(|| tf("no-targets", &[("year", year.to_string().into())]))}
                    </p>
                }
            })
        })
    };
    let average_line = move || {
        let set = chosen_set.get();
        let group_now = group.get();
        data.with(|d| {
            let (rows, _, date) = d.as_ref()?;
            let in_group = rows.iter().filter(|r| r.in_group(group_now, date.year));
            let (average, total) = average_met(in_group, set)?;
            Some(view! {
                <p id="average-met" data-average=format!("{average:.2}")>
                    {tf("average-met", &[
                        ("average", i18n::decimal(average, 1).into()),
                        ("total", total.into()),
                        ("set", i18n::label("set-short", set.code()).into()),
                    ])}
                </p>
            })
        })
    };
    // Provinces without districts (since 01/07/2025) have no such column.
    let has_districts = move || {
        data.with(|d| {
            d.iter()
                .flat_map(|(rows, _, _)| rows)
                .any(|r| r.district.is_some())
        })
    };
    view! {
        <section id="province-overview" class="card wide">
            <h2>{t("province-title")}</h2>
            <Show when=synthetic>
                <p class="synthetic" role="note">{t("synthetic-data")}</p>
            </Show>
            <Show when=move || from_summary>
                <p class="source" role="note">{t("province-from-summary")}</p>
            </Show>
            {move || match data.get() {
                None if from_summary => view! { <p class="loading">{t("province-waiting")}</p> }.into_any(),
                None => view! { <p class="loading">{t("province-scoring")}</p> }.into_any(),
                Some((_, t, date)) => view! {
                    <p id="province-totals" data-source=if from_summary { "summary" } else { "generated" } data-communes=t.communes.to_string() data-at-risk=t.at_risk.to_string() data-to-reassess=t.to_reassess.to_string()>
                        {tf("province-totals", &[
                            ("date", date.to_string().into()),
                            ("communes", t.communes.into()),
                            ("ntm_now", t.ntm_now.into()),
                            ("recognised", t.recognised.into()),
                            ("at_risk", t.at_risk.into()),
                            ("to_reassess", t.to_reassess.into()),
                            ("year", date.year.to_string().into()),
                            ("target_ntm", t.targets.0.into()),
                            ("target_advanced", t.targets.1.into()),
                            ("target_modern", t.targets.2.into()),
                        ])}
                    </p>
                }.into_any(),
            }}
            {progress_line}
            <div class="filters">
                <Show when=move || !from_summary>
                    <label class="check">
                        <input id="before-reform" type="checkbox" on:change=move |ev| { before_reform.set(event_target_checked(&ev)); compute(); }/>
                        {t("before-reform")}
                    </label>
                </Show>
                <label>
                    {t("group")}" "
                    <select id="group" on:change=move |ev| group.set(Group::from_code(&event_target_value(&ev)).unwrap_or(Group::All))>
                        {Group::ALL.into_iter().map(|g| view! { <option value=g.code()>{i18n::label("group", g.code())}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    {t("matrix-set")}" "
                    <select id="matrix-set" on:change=move |ev| {
                        if let Some(set) = CriteriaSet::ALL.into_iter().find(|s| s.code() == event_target_value(&ev)) {
                            chosen_set.set(set);
                        }
                    }>
                        {move || sets().into_iter().map(|(set, id)| view! {
                            <option value=set.code() title=id selected=move || chosen_set.get() == set>{i18n::label("set-short", set.code())}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || view.watching.with(Option::is_some).then(|| {
                    let chosen_catalog = move || sets().into_iter().find(|(s, _)| *s == chosen_set.get()).map(|(_, id)| id);
                    let export = move |format: &'static str| move |_| {
                        let Some(catalog) = chosen_catalog() else { return };
                        exporting.set(None);
                        leptos::task::spawn_local(async move {
                            if let Err(e) = crate::engine::export_matrix(&catalog, format).await {
                                exporting.set(Some(tf("export-failed", &[("reason", e.into())])));
                            }
                        });
                    };
                    view! {
                        <button type="button" id="export-xlsx" class="secondary" on:click=export("xlsx")>{t("export-download")}</button>
                        <button type="button" id="export-csv" class="secondary" on:click=export("csv")>{t("export-download-csv")}</button>
                    }
                })}
            </div>
            {move || exporting.get().map(|e| view! { <p class="problem" role="alert">{e}</p> })}
            {average_line}
            <p class="legend">{t("matrix-legend")}</p>
            <div class="matrix-wrap">
            <table class="matrix">
                <thead><tr>
                    <th>{t("unit")}</th>{move || has_districts().then(|| view! { <th>{t("old-district")}</th> })}<th>{t("target")}</th>
                    <th>{move || i18n::label("set-short", chosen_set.get().code())}</th>
                    {move || columns().into_iter().map(|(n, name)| view! { <th class="criterion" title=name>{n}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {move || {
                        let set = chosen_set.get();
                        let names: Vec<String> = columns().into_iter().map(|(_, name)| name).collect();
                        visible().into_iter().map(|r| {
                            let target = r.target.map(|target| level_year(target.level, target.year)).unwrap_or_else(|| "—".into());
                            let ntm = r.score(CriteriaSet::Ntm).map(|s| s.met.to_string()).unwrap_or_default();
                            let reassess = matches!(r.standing, Standing::ToReassess { .. });
                            let score = r.score(set).cloned();
                            let cells = match &score {
                                Some(s) => s.criteria.iter().enumerate().map(|(i, status)| {
                                    let verdict = s.verdicts.get(i).copied().flatten();
                                    cell(*status, verdict, names.get(i).map(String::as_str).unwrap_or_default()).into_any()
                                }).collect_view().into_any(),
                                None => view! { <td class="unscored" colspan=names.len().max(1).to_string()>{t("not-scored-yet")}</td> }.into_any(),
                            };
                            view! {
                                <tr class="commune" class:at-risk=r.at_risk data-code=r.code.clone() data-name=r.name.clone() data-ntm=ntm data-reassess=reassess.to_string()>
                                    <td>{name_cell(r.code.clone(), r.name.clone())}<br/><small class="standing">{standing_text(&r.standing)}</small>
                                        {r.at_risk.then(|| view! { <br/><small class="risk">{t("at-risk")}</small> })}</td>
                                    {has_districts().then(|| view! { <td>{r.district.clone().unwrap_or_default()}</td> })}
                                    <td>{target}</td>
                                    <td class="score">{score.map(|s| format!("{}/{}", s.met, s.total)).unwrap_or_default()}</td>
                                    {cells}
                                </tr>
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
            </div>
        </section>
    }
}

/// One cell of the matrix: the criterion's computed status, and the
/// department's verdict where it gave one.
/// A commune's name; on a device that watches the province, a button that
/// drills into it (its documents fetched, the appraisal tab shown).
fn name_cell(code: String, name: String) -> impl IntoView {
    let view = expect_context::<View>();
    let tab = expect_context::<RwSignal<super::Tab>>();
    if view.watching.with_untracked(Option::is_none) {
        return view! { <span class="name">{name}</span> }.into_any();
    }
    let open = move |_| {
        let code = code.clone();
        tab.set(super::Tab::Appraisal);
        leptos::task::spawn_local(async move {
            crate::engine::open_commune(code).await;
        });
    };
    view! { <button type="button" class="name open-commune" on:click=open>{name}</button> }
        .into_any()
}

fn cell(status: Status, verdict: Option<Verdict>, criterion: &str) -> impl IntoView {
    let (class, mark) = match status {
        Status::Met => ("met", "✓"),
        Status::NotMet => ("not-met", "✗"),
        Status::MissingData => ("missing", "?"),
    };
    let status_text = t(&format!("status-{class}"));
    let (verdict_class, verdict_mark, verdict_text) = match verdict {
        None => ("", String::new(), String::new()),
        Some(Verdict::Met) => ("appraised-met", t("verdict-mark-met"), t("verdict-met")),
        Some(Verdict::NotMet) => (
            "appraised-not-met",
            t("verdict-mark-not-met"),
            t("verdict-not-met"),
        ),
        Some(Verdict::NeedsEvidence) => (
            "appraised-evidence",
            t("verdict-mark-needs-evidence"),
            t("verdict-needs-evidence"),
        ),
    };
    let title = if verdict_text.is_empty() {
        format!("{criterion}: {status_text}")
    } else {
        format!(
            "{criterion}: {status_text} · {}: {verdict_text}",
            t("matrix-appraisal")
        )
    };
    view! {
        <td class=format!("cell {class} {verdict_class}") data-status=class title=title>
            {mark}{(!verdict_mark.is_empty()).then(|| view! { <sup>{verdict_mark}</sup> })}
        </td>
    }
}
