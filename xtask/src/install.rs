//! Installing what the build and the tests need, only when it is missing:
//! the wasm target, the pinned wasm-bindgen CLI, npm packages, Debian packages.

use crate::cmd;

/// Must equal the `wasm-bindgen` crate version pinned in `app/Cargo.toml`.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// `rustup target add wasm32-unknown-unknown` if needed.
pub fn wasm_target() -> Result<(), String> {
    let installed = std::process::Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-unknown-unknown")
        })
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    cmd::run(cmd::command("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The wasm-bindgen CLI (and test runner) at exactly the pinned version.
pub fn wasm_bindgen_cli() -> Result<(), String> {
    let want = format!("wasm-bindgen {WASM_BINDGEN_VERSION}");
    if cmd::output_line("wasm-bindgen", &["--version"]).as_deref() == Some(want.as_str()) {
        return Ok(());
    }
    // Not `--locked`: its lock file pins a webpki-roots that no longer builds.
    cmd::cargo(&[
        "install",
        "wasm-bindgen-cli",
        "--version",
        WASM_BINDGEN_VERSION,
    ])
}

/// Installs the locked npm packages of a folder, if `node_modules` is missing or stale.
///
/// `npm install`, not `npm ci`: npm 11's `ci` rejects the lock file of
/// cbor-x (a dependency of automerge-repo) because of its platform-specific
/// optional packages; `install` honours the same lock file without rewriting it.
pub fn npm_packages(dir: &str) -> Result<(), String> {
    let path = crate::root().join(dir);
    let lock = path.join("package-lock.json");
    let marker = path.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&marker)) {
        (Ok(l), Ok(m)) => m.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    cmd::run(
        cmd::command("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(path),
    )
}

fn missing(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
}

/// Debian packages for the browser tests, the PostgreSQL tests, the relay's
/// allocator and the Tauri build.
pub fn system_packages() -> Result<(), String> {
    let webkit = std::process::Command::new("pkg-config")
        .args(["--exists", "webkit2gtk-4.1", "gtk+-3.0", "libsoup-3.0"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    // Debian keeps PostgreSQL's server binaries off the PATH.
    let postgres = std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| {
            versions
                .flatten()
                .any(|v| v.path().join("bin/postgres").exists())
        })
        .unwrap_or(false);
    if !missing("chromium")
        && !missing("chromedriver")
        && !missing("node")
        && !missing("make")
        && webkit
        && postgres
    {
        return Ok(());
    }
    let mut packages = vec![
        "chromium",
        "chromium-driver",
        "pkg-config",
        "libwebkit2gtk-4.1-dev",
        "libgtk-3-dev",
        "librsvg2-dev",
        "libayatana-appindicator3-dev",
        "libxdo-dev",
        "libssl-dev",
        // A real server for the scale-out tests (they start their own).
        "postgresql",
        // jemalloc's build (the relay's allocator).
        "make",
    ];
    if missing("node") {
        packages.extend(["nodejs", "npm"]);
    }
    if missing("apt-get") {
        return Err(format!(
            "missing system packages and no apt-get to install them: {}",
            packages.join(" ")
        ));
    }
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        cmd::run(
            cmd::command(all[0])
                .args(&all[1..])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(packages);
    apt(&install)
}

fn is_root() -> bool {
    cmd::output_line("id", &["-u"]).as_deref() == Some("0")
}

/// Pinned cargo-fuzz (built from crates.io; it drives libFuzzer).
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// `cargo fuzz` at exactly the pinned version.
pub fn cargo_fuzz() -> Result<(), String> {
    let want = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    if cmd::output_line("cargo-fuzz", &["--version"]).as_deref() == Some(want.as_str()) {
        return Ok(());
    }
    cmd::cargo(&[
        "install",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
        "--locked",
    ])
}
