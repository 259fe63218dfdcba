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

/// Icon sizes rendered from `app/static/icon.svg` (the manifest lists them).
const ICON_SIZES: &[u32] = &[192, 512];

/// Files the relay may send compressed (it picks `.br`, then `.gz`, by the
/// browser's `Accept-Encoding`).
const COMPRESSED: &[&str] = &[
    "ntm_app_bg.wasm",
    "ntm_app.js",
    "index.html",
    "boot.js",
    "style.css",
    "manifest.webmanifest",
    "sw.js",
    "icon.svg",
];

/// Renders the PNG icons from the one SVG source.
fn render_icons(dist: &std::path::Path) -> Result<(), String> {
    let source = root().join("app/static/icon.svg");
    let svg = std::fs::read(&source).map_err(|e| format!("read {}: {e}", source.display()))?;
    let tree = resvg::usvg::Tree::from_data(&svg, &resvg::usvg::Options::default())
        .map_err(|e| format!("{}: {e}", source.display()))?;
    std::fs::write(dist.join("icon.svg"), &svg).map_err(|e| e.to_string())?;
    for &size in ICON_SIZES {
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size, size).ok_or("icon size")?;
        let scale = size as f32 / tree.size().width();
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        let png = pixmap.encode_png().map_err(|e| e.to_string())?;
        std::fs::write(dist.join(format!("icon-{size}.png")), png).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes `<file>.br` (quality 11) and `<file>.gz` (level 9) beside each
/// text and wasm file, once per build, so the relay never compresses on a
/// request; prints the wasm's sizes.
fn precompress(dist: &std::path::Path) -> Result<(), String> {
    use std::io::Write;
    for file in COMPRESSED {
        let path = dist.join(file);
        let raw = std::fs::read(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let mut br = Vec::new();
        {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 24,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params)
                .map_err(|e| format!("brotli {file}: {e}"))?;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw).map_err(|e| e.to_string())?;
        let gz = gz.finish().map_err(|e| e.to_string())?;
        std::fs::write(dist.join(format!("{file}.br")), &br).map_err(|e| e.to_string())?;
        std::fs::write(dist.join(format!("{file}.gz")), &gz).map_err(|e| e.to_string())?;
        if file.ends_with(".wasm") {
            eprintln!(
                "xtask> {file}: {} KB raw, {} KB gzip, {} KB brotli",
                raw.len() / 1024,
                gz.len() / 1024,
                br.len() / 1024
            );
        }
    }
    Ok(())
}

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
    render_icons(&dist)?;
    precompress(&dist)?;
    eprintln!(
        "xtask> app built into {} (build {build_id})",
        dist.display()
    );
    Ok(dist)
}
