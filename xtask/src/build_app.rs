//! Builds the web app into `dist/`: cargo (wasm32) → wasm-bindgen → wasm-opt
//! (npm binaryen) → static files, with the service worker stamped per build.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use crate::{cmd, install, root};

const STATIC_FILES: &[&str] = &[
    "index.html",
    "boot.js",
    "style.css",
    "manifest.webmanifest",
    "sw.js",
];

/// Builds the app; returns the `dist/` folder.
pub fn build() -> Result<PathBuf, String> {
    install::wasm_target()?;
    install::wasm_bindgen_cli()?;
    install::npm_packages("xtask")?;
    cmd::cargo(&[
        "build",
        "-p",
        "ntm-app",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ])?;
    let dist = root().join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(|e| format!("clear {}: {e}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let wasm = crate::target_dir().join("wasm32-unknown-unknown/wasm-release/ntm_app.wasm");
    cmd::run(
        cmd::command("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&dist)
            .arg(&wasm),
    )?;
    let bg = dist.join("ntm_app_bg.wasm");
    let before = std::fs::metadata(&bg).map(|m| m.len()).unwrap_or(0);
    cmd::run(
        cmd::command("node")
            .arg(root().join("xtask/node_modules/binaryen/bin/wasm-opt"))
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
            ])
            .args([
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg(&bg)
            .arg("-o")
            .arg(&bg),
    )?;
    let after = std::fs::metadata(&bg).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "xtask> wasm-opt: {} KB → {} KB",
        before / 1024,
        after / 1024
    );

    // Every file the service worker caches counts: a change to any of them
    // is a new build with its own cache.
    let mut hasher = DefaultHasher::new();
    for file in ["ntm_app_bg.wasm", "ntm_app.js"] {
        std::fs::read(dist.join(file))
            .map_err(|e| format!("read {file}: {e}"))?
            .hash(&mut hasher);
    }
    for file in STATIC_FILES {
        std::fs::read(root().join("app/static").join(file))
            .map_err(|e| format!("read {file}: {e}"))?
            .hash(&mut hasher);
    }
    let build_id = format!("{:016x}", hasher.finish());
    for file in STATIC_FILES {
        let text = std::fs::read_to_string(root().join("app/static").join(file))
            .map_err(|e| format!("read {file}: {e}"))?;
        std::fs::write(dist.join(file), text.replace("__BUILD__", &build_id))
            .map_err(|e| e.to_string())?;
    }
    eprintln!(
        "xtask> app built into {} (build {build_id})",
        dist.display()
    );
    Ok(dist)
}
