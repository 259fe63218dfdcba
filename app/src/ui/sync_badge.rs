//! Always-visible sync state: offline / syncing / up to date, unconfirmed
//! changes, last sync, and whether the app can start offline.

use leptos::prelude::*;
use ntm_core::format::datetime_vi;
use ntm_core::sync::SyncStatus;

use crate::engine::View;

/// The badge in the top bar.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let view = expect_context::<View>();
    let status = move || view.status.get();
    let (code, vi, en) = (
        move || match status() {
            SyncStatus::Offline => "offline",
            SyncStatus::Syncing => "syncing",
            SyncStatus::UpToDate => "up-to-date",
        },
        move || match status() {
            SyncStatus::Offline => "Ngoại tuyến",
            SyncStatus::Syncing => "Đang đồng bộ…",
            SyncStatus::UpToDate => "Đã đồng bộ",
        },
        move || match status() {
            SyncStatus::Offline => "Offline",
            SyncStatus::Syncing => "Syncing",
            SyncStatus::UpToDate => "Up to date",
        },
    );
    let unconfirmed = move || view.unconfirmed.get();
    let ready = move || view.phase.get() == crate::engine::Phase::Ready;
    view! {
        <div class="sync" aria-live="polite">
            <span id="sync-status" class=move || format!("badge {}", code()) data-status=code>
                {vi} <small lang="en">" · " {en}</small>
            </span>
            <span id="unconfirmed" data-count=move || unconfirmed().to_string() hidden=move || !ready()>
                {move || match unconfirmed() {
                    0 => "Mọi thay đổi đã lên máy chủ".to_owned(),
                    n => format!("{n} thay đổi chưa lên máy chủ"),
                }}
                <small lang="en">{move || match unconfirmed() {
                    0 => " · all changes on the relay".to_owned(),
                    n => format!(" · {n} local changes not yet on the relay"),
                }}</small>
            </span>
            <span class="last-sync">
                {move || view.last_sync.get().map(|t| format!("Đồng bộ lần cuối: {}", datetime_vi(t)))}
            </span>
            <span id="offline-ready" data-ready=move || view.offline_ready.get().to_string()>
                {move || view.offline_ready.get().then_some("✓ Dùng được khi mất mạng")}
            </span>
        </div>
    }
}
