//! Keeps the vendored crates honest: `vendor/<crate>` must be the published
//! crate plus exactly `vendor/<crate>/ntm.patch`, and every file that patch
//! touches must be named in `vendor/<crate>/NTM-PATCH.md`. An edit made in
//! `vendor/` without recording it fails `cargo xtask test`.
//!
//! `cargo xtask vendor-diff <crate>` writes `ntm.patch` anew from the
//! vendored tree (after an intended change; then describe it in NTM-PATCH.md).

use std::path::{Path, PathBuf};

use crate::cmd;

/// Files of the vendored folder that are ours, not the crate's.
const OURS: &[&str] = &["NTM-PATCH.md", "ntm.patch"];
/// Packaging files of a published crate that vendoring leaves out.
const PACKAGING: &[&str] = &[".cargo_vcs_info.json", ".gitignore", ".cargo-ok"];

fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// The `version` of the vendored crate's `[package]`.
fn version(vendored: &Path) -> Result<String, String> {
    let manifest = vendored.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(io(&manifest))?;
    let package = text
        .split("\n[")
        .find(|section| section.starts_with("package]") || section.starts_with("[package]"))
        .ok_or_else(|| format!("{}: no [package]", manifest.display()))?;
    package
        .lines()
        .find_map(|l| l.trim().strip_prefix("version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .ok_or_else(|| format!("{}: no package version", manifest.display()))
}

fn fresh_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::create_dir_all(dir).map_err(io(dir))
}

/// Copies `from` to `to` (a new folder), without our own files.
fn copy_without_ours(from: &Path, to: &Path) -> Result<(), String> {
    cmd::run(cmd::command("cp").arg("-a").arg(from).arg(to))?;
    for file in OURS.iter().chain(PACKAGING) {
        let path = to.join(file);
        if path.exists() {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// The published crate, unpacked under `work`: fetched by cargo itself (so
/// registry mirrors and proxies apply) through a throwaway manifest.
fn published(name: &str, version: &str, work: &Path) -> Result<PathBuf, String> {
    let fetcher = work.join("fetch");
    std::fs::create_dir_all(fetcher.join("src")).map_err(io(&fetcher))?;
    std::fs::write(fetcher.join("src/lib.rs"), "").map_err(io(&fetcher))?;
    std::fs::write(
        fetcher.join("Cargo.toml"),
        format!(
            "[package]\nname = \"fetch-published\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             [dependencies]\n{name} = \"={version}\"\n[workspace]\n"
        ),
    )
    .map_err(io(&fetcher))?;
    cmd::run(
        cmd::cargo_command()
            .args(["fetch", "--quiet"])
            .current_dir(&fetcher),
    )?;
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let cache = cargo_home.join("registry/cache");
    let file = format!("{name}-{version}.crate");
    let archive = std::fs::read_dir(&cache)
        .map_err(io(&cache))?
        .flatten()
        .map(|registry| registry.path().join(&file))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{file} not in {} after cargo fetch", cache.display()))?;
    cmd::run(
        cmd::command("tar")
            .arg("xzf")
            .arg(&archive)
            .arg("-C")
            .arg(work),
    )?;
    let unpacked = work.join(format!("{name}-{version}"));
    let clean = work.join("published");
    copy_without_ours(&unpacked, &clean)?;
    Ok(clean)
}

/// A git command that never mistakes the surrounding repository for its own.
fn git(dir: &Path) -> std::process::Command {
    let mut git = cmd::command("git");
    git.current_dir(dir)
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir));
    git
}

/// The diff from `published` to `vendored` (paths `a/…`, `b/…`).
fn diff(work: &Path, published: &Path, vendored: &Path) -> Result<String, String> {
    // Relative names, so the patch reads `a/src/x.rs` → `b/src/x.rs`.
    let (a, b) = (work.join("a"), work.join("b"));
    for (link, target) in [(&a, published), (&b, vendored)] {
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(target, link).map_err(io(link))?;
    }
    let out = git(work)
        .args([
            "diff",
            "--no-index",
            "--no-color",
            "--binary",
            "--no-prefix",
            "a/",
            "b/",
        ])
        .output()
        .map_err(|e| format!("git diff: {e}"))?;
    match out.status.code() {
        Some(0) | Some(1) => String::from_utf8(out.stdout).map_err(|e| e.to_string()),
        _ => Err(format!(
            "git diff: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// The files a patch touches (`src/x.rs`), from its `diff --git` lines.
fn touched(patch: &str) -> Vec<String> {
    patch
        .lines()
        .filter_map(|l| l.strip_prefix("diff --git "))
        .filter_map(|l| l.split_whitespace().next())
        .map(|a| a.strip_prefix("a/").unwrap_or(a).to_owned())
        .collect()
}

fn work_dir(name: &str) -> Result<PathBuf, String> {
    let work = crate::target_dir().join("vendor-check").join(name);
    fresh_dir(&work)?;
    Ok(work)
}

/// Checks `vendor/<name>` against the published crate and its recorded patch.
pub fn check(name: &str) -> Result<(), String> {
    let vendored = crate::root().join("vendor").join(name);
    let version = version(&vendored)?;
    let work = work_dir(name)?;
    let published = published(name, &version, &work)?;
    let patch_file = vendored.join("ntm.patch");
    let patch = std::fs::read_to_string(&patch_file).map_err(io(&patch_file))?;

    let applied = work.join("applied");
    cmd::run(cmd::command("cp").arg("-a").arg(&published).arg(&applied))?;
    let status = git(&applied)
        .args(["apply", "--whitespace=nowarn", "-p1"])
        .arg(&patch_file)
        .status()
        .map_err(|e| format!("git apply: {e}"))?;
    if !status.success() {
        return Err(format!(
            "vendor/{name}/ntm.patch no longer applies to {name} {version} as published"
        ));
    }
    let ours = work.join("vendored");
    copy_without_ours(&vendored, &ours)?;
    let unrecorded = diff(&work, &applied, &ours)?;
    if !unrecorded.is_empty() {
        return Err(format!(
            "vendor/{name} differs from {name} {version} + ntm.patch by edits no patch records \
             (record them with `cargo xtask vendor-diff {name}` and NTM-PATCH.md):\n{}",
            unrecorded.lines().take(40).collect::<Vec<_>>().join("\n")
        ));
    }
    let notes_file = vendored.join("NTM-PATCH.md");
    let notes = std::fs::read_to_string(&notes_file).map_err(io(&notes_file))?;
    let unnamed: Vec<String> = touched(&patch)
        .into_iter()
        .filter(|file| !notes.contains(&format!("`{file}`")))
        .collect();
    if !unnamed.is_empty() {
        return Err(format!(
            "vendor/{name}/ntm.patch changes files NTM-PATCH.md does not name (as `path`): {}",
            unnamed.join(", ")
        ));
    }
    eprintln!(
        "xtask> vendor/{name} = {name} {version} + ntm.patch ({} files, each in NTM-PATCH.md)",
        touched(&patch).len()
    );
    Ok(())
}

/// Writes `vendor/<name>/ntm.patch` from the vendored tree.
pub fn record(name: &str) -> Result<(), String> {
    let vendored = crate::root().join("vendor").join(name);
    let version = version(&vendored)?;
    let work = work_dir(name)?;
    let published = published(name, &version, &work)?;
    let ours = work.join("vendored");
    copy_without_ours(&vendored, &ours)?;
    let patch = diff(&work, &published, &ours)?;
    let file = vendored.join("ntm.patch");
    std::fs::write(&file, &patch).map_err(io(&file))?;
    eprintln!(
        "xtask> wrote {} ({} files: {})",
        file.display(),
        touched(&patch).len(),
        touched(&patch).join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_names_the_files_it_touches() {
        let patch = "diff --git a/src/lib.rs b/src/lib.rs\nindex 1..2\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1 +1 @@\n-x\n+y\ndiff --git a/Cargo.toml b/Cargo.toml\n";
        assert_eq!(touched(patch), ["src/lib.rs", "Cargo.toml"]);
    }
}
