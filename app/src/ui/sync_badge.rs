//! Always-visible sync state: offline / syncing / up to date, unconfirmed
//! changes, photos waiting to upload, last sync, and whether the app can
//! start offline.

use leptos::prelude::*;
use ntm_core::format::datetime_vi;
use ntm_core::sync::SyncStatus;

use crate::engine::View;
use crate::i18n::{t, tf};

/// The badge in the top bar.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let view = expect_context::<View>();
    let status = move || view.status.get();
    let code = move || match status() {
        SyncStatus::Offline => "offline",
        SyncStatus::Syncing => "syncing",
        SyncStatus::UpToDate => "up-to-date",
    };
    let unconfirmed = move || view.unconfirmed.get();
    let ready = move || view.phase.get() == crate::engine::Phase::Ready;
    view! {
        <div class="sync" aria-live="polite">
            <span id="sync-status" class=move || format!("badge {}", code()) data-status=code>
                {move || t(&format!("sync-{}", code()))}
            </span>
            <span id="unconfirmed" data-count=move || unconfirmed().to_string() hidden=move || !ready()>
                {move || tf("unconfirmed", &[("count", unconfirmed().into())])}
            </span>
            <span id="photos-waiting" data-count=move || view.photos_waiting.get().to_string()
                hidden=move || view.photos_waiting.get() == 0>
                {move || tf("photos-waiting", &[("count", view.photos_waiting.get().into())])}
            </span>
            <span class="last-sync">
                {move || view.last_sync.get().map(|at| tf("last-sync", &[("at", datetime_vi(at).into())]))}
            </span>
            <span id="offline-ready" data-ready=move || view.offline_ready.get().to_string()>
                {move || view.offline_ready.get().then(|| t("offline-ready"))}
            </span>
        </div>
    }
}
