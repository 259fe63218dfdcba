//! A position field: from the device's GPS in one tap, or typed (in the
//! language's decimal notation). Used by the household record and by the
//! evidence of works and statements.

use leptos::prelude::*;
use ntm_core::survey::record::Gps;
use ntm_core::survey::{Invalid, SurveyError};

use super::households::error_text;
use crate::i18n::{self, t};
use crate::platform;

/// Latitude, longitude and a "locate" button; `on_set` gets each new
/// position, `error` what went wrong.
#[component]
pub fn GpsField(
    gps: Signal<Option<Gps>>,
    on_set: Callback<Option<Gps>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let locating = RwSignal::new(false);
    let locate = move |_| {
        locating.set(true);
        leptos::task::spawn_local(async move {
            let result = platform::current_position().await;
            locating.set(false);
            match result {
                Ok((lat, lon)) => {
                    on_set.try_run(Some(Gps { lat, lon }));
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };
    let lat = RwSignal::new(String::new());
    let lon = RwSignal::new(String::new());
    Effect::new(move |_| {
        let gps = gps.get();
        lat.set(gps.map(|g| i18n::decimal(g.lat, 5)).unwrap_or_default());
        lon.set(gps.map(|g| i18n::decimal(g.lon, 5)).unwrap_or_default());
    });
    let typed = move || match (
        ntm_core::format::parse_decimal(&lat.get_untracked()),
        ntm_core::format::parse_decimal(&lon.get_untracked()),
    ) {
        (Some(lat), Some(lon)) => on_set.run(Some(Gps { lat, lon })),
        _ => error.set(Some(error_text(&SurveyError::Invalid(
            Invalid::OutOfRange("gps"),
        )))),
    };
    view! {
        <div class="inline gps">
            <input class="gps-lat" placeholder=t("gps-lat") inputmode="decimal" prop:value=lat
                on:change=move |ev| { lat.set(event_target_value(&ev)); typed() }/>
            <input class="gps-lon" placeholder=t("gps-lon") inputmode="decimal" prop:value=lon
                on:change=move |ev| { lon.set(event_target_value(&ev)); typed() }/>
            <button type="button" class="locate" on:click=locate disabled=move || locating.get()>
                {move || if locating.get() { t("gps-locating") } else { t("gps-locate") }}
            </button>
        </div>
    }
}
