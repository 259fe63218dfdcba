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
    let dist = workspace::built_app();
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

    // The commune's scorecards against the sets in force (NTM 2026–2030,
    // advanced, modern pilot), computed from its document.
    tablet
        .find(Locator::Css("#tab-scorecard"))
        .await?
        .click()
        .await?;
    wait_until(
        &tablet,
        "document.querySelectorAll('#scorecards .scorecard').length === 3",
        T,
        "three scorecards",
    )
    .await?;
    wait_until(
        &tablet,
        "document.querySelector('#scorecards .scorecard .score').textContent.endsWith('/10')",
        T,
        "an x/10 score (2026–2030)",
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

    // A second tab of the same profile opens (offline, from the service
    // worker and IndexedDB) before either tab edits: each must write as its
    // own actor, or the reload below finds two different changes with the
    // same actor and sequence number.
    let first_tab = tablet.window().await?;
    let second_tab = tablet.new_window(true).await?.handle;
    tablet.switch_to_window(second_tab.clone()).await?;
    tablet.goto(&url).await?;
    wait_until(
        &tablet,
        "document.querySelector('#app').dataset.phase === 'ready'",
        T,
        "the second tab to open offline",
    )
    .await?;
    tablet.switch_to_window(first_tab.clone()).await?;

    // Add a household offline.
    add_household(&tablet, "Thào A Chứ", "6", "Bản Hồ").await?;
    find_household(&tablet, "Thào A Chứ").await?;
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

    // The second tab adds another household, offline too.
    tablet.switch_to_window(second_tab.clone()).await?;
    add_household(&tablet, "Vàng Thị Mai", "3", "Bản Dền").await?;
    find_household(&tablet, "Vàng Thị Mai").await?;
    tablet.close_window().await?;
    tablet.switch_to_window(first_tab).await?;

    // Reload with no relay at all: the service worker serves the app,
    // IndexedDB the data, both tabs' work in it.
    tablet.refresh().await?;
    wait_until(
        &tablet,
        "document.querySelector('#app').dataset.phase === 'ready'",
        T,
        "the app to reopen offline",
    )
    .await?;
    find_household(&tablet, "Thào A Chứ").await?;
    find_household(&tablet, "Vàng Thị Mai").await?;
    let problems = tablet
        .execute(
            "return [...document.querySelectorAll('p.problem[role=alert]')].map(p => p.textContent).join(' | ')",
            vec![],
        )
        .await?;
    assert_eq!(
        problems,
        serde_json::json!(""),
        "nothing reported as unreadable"
    );

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
    wait_until(
        &office,
        "document.querySelector('#app').dataset.phase === 'ready'",
        T,
        "the app on the second browser",
    )
    .await?;
    find_household(&office, "Thào A Chứ").await?;
    find_household(&office, "Vàng Thị Mai").await?;
    save_screenshot(&office, "office-synced").await?;

    // The province overview (synthetic demo province, scored in the browser).
    office
        .find(Locator::Css("#tab-province"))
        .await?
        .click()
        .await?;
    wait_until(
        &office,
        "document.querySelector('#province-totals').dataset.communes === '99'",
        T,
        "the province overview: new Lào Cai's 99 units",
    )
    .await?;
    wait_until(
        &office,
        "[...document.querySelectorAll('#province-overview tr.commune')].some(r => r.dataset.name === 'Xã Tả Van' && r.dataset.reassess === 'true' && r.querySelector('.standing').textContent.includes('Xã Mường Hoa: NTM 2023'))",
        T,
        "Tả Van to re-assess, with Mường Hoa's recognition beside it",
    )
    .await?;
    save_screenshot(&office, "province-overview").await?;
    // The province before the reform: old units, districts, at-risk communes.
    office
        .execute("document.querySelector('#before-reform').click()", vec![])
        .await?;
    wait_until(
        &office,
        "document.querySelector('#province-totals').dataset.communes === '227' && [...document.querySelectorAll('#province-overview tr.commune')].some(r => r.dataset.name === 'Xã Mường Hoa' && r.dataset.ntm === '19') && Number(document.querySelector('#province-totals').dataset.atRisk) > 0",
        T,
        "the province on 30/06/2025: Mường Hoa at 19/19, at-risk communes",
    )
    .await?;

    tablet.close().await?;
    office.close().await?;
    relay.terminate().await?;
    Ok(())
}

async fn click(browser: &fantoccini::Client, css: &str) -> anyhow::Result<()> {
    browser.find(Locator::Css(css)).await?.click().await?;
    Ok(())
}

/// Adds a household through the form and waits until the app has saved it
/// and opened its record (the header reads the durable list) (which, on a portrait screen, covers the list).
async fn add_household(
    browser: &fantoccini::Client,
    head: &str,
    members: &str,
    village: &str,
) -> anyhow::Result<()> {
    submit_new_household(browser, head, members, village).await?;
    wait_until(
        browser,
        &format!(
            "document.querySelector('#household-detail h2')?.textContent.includes('{head}') === true"
        ),
        T,
        &format!("the record of {head} open"),
    )
    .await
}

/// Opens the add-household form (from the list), fills and submits it.
async fn submit_new_household(
    browser: &fantoccini::Client,
    head: &str,
    members: &str,
    village: &str,
) -> anyhow::Result<()> {
    back_to_list(browser).await?;
    if browser
        .find_all(Locator::Css("#new-head"))
        .await?
        .is_empty()
    {
        click(browser, "#open-add-household").await?;
    }
    type_into(browser, "#new-head", head).await?;
    type_into(browser, "#new-members", members).await?;
    type_into(browser, "#new-village", village).await?;
    click(browser, "#add-household-submit").await
}

/// Closes an open household record (on a portrait screen the list is
/// hidden behind it).
async fn back_to_list(browser: &fantoccini::Client) -> anyhow::Result<()> {
    if !browser
        .find_all(Locator::Css("#close-detail"))
        .await?
        .is_empty()
    {
        click(browser, "#close-detail").await?;
    }
    Ok(())
}

/// Searches the list as a person would (typing the name) and waits until
/// the household shows.
async fn find_household(browser: &fantoccini::Client, head: &str) -> anyhow::Result<()> {
    back_to_list(browser).await?;
    type_into(browser, "#household-search", head).await?;
    wait_until(
        browser,
        &format!("[...document.querySelectorAll('#household-list .household')].some(r => r.dataset.head === '{head}')"),
        T,
        &format!("{head} in the list"),
    )
    .await
}

/// Finds a household by name and opens its record.
async fn open_household(browser: &fantoccini::Client, head: &str) -> anyhow::Result<()> {
    find_household(browser, head).await?;
    browser
        .execute(
            "[...document.querySelectorAll('#household-list .household')].find(r => r.dataset.head === arguments[0]).click()",
            vec![serde_json::json!(head)],
        )
        .await?;
    wait_until(
        browser,
        &format!("document.querySelector('#household-detail h2')?.textContent.includes('{head}') === true"),
        T,
        &format!("the record of {head}"),
    )
    .await
}

async fn type_into(browser: &fantoccini::Client, css: &str, text: &str) -> anyhow::Result<()> {
    let input = browser.find(Locator::Css(css)).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

/// The demo province as `cargo xtask run` serves it: the commune's status
/// from the registry and appraisal documents, and the record,
/// infrastructure and attestation forms feeding the scorecard.
#[tokio::test]
async fn forms_fill_the_record_and_infrastructure_of_the_demo_commune() -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let relay = Relay::start_demo(data.path(), Some(&dist)).await?;
    let driver = Chromedriver::start().await?;
    let tablet = driver.browser(&profiles.path().join("tablet")).await?;
    tablet.goto(&relay.http_url()).await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date' && Number(document.querySelector('#household-count').textContent) >= 300",
        T,
        "the seeded households of Tả Van",
    )
    .await?;
    save_screenshot(&tablet, "household-list").await?;

    // Status from the registry and the appraisal documents.
    click(&tablet, "#tab-scorecard").await?;
    wait_until(
        &tablet,
        "document.querySelector('#target').textContent === 'NTM năm 2026' && document.querySelector('#dossier').textContent === 'Đã gửi tỉnh thẩm định'",
        T,
        "Tả Van's target and dossier",
    )
    .await?;
    wait_until(
        &tablet,
        "document.querySelectorAll('#scorecards .verdict').length >= 3 && document.querySelectorAll('#appraisal-history li').length >= 3",
        T,
        "department verdicts and history",
    )
    .await?;
    save_screenshot(&tablet, "demo-scorecard").await?;

    // A gap computed from households links to exactly those households.
    wait_until(
        &tablet,
        "document.querySelectorAll('#scorecards .gap-households').length > 0",
        T,
        "a gap with the households behind it",
    )
    .await?;
    tablet
        .execute(
            "document.querySelector('#scorecards .gap-households').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
    save_screenshot(&tablet, "scorecard-gaps").await?;
    let behind = tablet
        .execute(
            "const b = document.querySelector('#scorecards .gap-households'); b.click(); return b.dataset.count;",
            vec![],
        )
        .await?;
    let behind = behind.as_str().unwrap_or_default().to_owned();
    wait_until(
        &tablet,
        &format!("document.querySelector('#household-scope')?.dataset.count === '{behind}' && document.querySelector('#household-shown').dataset.count === '{behind}'"),
        T,
        "the list narrowed to the gap's households",
    )
    .await?;
    save_screenshot(&tablet, "gap-households").await?;
    click(&tablet, "#clear-scope").await?;
    wait_until(
        &tablet,
        "!document.querySelector('#household-scope') && Number(document.querySelector('#household-shown').dataset.count) >= 300",
        T,
        "the whole list again",
    )
    .await?;
    // An attested indicator's gap leads to its statement on the other tab.
    click(&tablet, "#tab-scorecard").await?;
    wait_until(
        &tablet,
        "[...document.querySelectorAll('#scorecards .gap-entries')].some(b => b.textContent.includes('Xác nhận chỉ tiêu này'))",
        T,
        "an attested gap's link",
    )
    .await?;
    tablet
        .execute(
            "[...document.querySelectorAll('#scorecards .gap-entries')].find(b => b.textContent.includes('Xác nhận chỉ tiêu này')).click()",
            vec![],
        )
        .await?;
    wait_until(
        &tablet,
        "document.querySelector('#attestations tr.attestation.focused') !== null",
        T,
        "the attestation in focus on the infrastructure tab",
    )
    .await?;
    // A gap of works names how many miss their standard and marks them.
    click(&tablet, "#tab-scorecard").await?;
    let works: serde_json::Value = tablet
        .execute(
            "const b = [...document.querySelectorAll('#scorecards .gap-entries')].find(b => /\\d+ công trình chưa đạt/.test(b.textContent)); if (!b) return null; b.click(); return Number(b.textContent.match(/\\d+/)[0]);",
            vec![],
        )
        .await?;
    let works = works.as_u64().expect("a gap of works in the demo commune");
    assert!(works > 0);
    wait_until(
        &tablet,
        &format!(
            "document.querySelectorAll('#infrastructure-list tr.infra.behind').length === {works}"
        ),
        T,
        "the works behind the gap, marked",
    )
    .await?;
    click(&tablet, "#tab-survey").await?;

    // A household's full record.
    click(&tablet, "#tab-survey").await?;
    add_household(&tablet, "Lồ Thị Dế", "1", "Bản Dền").await?;

    // An impossible birth year is named as it is typed (nothing else is
    // blocked: the income field takes a value meanwhile) and refused.
    type_into(&tablet, "#member-name", "Lồ Thị Dế").await?;
    type_into(&tablet, "#member-birth", "3000").await?;
    wait_until(
        &tablet,
        "document.querySelector('#member-birth-error')?.textContent.includes('Năm sinh nằm ngoài khoảng hợp lý')",
        T,
        "the birth-year message while typing",
    )
    .await?;
    type_into(&tablet, "#income-amount", "12").await?;
    click(&tablet, "#add-member-submit").await?;
    assert_eq!(
        tablet
            .execute(
                "return document.querySelectorAll('#members .member').length",
                vec![]
            )
            .await?,
        serde_json::json!(0),
        "nothing written"
    );
    type_into(&tablet, "#member-birth", "1985").await?;
    wait_until(
        &tablet,
        "!document.querySelector('#member-birth-error')",
        T,
        "the message gone once the year is right",
    )
    .await?;
    click(&tablet, "#add-member-submit").await?;
    wait_until(
        &tablet,
        "document.querySelectorAll('#members .member').length === 1",
        T,
        "the member card",
    )
    .await?;
    // A child: asked about school, not work; moved to the top of the list.
    type_into(&tablet, "#member-name", "Lồ A Páo").await?;
    type_into(&tablet, "#member-birth", "2018").await?;
    click(&tablet, "#add-member-submit").await?;
    wait_until(
        &tablet,
        "(() => { const m = [...document.querySelectorAll('#members .member')]; return m.length === 2 && m[1].querySelector('[data-field=name]').value === 'Lồ A Páo' && m[1].querySelector('[data-field=in_school]') && !m[1].querySelector('[data-field=employed]') && !m[0].querySelector('[data-field=in_school]') && m[0].querySelector('[data-field=employed]'); })()",
        T,
        "the child's card asking about school only, after the mother's",
    )
    .await?;
    tablet
        .execute(
            "document.querySelectorAll('#members .member')[1].querySelector('.move-up').click()",
            vec![],
        )
        .await?;
    wait_until(
        &tablet,
        "document.querySelectorAll('#members .member')[0].querySelector('[data-field=name]').value === 'Lồ A Páo'",
        T,
        "the child moved up",
    )
    .await?;
    tablet
        .execute(
            "document.querySelectorAll('#members .member')[0].querySelector('.remove').click()",
            vec![],
        )
        .await?;
    wait_until(
        &tablet,
        "document.querySelectorAll('#members .member').length === 1",
        T,
        "the child removed again",
    )
    .await?;

    // Income typed the Vietnamese way; a word is refused.
    type_into(&tablet, "#income-amount", "ba triệu").await?;
    click(&tablet, "#add-income-submit").await?;
    wait_until(
        &tablet,
        "document.querySelector('#household-detail').textContent.includes('Thu nhập (đồng/năm) nằm ngoài khoảng hợp lý')",
        T,
        "the income refusal",
    )
    .await?;
    type_into(&tablet, "#income-amount", "24.000.000").await?;
    click(&tablet, "#add-income-submit").await?;
    wait_until(
        &tablet,
        "document.querySelector('#poverty-summary').textContent.includes('2.000.000 đ/người/tháng')",
        T,
        "income per person per month",
    )
    .await?;
    // A working-age member without work is one deprivation; untreated water another.
    wait_until(
        &tablet,
        "document.querySelector('#poverty-summary').textContent.includes('Thiếu hụt dịch vụ cơ bản: 1')",
        T,
        "the employment deprivation",
    )
    .await?;
    tablet
        .find(Locator::Css("select[data-field=water]"))
        .await?
        .select_by_value("2")
        .await?;
    wait_until(
        &tablet,
        "document.querySelector('#poverty-summary').textContent.includes('Thiếu hụt dịch vụ cơ bản: 2')",
        T,
        "the untreated-water deprivation",
    )
    .await?;
    save_screenshot(&tablet, "household-record").await?;

    // Infrastructure with evidence, and an attested indicator.
    click(&tablet, "#tab-infrastructure").await?;
    let before: usize = tablet
        .execute(
            "return Number(document.querySelector('#infrastructure-count').textContent)",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0) as usize;
    type_into(&tablet, "#infra-name", "Đường vào Bản Dền").await?;
    type_into(&tablet, "#infra-first", "2,5").await?;
    type_into(&tablet, "#infra-note", "Đo GPS ngày 27/11").await?;
    click(&tablet, "#add-infrastructure-submit").await?;
    wait_until(
        &tablet,
        &format!(
            "Number(document.querySelector('#infrastructure-count').textContent) === {}",
            before + 1
        ),
        T,
        "the new road",
    )
    .await?;
    wait_until(
        &tablet,
        "document.querySelector('#infrastructure-list').textContent.includes('2,50 km, đã cứng hóa')",
        T,
        "the road's length, the Vietnamese way",
    )
    .await?;
    // Its evidence editor opens at once: a photo of the road.
    let picture = dist.join("icon-192.png");
    let thumb_in = |strip: &str| {
        format!("[...document.querySelectorAll('{strip} .thumb img')].some(i => i.complete && i.naturalWidth > 0)")
    };
    tablet
        .find(Locator::Css(
            "tr.evidence-row [data-photos^=infra-] .photo-input",
        ))
        .await?
        .send_keys(&picture.display().to_string())
        .await?;
    wait_until(
        &tablet,
        &format!(
            "{} && document.querySelector('tr.infra.open .evidence-summary').textContent.includes('1 ảnh')",
            thumb_in("tr.evidence-row [data-photos^=infra-]")
        ),
        T,
        "the road's photo",
    )
    .await?;
    type_into(&tablet, "#attest-by", "Cán bộ NTM xã").await?;
    tablet
        .execute(
            "document.querySelector('tr.attestation .attest-not-met').click()",
            vec![],
        )
        .await?;
    wait_until(
        &tablet,
        "document.querySelector('tr.attestation').dataset.met === 'false' && document.querySelector('tr.attestation .status').textContent.includes('Cán bộ NTM xã')",
        T,
        "the attestation",
    )
    .await?;
    // The statement's evidence: a photo of the minutes.
    tablet
        .execute(
            "document.querySelector('tr.attestation .evidence-open').click()",
            vec![],
        )
        .await?;
    wait_until(
        &tablet,
        "document.querySelector('[data-photos^=attestation-] .photo-input') !== null",
        T,
        "the statement's evidence editor",
    )
    .await?;
    tablet
        .find(Locator::Css("[data-photos^=attestation-] .photo-input"))
        .await?
        .send_keys(&picture.display().to_string())
        .await?;
    wait_until(
        &tablet,
        &format!(
            "{} && document.querySelector('tr.attestation .evidence-open').textContent.includes('1 ảnh') && document.querySelector('tr.attestation').dataset.met === 'false'",
            thumb_in("[data-photos^=attestation-]")
        ),
        T,
        "the statement's photo, the statement kept",
    )
    .await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date' && document.querySelector('#unconfirmed').dataset.count === '0' && document.querySelector('#photos-waiting').dataset.count === '0'",
        T,
        "everything on the relay, photos too",
    )
    .await?;
    tablet
        .execute(
            "document.querySelector('tr.infra.open').scrollIntoView()",
            vec![],
        )
        .await?;
    save_screenshot(&tablet, "infrastructure").await?;

    // English, chosen once, everywhere and kept on the device.
    choose_language(&tablet, "en").await?;
    wait_until(
        &tablet,
        "document.documentElement.lang === 'en' && document.querySelector('#tab-survey').textContent === 'Households' && document.querySelector('#infrastructure-list').textContent.includes('2.50 km, hardened')",
        T,
        "the infrastructure tab in English",
    )
    .await?;
    assert_no_text_ids(&tablet).await?;
    tablet.refresh().await?;
    wait_until(
        &tablet,
        "document.querySelector('#app')?.dataset.phase === 'ready' && document.querySelector('#app').dataset.lang === 'en'",
        T,
        "the app to open again, in English",
    )
    .await?;
    click(&tablet, "#tab-scorecard").await?;
    wait_until(
        &tablet,
        "document.querySelector('#target')?.textContent === 'NTM in 2026' && document.querySelector('#dossier').textContent === 'Sent to the province for appraisal' && [...document.querySelectorAll('#scorecards .gaps li')].some(li => / meets? |does not meet|No survey data|No attestation/.test(li.textContent))",
        T,
        "the scorecard in English after a reload",
    )
    .await?;
    assert_no_text_ids(&tablet).await?;
    save_screenshot(&tablet, "scorecard-en").await?;
    click(&tablet, "#tab-survey").await?;
    find_household(&tablet, "Lồ Thị Dế").await?;
    click(&tablet, "#household-list .household").await?;
    wait_until(
        &tablet,
        "document.querySelector('#household-detail h2')?.textContent.includes('Household record: Lồ Thị Dế') && document.querySelector('#poverty-summary').textContent.includes('2.000.000 đ per person per month')",
        T,
        "the record in English",
    )
    .await?;
    assert_no_text_ids(&tablet).await?;
    save_screenshot(&tablet, "household-record-en").await?;
    choose_language(&tablet, "vi").await?;
    wait_until(
        &tablet,
        "document.documentElement.lang === 'vi' && document.querySelector('#tab-survey').textContent === 'Khảo sát hộ'",
        T,
        "back to Vietnamese",
    )
    .await?;
    tablet.close().await?;
    relay.terminate().await?;
    Ok(())
}

async fn choose_language(browser: &fantoccini::Client, code: &str) -> anyhow::Result<()> {
    browser
        .execute(
            "const s = document.querySelector('#language'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
            vec![serde_json::json!(code)],
        )
        .await?;
    Ok(())
}

/// No element shows a text id instead of its words (what the i18n layer
/// shows for an id the locale lacks).
async fn assert_no_text_ids(browser: &fantoccini::Client) -> anyhow::Result<()> {
    let found = browser
        .execute(
            "return [...document.querySelectorAll('body *')].filter(e => e.children.length === 0 && /^[a-z]+(-[a-z0-9]+)+$/.test(e.textContent.trim())).map(e => e.textContent.trim())",
            vec![],
        )
        .await?;
    assert_eq!(found, serde_json::json!([]), "text ids on screen");
    Ok(())
}

/// A relay that admits enrolled devices only: the app asks for a code,
/// refuses a wrong one, enrols with the right one, then works on the
/// commune of its scope, and stays enrolled across reloads.
#[tokio::test]
async fn a_tablet_enrols_with_a_one_time_code_and_syncs_its_commune() -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], ntm_e2e::relay::free_port()));
    let relay = Relay::start_with(data.path(), addr, Some(&dist), &["--demo"]).await?;
    let code = relay
        .enrolment_code("enumerator", &["sa-pa-ta-van"])
        .await?;
    let driver = Chromedriver::start().await?;
    let tablet = driver.browser(&profiles.path().join("tablet")).await?;
    tablet.goto(&relay.http_url()).await?;
    wait_until(
        &tablet,
        "document.querySelector('#app').dataset.phase === 'enrol'",
        T,
        "the enrolment form",
    )
    .await?;
    type_into(&tablet, "#enrol-code", "AAAAA-BBBBB").await?;
    click(&tablet, "#enrol-submit").await?;
    wait_until(
        &tablet,
        "document.querySelector('#enrol').textContent.includes('mã đăng ký không hợp lệ')",
        T,
        "the wrong code refused",
    )
    .await?;
    type_into(&tablet, "#enrol-code", &code.to_lowercase()).await?;
    type_into(&tablet, "#enrol-name", "Máy tính bảng 1").await?;
    click(&tablet, "#enrol-submit").await?;
    let synced = "document.querySelector('#app').dataset.phase === 'ready' && document.querySelector('#sync-status').dataset.status === 'up-to-date' && Number(document.querySelector('#household-count').textContent) >= 300";
    wait_until(
        &tablet,
        synced,
        T,
        "Tả Van's households on the enrolled tablet",
    )
    .await?;
    // The old Tả Van was merged into the new one on 01/07/2025: its device
    // is told where its data went.
    wait_until(
        &tablet,
        "document.querySelector('#succeeded-by')?.textContent.includes('sáp nhập vào Xã Tả Van từ ngày 01/07/2025')",
        T,
        "a predecessor commune's tablet told where its data went",
    )
    .await?;
    save_screenshot(&tablet, "enrolled").await?;
    // A commune's device sees its commune, not the province overview.
    assert_eq!(
        tablet
            .execute(
                "return [document.querySelectorAll('#tab-scorecard').length, document.querySelectorAll('#tab-province').length]",
                vec![],
            )
            .await?,
        serde_json::json!([1, 0]),
        "an enumerator's tablet shows the province tab"
    );
    tablet.refresh().await?;
    wait_until(
        &tablet,
        synced,
        T,
        "the tablet still enrolled after a reload",
    )
    .await?;

    // A crafted link (as from a chat app) naming another relay: the app
    // still talks only to the origin that served it, and its token never
    // reaches the foreign server (nor any URL: the relay refuses tokens in
    // URLs, so syncing at all means it used a ticket).
    let foreign = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let foreign_addr = foreign.local_addr()?;
    let contacted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = contacted.clone();
    let listener = tokio::spawn(async move {
        while let Ok((mut socket, _)) = foreign.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut request = vec![0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
            eprintln!("foreign server got: {}", String::from_utf8_lossy(&request));
        }
    });
    tablet
        .goto(&format!(
            "{}/?relay=ws://{foreign_addr}/sync&api=http://{foreign_addr}",
            relay.http_url().trim_end_matches('/')
        ))
        .await?;
    wait_until(&tablet, synced, T, "the tablet synced with its own relay").await?;
    add_household(&tablet, "Giàng Seo Phủ", "2", "Bản Hồ").await?;
    find_household(&tablet, "Giàng Seo Phủ").await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date' && document.querySelector('#unconfirmed').dataset.count === '0'",
        T,
        "the new household on its own relay",
    )
    .await?;
    listener.abort();
    assert_eq!(
        contacted.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the app contacted the relay named in the link"
    );
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    assert!(
        !metrics.contains("token_in_url"),
        "a token went into a URL: {metrics}"
    );
    tablet.close().await?;

    // A department (construction) drills into Tả Van from the matrix and
    // appraises the criteria it owns, and only those; its verdict is saved
    // on the device first, then reaches the relay.
    let department_code = relay.enrolment_code("department", &["so-xd"]).await?;
    let department = driver.browser(&profiles.path().join("department")).await?;
    department.goto(&relay.http_url()).await?;
    wait_until(
        &department,
        "document.querySelector('#app').dataset.phase === 'enrol'",
        T,
        "the department's enrolment form",
    )
    .await?;
    type_into(&department, "#enrol-code", &department_code).await?;
    type_into(&department, "#enrol-name", "Sở Xây dựng").await?;
    click(&department, "#enrol-submit").await?;
    let ta_van_row = "#province-overview tr.commune[data-code=\"ta-van\"]";
    wait_until(
        &department,
        &format!("document.querySelector('#tab-province')?.classList.contains('active') && document.querySelector('#tab-appraisal') !== null && document.querySelector('{ta_van_row} button.open-commune') !== null"),
        T,
        "the department's province tab, communes to drill into",
    )
    .await?;
    click(&department, &format!("{ta_van_row} button.open-commune")).await?;
    department
        .execute(
            "const s = document.querySelector('#appraise-set'); if (s) { s.value = 'ntm'; s.dispatchEvent(new Event('change')); }",
            vec![],
        )
        .await?;
    let criteria = "document.querySelectorAll('section.appraisal[data-set=\"ntm\"] article.criterion-appraisal')";
    wait_until(
        &department,
        &format!("document.querySelector('#tab-appraisal').classList.contains('active') && document.querySelector('#appraise-commune').value === 'ta-van' && {criteria}.length > 0 && [...{criteria}].every(a => a.dataset.owner === 'so-xd' && a.querySelector('form.verdict-form')) && document.querySelectorAll('section.appraisal[data-set=\"ntm\"] article.criterion-appraisal li[data-indicator]').length > 0"),
        T,
        "Tả Van's construction criteria with their evidence, each with a verdict form",
    )
    .await?;
    let first =
        "section.appraisal[data-set=\"ntm\"] article.criterion-appraisal[data-number=\"1\"]";
    click(&department, &format!("{first} input[value=\"not-met\"]")).await?;
    click(&department, &format!("{first} button.record-verdict")).await?;
    wait_until(
        &department,
        &format!(
            "document.querySelector('{first} .error')?.textContent.includes('Cần ghi nhận xét')"
        ),
        T,
        "a verdict other than met refused without a remark",
    )
    .await?;
    type_into(
        &department,
        &format!("{first} textarea.remark"),
        "Quy hoạch chung xã chưa được phê duyệt",
    )
    .await?;
    click(&department, &format!("{first} button.record-verdict")).await?;
    wait_until(
        &department,
        &format!("document.querySelector('{first} .saved') !== null && document.querySelector('{first} .standing-verdict')?.dataset.verdict === 'not-met' && document.querySelector('#sync-status').dataset.status === 'up-to-date' && document.querySelector('#unconfirmed').dataset.count === '0'"),
        T,
        "the verdict saved, shown and on the relay",
    )
    .await?;
    save_screenshot(&department, "appraisal").await?;
    choose_language(&department, "en").await?;
    wait_until(
        &department,
        "document.querySelector('#tab-appraisal').textContent === 'Commune appraisal'",
        T,
        "the appraisal tab in English",
    )
    .await?;
    save_screenshot(&department, "appraisal-en").await?;
    department.close().await?;

    // The Coordination Office's device: the province overview comes from
    // the relay's summary (Tả Van scored from its documents, the other
    // units from the demo's generated facts), with no history toggle.
    let office_code = relay.enrolment_code("office", &[]).await?;
    let office = driver.browser(&profiles.path().join("office")).await?;
    office.goto(&relay.http_url()).await?;
    wait_until(
        &office,
        "document.querySelector('#app').dataset.phase === 'enrol'",
        T,
        "the office's enrolment form",
    )
    .await?;
    type_into(&office, "#enrol-code", &office_code).await?;
    type_into(&office, "#enrol-name", "Văn phòng Điều phối").await?;
    click(&office, "#enrol-submit").await?;
    wait_until(
        &office,
        "document.querySelector('#app').dataset.phase === 'ready' && document.querySelector('#tab-province')?.classList.contains('active')",
        T,
        "the office's app open on the province tab",
    )
    .await?;
    // The office's own app: the province, no commune's survey screens.
    let shape = office
        .execute(
            "return [...document.querySelectorAll('nav.tabs button')].map(b => b.id).join(',') + '|' + document.querySelector('header .commune').textContent + '|' + (document.querySelector('#household-list') === null)",
            vec![],
        )
        .await?;
    assert_eq!(
        shape,
        serde_json::json!("tab-province,tab-appraisal|Văn phòng Điều phối NTM tỉnh|true"),
        "the office sees the province's tabs only"
    );
    wait_until(
        &office,
        "document.querySelector('#province-totals')?.dataset.source === 'summary' && document.querySelector('#province-totals').dataset.communes === '99' && [...document.querySelectorAll('#province-overview tr.commune')].some(r => r.dataset.name === 'Xã Tả Van' && r.dataset.reassess === 'true' && r.dataset.ntm !== '') && document.querySelector('#before-reform') === null",
        T,
        "the province overview from the relay's summary",
    )
    .await?;
    // The communes × criteria matrix: Tả Van's ten 2026–2030 criteria as
    // computed from its documents, with the departments' verdicts marked,
    // the construction department's new one among them.
    wait_until(
        &office,
        "(() => { const r = document.querySelector('#province-overview tr.commune[data-code=\"ta-van\"]'); return r && r.querySelectorAll('td.cell[data-status]').length === 10 && r.querySelectorAll('td.cell sup').length > 0 && r.querySelectorAll('td.cell')[0].querySelector('sup')?.textContent === 'K'; })()",
        T,
        "Tả Van's row of the matrix, with verdicts",
    )
    .await?;
    save_screenshot(&office, "province-summary").await?;
    // This year's NTM target group: exactly the units the progress counts.
    office
        .execute(
            "const g = document.querySelector('#group'); g.value = 'target-ntm'; g.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await?;
    wait_until(
        &office,
        "(() => { const p = document.querySelector('#target-progress .progress[data-level=\"ntm\"]'); const rows = document.querySelectorAll('#province-overview tr.commune'); return p && Number(p.dataset.target) > 0 && rows.length === Number(p.dataset.target) && [...rows].some(r => r.dataset.code === 'ta-van'); })()",
        T,
        "the NTM target group, as many as the progress counts",
    )
    .await?;
    choose_language(&office, "en").await?;
    wait_until(
        &office,
        "document.documentElement.lang === 'en' && document.querySelector('#tab-province').textContent === 'Province'",
        T,
        "the province tab in English",
    )
    .await?;
    save_screenshot(&office, "province-summary-en").await?;
    // What the office downloads: the first rows of the Excel workbook, read
    // back and laid out as a table, to be looked at.
    if std::env::var_os("NTM_SCREENSHOT_DIR").is_some() {
        let token = relay.enrol("office", &[]).await?.token;
        let file = relay
            .request(
                "GET",
                "/api/export/matrix?catalog=ntm-2026-2030",
                &[("authorization", &format!("Bearer {token}"))],
                vec![],
            )
            .await?;
        anyhow::ensure!(file.status == 200, "export: {}", file.text());
        let page = profiles.path().join("export.html");
        std::fs::write(&page, workbook_as_html(file.body, 12)?)?;
        office.goto(&format!("file://{}", page.display())).await?;
        save_screenshot(&office, "export").await?;
    }
    office.close().await?;
    relay.terminate().await?;
    Ok(())
}

/// The first `rows` rows of a workbook's first sheet as an HTML table
/// (cells as calamine reads them), for a screenshot of what was exported.
fn workbook_as_html(bytes: Vec<u8>, rows: usize) -> anyhow::Result<String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| anyhow::anyhow!("no sheet"))??;
    let escape = |s: String| s.replace('&', "&amp;").replace('<', "&lt;");
    let mut html = String::from("<!doctype html><meta charset=utf-8><style>body{font:14px sans-serif;margin:8px}table{border-collapse:collapse}td{border:1px solid #bbb;padding:2px 6px;white-space:nowrap}tr:nth-child(2) td{font-weight:bold;background:#eee}td.n{text-align:right}</style><table>");
    // The title (alone in its row) runs on over the cells, as in Excel.
    let mut lines = sheet.rows().take(rows);
    if let Some(title) = lines.next() {
        let text = title.first().map(|c| c.to_string()).unwrap_or_default();
        html.push_str(&format!(
            "<caption style=\"text-align:left;font-weight:bold;padding:4px\">{}</caption>",
            escape(text)
        ));
    }
    for row in lines {
        html.push_str("<tr>");
        for cell in row {
            let class = if matches!(cell, calamine::Data::Float(_)) {
                " class=n"
            } else {
                ""
            };
            html.push_str(&format!("<td{class}>{}</td>", escape(cell.to_string())));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    Ok(html)
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

/// The app never says "saved" when it is not: with IndexedDB refusing
/// writes (as on a full disk) an added household is reported not saved, the
/// form keeps what was typed, and nothing reaches the relay; once the store
/// takes writes again the engine saves it on its own, and only then syncs it.
#[tokio::test]
async fn a_refused_write_is_reported_not_saved_and_not_sent_until_it_is() -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let relay = Relay::start_demo(data.path(), Some(&dist)).await?;
    let driver = Chromedriver::start().await?;
    let tablet = driver.browser(&profiles.path().join("tablet")).await?;
    tablet.goto(&relay.http_url()).await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date' && Number(document.querySelector('#household-count').textContent) >= 300",
        T,
        "the seeded households of Tả Van",
    )
    .await?;

    // The browser's store starts refusing writes.
    tablet
        .execute(
            "window.__writes = [IDBObjectStore.prototype.add, IDBObjectStore.prototype.put]; \
             const full = function () { throw new DOMException('disk full', 'QuotaExceededError'); }; \
             IDBObjectStore.prototype.add = full; IDBObjectStore.prototype.put = full;",
            vec![],
        )
        .await?;
    submit_new_household(&tablet, "Hộ chưa lưu", "2", "Bản Hồ").await?;
    wait_until(
        &tablet,
        "document.querySelector('#add-household').textContent.includes('Chưa lưu được vào máy')",
        T,
        "the not-saved message",
    )
    .await?;
    save_screenshot(&tablet, "not-saved").await?;
    type_into(&tablet, "#household-search", "Hộ chưa lưu").await?;
    assert_eq!(
        tablet
            .execute(
                "return [document.querySelector('#new-head').value, document.querySelector('#household-shown').dataset.count]",
                vec![]
            )
            .await?,
        serde_json::json!(["Hộ chưa lưu", "0"]),
        "the form keeps what was typed, the list shows only what is saved"
    );

    // Nothing of it reached the relay.
    let id = ntm_core::survey::demo_commune().document_id;
    let on_relay = |name: &'static str| {
        let url = relay.sync_url();
        async move {
            let mut reader = ntm_e2e::Device::new("reader");
            reader.fetch(&url, id, T).await?;
            anyhow::Ok(
                ntm_core::survey::households(reader.doc(&id))
                    .iter()
                    .any(|h| h.head.value.as_deref() == Some(name)),
            )
        }
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !on_relay("Hộ chưa lưu").await?,
        "an unsaved change was sent"
    );

    // Writes succeed again: saved by the engine's retry, then synced.
    tablet
        .execute(
            "[IDBObjectStore.prototype.add, IDBObjectStore.prototype.put] = window.__writes;",
            vec![],
        )
        .await?;
    find_household(&tablet, "Hộ chưa lưu").await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date' && document.querySelector('#unconfirmed').dataset.count === '0'",
        T,
        "the saved household on the relay",
    )
    .await?;
    assert!(on_relay("Hộ chưa lưu").await?);
    tablet.close().await?;
    relay.terminate().await?;
    Ok(())
}

/// Two tablets in a village without network exchange their work as a file:
/// the bundle exported from one merges into the other (with a photo taken
/// offline), importing it twice changes nothing, and another commune's
/// bundle is refused; once the relay is back the photo is uploaded once
/// and a third tablet sees it.
#[tokio::test]
async fn a_sync_bundle_carries_households_between_two_offline_browsers() -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], ntm_e2e::relay::free_port()));
    let relay = Relay::start_on(data.path(), addr, Some(&dist)).await?;
    let driver = Chromedriver::start().await?;
    let ready = "document.querySelector('#offline-ready').dataset.ready === 'true' && document.querySelector('#sync-status').dataset.status === 'up-to-date'";
    let a = driver.browser(&profiles.path().join("a")).await?;
    let b = driver.browser(&profiles.path().join("b")).await?;
    for tablet in [&a, &b] {
        tablet.goto(&relay.http_url()).await?;
        wait_until(tablet, ready, T, "the app cached and synced").await?;
    }
    // No network from here on.
    relay.kill9().await?;
    for tablet in [&a, &b] {
        wait_until(
            tablet,
            "document.querySelector('#sync-status').dataset.status === 'offline'",
            T,
            "offline",
        )
        .await?;
    }
    add_household(&a, "Sùng A Páo", "4", "Bản Tả Van").await?;
    // A photo of the house, offline: kept on the tablet, waiting to upload.
    let picture = dist.join("icon-512.png");
    a.find(Locator::Css(
        "#household-detail [data-photos=household] .photo-input",
    ))
    .await?
    .send_keys(&picture.display().to_string())
    .await?;
    let thumb_shown = "[...document.querySelectorAll('#household-detail [data-photos=household] .thumb img')].some(i => i.complete && i.naturalWidth > 0)";
    wait_until(
        &a,
        &format!("{thumb_shown} && document.querySelector('#household-detail .thumb').dataset.waiting === 'true' && document.querySelector('#photos-waiting').dataset.count === '1'"),
        T,
        "the photo's thumbnail, waiting to upload",
    )
    .await?;
    a.execute(
        "document.querySelector('#household-detail [data-photos=household]').scrollIntoView()",
        vec![],
    )
    .await?;
    save_screenshot(&a, "photo-waiting").await?;
    let photo_hash: String = serde_json::from_value(
        a.execute(
            "return document.querySelector('#household-detail .thumb').dataset.hash",
            vec![],
        )
        .await?,
    )?;
    find_household(&a, "Sùng A Páo").await?;

    // Export on A (the file the download would save).
    a.execute(
        "window.__bundle = null; const make = URL.createObjectURL; \
         URL.createObjectURL = (blob) => { if (blob.type === 'application/octet-stream') window.__bundle = blob; return make(blob); };",
        vec![],
    )
    .await?;
    click(&a, "#export-bundle").await?;
    wait_until(&a, "window.__bundle !== null", T, "the bundle file").await?;
    let bytes = a
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__bundle.arrayBuffer().then((b) => done(Array.from(new Uint8Array(b))));",
            vec![],
        )
        .await?;
    let bytes: Vec<u8> = serde_json::from_value(bytes)?;
    assert!(bytes.starts_with(ntm_core::device::bundle::MAGIC));
    let file = profiles.path().join("xa-demo.ntmbundle");
    std::fs::write(&file, &bytes)?;

    // Import on B: merged and saved; a second time: nothing new.
    let import = |message: &'static str| {
        let b = b.clone();
        let file = file.clone();
        async move {
            b.find(Locator::Css("#import-bundle"))
                .await?
                .send_keys(&file.display().to_string())
                .await?;
            wait_until(
                &b,
                &format!(
                    "document.querySelector('#bundle-result')?.textContent.includes('{message}')"
                ),
                T,
                message,
            )
            .await
        }
    };
    import("và 1 ảnh").await?;
    // The photo came with it: shown offline, waiting on B too.
    open_household(&b, "Sùng A Páo").await?;
    wait_until(
        &b,
        &format!(
            "{thumb_shown} && document.querySelector('#photos-waiting').dataset.count === '1'"
        ),
        T,
        "the imported photo on B",
    )
    .await?;
    back_to_list(&b).await?;
    import("Không có gì mới").await?;
    save_screenshot(&b, "sync-bundle").await?;

    // Another commune's bundle is refused, naming both communes.
    let mut other = ntm_core::survey::demo_commune();
    other.document_id = ntm_core::DocumentId::from_bytes([9; 16]);
    other.name = "Xã Bản Hồ".into();
    std::fs::write(
        &file,
        ntm_core::device::bundle::export(&other, &ntm_core::survey::genesis(&other), Vec::new()),
    )?;
    import("là dữ liệu của Xã Bản Hồ").await?;
    assert_eq!(
        b.execute(
            "return document.querySelector('#bundle-result').dataset.ok",
            vec![]
        )
        .await?,
        serde_json::json!("false")
    );

    // The network comes back: the photo reaches the relay once (both
    // tablets had it waiting; the second is told the relay has it).
    let relay = Relay::start_on(data.path(), addr, Some(&dist)).await?;
    for tablet in [&a, &b] {
        wait_until(
            tablet,
            "document.querySelector('#sync-status').dataset.status === 'up-to-date' && document.querySelector('#photos-waiting').dataset.count === '0'",
            T,
            "synced, no photo waiting",
        )
        .await?;
    }
    let stored = |metrics: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with("ntm_blobs_stored_total"))
            .and_then(|l| l.split_whitespace().last())
            .map(str::to_owned)
    };
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    assert_eq!(
        stored(&metrics).as_deref(),
        Some("2"),
        "the picture and its thumbnail, once each: {metrics}"
    );
    // A restart of A online finds nothing to upload.
    a.refresh().await?;
    wait_until(&a, ready, T, "A reopened and synced").await?;
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    assert_eq!(stored(&metrics).as_deref(), Some("2"), "{metrics}");
    let status = relay
        .request("GET", &format!("/blobs/{photo_hash}/upload"), &[], vec![])
        .await?
        .text();
    assert!(status.contains("\"complete\":true"), "{status}");

    // A third tablet, online, sees the photo the relay now holds.
    let c = driver.browser(&profiles.path().join("c")).await?;
    c.goto(&relay.http_url()).await?;
    wait_until(&c, ready, T, "C synced").await?;
    open_household(&c, "Sùng A Páo").await?;
    wait_until(
        &c,
        &format!("{thumb_shown} && document.querySelector('#household-detail .thumb').dataset.waiting === 'false'"),
        T,
        "the photo fetched from the relay",
    )
    .await?;
    // A tap shows the picture itself (the 512 px source kept as it was:
    // never enlarged), fetched too; closing frees it.
    click(&c, "#household-detail .thumb").await?;
    wait_until(
        &c,
        "(() => { const i = document.querySelector('.photo-viewer img'); return i && i.complete && i.naturalWidth === 512; })()",
        T,
        "the picture shown large",
    )
    .await?;
    click(&c, "#close-photo").await?;
    wait_until(
        &c,
        "document.querySelector('.photo-viewer') === null",
        T,
        "the viewer closed",
    )
    .await?;
    a.close().await?;
    b.close().await?;
    c.close().await?;
    relay.terminate().await?;
    Ok(())
}

/// Two enrolled tablets fill in the same field differently while the relay
/// is down: once both sync, each shows the two values with the device that
/// entered each and when, and one tap on either tablet settles it on both.
#[tokio::test]
async fn a_conflict_between_two_tablets_is_shown_with_both_devices_and_settled_in_one_tap(
) -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], ntm_e2e::relay::free_port()));
    let relay = Relay::start_with(data.path(), addr, Some(&dist), &["--demo"]).await?;
    let driver = Chromedriver::start().await?;
    let mut tablets = Vec::new();
    for name in ["Máy tính bảng A", "Máy tính bảng B"] {
        let code = relay.enrolment_code("enumerator", &["ta-van"]).await?;
        let tablet = driver
            .browser(&profiles.path().join(name.replace(' ', "-")))
            .await?;
        tablet.goto(&relay.http_url()).await?;
        wait_until(
            &tablet,
            "document.querySelector('#app').dataset.phase === 'enrol'",
            T,
            "the enrolment form",
        )
        .await?;
        type_into(&tablet, "#enrol-code", &code).await?;
        type_into(&tablet, "#enrol-name", name).await?;
        click(&tablet, "#enrol-submit").await?;
        wait_until(
            &tablet,
            "document.querySelector('#sync-status')?.dataset.status === 'up-to-date' && Number(document.querySelector('#household-count').textContent) >= 300",
            T,
            "the commune on the tablet",
        )
        .await?;
        tablets.push(tablet);
    }
    let (a, b) = (&tablets[0], &tablets[1]);
    add_household(a, "Khổng Thị Xuyến", "4", "Bản Hồ").await?;
    find_household(b, "Khổng Thị Xuyến").await?;

    // The relay goes down; each tablet records a different water source.
    relay.kill9().await?;
    for (tablet, water) in [(a, "0"), (b, "2")] {
        wait_until(
            tablet,
            "document.querySelector('#sync-status').dataset.status === 'offline'",
            T,
            "offline",
        )
        .await?;
        open_household(tablet, "Khổng Thị Xuyến").await?;
        tablet
            .execute(
                "const s = document.querySelector('#household-detail select[data-field=water]'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
                vec![serde_json::json!(water)],
            )
            .await?;
        wait_until(
            tablet,
            "Number(document.querySelector('#unconfirmed').dataset.count) > 0",
            T,
            "the edit saved, not yet on the relay",
        )
        .await?;
    }

    // Back online: both see the same decision, each value with its device.
    let relay = Relay::start_with(data.path(), addr, Some(&dist), &["--demo"]).await?;
    let decision = "#household-detail .decision[data-path='record/water']";
    for (tablet, other) in [(a, "Máy tính bảng B"), (b, "Máy tính bảng A")] {
        wait_until(
            tablet,
            &format!("(() => {{ const d = document.querySelector(\"{decision}\"); if (!d) return false; const c = [...d.querySelectorAll('.choice')].map(c => c.textContent); return c.length === 2 && c.some(t => t.includes('Máy này')) && c.some(t => t.includes('{other}')) && c.some(t => t.includes('Nước máy')) && c.some(t => t.includes('Sông suối')); }})()"),
            T,
            "two values, this device's and the other's",
        )
        .await?;
    }
    save_screenshot(a, "decision").await?;
    // One tap on tablet A keeps tablet B's value, on both.
    a.execute(
        &format!("[...document.querySelectorAll(\"{decision} .choice\")].find(c => c.textContent.includes('Máy tính bảng B')).click()"),
        vec![],
    )
    .await?;
    for tablet in [a, b] {
        wait_until(
            tablet,
            "!document.querySelector('#household-detail .decisions') && document.querySelector('#household-detail select[data-field=water]').value === '2'",
            T,
            "the decision made, the same value on both tablets",
        )
        .await?;
    }
    // The field's history on A: its values, newest first, each with its
    // device (the choice, both tablets' values).
    a.execute(
        "const d = document.querySelector('#household-detail details.history'); d.open = true; d.scrollIntoView();",
        vec![],
    )
    .await?;
    wait_until(
        a,
        "(() => { const rows = [...document.querySelectorAll('#household-detail .history tr.change[data-path=\"record/water\"]')].map(r => r.textContent); return rows.length === 3 && rows.filter(t => t.includes('Máy này')).length === 2 && rows.filter(t => t.includes('Máy tính bảng B')).length === 1 && rows[0].includes('Sông suối'); })()",
        T,
        "the water source's three values with their devices",
    )
    .await?;
    save_screenshot(a, "field-history").await?;
    for tablet in tablets {
        tablet.close().await?;
    }
    relay.terminate().await?;
    Ok(())
}

/// A copy of the built app as the next release would be: the same files
/// with a service worker of another build (what makes browsers update).
fn next_release(dist: &std::path::Path, into: &std::path::Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dist)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), into.join(entry.file_name()))?;
        }
    }
    let sw = std::fs::read_to_string(dist.join("sw.js"))?;
    let build = sw
        .split("const BUILD = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("sw.js has no BUILD"))?
        .to_owned();
    std::fs::write(into.join("sw.js"), sw.replace(&build, "next-release"))?;
    // The relay would serve the old precompressed copies first.
    for stale in ["sw.js.br", "sw.js.gz"] {
        let _ = std::fs::remove_file(into.join(stale));
    }
    Ok(())
}

/// The relay starts serving a new version while a tablet holds work it has
/// not synced: the tablet announces the version, starts it when the person
/// taps, keeps the work (also offline, from the new version's cache) and
/// syncs it.
#[tokio::test]
async fn a_new_app_version_is_announced_and_applied_without_losing_unsynced_work(
) -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let next = tempfile::tempdir()?;
    next_release(&dist, next.path())?;
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], ntm_e2e::relay::free_port()));
    let relay = Relay::start_on(data.path(), addr, Some(&dist)).await?;
    let driver = Chromedriver::start().await?;
    let tablet = driver.browser(&profiles.path().join("tablet")).await?;
    tablet.goto(&relay.http_url()).await?;
    wait_until(
        &tablet,
        "document.querySelector('#offline-ready')?.dataset.ready === 'true' && document.querySelector('#sync-status').dataset.status === 'up-to-date'",
        T,
        "the app cached and synced",
    )
    .await?;
    relay.kill9().await?;
    add_household(&tablet, "Giàng Thị Ly", "2", "Bản Hồ").await?;
    wait_until(
        &tablet,
        "Number(document.querySelector('#unconfirmed').dataset.count) > 0",
        T,
        "work not yet on the relay",
    )
    .await?;

    // The relay comes back with the next release.
    let relay = Relay::start_on(data.path(), addr, Some(next.path())).await?;
    let announced = wait_until(
        &tablet,
        "document.querySelector('#new-version') !== null",
        T,
        "the new version announced",
    )
    .await;
    if announced.is_err() {
        // Say where the update stopped.
        let state = tablet.execute_async("const done = arguments[arguments.length - 1]; navigator.serviceWorker.getRegistration().then(r => done(JSON.stringify({active: r.active && r.active.state, waiting: !!r.waiting, installing: !!r.installing, controller: !!navigator.serviceWorker.controller})));", vec![]).await?;
        let keys = tablet
            .execute_async(
                "const done = arguments[arguments.length - 1]; caches.keys().then(done);",
                vec![],
            )
            .await?;
        eprintln!("service worker {state}, caches {keys}");
    }
    announced?;
    save_screenshot(&tablet, "new-version").await?;
    relay.kill9().await?;
    click(&tablet, "#reload-new-version").await?;
    wait_until(
        &tablet,
        "document.querySelector('#app')?.dataset.phase === 'ready'",
        T,
        "the new version started offline",
    )
    .await?;
    let caches = tablet
        .execute_async(
            "const done = arguments[arguments.length - 1]; caches.keys().then(done);",
            vec![],
        )
        .await?;
    assert_eq!(
        caches,
        serde_json::json!(["ntm-app-next-release"]),
        "only the new version's cache"
    );
    find_household(&tablet, "Giàng Thị Ly").await?;

    let relay = Relay::start_on(data.path(), addr, Some(next.path())).await?;
    wait_until(
        &tablet,
        "document.querySelector('#sync-status').dataset.status === 'up-to-date' && document.querySelector('#unconfirmed').dataset.count === '0'",
        T,
        "the kept work on the relay",
    )
    .await?;
    tablet.close().await?;
    relay.terminate().await?;
    Ok(())
}
