//! The real relay binary as a child process.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `ntm-relay serve`.
pub struct Relay {
    child: Child,
    addr: SocketAddr,
    data_dir: PathBuf,
    app_dir: Option<PathBuf>,
    extra: Vec<String>,
}

/// A device's enrolment: the code used and what `/enrol` returned.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The one-time code.
    pub code: String,
    /// The device id (prefix of its peer ids).
    pub device_id: String,
    /// The bearer token.
    pub token: String,
}

/// What an HTTP request to the relay got back.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The data directory of a relay that seeded the demo province and was
/// then stopped. Seeding takes about half a minute in a debug build and
/// most test binaries start from it, so it is made once per relay build:
/// kept beside the relay binary, named by the binary's size and time, and
/// put in place by one rename (a half-made seed is never used).
async fn demo_seeded() -> anyhow::Result<&'static Path> {
    static SEEDED: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    let dir = SEEDED
        .get_or_try_init(|| async {
            let bin = crate::workspace::relay_binary();
            let meta = std::fs::metadata(&bin).context("the relay binary")?;
            let built = meta
                .modified()?
                .duration_since(std::time::UNIX_EPOCH)?
                .as_nanos();
            let cache = bin
                .parent()
                .context("the relay binary's folder")?
                .join("ntm-demo-seed");
            let dir = cache.join(format!("{}-{built}", meta.len()));
            if dir.join("relay.db").exists() {
                return anyhow::Ok(dir);
            }
            std::fs::create_dir_all(&cache)?;
            let making = tempfile::Builder::new()
                .prefix("making-")
                .tempdir_in(&cache)?;
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let relay = Relay::spawn(making.path(), addr, None, &["--demo"]).await?;
            // Listening means the seed is committed; SQLite keeps it through a kill.
            relay.kill9().await?;
            // Seeds of older builds only take disk.
            for old in std::fs::read_dir(&cache)?.flatten() {
                if old.path() != making.path() {
                    let _ = std::fs::remove_dir_all(old.path());
                }
            }
            match std::fs::rename(making.path(), &dir) {
                Ok(()) => {}
                // Another test process put the same seed in place first.
                Err(_) if dir.join("relay.db").exists() => {}
                Err(e) => return Err(e.into()),
            }
            anyhow::Ok(dir)
        })
        .await?;
    Ok(dir.as_path())
}

/// A free loopback port (the OS picks it; released before the relay binds).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

impl Relay {
    /// Starts a relay on `data_dir`, on a free port.
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        Self::start_on(
            data_dir,
            SocketAddr::from(([127, 0, 0, 1], free_port())),
            None,
        )
        .await
    }

    /// Starts a relay that seeds the demo province (`serve --demo`), on a free port.
    pub async fn start_demo(data_dir: &Path, app_dir: Option<&Path>) -> anyhow::Result<Self> {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        Self::start_with(data_dir, addr, app_dir, &["--demo", "--open-access"]).await
    }

    /// Starts a relay on a given address (to restart on the same one), optionally serving the app.
    pub async fn start_on(
        data_dir: &Path,
        addr: SocketAddr,
        app_dir: Option<&Path>,
    ) -> anyhow::Result<Self> {
        Self::start_with(data_dir, addr, app_dir, &["--open-access"]).await
    }

    /// Starts a relay with extra `serve` flags. A relay seeding the demo
    /// province into an empty SQLite data directory starts from a copy of
    /// what a relay of this test process seeded first ([`demo_seeded`]):
    /// the same bytes, without half a minute of seeding each time.
    pub async fn start_with(
        data_dir: &Path,
        addr: SocketAddr,
        app_dir: Option<&Path>,
        extra: &[&str],
    ) -> anyhow::Result<Self> {
        let sqlite = !extra.iter().any(|a| a.starts_with("--database"));
        if extra.contains(&"--demo") && sqlite && !data_dir.join("relay.db").exists() {
            let seeded = demo_seeded().await?;
            std::fs::create_dir_all(data_dir)?;
            for entry in std::fs::read_dir(seeded)? {
                let entry = entry?;
                if entry.file_type()?.is_file() {
                    std::fs::copy(entry.path(), data_dir.join(entry.file_name()))?;
                }
            }
        }
        Self::spawn(data_dir, addr, app_dir, extra).await
    }

    async fn spawn(
        data_dir: &Path,
        addr: SocketAddr,
        app_dir: Option<&Path>,
        extra: &[&str],
    ) -> anyhow::Result<Self> {
        let mut cmd = Command::new(crate::workspace::relay_binary());
        cmd.arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data_dir)
            .env(
                "NTM_LOG",
                std::env::var("NTM_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(app) = app_dir {
            cmd.arg("--app-dir").arg(app);
        }
        cmd.args(extra);
        let mut child = cmd.spawn().context("spawn ntm-relay")?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Generous: seeding the demo province takes a while in a debug build.
        let ready = tokio::time::timeout(Duration::from_secs(240), async {
            while let Some(line) = lines.next_line().await? {
                if line.contains("listening on") {
                    return Ok(());
                }
            }
            bail!("ntm-relay exited before listening")
        })
        .await
        .context("ntm-relay did not start within 240 s")?;
        ready?;
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            addr,
            data_dir: data_dir.to_owned(),
            app_dir: app_dir.map(Path::to_owned),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// `ws://…/sync`.
    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// `http://…/`.
    pub fn http_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Issues an enrolment code with the CLI and trades it over HTTP, as an
    /// admin and a tablet would.
    pub async fn enrol(&self, role: &str, scope: &[&str]) -> anyhow::Result<Enrolment> {
        let code = self.enrolment_code(role, scope).await?;
        let (status, body) = self
            .post_json("/enrol", &serde_json::json!({ "code": code, "name": role }))
            .await?;
        anyhow::ensure!(status == 200, "enrol: {status} {body}");
        let v: serde_json::Value = serde_json::from_str(&body)?;
        Ok(Enrolment {
            code,
            device_id: v["device_id"].as_str().context("device_id")?.to_owned(),
            token: v["token"].as_str().context("token")?.to_owned(),
        })
    }

    /// A one-time enrolment code from `ntm-relay device enrol`.
    pub async fn enrolment_code(&self, role: &str, scope: &[&str]) -> anyhow::Result<String> {
        let scope = scope.join(",");
        let out = self
            .admin(&["device", "enrol", "--role", role, "--scope", &scope])
            .await?;
        Ok(out.trim().to_owned())
    }

    /// Revokes a device with `ntm-relay device revoke`, as an admin would.
    pub async fn revoke(&self, device_id: &str) -> anyhow::Result<()> {
        self.admin(&["device", "revoke", device_id]).await.map(drop)
    }

    /// Runs an admin command of `ntm-relay` on this relay's store; its stdout.
    pub async fn admin(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(crate::workspace::relay_binary())
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(self.database_flag())
            .output()
            .await?;
        anyhow::ensure!(
            out.status.success(),
            "ntm-relay {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?)
    }

    /// POSTs JSON; returns the status and body text.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<(u16, String)> {
        let response = self
            .request(
                "POST",
                path,
                &[("content-type", "application/json")],
                body.to_string().into_bytes(),
            )
            .await?;
        Ok((response.status, response.text()))
    }

    /// Any HTTP request to the relay (plain HTTP).
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> anyhow::Result<HttpResponse> {
        use http_body_util::{BodyExt, Full};
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Full<bytes::Bytes>>();
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = client
            .request(request.body(Full::new(bytes::Bytes::from(body)))?)
            .await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = response.into_body().collect().await?.to_bytes().to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    /// `--database URL` if the relay was started with one.
    fn database_flag(&self) -> Vec<String> {
        match self.extra.iter().position(|a| a == "--database") {
            Some(i) => self.extra[i..(i + 2).min(self.extra.len())].to_vec(),
            None => Vec::new(),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// SIGKILL: no chance to flush anything.
    pub async fn kill9(mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }

    /// The relay's resident memory (Linux `VmRSS`), in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let pid = self.child.id().context("relay already exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in /proc/<pid>/status")
    }

    /// SIGTERM, and the exit status of the clean shutdown.
    pub async fn terminate(mut self) -> anyhow::Result<std::process::ExitStatus> {
        let pid = self.child.id().context("relay already exited")?;
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()?;
        anyhow::ensure!(status.success(), "kill -TERM failed");
        Ok(tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await??)
    }

    /// Starts the relay again on the same address and data directory.
    pub async fn restart(self) -> anyhow::Result<Self> {
        let (addr, data_dir, app_dir) = (self.addr, self.data_dir.clone(), self.app_dir.clone());
        let extra = self.extra.clone();
        self.kill9().await?;
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        Self::start_with(&data_dir, addr, app_dir.as_deref(), &extra).await
    }
}
