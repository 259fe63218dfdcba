//! Where things are: the workspace, the relay binary, the built app, tools.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The relay binary: `NTM_RELAY_BIN` (set by `cargo xtask test`), or built
/// here on first use.
pub fn relay_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("NTM_RELAY_BIN") {
            return PathBuf::from(bin);
        }
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "ntm-relay", "--bin", "ntm-relay"])
            .current_dir(root())
            .status()
            .expect("run cargo build for ntm-relay");
        assert!(status.success(), "building ntm-relay failed");
        target_dir().join("debug").join("ntm-relay")
    })
    .clone()
}

/// The built web app (`cargo xtask build-app` puts it in `dist/`).
pub fn app_dist() -> PathBuf {
    std::env::var_os("NTM_APP_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("dist"))
}

/// The built web app, for tests that need it: panics, saying how to build
/// it, when it is missing.
pub fn built_app() -> PathBuf {
    let dist = app_dist();
    assert!(
        dist.join("index.html").is_file(),
        "app not built in {}: run `cargo xtask test`",
        dist.display()
    );
    dist
}

/// The folder of the JS interop peer (its `node_modules` installed by xtask).
pub fn js_dir() -> PathBuf {
    root().join("tests").join("js")
}
