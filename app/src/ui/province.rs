//! The Coordination Office's overview of the (synthetic) demo province:
//! every commune's score, status, target and at-risk flag.

use leptos::prelude::*;
use ntm_core::catalog;
use ntm_core::demo::{generate, DemoParams};
use ntm_core::overview::{overview, CommuneRow, Totals};
use ntm_core::registry::Level;

fn level_vi(level: Option<Level>) -> &'static str {
    match level {
        Some(Level::Advanced) => "NTM nâng cao",
        Some(Level::Ntm) => "NTM",
        None => "—",
    }
}

/// The overview, computed in the browser from the seeded demo province.
#[component]
pub fn ProvinceOverview() -> impl IntoView {
    let data = RwSignal::new(None::<(Vec<CommuneRow>, Totals, i32)>);
    let district = RwSignal::new(String::new());
    let only_at_risk = RwSignal::new(false);
    // Let the "computing" line paint before the work starts.
    leptos::prelude::set_timeout(
        move || {
            let year = ntm_core::format::civil_date_vn(crate::platform::unix_seconds()).0 as i32;
            let demo = generate(DemoParams::default());
            let (rows, totals) = overview(&demo.registry, &demo.surveys, &catalog::shipped(), year);
            data.set(Some((rows, totals, year)));
        },
        std::time::Duration::from_millis(30),
    );
    let districts = move || {
        let mut names: Vec<String> = data.with(|d| {
            d.iter()
                .flat_map(|(rows, _, _)| rows.iter().filter_map(|r| r.district.clone()))
                .collect()
        });
        names.sort();
        names.dedup();
        names
    };
    let visible = move || {
        let wanted = district.get();
        let risk = only_at_risk.get();
        data.with(|d| {
            d.iter()
                .flat_map(|(rows, _, _)| rows.iter())
                .filter(|r| wanted.is_empty() || r.district.as_deref() == Some(wanted.as_str()))
                .filter(|r| !risk || r.at_risk)
                .cloned()
                .collect::<Vec<_>>()
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
                None => view! { <p class="loading">"Đang tính điểm các xã… " <small lang="en">"Scoring communes…"</small></p> }.into_any(),
                Some((_, t, year)) => view! {
                    <p id="province-totals" data-communes=t.communes.to_string() data-at-risk=t.at_risk.to_string()>
                        {format!(
                            "{} xã · đạt 19/19 NTM hiện nay: {} · đã công nhận: {} · có nguy cơ không duy trì: {} · mục tiêu {year}: {} NTM, {} NTM nâng cao",
                            t.communes, t.ntm_now, t.recognised, t.at_risk, t.targets.0, t.targets.1
                        )}
                    </p>
                }.into_any(),
            }}
            <div class="filters">
                <label>"Huyện " <small lang="en">"District"</small>
                    <select on:change=move |ev| district.set(event_target_value(&ev))>
                        <option value="">"Tất cả"</option>
                        {move || districts().into_iter().map(|d| view! { <option value=d.clone()>{d.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input id="only-at-risk" type="checkbox" on:change=move |ev| only_at_risk.set(event_target_checked(&ev))/>
                    "Chỉ xã có nguy cơ" <small lang="en">"At-risk only"</small>
                </label>
            </div>
            <table>
                <thead><tr>
                    <th>"Xã"</th><th>"Huyện"</th><th>"Công nhận"</th><th>"Mục tiêu"</th>
                    <th>"NTM"</th><th>"NTM nâng cao"</th><th>"Nguy cơ"</th>
                </tr></thead>
                <tbody>
                    <For each=visible key=|r| r.code.clone() children=move |r| {
                        let target = r.target.map(|t| format!("{} {}", level_vi(Some(t.level)), t.year)).unwrap_or_else(|| "—".into());
                        view! {
                            <tr class="commune" class:at-risk=r.at_risk data-name=r.name.clone() data-ntm=r.ntm_met.to_string()>
                                <td>{r.name.clone()}</td>
                                <td>{r.district.clone().unwrap_or_default()}</td>
                                <td>{level_vi(r.recognised)}</td>
                                <td>{target}</td>
                                <td class="score">{format!("{}/19", r.ntm_met)}</td>
                                <td class="score">{format!("{}/19", r.advanced_met)}</td>
                                <td>{if r.at_risk { "⚠ Có nguy cơ" } else { "" }}</td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
        </section>
    }
}
