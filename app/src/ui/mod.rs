//! The views. Every text comes from the locale files through `i18n`:
//! Vietnamese by default, English complete.

mod appraisal;
mod bundle;
mod decisions;
mod enrol;
mod evidence;
mod gps;
mod history;
mod household_form;
mod households;
mod infrastructure;
mod photos;
mod province;
mod scorecard;
mod sync_badge;

use leptos::prelude::*;

use crate::engine::{self, Phase, View};
use crate::i18n::{self, t, tf, Locale};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Survey,
    Infrastructure,
    Scorecard,
    Province,
    Appraisal,
}

/// The tabs: which, element id, text id.
const TABS: [(Tab, &str); 5] = [
    (Tab::Survey, "tab-survey"),
    (Tab::Infrastructure, "tab-infrastructure"),
    (Tab::Scorecard, "tab-scorecard"),
    (Tab::Province, "tab-province"),
    (Tab::Appraisal, "tab-appraisal"),
];

/// The whole app: header with sync state and language, then the tabs.
/// Choosing another language renders everything again in it.
#[component]
pub fn App() -> impl IntoView {
    let view = View::new();
    provide_context(view);
    let tab = RwSignal::new(Tab::Survey);
    provide_context(tab);
    // A device that watches the province opens on the province.
    Effect::new(move |_| {
        if view.watching.with(Option::is_some) {
            tab.set(Tab::Province);
        }
    });
    let selected = RwSignal::new(None);
    provide_context(households::Selected(selected));
    provide_context(households::Scope(RwSignal::new(None)));
    provide_context(infrastructure::Focus(RwSignal::new(None)));
    provide_context(infrastructure::Behind(RwSignal::new(Default::default())));
    // Half-typed verdicts survive another tab or language.
    appraisal::Drafts::provide();
    // Another tab (or a gap's households) starts at the top of the page,
    // not where the long scorecard was scrolled to.
    Effect::new(move |_| {
        tab.track();
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });
    let language = RwSignal::new(i18n::locale());
    i18n::mark_document();
    engine::boot(view);
    let phase_name = move || match view.phase.get() {
        Phase::Loading => "loading",
        Phase::Enrol => "enrol",
        Phase::Ready => "ready",
        Phase::Failed(_) => "failed",
    };
    move || {
        language.track();
        view! {
        <div id="app" data-phase=phase_name data-lang=i18n::locale().code()>
            <header class="topbar">
                <div>
                    <h1>{t("app-title")}</h1>
                    <p class="commune">{move || match view.watching.get() {
                        Some(role) => i18n::label("watching", &role),
                        None => view.commune.get(),
                    }}</p>
                </div>
                <sync_badge::SyncBadge/>
                <LanguageSwitch language=language/>
            </header>
            {move || view.problem.get().map(|p| view! { <p class="problem" role="alert">{engine::problem_text(&p)}</p> })}
            {move || view.succeeded_by.get().map(|s| view! {
                <p id="succeeded-by" class="notice" role="status">
                    {tf("succeeded-by", &[("commune", view.commune.get().into()), ("successor", s.name.clone().into()), ("on", s.on.to_string().into())])}
                </p>
            })}
            {move || view.new_version.get().then(|| view! {
                <p id="new-version" class="notice" role="status">
                    {t("new-version")}" "
                    <button type="button" id="reload-new-version" on:click=|_| crate::platform::reload()>{t("new-version-reload")}</button>
                </p>
            })}
            {move || view.storage_at_risk.get().then(|| view! {
                <p id="storage-at-risk" class="notice" role="status">{t("storage-at-risk")}</p>
            })}
            {move || match view.phase.get() {
                Phase::Loading => view! { <p class="loading">{t("loading-local-data")}</p> }.into_any(),
                Phase::Enrol => view! { <enrol::EnrolForm/> }.into_any(),
                Phase::Failed(message) => view! {
                    <p class="problem" role="alert">{message}<br/>{t("local-data-failed")}</p>
                }.into_any(),
                Phase::Ready => view! {
                    <nav class="tabs">
                        // Each role gets the tabs it can use: a commune's
                        // device its commune's, a device watching the
                        // province the province's (it holds no commune).
                        {TABS.iter().filter(|&&(t, _)| match t {
                            Tab::Province => !view.commune_device.get_untracked(),
                            // Drilling into a commune: from the province.
                            Tab::Appraisal => view.watching.with_untracked(Option::is_some),
                            _ => view.watching.with_untracked(Option::is_none),
                        }).map(|&(which, id)| view! {
                            <button id=id class:active=move || tab.get() == which on:click=move |_| tab.set(which)>
                                {t(id)}
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
                                        <p class="card hint detail-pane">{t("pick-household")}</p>
                                    }.into_any(),
                                }}
                            </main>
                        }.into_any(),
                        Tab::Infrastructure => view! { <main class="single"><infrastructure::Infrastructure/></main> }.into_any(),
                        Tab::Scorecard => view! { <main class="single"><scorecard::Scorecards/></main> }.into_any(),
                        Tab::Province => view! { <main class="single"><province::ProvinceOverview/></main> }.into_any(),
                        Tab::Appraisal => view! { <main class="single"><appraisal::CommuneAppraisal/></main> }.into_any(),
                    }}
                }.into_any(),
            }}
        </div>
        }
    }
}

/// The language switch: each language named in itself; the choice is kept
/// on the device.
#[component]
fn LanguageSwitch(language: RwSignal<Locale>) -> impl IntoView {
    let choose = move |ev: leptos::ev::Event| {
        if let Some(locale) = Locale::from_code(&event_target_value(&ev)) {
            i18n::set_locale(locale);
            language.set(locale);
        }
    };
    view! {
        <label class="language">
            <span class="visually-hidden">{t("language")}</span>
            <select id="language" on:change=choose>
                {Locale::ALL.into_iter().map(|l| view! {
                    <option value=l.code() selected=l == i18n::locale() lang=l.code()>{l.native_name()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
