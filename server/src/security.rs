//! Secure defaults on everything the relay serves: response headers that
//! keep the app's page to its own origin and scripts, and who may read
//! `/metrics`.

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The app's Content-Security-Policy: its own scripts and wasm, its own
/// origin for requests and the WebSocket (CSP 3's `'self'` covers `wss:` to
/// the same host), no inline script, no plugins, no framing, and photos
/// shown from `blob:` URLs made on the device.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; \
     manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Browsers that have seen the relay over HTTPS keep to HTTPS for a year.
const HSTS: &str = "max-age=31536000";

/// Adds the security headers to a response (those a handler set stay).
fn add_headers(response: &mut Response, tls: bool) {
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    if tls {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

/// Middleware adding the security headers to a relay serving plain HTTP on loopback.
pub async fn headers_plain(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    add_headers(&mut response, false);
    response
}

/// Middleware adding the security headers (with HSTS) to a relay serving HTTPS.
pub async fn headers_tls(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    add_headers(&mut response, true);
    response
}

/// Who may read `/metrics`.
#[derive(Debug, Clone)]
pub struct MetricsAccess {
    /// Whether a caller on the relay's own machine may read without a token.
    /// Not behind a TLS-terminating proxy (`--insecure-http`): there every
    /// request arrives from the proxy, often on loopback.
    pub loopback_trusted: bool,
    /// `--metrics-token`: a bearer token that opens `/metrics` from anywhere.
    pub token: Option<String>,
}

impl MetricsAccess {
    /// Whether a request from `peer` with this `Authorization` bearer may read.
    pub fn allows(&self, peer: std::net::IpAddr, bearer: Option<&str>) -> bool {
        if self.loopback_trusted && peer.is_loopback() {
            return true;
        }
        match (&self.token, bearer) {
            (Some(token), Some(given)) => constant_time_eq(token.as_bytes(), given.as_bytes()),
            _ => false,
        }
    }
}

/// Compares two secrets without an early exit on the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    // Equal-length digests, so the comparison's time says nothing of the lengths either.
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn metrics_are_open_on_loopback_only_when_no_proxy_stands_in_front() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let remote: IpAddr = "203.0.113.7".parse().unwrap();
        let direct = MetricsAccess {
            loopback_trusted: true,
            token: None,
        };
        assert!(direct.allows(local, None));
        assert!(!direct.allows(remote, None));
        assert!(!direct.allows(remote, Some("")));
        let proxied = MetricsAccess {
            loopback_trusted: false,
            token: Some("s3cret".into()),
        };
        assert!(!proxied.allows(local, None));
        assert!(!proxied.allows(local, Some("s3cre")));
        assert!(proxied.allows(remote, Some("s3cret")));
    }
}
