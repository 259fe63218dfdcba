//! Running commands with their output visible and failures named.

use std::ffi::OsStr;
use std::process::Command;

/// A command in the workspace root.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.current_dir(crate::root());
    c
}

/// Runs a command to completion; non-zero exit is an error naming it.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask> {shown}");
    let started = std::time::Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    // Durations in the log say where CI's time goes.
    eprintln!("xtask> took {} s", started.elapsed().as_secs());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// A `cargo` command (the same cargo that runs xtask).
pub fn cargo_command() -> Command {
    command(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs `cargo` with these arguments.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    run(cargo_command().args(args))
}

/// The first line a command prints, if it runs at all.
pub fn output_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    })
}
