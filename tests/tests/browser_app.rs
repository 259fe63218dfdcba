//! The real app in real headless Chromium, against the real relay: an edit
//! made offline survives a reload and reaches a second device.
//! Needs the built app (`dist/`) and chromedriver: run through `cargo xtask test`.

use std::time::Duration;

use fantoccini::Locator;
use ntm_e2e::browser::{wait_until, Chromedriver};
use ntm_e2e::{workspace, Relay};

const T: Duration = Duration::from_secs(60);

#[tokio::test]
async fn offline_edit_survives_reload_and_reaches_a_second_browser() -> anyhow::Result<()> {
    let dist = workspace::app_dist();
    assert!(
        dist.join("index.html").is_file(),
        "app not built in {}: run `cargo xtask test`",
        dist.display()
    );
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let relay = Relay::start_on(
        data.path(),
        std::net::SocketAddr::from(([127, 0, 0, 1], ntm_e2e::relay::free_port())),
        Some(&dist),
    )
    .await?;
    let (addr, url) = (relay.addr(), relay.http_url());
    let driver = Chromedriver::start().await?;

    // Device 1 opens the app once online: it caches itself and syncs.
    let tablet = driver.browser(&profiles.path().join("tablet")).await?;
    tablet.goto(&url).await?;
    wait_until(
        &tablet,
        "document.querySelector('#app').dataset.phase === 'ready'",
        T,
        "the app to open",
    )
    .await?;
    wait_until(
        &tablet,
        "document.querySelector('#offline-ready').dataset.ready === 'true'",
        T,
        "offline readiness",
    )
    .await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date'",
        T,
        "first sync",
    )
    .await?;

    // The commune's scorecards (NTM and advanced), computed from its document.
    tablet
        .find(Locator::Css("#tab-scorecard"))
        .await?
        .click()
        .await?;
    wait_until(
        &tablet,
        "document.querySelectorAll('#scorecards .scorecard').length === 2",
        T,
        "two scorecards",
    )
    .await?;
    wait_until(
        &tablet,
        "document.querySelector('#scorecards .scorecard .score').textContent.endsWith('/19')",
        T,
        "an x/19 score",
    )
    .await?;
    save_screenshot(&tablet, "scorecard").await?;
    tablet
        .find(Locator::Css("#tab-survey"))
        .await?
        .click()
        .await?;

    // The relay goes away; the tablet notices.
    relay.kill9().await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'offline'",
        T,
        "offline state",
    )
    .await?;

    // Add a household offline.
    tablet
        .find(Locator::Css("#new-head"))
        .await?
        .send_keys("Thào A Chứ")
        .await?;
    tablet
        .find(Locator::Css("#new-members"))
        .await?
        .send_keys("6")
        .await?;
    tablet
        .find(Locator::Css("#new-village"))
        .await?
        .send_keys("Bản Hồ")
        .await?;
    tablet
        .find(Locator::Css("#add-household-submit"))
        .await?
        .click()
        .await?;
    let row =
        "[...document.querySelectorAll('tr.household')].some(r => r.dataset.head === 'Thào A Chứ')";
    wait_until(&tablet, row, T, "the new household in the list").await?;
    wait_until(
        &tablet,
        "document.querySelector('#save-state') !== null",
        T,
        "the saved mark",
    )
    .await?;
    wait_until(
        &tablet,
        "Number(document.querySelector('#unconfirmed').dataset.count) > 0",
        T,
        "unconfirmed changes",
    )
    .await?;

    save_screenshot(&tablet, "tablet-offline").await?;

    // Reload with no relay at all: the service worker serves the app, IndexedDB the data.
    tablet.refresh().await?;
    wait_until(
        &tablet,
        "document.querySelector('#app').dataset.phase === 'ready'",
        T,
        "the app to reopen offline",
    )
    .await?;
    wait_until(&tablet, row, T, "the household after reload").await?;

    // The relay comes back: the tablet syncs on its own.
    let relay = Relay::start_on(data.path(), addr, Some(&dist)).await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date' && document.querySelector('#unconfirmed').dataset.count === '0'",
        T,
        "the tablet to sync after reconnecting",
    )
    .await?;

    // A second device (its own profile) sees it.
    let office = driver.browser(&profiles.path().join("office")).await?;
    office.goto(&url).await?;
    wait_until(&office, row, T, "the household on the second browser").await?;
    save_screenshot(&office, "office-synced").await?;

    // The province overview (synthetic demo province, scored in the browser).
    office
        .find(Locator::Css("#tab-province"))
        .await?
        .click()
        .await?;
    wait_until(
        &office,
        "document.querySelector('#province-totals').dataset.communes === '127'",
        T,
        "the province overview",
    )
    .await?;
    wait_until(
        &office,
        "[...document.querySelectorAll('#province-overview tr.commune')].some(r => r.dataset.name === 'Xã Mường Hoa' && r.dataset.ntm === '19')",
        T,
        "Mường Hoa at 19/19",
    )
    .await?;
    wait_until(
        &office,
        "Number(document.querySelector('#province-totals').dataset.atRisk) > 0",
        T,
        "at-risk communes",
    )
    .await?;
    save_screenshot(&office, "province-overview").await?;

    tablet.close().await?;
    office.close().await?;
    relay.terminate().await?;
    Ok(())
}

/// With `NTM_SCREENSHOT_DIR` set, keeps a PNG of the page for people to look at.
async fn save_screenshot(browser: &fantoccini::Client, name: &str) -> anyhow::Result<()> {
    if let Some(dir) = std::env::var_os("NTM_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{name}.png")),
            browser.screenshot().await?,
        )?;
    }
    Ok(())
}
