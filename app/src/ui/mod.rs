//! The views. Vietnamese first, English second.

mod bundle;
mod enrol;
mod household_form;
mod households;
mod infrastructure;
mod province;
mod scorecard;
mod sync_badge;

use leptos::prelude::*;

use crate::engine::{self, Phase, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Survey,
    Infrastructure,
    Scorecard,
    Province,
}

/// The tabs: which, element id, Vietnamese and English label.
const TABS: [(Tab, &str, &str, &str); 4] = [
    (Tab::Survey, "tab-survey", "Khảo sát hộ", "Survey"),
    (
        Tab::Infrastructure,
        "tab-infrastructure",
        "Hạ tầng, xác nhận",
        "Infrastructure",
    ),
    (Tab::Scorecard, "tab-scorecard", "Chấm điểm xã", "Scorecard"),
    (Tab::Province, "tab-province", "Toàn tỉnh", "Province"),
];

/// The whole app: header with sync state, household form and list.
#[component]
pub fn App() -> impl IntoView {
    let view = View::new();
    provide_context(view);
    let tab = RwSignal::new(Tab::Survey);
    let selected = RwSignal::new(None);
    provide_context(households::Selected(selected));
    engine::boot(view);
    let phase_name = move || match view.phase.get() {
        Phase::Loading => "loading",
        Phase::Enrol => "enrol",
        Phase::Ready => "ready",
        Phase::Failed(_) => "failed",
    };
    view! {
        <div id="app" data-phase=phase_name>
            <header class="topbar">
                <div>
                    <h1>"Khảo sát Nông thôn mới" <small lang="en">" · NTM Survey"</small></h1>
                    <p class="commune">{move || view.commune.get()}</p>
                </div>
                <sync_badge::SyncBadge/>
            </header>
            {move || view.problem.get().map(|p| view! { <p class="problem" role="alert">{p}</p> })}
            {move || view.succeeded_by.get().map(|s| view! {
                <p id="succeeded-by" class="notice" role="status">
                    {format!("{} đã sáp nhập vào {} từ ngày {}: hộ và hạ tầng của xã đã được chuyển sang {}. Hãy đồng bộ những gì còn trên máy, rồi nhờ quản trị đăng ký máy cho {}. ", view.commune.get(), s.name, s.on, s.name, s.name)}
                    <small lang="en">{format!("This commune became part of {} on {}: its households and infrastructure are there now. Sync what is left on this device, then ask the admin to enrol it for {}.", s.name, s.on, s.name)}</small>
                </p>
            })}
            {move || view.storage_at_risk.get().then(|| view! {
                <p id="storage-at-risk" class="notice" role="status">
                    "Trình duyệt có thể xoá dữ liệu của ứng dụng khi máy thiếu chỗ: hãy đồng bộ thường xuyên, hoặc cài ứng dụng lên màn hình chính. "
                    <small lang="en">"The browser may clear this app's data when space runs low: sync often, or install the app."</small>
                </p>
            })}
            {move || match view.phase.get() {
                Phase::Loading => view! { <p class="loading">"Đang mở dữ liệu trên máy… " <small lang="en">"Opening local data…"</small></p> }.into_any(),
                Phase::Enrol => view! { <enrol::EnrolForm/> }.into_any(),
                Phase::Failed(message) => view! {
                    <p class="problem" role="alert">{message}<br/><small lang="en">"Local data could not be opened; nothing was changed."</small></p>
                }.into_any(),
                Phase::Ready => view! {
                    <nav class="tabs">
                        // A commune's device gets its commune's tabs only.
                        {TABS.iter().filter(|&&(t, ..)| t != Tab::Province || !view.commune_device.get_untracked()).map(|&(t, id, vi, en)| view! {
                            <button id=id class:active=move || tab.get() == t on:click=move |_| tab.set(t)>
                                {vi} <small lang="en">{format!(" · {en}")}</small>
                            </button>
                        }).collect_view()}
                    </nav>
                    {move || match tab.get() {
                        Tab::Survey => view! {
                            <main class="survey" class:has-detail=move || selected.with(Option::is_some)>
                                <div class="stack list-pane-wrap">
                                    <households::HouseholdList/>
                                    <bundle::SyncBundle/>
                                </div>
                                {move || match selected.get() {
                                    // Keyed by the household: another one opens a fresh form.
                                    Some(id) => view! {
                                        <household_form::HouseholdDetail id=id on_close=Callback::new(move |()| selected.set(None))/>
                                    }.into_any(),
                                    None => view! {
                                        <p class="card hint detail-pane">"Chọn một hộ trong danh sách để mở phiếu hộ, hoặc bấm “+ Thêm hộ”. " <small lang="en">"Pick a household to open its record, or add one."</small></p>
                                    }.into_any(),
                                }}
                            </main>
                        }.into_any(),
                        Tab::Infrastructure => view! { <main class="single"><infrastructure::Infrastructure/></main> }.into_any(),
                        Tab::Scorecard => view! { <main class="single"><scorecard::Scorecards/></main> }.into_any(),
                        Tab::Province => view! { <main class="single"><province::ProvinceOverview/></main> }.into_any(),
                    }}
                }.into_any(),
            }}
        </div>
    }
}
