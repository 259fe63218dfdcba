//! `GET /sync`: the WebSocket endpoint. Frames go to samod unchanged; frames
//! from samod wait until what they acknowledge is durable.

use std::time::Duration;

use std::collections::HashMap;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use ntm_core::limits::TokenBucket;
use ntm_core::sync::WireMessage;
use tokio::sync::watch;

use crate::auth::{Auth, AuthError};
use crate::storage::{Durability, DurabilityLedger};

/// Messages a connection may send at once, then per second on average: far
/// above what a tablet's edits and sync rounds need, far below a flood.
const RATE_BURST: u32 = 400;
const RATE_PER_SECOND: u32 = 100;

/// Largest message accepted. A first sync carries a whole commune survey
/// (≈ 90 KB per 2,000 households, a few MB with history): 8 MiB leaves room
/// and stops a client from making the relay buffer arbitrary amounts.
const MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;

/// How long an outgoing message may wait for its changes to reach the disk.
const DURABILITY_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared state of the endpoint.
#[derive(Clone)]
pub struct SyncState {
    /// samod's listener for this endpoint.
    pub acceptor: samod::AcceptorHandle,
    /// What storage has made durable.
    pub ledger: DurabilityLedger,
    /// Enrolled devices only (the default), or anyone (`--open-access`).
    pub auth: Option<Auth>,
    /// Where `/enrol` trades codes for tokens.
    pub enrolments: Auth,
    /// Counters for `/metrics`.
    pub metrics: crate::metrics::Metrics,
    /// The store (document counts for `/metrics`).
    pub storage: crate::storage::SqlStorage,
}

/// Upgrades to a WebSocket and hands it to samod. With enrolment required,
/// the token (`Authorization: Bearer`, or `?token=` for browsers) must be
/// valid and the peer id (`?peer=<device id>.<session>`) its device's; the
/// connection is then bound to that peer id.
pub async fn upgrade(
    State(state): State<SyncState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let mut binding = None;
    if let Some(auth) = &state.auth {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let token = bearer.or(params.get("token").map(String::as_str));
        let peer = params.get("peer").cloned().unwrap_or_default();
        match auth.authenticate(token, &peer).await {
            Ok((device, revoked)) => {
                tracing::info!(%device, %peer, "device connected");
                binding = Some((peer, revoked));
            }
            Err(e) => {
                tracing::warn!(%peer, "connection refused: {e}");
                state.metrics.refused(match e {
                    AuthError::Revoked => "revoked",
                    AuthError::WrongPeer(_) => "wrong_peer",
                    AuthError::Database(_) => "database",
                    _ => "bad_token",
                });
                let status = match e {
                    AuthError::Revoked | AuthError::WrongPeer(_) => StatusCode::FORBIDDEN,
                    AuthError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::UNAUTHORIZED,
                };
                return (status, format!("{e}\n")).into_response();
            }
        }
    }
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| async move { accept(state, socket, binding) })
}

/// Resolves once the device is revoked (never, if it is not).
async fn revocation(mut revoked: watch::Receiver<bool>) {
    loop {
        if *revoked.borrow_and_update() {
            return;
        }
        if revoked.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

fn accept(state: SyncState, socket: WebSocket, binding: Option<(String, watch::Receiver<bool>)>) {
    let (sink, stream) = socket.split();
    let revoked = binding.as_ref().map(|(_, r)| r.clone());
    // A revoked device's stream ends, and samod closes its connection.
    let stream = stream.take_until(async move {
        match revoked {
            Some(r) => revocation(r).await,
            None => std::future::pending().await,
        }
    });
    let metrics = state.metrics.clone();
    metrics.connections.inc();
    // Decremented when samod drops the stream, whoever ends the connection.
    let open = ConnectionGauge(metrics.clone());
    let counting = metrics.clone();
    let mut rate = TokenBucket::new(RATE_BURST, RATE_PER_SECOND);
    let connected_at = std::time::Instant::now();
    let incoming = stream.filter_map(move |frame| {
        let _keep = &open;
        let counting = counting.clone();
        let within_rate = rate.take(connected_at.elapsed().as_millis() as u64);
        async move {
            match frame {
                Ok(Message::Binary(_)) if !within_rate => {
                    tracing::warn!("closing a connection over {RATE_PER_SECOND} messages/s");
                    counting.refused("rate_limit");
                    Some(Err(axum::Error::new("message rate limit exceeded")))
                }
                Ok(Message::Binary(bytes)) => {
                    counting.received(bytes.len());
                    Some(Ok(bytes.to_vec()))
                }
                Ok(Message::Text(_)) => Some(Err(axum::Error::new(
                    "text frames are not part of the protocol",
                ))),
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_)) => None,
                Err(e) => Some(Err(e)),
            }
        }
    });
    let ledger = state.ledger.clone();
    let outgoing = sink.with(move |bytes: Vec<u8>| {
        let ledger = ledger.clone();
        let metrics = metrics.clone();
        Box::pin(async move {
            wait_until_durable(&ledger, &bytes).await;
            metrics.sent(bytes.len());
            Ok::<_, axum::Error>(Message::Binary(bytes.into()))
        }) as futures::future::BoxFuture<'static, Result<Message, axum::Error>>
    });
    let mut transport = samod::Transport::new(Box::pin(incoming), Box::pin(outgoing));
    if let Some((peer, _)) = binding {
        transport = transport.with_expected_peer_id(samod::PeerId::from(peer.as_str()));
    }
    if let Err(samod::Stopped) = state.acceptor.accept(transport) {
        tracing::info!("connection refused: relay is stopping");
    }
}

/// Holds the connection gauge up while a connection's stream lives.
struct ConnectionGauge(crate::metrics::Metrics);

impl Drop for ConnectionGauge {
    fn drop(&mut self) {
        self.0.connections.dec();
    }
}

async fn wait_until_durable(ledger: &DurabilityLedger, frame: &[u8]) {
    let Ok(
        WireMessage::Sync {
            document_id, data, ..
        }
        | WireMessage::Request {
            document_id, data, ..
        },
    ) = WireMessage::decode(frame)
    else {
        return;
    };
    let Ok(message) = automerge::sync::Message::decode(&data) else {
        return;
    };
    let doc = document_id.to_string();
    if ledger
        .wait_durable(&doc, &message.heads, DURABILITY_TIMEOUT)
        .await
        == Durability::TimedOut
    {
        tracing::warn!(%doc, "changes not durable after {DURABILITY_TIMEOUT:?}; sending anyway");
    }
}
