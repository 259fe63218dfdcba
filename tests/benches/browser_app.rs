//! The field app in real headless Chromium on the demo commune (the new
//! xã Tả Van, about 2,700 households), against the real relay: first sync,
//! cold open, a search keystroke, edit → durable, DOM nodes, memory, and
//! the wasm's size. Each figure is printed beside a baseline measured in
//! the same browser in the same run (these machines are noisy: compare
//! ratios, not milliseconds across runs).
//!
//! `cargo xtask bench` builds the app and the release relay and runs this.

use std::time::{Duration, Instant};

use ntm_e2e::browser::{wait_until, Chromedriver};
use ntm_e2e::{workspace, Relay};
use serde_json::Value;

const T: Duration = Duration::from_secs(240);
/// Edits and keystrokes timed for p50 / p95.
const SAMPLES: usize = 20;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

fn row(what: &str, value: String, baseline: String) {
    println!("| {what} | {value} | {baseline} |");
}

fn ms(v: f64) -> String {
    format!("{v:.1} ms")
}

fn kib(path: &std::path::Path) -> f64 {
    std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1024.0)
}

/// Times `SAMPLES` keystrokes in the search box, each until the list has
/// rendered (two frames), beside the same wait with no keystroke.
const SEARCH: &str = r#"
const done = arguments[arguments.length - 1];
const input = document.querySelector('#household-search');
const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
const words = ['n', 'ng', 'ngu', 'nguy', 'nguye', 'nguyen', 'nguyen v', 'nguyen va', 'nguyen van',
  's', 'su', 'sun', 'sung', 'sung t', 'sung th', 'sung thi', 'sung thi m', 'sung thi my', 'a', ''];
(async () => {
  const typed = [], idle = [];
  for (const w of words) {
    await frame();
    let t = performance.now();
    await frame();
    idle.push(performance.now() - t);
    t = performance.now();
    input.value = w;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await frame();
    typed.push(performance.now() - t);
  }
  done([typed, idle]);
})();
"#;

/// Adds `SAMPLES` households through the form, each timed until the list
/// (which shows only what is durable) counts it; beside it, the same number
/// of strict-durability IndexedDB writes of 1 KiB in the same browser.
const EDITS: &str = r#"
const done = arguments[arguments.length - 1];
const n = arguments[0];
const count = () => Number(document.querySelector('#household-count').textContent);
const set = (sel, v) => { const e = document.querySelector(sel); e.value = v; e.dispatchEvent(new Event('input', { bubbles: true })); };
const tick = () => new Promise(r => setTimeout(r, 0));
(async () => {
  const edits = [];
  for (let i = 0; i < n; i++) {
    if (!document.querySelector('#new-head')) { document.querySelector('#open-add-household').click(); await tick(); }
    const before = count();
    set('#new-head', 'Đo Thử ' + i);
    set('#new-members', '3');
    set('#new-village', 'Bản Hồ');
    const t = performance.now();
    document.querySelector('#add-household-submit').click();
    while (count() === before) await tick();
    edits.push(performance.now() - t);
    const back = document.querySelector('#close-detail');
    if (back) back.click();
    await tick();
  }
  const raw = [];
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open('bench-baseline-' + Date.now(), 1);
    r.onupgradeneeded = () => r.result.createObjectStore('s');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const bytes = new Uint8Array(1024);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await new Promise((ok, fail) => {
      const tx = db.transaction('s', 'readwrite', { durability: 'strict' });
      tx.objectStore('s').put(bytes, i);
      tx.oncomplete = ok;
      tx.onerror = () => fail(tx.error);
    });
    raw.push(performance.now() - t);
  }
  done([edits, raw]);
})();
"#;

/// Compiles the app's wasm alone (fetch + compile), the floor under any open.
const COMPILE: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const t = performance.now();
  await WebAssembly.compileStreaming(fetch('./ntm_app_bg.wasm', { cache: 'no-store' }));
  done(performance.now() - t);
})();
"#;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let data = tempfile::tempdir()?;
    let profiles = tempfile::tempdir()?;
    let relay = Relay::start_demo(data.path(), Some(&dist)).await?;
    let driver = Chromedriver::start().await?;
    let tablet = driver.browser(&profiles.path().join("tablet")).await?;
    // The timed loops run inside the page, longer than WebDriver's default 30 s.
    tablet
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(T),
            Some(T),
            Some(Duration::ZERO),
        ))
        .await?;
    let listed = "document.querySelector('#sync-status')?.dataset.status === 'up-to-date' && Number(document.querySelector('#household-count')?.textContent) >= 2600 && document.querySelectorAll('#household-list .household').length > 0";

    let started = Instant::now();
    tablet.goto(&relay.http_url()).await?;
    wait_until(&tablet, listed, T, "the first sync of the commune").await?;
    let first_sync = started.elapsed().as_secs_f64() * 1000.0;
    let households = tablet
        .execute(
            "return Number(document.querySelector('#household-count').textContent)",
            vec![],
        )
        .await?
        .as_f64()
        .unwrap_or(0.0);
    wait_until(
        &tablet,
        "document.querySelector('#offline-ready')?.dataset.ready === 'true'",
        T,
        "the app cached",
    )
    .await?;

    let started = Instant::now();
    tablet.refresh().await?;
    wait_until(
        &tablet,
        "Number(document.querySelector('#household-count')?.textContent) >= 2600 && document.querySelectorAll('#household-list .household').length > 0",
        T,
        "the list after a reload",
    )
    .await?;
    let cold_open = started.elapsed().as_secs_f64() * 1000.0;
    let compile = tablet
        .execute_async(COMPILE, vec![])
        .await?
        .as_f64()
        .unwrap_or(0.0);

    let nodes = tablet
        .execute("return document.getElementsByTagName('*').length", vec![])
        .await?
        .as_f64()
        .unwrap_or(0.0);
    let heap = tablet
        .execute(
            "return [performance.memory ? performance.memory.usedJSHeapSize : 0, globalThis.ntmMemoryBytes ? globalThis.ntmMemoryBytes() : 0]",
            vec![],
        )
        .await?;
    let heap = numbers(&heap);

    eprintln!("timing search keystrokes…");
    let search = tablet.execute_async(SEARCH, vec![]).await?;
    let (mut typed, mut idle) = match search.as_array().map(Vec::as_slice) {
        Some([a, b]) => (numbers(a), numbers(b)),
        _ => anyhow::bail!("search timing: {search}"),
    };
    eprintln!("timing edits…");
    let edits = tablet
        .execute_async(EDITS, vec![serde_json::json!(SAMPLES)])
        .await?;
    let (mut edit, mut raw) = match edits.as_array().map(Vec::as_slice) {
        Some([a, b]) => (numbers(a), numbers(b)),
        _ => anyhow::bail!("edit timing: {edits}"),
    };

    println!(
        "\nField app in headless Chromium, {households} households (demo Tả Van), {SAMPLES} samples\n"
    );
    println!("| measure | app | baseline (same run) |");
    println!("|---|---|---|");
    row(
        "first sync after opening (page load → list of every household)",
        ms(first_sync),
        format!("{:.0} households", households),
    );
    row(
        "cold open (reload → list shown, data from IndexedDB)",
        ms(cold_open),
        format!(
            "{} to fetch and compile the wasm alone ({:.1}×)",
            ms(compile),
            cold_open / compile.max(0.1)
        ),
    );
    row(
        "search keystroke → list rendered, p50 / p95",
        format!(
            "{} / {}",
            ms(percentile(&mut typed, 0.5)),
            ms(percentile(&mut typed, 0.95))
        ),
        format!(
            "{} / {} for the same two frames with no keystroke",
            ms(percentile(&mut idle, 0.5)),
            ms(percentile(&mut idle, 0.95))
        ),
    );
    row(
        "edit → durable and listed, p50 / p95",
        format!(
            "{} / {}",
            ms(percentile(&mut edit, 0.5)),
            ms(percentile(&mut edit, 0.95))
        ),
        format!(
            "{} / {} for a bare strict IndexedDB write of 1 KiB",
            ms(percentile(&mut raw, 0.5)),
            ms(percentile(&mut raw, 0.95))
        ),
    );
    row(
        "DOM nodes on the household screen",
        format!("{nodes:.0}"),
        format!("{households:.0} households (windowed list)"),
    );
    row(
        "memory: wasm linear memory / JS heap",
        format!(
            "{:.1} MiB / {:.1} MiB",
            heap.get(1).copied().unwrap_or(0.0) / 1_048_576.0,
            heap.first().copied().unwrap_or(0.0) / 1_048_576.0
        ),
        String::new(),
    );
    let wasm = dist.join("ntm_app_bg.wasm");
    row(
        "wasm: raw / gzip / brotli",
        format!(
            "{:.0} KiB / {:.0} KiB / {:.0} KiB",
            kib(&wasm),
            kib(&wasm.with_extension("wasm.gz")),
            kib(&wasm.with_extension("wasm.br"))
        ),
        "goal: ≤ 500 KiB brotli".to_owned(),
    );
    tablet.close().await?;
    relay.terminate().await?;
    Ok(())
}
