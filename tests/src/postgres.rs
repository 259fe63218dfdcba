//! A real PostgreSQL server (Debian's `postgresql` package), started by the
//! test in a temporary directory on a free loopback port, stopped on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};

/// A running PostgreSQL server of the test's own.
pub struct Postgres {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

/// The server binaries: `NTM_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian keeps them off the PATH).
fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = std::env::var("NTM_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("no /usr/lib/postgresql: install Debian's postgresql (cargo xtask test does)")?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no PostgreSQL server under /usr/lib/postgresql")
}

/// The uid and gid of the `postgres` user, when running as root:
/// PostgreSQL refuses to run as root.
fn server_user() -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    if id("-u")? != 0 {
        return None;
    }
    let of_postgres = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((of_postgres("-u")?, of_postgres("-g")?))
}

fn command(program: PathBuf, user: Option<(u32, u32)>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

impl Postgres {
    /// initdb, then start the server and wait until it accepts connections.
    pub async fn start() -> anyhow::Result<Self> {
        let bin = bin_dir()?;
        let dir = tempfile::tempdir()?;
        let user = server_user();
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
        }
        let data = dir.path().join("data");
        let init = command(bin.join("initdb"), user)
            .arg("-D")
            .arg(&data)
            .args([
                "--auth=trust",
                "--username=ntm",
                "--encoding=UTF8",
                "--no-locale",
            ])
            .stdout(Stdio::null())
            .output()
            .context("run initdb")?;
        if !init.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&init.stderr));
        }
        let port = crate::relay::free_port();
        let child = command(bin.join("postgres"), user)
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start postgres")?;
        let server = Self {
            child,
            port,
            _dir: dir,
        };
        let ready = async {
            loop {
                let ok = Command::new(bin.join("pg_isready"))
                    .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
                    .status()
                    .is_ok_and(|s| s.success());
                if ok {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(60), ready)
            .await
            .context("postgres did not accept connections within 60 s")?;
        Ok(server)
    }

    /// The connection URL for `ntm-relay --database`.
    pub fn url(&self) -> String {
        format!("postgres://ntm@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT: "fast shutdown", which also ends the server's children.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
