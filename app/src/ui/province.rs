//! The Coordination Office's overview of the (synthetic) demo province as
//! of a date: today's 99 units scored against the sets in force, each
//! merged unit "to re-assess" with its predecessors' standing beside it;
//! or the province before the reform of 01/07/2025, with its districts.

use leptos::prelude::*;
use ntm_core::catalog::{self, CriteriaSet};
use ntm_core::date::Date;
use ntm_core::demo::{generate, reform_date, DemoParams, DemoProvince};
use ntm_core::overview::{overview, CommuneRow, Totals};
use ntm_core::registry::Standing;

fn standing_vi(standing: &Standing) -> String {
    match standing {
        Standing::Recognised { level, year } => format!("{} {year}", level.label_vi()),
        Standing::NotRecognised => "Chưa công nhận".to_owned(),
        Standing::Succeeded { by, on } => format!("Đã sáp nhập vào {by} từ {on}"),
        Standing::ToReassess { predecessors } => {
            let before: Vec<String> = predecessors
                .iter()
                .map(|p| match p.recognised {
                    Some((level, year)) => format!("{}: {} {year}", p.name, level.label_vi()),
                    None => format!("{}: chưa đạt", p.name),
                })
                .collect();
            format!("Cần đánh giá lại (trước sáp nhập — {})", before.join("; "))
        }
    }
}

/// The overview, computed in the browser from the seeded demo province.
#[component]
pub fn ProvinceOverview() -> impl IntoView {
    let province = StoredValue::new(None::<DemoProvince>);
    let data = RwSignal::new(None::<(Vec<CommuneRow>, Totals, Date)>);
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
    // Let the "computing" line paint before the work starts.
    leptos::prelude::set_timeout(
        move || {
            province.set_value(Some(generate(DemoParams::default())));
            compute();
        },
        std::time::Duration::from_millis(30),
    );
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
    view! {
        <section id="province-overview" class="card wide">
            <h2>"Bảng điều hành tỉnh" <small lang="en">" · Province overview"</small></h2>
            <p class="synthetic" role="note">
                "Dữ liệu mẫu tổng hợp, ngưỡng minh họa — không phải số liệu thật. "
                <small lang="en">"Synthetic demo data, illustrative thresholds — not real figures."</small>
            </p>
            {move || match data.get() {
                None => view! { <p class="loading">"Đang tính điểm các đơn vị… " <small lang="en">"Scoring units…"</small></p> }.into_any(),
                Some((_, t, date)) => view! {
                    <p id="province-totals" data-communes=t.communes.to_string() data-at-risk=t.at_risk.to_string() data-to-reassess=t.to_reassess.to_string()>
                        {format!(
                            "Ngày {date}: {} đơn vị cấp xã · đạt đủ tiêu chí NTM hiện hành: {} · đã công nhận: {} · có nguy cơ không duy trì: {} · cần đánh giá lại sau sáp nhập: {} · mục tiêu {}: {} NTM, {} NTM nâng cao, {} NTM hiện đại",
                            t.communes, t.ntm_now, t.recognised, t.at_risk, t.to_reassess, date.year, t.targets.0, t.targets.1, t.targets.2
                        )}
                    </p>
                }.into_any(),
            }}
            <div class="filters">
                <label class="check">
                    <input id="before-reform" type="checkbox" on:change=move |ev| { before_reform.set(event_target_checked(&ev)); compute(); }/>
                    "Trước sắp xếp (30/06/2025)" <small lang="en">"Before the reform"</small>
                </label>
                <label class="check">
                    <input id="only-reassess" type="checkbox" on:change=move |ev| only_reassess.set(event_target_checked(&ev))/>
                    "Chỉ đơn vị cần đánh giá lại" <small lang="en">"To re-assess only"</small>
                </label>
                <label class="check">
                    <input id="only-at-risk" type="checkbox" on:change=move |ev| only_at_risk.set(event_target_checked(&ev))/>
                    "Chỉ đơn vị có nguy cơ" <small lang="en">"At-risk only"</small>
                </label>
            </div>
            <table>
                <thead><tr>
                    <th>"Đơn vị"</th><th>"Huyện (cũ)"</th><th>"Tình trạng"</th><th>"Mục tiêu"</th>
                    {move || sets().into_iter().map(|(set, id)| view! { <th title=id>{set.short_vi()}</th> }).collect_view()}
                    <th>"Nguy cơ"</th>
                </tr></thead>
                <tbody>
                    <For each=visible key=|r| r.code.clone() children=move |r| {
                        let target = r.target.map(|t| format!("{} {}", t.level.label_vi(), t.year)).unwrap_or_else(|| "—".into());
                        let ntm = r.score(CriteriaSet::Ntm).map(|s| s.met.to_string()).unwrap_or_default();
                        let reassess = matches!(r.standing, Standing::ToReassess { .. });
                        view! {
                            <tr class="commune" class:at-risk=r.at_risk data-name=r.name.clone() data-ntm=ntm data-reassess=reassess.to_string()>
                                <td>{r.name.clone()}</td>
                                <td>{r.district.clone().unwrap_or_default()}</td>
                                <td class="standing">{standing_vi(&r.standing)}</td>
                                <td>{target}</td>
                                {r.scores.iter().map(|s| view! { <td class="score">{format!("{}/{}", s.met, s.total)}</td> }).collect_view()}
                                <td>{if r.at_risk { "⚠ Có nguy cơ" } else { "" }}</td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
        </section>
    }
}
