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

    // The vendored crates are the published ones plus the recorded patches,
    // and their own unit tests pass with the patches applied.
    crate::vendor_check::check("samod-core")?;
    crate::vendor_check::check("automerge")?;
    vendored("samod-core")?;
    vendored("automerge")?;

    // A short fuzz round on everything that parses untrusted bytes.
    crate::fuzz::run(15)?;

    // The Tauri shell builds against webkit2gtk.
    cmd::cargo(&["build", "-p", "ntm-tablet"])?;
    eprintln!("xtask> all tests passed");
    Ok(())
}

/// Runs the unit tests of a patched crate in `vendor/`. Such a crate is not a
/// workspace member (its integration tests need its authors' unpublished test
/// harnesses), so a copy is made its own workspace and tested there.
fn vendored(name: &str) -> Result<(), String> {
    let dir = crate::target_dir().join("vendor-tests");
    let copy = dir.join(name);
    if copy.exists() {
        std::fs::remove_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    cmd::run(
        cmd::command("cp")
            .arg("-a")
            .arg(crate::root().join("vendor").join(name))
            .arg(&copy),
    )?;
    let manifest = copy.join("Cargo.toml");
    let mut text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    text.push_str("\n[workspace]\n");
    std::fs::write(&manifest, text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    cmd::run(
        cmd::cargo_command()
            .args(["test", "--lib"])
            .current_dir(&copy)
            .env("CARGO_TARGET_DIR", dir.join("target")),
    )
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
