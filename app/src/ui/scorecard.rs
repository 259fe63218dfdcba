//! The commune's scorecard: x/19 for NTM and advanced NTM, each criterion,
//! and the gap list with reasons. Thresholds say when they are illustrative.

use leptos::prelude::*;
use ntm_core::catalog::CriteriaSet;
use ntm_core::evaluation::{Scorecard, Status};

use crate::engine::View;

fn status_vi(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Met => ("met", "✓ Đạt"),
        Status::NotMet => ("not-met", "✗ Chưa đạt"),
        Status::MissingData => ("missing", "… Thiếu dữ liệu"),
    }
}

fn set_vi(set: CriteriaSet) -> &'static str {
    match set {
        CriteriaSet::Ntm => "Xã nông thôn mới",
        CriteriaSet::Advanced => "Xã nông thôn mới nâng cao",
    }
}

fn card(sc: Scorecard) -> impl IntoView {
    let illustrative = sc
        .criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .any(|i| i.illustrative);
    let gaps: Vec<(String, String, String)> = sc
        .gaps()
        .into_iter()
        .map(|(c, i)| {
            (
                format!("{}. {}", c.number, c.name_vi),
                i.id.clone(),
                i.reason_vi.clone(),
            )
        })
        .collect();
    view! {
        <section class="card scorecard" data-set=format!("{:?}", sc.set).to_lowercase() data-met=sc.met().to_string()>
            <h2>{set_vi(sc.set)} ": " <span class="score">{sc.score()}</span> " tiêu chí"</h2>
            {illustrative.then(|| view! {
                <p class="synthetic" role="note">"Ngưỡng minh họa, chưa phải ngưỡng chính thức của phụ lục. "
                    <small lang="en">"Illustrative thresholds, not the official annex."</small></p>
            })}
            <ul class="criteria">
                {sc.criteria.iter().map(|c| {
                    let (class, label) = status_vi(c.status);
                    view! { <li class=class>{format!("{}. {}", c.number, c.name_vi)} <span>{label}</span></li> }
                }).collect_view()}
            </ul>
            <h3>"Còn thiếu" <small lang="en">" · Gaps"</small></h3>
            <ul class="gaps">
                {gaps.into_iter().map(|(criterion, id, reason)| view! {
                    <li><strong>{criterion}</strong>{format!(" — chỉ tiêu {id}: {reason}")}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Both scorecards of the commune.
#[component]
pub fn Scorecards() -> impl IntoView {
    let view = expect_context::<View>();
    view! {
        <div id="scorecards" class="cards">
            {move || view.scorecards.get().into_iter().map(card).collect_view()}
        </div>
    }
}
