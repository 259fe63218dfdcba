//! `cargo xtask fuzz [SECONDS]`: every `cargo fuzz` target in `fuzz/`, each
//! for SECONDS (default 60). `cargo xtask test` runs a short round.
//!
//! The machine's toolchain is stable; cargo-fuzz's instrumentation flags
//! are accepted there with `RUSTC_BOOTSTRAP=1`. Safe Rust needs no
//! AddressSanitizer (`-s none`); debug assertions stay on (`-a`), so an
//! arithmetic overflow is a crash too. A crash fails the run and leaves its
//! input in `fuzz/artifacts/<target>/`.

use crate::{cmd, install, root};

/// The targets, and extra seed folders for each.
const TARGETS: &[(&str, &[&str])] = &[
    ("wire_decode", &[]),
    ("catalog_load", &["shared/catalogs"]),
    ("typed_input", &[]),
];

/// Runs every target for `seconds`.
pub fn run(seconds: u64) -> Result<(), String> {
    install::cargo_fuzz()?;
    let root = root();
    let target_dir = crate::target_dir().join("fuzz");
    for (target, seeds) in TARGETS {
        // New inputs go to a corpus under target/ (never committed).
        let corpus = target_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let mut command = cmd::cargo_command();
        command
            .current_dir(root.join("fuzz"))
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "-s", "none", "-a", "--target-dir"])
            .arg(&target_dir)
            .arg(target)
            .arg(&corpus);
        for seed in *seeds {
            command.arg(root.join(seed));
        }
        command.args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-max_len=65536",
            "-print_final_stats=1",
        ]);
        cmd::run(&mut command)?;
    }
    Ok(())
}
