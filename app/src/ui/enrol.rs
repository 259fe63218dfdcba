//! Enrolment (DESIGN.md §2.1): once, online, the device trades the one-time
//! code an administrator gave for its token, role and scope.

use leptos::prelude::*;

use crate::engine::{self, View};
use crate::i18n::t;

/// The enrolment form.
#[component]
pub fn EnrolForm() -> impl IntoView {
    let view = expect_context::<View>();
    let relay = RwSignal::new(String::new());
    // Only the Tauri package asks: the web app enrols with the relay that served it.
    let ask_relay = crate::platform::in_tablet_package();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = engine::enrol(
                view,
                &relay.get_untracked(),
                &code.get_untracked(),
                &name.get_untracked(),
            )
            .await;
            busy.set(false);
            error.set(result.err());
        });
    };
    view! {
        <main class="single">
            <form id="enrol" class="card" on:submit=submit>
                <h2>{t("enrol-title")}</h2>
                <p>{t("enrol-intro")}</p>
                {ask_relay.then(|| view! {
                    <label>{t("enrol-relay")}
                        <input id="enrol-relay" required type="url" autocomplete="off" placeholder="https://ntm.laocai.gov.vn"
                            prop:value=relay on:input=move |ev| relay.set(event_target_value(&ev))/>
                    </label>
                })}
                <label>{t("enrol-code")}
                    <input id="enrol-code" required autocomplete="off" placeholder="ABCDE-FGHJK"
                        prop:value=code on:input=move |ev| code.set(event_target_value(&ev))/>
                </label>
                <label>{t("enrol-name")}
                    <input id="enrol-name" placeholder=t("enrol-name-example")
                        prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button id="enrol-submit" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { t("enrol-busy") } else { t("enrol-submit") }}
                </button>
                {move || error.get().map(|e| view! { <p class="invalid" role="alert">{e}</p> })}
            </form>
        </main>
    }
}
