//! The Coordination Office's overview of the (synthetic) demo province as
//! of a date: today's 99 units scored against the sets in force, each
//! merged unit "to re-assess" with its predecessors' standing beside it;
//! or the province before the reform of 01/07/2025, with its districts.

use leptos::prelude::*;
use ntm_core::catalog::{self, CriteriaSet};
use ntm_core::date::Date;
use ntm_core::demo::{generate, reform_date, DemoParams, DemoProvince};
use ntm_core::overview::{overview, CommuneRow, Totals};
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
    let from_summary = view.province_device.get_untracked();
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
    let only_at_risk = RwSignal::new(false);
    let only_reassess = RwSignal::new(false);
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
        let risk = only_at_risk.get();
        let reassess = only_reassess.get();
        data.with(|d| {
            d.iter()
                .flat_map(|(rows, _, _)| rows.iter())
                .filter(|r| !risk || r.at_risk)
                .filter(|r| !reassess || matches!(r.standing, Standing::ToReassess { .. }))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let sets = move || {
        data.with(|d| {
            d.as_ref()
                .and_then(|(rows, _, _)| rows.first())
                .map(|r| {
                    r.scores
                        .iter()
                        .map(|s| (s.set, s.catalog_id.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
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
            <div class="filters">
                <Show when=move || !from_summary>
                    <label class="check">
                        <input id="before-reform" type="checkbox" on:change=move |ev| { before_reform.set(event_target_checked(&ev)); compute(); }/>
                        {t("before-reform")}
                    </label>
                </Show>
                <label class="check">
                    <input id="only-reassess" type="checkbox" on:change=move |ev| only_reassess.set(event_target_checked(&ev))/>
                    {t("only-reassess")}
                </label>
                <label class="check">
                    <input id="only-at-risk" type="checkbox" on:change=move |ev| only_at_risk.set(event_target_checked(&ev))/>
                    {t("only-at-risk")}
                </label>
            </div>
            <table>
                <thead><tr>
                    <th>{t("unit")}</th>{move || has_districts().then(|| view! { <th>{t("old-district")}</th> })}<th>{t("standing")}</th><th>{t("target")}</th>
                    {move || sets().into_iter().map(|(set, id)| view! { <th title=id>{i18n::label("set-short", set.code())}</th> }).collect_view()}
                    <th>{t("risk")}</th>
                </tr></thead>
                <tbody>
                    <For each=visible key=|r| r.code.clone() children=move |r| {
                        let target = r.target.map(|target| level_year(target.level, target.year)).unwrap_or_else(|| "—".into());
                        let ntm = r.score(CriteriaSet::Ntm).map(|s| s.met.to_string()).unwrap_or_default();
                        let reassess = matches!(r.standing, Standing::ToReassess { .. });
                        view! {
                            <tr class="commune" class:at-risk=r.at_risk data-name=r.name.clone() data-ntm=ntm data-reassess=reassess.to_string()>
                                <td>{r.name.clone()}</td>
                                {has_districts().then(|| view! { <td>{r.district.clone().unwrap_or_default()}</td> })}
                                <td class="standing">{standing_text(&r.standing)}</td>
                                <td>{target}</td>
                                {r.scores.iter().map(|s| view! { <td class="score">{format!("{}/{}", s.met, s.total)}</td> }).collect_view()}
                                <td>{if r.at_risk { t("at-risk") } else { String::new() }}</td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
        </section>
    }
}
