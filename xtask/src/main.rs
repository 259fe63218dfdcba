//! `cargo xtask`: NTM Survey's build pipeline, in Rust.
//!
//! - `run`: build the app and start the relay serving it (http://127.0.0.1:8080).
//! - `test`: install what the tests need, then run every test.
//! - `build-app`: build the web app into `dist/`.
//! - `lint`: rustfmt and clippy (native and wasm), warnings as errors.
//! - `fuzz [SECONDS]`: every fuzz target (frame decoder, catalog loader,
//!   typed input) for SECONDS each.
//! - `vendor-check`: the vendored crates are the published ones plus `ntm.patch`.
//! - `vendor-diff CRATE`: record `vendor/CRATE`'s edits as `ntm.patch`.
//! - `bench [--devices N] [--seconds S]`: benchmarks; the relay load
//!   benchmark runs the same simulated devices against `ntm-relay` and the
//!   JS automerge-repo sync server and prints the side-by-side table
//!   (evaluation of the demo province; relay memory under 100,000 unknown ids;
//!   the field app in headless Chromium).
//!
//! Every step installs what it is missing, so a fresh machine needs only Rust.

mod build_app;
mod cmd;
mod fuzz;
mod install;
mod test;
mod vendor_check;

use std::path::PathBuf;
use std::process::ExitCode;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is in the workspace")
        .to_path_buf()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR`, else `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        })
        .unwrap_or_else(|| root().join("target"))
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <run [--listen ADDR] [--data-dir DIR] | test | build-app | lint | fuzz [SECONDS] | bench | vendor-diff CRATE>"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test::all(),
        Some("build-app") => build_app::build().map(|_| ()),
        Some("lint") => test::lint(),
        Some("fuzz") => fuzz::run(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60)),
        Some("bench") => bench(&args[1..]),
        Some("vendor-check") => {
            vendor_check::check("samod-core").and_then(|()| vendor_check::check("automerge"))
        }
        Some("vendor-diff") => match args.get(1) {
            Some(name) => vendor_check::record(name),
            None => return usage(),
        },
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The core's benchmarks (province evaluation; the device engine on one
/// commune), the relay load benchmark against the JS sync
/// server (extra arguments go to it: `--devices 1000`, `--seconds S`), the
/// relay's memory under one device asking for 100,000 unknown ids, then the
/// field app in headless Chromium (first sync, cold open, search, edit →
/// durable, DOM nodes, memory, wasm size).
fn bench(args: &[String]) -> Result<(), String> {
    cmd::cargo(&["bench", "-p", "ntm-core", "--bench", "evaluate_province"])?;
    cmd::cargo(&["bench", "-p", "ntm-core", "--bench", "device_commune"])?;
    install::npm_packages("tests/js")?;
    cmd::cargo(&["build", "--release", "-p", "ntm-relay"])?;
    let mut load = cmd::cargo_command();
    load.args(["bench", "-p", "ntm-e2e", "--bench", "relay_load", "--"])
        .args(args)
        .env("NTM_RELAY_BIN", target_dir().join("release/ntm-relay"));
    cmd::run(&mut load)?;
    let mut probe = cmd::cargo_command();
    probe
        .args(["bench", "-p", "ntm-e2e", "--bench", "unknown_ids"])
        .env("NTM_RELAY_BIN", target_dir().join("release/ntm-relay"));
    cmd::run(&mut probe)?;
    // The field app in headless Chromium on the demo commune.
    install::system_packages()?;
    let dist = build_app::build()?;
    let mut browser = cmd::cargo_command();
    browser
        .args(["bench", "-p", "ntm-e2e", "--bench", "browser_app"])
        .env("NTM_RELAY_BIN", target_dir().join("release/ntm-relay"))
        .env("NTM_APP_DIST", dist);
    cmd::run(&mut browser)
}

fn flag(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

/// Builds everything and runs the relay with the app on the embedded SQLite
/// store, seeded with the synthetic demo province on first start.
fn run(args: &[String]) -> Result<(), String> {
    let listen = flag(args, "--listen", "127.0.0.1:8080");
    let data_dir = flag(args, "--data-dir", "data");
    let dist = build_app::build()?;
    cmd::cargo(&["build", "--release", "-p", "ntm-relay"])?;
    let relay = target_dir().join("release/ntm-relay");
    println!("\nNTM Survey: http://{listen}/  (relay data in {data_dir}/, Ctrl+C to stop)");
    println!("The first start stores the synthetic demo province (about 15 s).\n");
    cmd::run(
        cmd::command(relay)
            .args([
                "serve",
                "--listen",
                &listen,
                "--data-dir",
                &data_dir,
                "--demo",
                "--app-dir",
            ])
            .arg(dist)
            .current_dir(root()),
    )
}
