//! Secure defaults of the real relay binary: the headers on everything it
//! serves, who may read `/metrics`, and `--open-access` kept to loopback.

use std::net::SocketAddr;
use std::time::Duration;

use ntm_e2e::{relay::free_port, workspace, Relay};

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_port()))
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_metrics_stay_private() -> anyhow::Result<()>
{
    let dist = workspace::app_dist();
    let dir = tempfile::tempdir()?;
    let app = dist.join("index.html").is_file().then_some(dist.as_path());
    let relay = Relay::start_with(dir.path(), loopback(), app, &[]).await?;
    for path in [
        "/",
        "/healthz",
        "/api/relay",
        "/sync/ticket",
        "/no-such-thing",
    ] {
        let method = if path == "/sync/ticket" {
            "POST"
        } else {
            "GET"
        };
        let response = relay.request(method, path, &[], vec![]).await?;
        let csp = response.header("content-security-policy").unwrap_or("");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: CSP {csp:?}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            response.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(
            response.header("strict-transport-security"),
            None,
            "{path}: no HSTS over plain HTTP"
        );
    }
    // On its own machine, with no proxy in front, monitoring reads freely.
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?;
    assert_eq!(metrics.status, 200);
    assert!(metrics.text().contains("ntm_"), "{}", metrics.text());
    relay.terminate().await?;

    // Behind a TLS-terminating proxy every request comes from the proxy:
    // only the metrics token opens /metrics.
    let dir = tempfile::tempdir()?;
    let relay = Relay::start_with(
        dir.path(),
        loopback(),
        None,
        &["--insecure-http", "--metrics-token", "m0nit0r"],
    )
    .await?;
    let refused = relay.request("GET", "/metrics", &[], vec![]).await?;
    assert_eq!(refused.status, 403);
    let wrong = relay
        .request(
            "GET",
            "/metrics",
            &[("authorization", "Bearer guess")],
            vec![],
        )
        .await?;
    assert_eq!(wrong.status, 403);
    let allowed = relay
        .request(
            "GET",
            "/metrics",
            &[("authorization", "Bearer m0nit0r")],
            vec![],
        )
        .await?;
    assert_eq!(allowed.status, 200);
    relay.terminate().await?;
    Ok(())
}

#[tokio::test]
async fn open_access_is_refused_beyond_loopback() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(workspace::relay_binary())
            .args(["serve", "--open-access", "--insecure-http", "--listen"])
            .arg(format!("0.0.0.0:{}", free_port()))
            .arg("--data-dir")
            .arg(dir.path())
            .output(),
    )
    .await??;
    assert!(
        !out.status.success(),
        "the relay started with --open-access on 0.0.0.0"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refusing --open-access"), "{stderr}");
    Ok(())
}

/// Not only the first request: a later request on the same connection
/// whose headers stall is cut too (slowloris on a kept-alive connection).
#[tokio::test]
async fn a_stalled_request_on_a_kept_alive_connection_is_cut() -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir()?;
    let relay = Relay::start_with(
        dir.path(),
        loopback(),
        None,
        &["--first-request-timeout", "1"],
    )
    .await?;
    let mut socket = tokio::net::TcpStream::connect(relay.addr()).await?;
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await?;
    let mut buf = vec![0u8; 4096];
    let n = socket.read(&mut buf).await?;
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    socket.write_all(b"GET /healthz HTTP/1.1\r\nHo").await?;
    let started = std::time::Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "a stalled second request held its connection"
    );
    eprintln!("cut after {:?}", started.elapsed());
    relay.terminate().await?;
    Ok(())
}

/// The app as a tablet downloads it: compressed (brotli, else gzip, else
/// as is) from the files the build wrote, revalidated on every load so a new
/// version is noticed, and installable (a manifest with its icons).
#[tokio::test]
async fn the_app_is_served_compressed_revalidated_and_installable() -> anyhow::Result<()> {
    let dist = workspace::built_app();
    let dir = tempfile::tempdir()?;
    let relay = Relay::start_with(dir.path(), loopback(), Some(&dist), &[]).await?;
    let wasm = "/ntm_app_bg.wasm";
    for (accept, encoding, file) in [
        ("br, gzip", Some("br"), "ntm_app_bg.wasm.br"),
        ("gzip", Some("gzip"), "ntm_app_bg.wasm.gz"),
        ("identity", None, "ntm_app_bg.wasm"),
    ] {
        let response = relay
            .request("GET", wasm, &[("accept-encoding", accept)], vec![])
            .await?;
        assert_eq!(response.status, 200, "{accept}");
        assert_eq!(response.header("content-encoding"), encoding, "{accept}");
        assert_eq!(response.header("content-type"), Some("application/wasm"));
        assert_eq!(response.header("cache-control"), Some("no-cache"));
        assert_eq!(response.body, std::fs::read(dist.join(file))?, "{accept}");
    }
    let raw = std::fs::metadata(dist.join("ntm_app_bg.wasm"))?.len();
    let br = std::fs::metadata(dist.join("ntm_app_bg.wasm.br"))?.len();
    assert!(br * 2 < raw, "brotli {br} B of {raw} B");
    // A page path the app routes itself gets the (compressed) index.
    let page = relay
        .request("GET", "/ho/123", &[("accept-encoding", "br")], vec![])
        .await?;
    assert_eq!(page.header("content-encoding"), Some("br"));
    assert_eq!(page.body, std::fs::read(dist.join("index.html.br"))?);
    assert_eq!(page.header("cache-control"), Some("no-cache"));

    let manifest: serde_json::Value = serde_json::from_slice(
        &relay
            .request("GET", "/manifest.webmanifest", &[], vec![])
            .await?
            .body,
    )?;
    let icons = manifest["icons"].as_array().cloned().unwrap_or_default();
    for (size, purpose) in [(192, "any"), (512, "any"), (512, "maskable")] {
        let icon = icons
            .iter()
            .find(|i| i["sizes"] == format!("{size}x{size}") && i["purpose"] == purpose)
            .unwrap_or_else(|| panic!("no {size}px {purpose} icon in {manifest}"));
        let path = icon["src"].as_str().unwrap_or("").trim_start_matches('.');
        let png = relay.request("GET", path, &[], vec![]).await?;
        assert_eq!(png.header("content-type"), Some("image/png"), "{path}");
        // The PNG header's width and height.
        let dims = (
            u32::from_be_bytes(png.body[16..20].try_into()?),
            u32::from_be_bytes(png.body[20..24].try_into()?),
        );
        assert_eq!(dims, (size, size), "{path}");
    }
    relay.terminate().await?;
    Ok(())
}
