//! The relay serves HTTPS and WSS itself (rustls), refuses plain HTTP off
//! loopback unless forced, and cuts connections that never send a request.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ntm_core::survey::{self, HouseholdId};
use ntm_e2e::relay::free_port;
use ntm_e2e::{Device, Relay};

const T: Duration = Duration::from_secs(30);

/// A self-signed certificate for localhost, written as PEM files, and a
/// client configuration that trusts only it.
fn certificate(dir: &Path) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    std::fs::write(dir.join("cert.pem"), key.cert.pem())?;
    std::fs::write(dir.join("key.pem"), key.signing_key.serialize_pem())?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(key.cert.der().clone())?;
    Ok(Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

/// `GET path` over TLS with a blocking rustls stream; the raw response.
fn https_get(
    config: Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    path: &str,
) -> anyhow::Result<String> {
    let name = rustls::pki_types::ServerName::try_from("localhost")?;
    let connection = rustls::ClientConnection::new(config, name)?;
    let socket = std::net::TcpStream::connect(addr)?;
    socket.set_read_timeout(Some(T))?;
    let mut tls = rustls::StreamOwned::new(connection, socket);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    match tls.read_to_string(&mut response) {
        Ok(_) => {}
        // Some servers close without close_notify after `Connection: close`.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => return Err(e.into()),
    }
    Ok(response)
}

async fn tls_relay(dir: &Path, extra: &[&str]) -> anyhow::Result<Relay> {
    let cert = dir.join("cert.pem").display().to_string();
    let key = dir.join("key.pem").display().to_string();
    let mut flags = vec!["--open-access", "--tls-cert", &cert, "--tls-key", &key];
    flags.extend_from_slice(extra);
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    Relay::start_with(dir, addr, None, &flags).await
}

#[tokio::test]
async fn devices_sync_over_wss_and_plain_connections_are_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let client = certificate(dir.path())?;
    let relay = tls_relay(dir.path(), &[]).await?;
    let wss = format!("wss://localhost:{}/sync", relay.addr().port());

    let health = tokio::task::spawn_blocking({
        let (client, addr) = (client.clone(), relay.addr());
        move || https_get(client, addr, "/healthz")
    })
    .await??;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok\n"), "{health}");
    assert!(
        health
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "HSTS over TLS: {health}"
    );

    let mut a = Device::with_demo_survey("a").with_tls(client.clone());
    let id = survey::demo_commune().document_id;
    let h = HouseholdId::from_random(rand::random());
    a.edit(&id, |d| {
        survey::add_household(d, &h, "Giàng A Sử", 5, "Bản Hồ", 100)
    })
    .await??;
    a.connect(&wss).await?;
    a.sync(T).await?;
    let mut b = Device::new("b").with_tls(client);
    b.fetch(&wss, id, T).await?;
    assert_eq!(survey::households(b.doc(&id)).len(), 1);

    // No clear-text WebSocket on the TLS port, and no trust without the
    // certificate.
    let plain = format!("ws://127.0.0.1:{}/sync", relay.addr().port());
    assert!(tokio_tungstenite::connect_async(&plain).await.is_err());
    let mut stranger = Device::new("stranger");
    assert!(
        stranger.connect(&wss).await.is_err(),
        "a client that does not trust the certificate must not connect"
    );
    Ok(())
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_cut() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    certificate(dir.path())?;
    let relay = tls_relay(dir.path(), &["--first-request-timeout", "1"]).await?;
    let mut idle = tokio::net::TcpStream::connect(relay.addr()).await?;
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read(&mut idle, &mut buf),
    )
    .await
    .expect("the relay must close a silent connection within 10 s");
    assert!(matches!(read, Ok(0) | Err(_)), "closed, not answered");
    Ok(())
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_unless_forced() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let serve = |extra: &[&str]| {
        let mut cmd = std::process::Command::new(ntm_e2e::workspace::relay_binary());
        cmd.args(["serve", "--listen"])
            .arg(format!("0.0.0.0:{}", free_port()))
            .arg("--data-dir")
            .arg(dir.path())
            .args(extra);
        cmd
    };
    let refused = serve(&[]).output()?;
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("refusing plain HTTP") && message.contains("--tls-cert"),
        "{message}"
    );

    let bad = serve(&[
        "--tls-cert",
        "/nonexistent.pem",
        "--tls-key",
        "/nonexistent.key",
    ])
    .output()?;
    assert!(!bad.status.success());
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(message.contains("/nonexistent.pem"), "{message}");

    // Forced (a TLS proxy in front): it serves.
    let mut forced = serve(&["--insecure-http"])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(forced.stdout.take().unwrap()),
        &mut line,
    )?;
    forced.kill()?;
    forced.wait()?;
    assert!(line.contains("listening on http://0.0.0.0"), "{line}");
    Ok(())
}
