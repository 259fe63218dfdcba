//! Real headless Chromium driven over WebDriver (chromedriver + fantoccini).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use tokio::process::{Child, Command};

/// A chromedriver process.
pub struct Chromedriver {
    _child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts chromedriver on a free port.
    pub async fn start() -> anyhow::Result<Self> {
        let port = crate::relay::free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start chromedriver (installed by `cargo xtask test`)")?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if tokio::time::Instant::now() > deadline {
                bail!("chromedriver did not listen on {port}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Self {
            _child: child,
            port,
        })
    }

    /// A new headless browser with its own profile directory (its own
    /// IndexedDB, service workers and caches: a separate device).
    pub async fn browser(&self, profile: &Path) -> anyhow::Result<Client> {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", profile.display()),
            // `NTM_WINDOW_SIZE=800,1280` (tablet portrait) or `1280,800`, for screenshots.
            format!(
                "--window-size={}",
                std::env::var("NTM_WINDOW_SIZE").unwrap_or_else(|_| "800,600".into())
            ),
        ];
        let caps = json!({ "browserName": "chrome", "goog:chromeOptions": { "args": args } });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("open a Chromium session")
    }
}

/// Polls a JS expression until it is `true`, or fails naming `what`.
pub async fn wait_until(
    browser: &Client,
    js: &str,
    timeout: Duration,
    what: &str,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    let script = format!("try {{ return !!({js}); }} catch (e) {{ return false; }}");
    loop {
        if browser.execute(&script, vec![]).await?.as_bool() == Some(true) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            let state = browser
                .execute(
                    // The top of the page says what state it is in; long lists add nothing.
                    "return document.body ? document.body.innerText.slice(0, 3000) : '(no body)'",
                    vec![],
                )
                .await
                .unwrap_or_default();
            bail!("timed out after {timeout:?} waiting for {what}; page text: {state}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}
