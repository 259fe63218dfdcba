//! The commune's scorecard: x/19 for NTM and advanced NTM, each criterion,
//! and the gap list with reasons. Thresholds say when they are illustrative.

use leptos::prelude::*;
use ntm_core::evaluation::{Scorecard, Status};
use ntm_core::format::date_vi;

use crate::engine::View;

fn status_vi(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Met => ("met", "✓ Đạt"),
        Status::NotMet => ("not-met", "✗ Chưa đạt"),
        Status::MissingData => ("missing", "… Thiếu dữ liệu"),
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
            <h2>{sc.set.name_vi()} ": " <span class="score">{sc.score()}</span> " tiêu chí"</h2>
            {illustrative.then(|| view! {
                <p class="synthetic" role="note">"Ngưỡng minh họa, chưa phải ngưỡng chính thức của phụ lục. "
                    <small lang="en">"Illustrative thresholds, not the official annex."</small></p>
            })}
            <ul class="criteria">
                {sc.criteria.iter().map(|c| {
                    let (class, label) = status_vi(c.status);
                    let verdict = c.appraisal.as_ref().map(|d| view! {
                        <em class="verdict" data-verdict=format!("{:?}", d.verdict)>
                            {format!("Thẩm định: {} ({})", d.verdict.label_vi(), date_vi(d.at))}
                        </em>
                    });
                    view! { <li class=class data-number=c.number.to_string()>{format!("{}. {}", c.number, c.name_vi)} <span>{label}</span> {verdict}</li> }
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

/// The commune as the registry lists it, and where its dossier stands.
#[component]
fn CommuneStatus() -> impl IntoView {
    let view = expect_context::<View>();
    move || {
        let appraisal = view.appraisal.get();
        let dossier = appraisal.dossier.map(|d| d.label_vi());
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
                    h.author.party_vi(&catalogs),
                    h.what
                )
            })
            .collect();
        match view.registry_entry.get() {
            None => view! {
                <section class="card" id="commune-status">
                    <p>"Chưa nhận được danh mục hành chính của tỉnh (sẽ tự cập nhật khi có mạng). "
                        <small lang="en">"The province registry has not arrived yet."</small></p>
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
                            .map_or_else(|| class.clone(), |k| k.name_vi.clone())
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
                    format!("{from}, từ {of} · đánh giá lại, không kế thừa công nhận cũ")
                });
                view! {
                <section class="card" id="commune-status">
                    <h2>{c.name.clone()} <small lang="en">" · Commune status"</small></h2>
                    <dl class="facts">
                        <dt>"Loại đơn vị"</dt><dd>{c.kind.name_vi()}</dd>
                        {formed.map(|f| view! { <dt>"Hình thành"</dt><dd id="formed-from">{f}</dd> })}
                        <dt>"Vùng (2021–2025)"</dt><dd>{c.applicable_region.name_vi()}</dd>
                        {(!groups.is_empty()).then(|| view! { <dt>"Nhóm xã (2026–2030)"</dt><dd id="commune-group">{groups.join("; ")}</dd> })}
                        <dt>"Đã công nhận"</dt><dd id="recognised">{match (c.ntm_year, c.advanced_year) {
                            (_, Some(a)) => format!("NTM nâng cao năm {a}"),
                            (Some(n), None) => format!("NTM năm {n}"),
                            _ => "Chưa".to_owned(),
                        }}</dd>
                        <dt>"Mục tiêu"</dt><dd id="target">{c.target.map_or("—".to_owned(), |t| format!("{} năm {}", t.level.label_vi(), t.year))}</dd>
                        <dt>"Sở đỡ đầu"</dt><dd>{c.sponsor.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Lãnh đạo phụ trách"</dt><dd>{c.leader.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Hồ sơ"</dt><dd id="dossier">{dossier.unwrap_or("Chưa lập hồ sơ")}</dd>
                    </dl>
                    {(!history.is_empty()).then(|| view! {
                        <h3>"Lịch sử thẩm định" <small lang="en">" · Appraisal history"</small></h3>
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
