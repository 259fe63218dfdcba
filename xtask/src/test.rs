//! `cargo xtask test`: every test, against real parts, on a fresh machine.

use crate::{build_app, cmd, install};

/// Installs prerequisites, builds, and runs native, wasm (headless Chromium)
/// and end-to-end tests, then checks that the Tauri shell builds.
pub fn all() -> Result<(), String> {
    install::system_packages()?;
    install::wasm_target()?;
    install::wasm_bindgen_cli()?;
    install::npm_packages("tests/js")?;
    let dist = build_app::build()?;
    cmd::cargo(&["build", "-p", "ntm-relay"])?;
    let relay = crate::target_dir().join("debug/ntm-relay");

    // Native unit tests and end-to-end tests (relay binary, JS peers, Chromium).
    cmd::run(
        cmd::cargo_command()
            .args(["test", "--workspace", "--exclude", "ntm-tablet"])
            .env("NTM_RELAY_BIN", &relay)
            .env("NTM_APP_DIST", &dist),
    )?;

    // wasm tests in headless Chromium: the core and the IndexedDB store in a real browser.
    cmd::run(
        cmd::cargo_command()
            .args([
                "test",
                "-p",
                "ntm-app",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("CHROMEDRIVER", "chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;

    // A short fuzz round on everything that parses untrusted bytes.
    crate::fuzz::run(15)?;

    // The Tauri shell builds against webkit2gtk.
    cmd::cargo(&["build", "-p", "ntm-tablet"])?;
    eprintln!("xtask> all tests passed");
    Ok(())
}

/// rustfmt and clippy with warnings as errors, native and wasm.
pub fn lint() -> Result<(), String> {
    cmd::cargo(&["fmt", "--all", "--", "--check"])?;
    cmd::cargo(&[
        "clippy",
        "--workspace",
        "--exclude",
        "ntm-tablet",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cmd::cargo(&[
        "clippy",
        "-p",
        "ntm-app",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])
}
