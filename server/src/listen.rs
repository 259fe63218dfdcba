//! Where the relay listens, and how: HTTPS with the operator's certificate
//! (rustls), or plain HTTP on loopback only. Tokens and household data
//! must not cross a network in clear text, and browsers give service
//! workers, camera and geolocation only to secure contexts.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;

/// How to serve: the flags of `serve` that concern the listener.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    /// Address to bind.
    pub addr: SocketAddr,
    /// PEM certificate chain and private key, for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    pub insecure_http: bool,
    /// How long a new connection may take to send its first request (and,
    /// with TLS, to finish its handshake): slow or idle clients are cut.
    pub first_request_timeout: Duration,
}

/// Why the relay will not listen as asked.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Plain HTTP on an address other machines can reach.
    #[error("refusing plain HTTP on {0}: device tokens and household data would cross the network in clear text. Give --tls-cert and --tls-key (PEM), listen on 127.0.0.1, or pass --insecure-http if a TLS proxy in front of the relay terminates HTTPS")]
    PlainHttpOffLoopback(SocketAddr),
    /// The certificate or key could not be used.
    #[error("cannot use the TLS certificate {cert} and key {key}: {reason}")]
    BadCertificate {
        /// Certificate path.
        cert: String,
        /// Key path.
        key: String,
        /// What went wrong.
        reason: String,
    },
}

impl ListenConfig {
    /// Checks the loopback rule before anything binds.
    pub fn check(&self) -> Result<(), ListenError> {
        if self.tls.is_none() && !self.addr.ip().is_loopback() && !self.insecure_http {
            return Err(ListenError::PlainHttpOffLoopback(self.addr));
        }
        Ok(())
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }
}

/// Serves `router` until `shutdown` resolves, then gives open connections
/// ten seconds to finish. `on_listening` gets the bound address.
pub async fn serve(
    config: ListenConfig,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    config.check()?;
    let listener = std::net::TcpListener::bind(config.addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopping.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    // Handlers see the caller's address (`/metrics` answers loopback only).
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    match &config.tls {
        Some((cert, key)) => {
            // One crypto provider for the whole process (ring: no C toolchain
            // beyond what the workspace already needs).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| ListenError::BadCertificate {
                    cert: cert.display().to_string(),
                    key: key.display().to_string(),
                    reason: e.to_string(),
                })?;
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(tls)
                .handshake_timeout(config.first_request_timeout);
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(acceptor)
                .handle(handle);
            server = server.first_request_timeout(config.first_request_timeout);
            // Every request's headers, not only the first one's.
            server
                .http_builder()
                .http1()
                .header_read_timeout(config.first_request_timeout);
            on_listening(address);
            server.serve(service).await?;
        }
        None => {
            let mut server = axum_server::from_tcp(listener)?
                .handle(handle)
                .first_request_timeout(config.first_request_timeout);
            server
                .http_builder()
                .http1()
                .header_read_timeout(config.first_request_timeout);
            on_listening(address);
            server.serve(service).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(addr: &str, tls: bool, insecure: bool) -> ListenConfig {
        ListenConfig {
            addr: addr.parse().unwrap(),
            tls: tls.then(|| ("c.pem".into(), "k.pem".into())),
            insecure_http: insecure,
            first_request_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn plain_http_only_on_loopback_unless_forced() {
        assert!(config("127.0.0.1:8080", false, false).check().is_ok());
        assert!(config("[::1]:8080", false, false).check().is_ok());
        let refused = config("0.0.0.0:8080", false, false).check().unwrap_err();
        assert!(refused.to_string().contains("--tls-cert"), "{refused}");
        assert!(config("0.0.0.0:8080", true, false).check().is_ok());
        assert!(config("192.168.1.5:8080", false, true).check().is_ok());
    }
}
