//! `GET /sync`: the WebSocket endpoint. The upgrade checks the device's
//! token; [`connection`] then runs the socket under the relay's limits.
//! Frames go to samod unchanged; frames from samod wait until what they
//! acknowledge is durable.

mod connection;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ntm_core::limits::TokenBucket;
use ntm_core::sync::WireMessage;

use crate::auth::{Auth, AuthError};
use crate::storage::{sync_message_heads, Durability, DurabilityLedger};

/// Messages a device may send at once, as a multiple of its per-second
/// rate ([`ConnectionLimits::messages_per_second`]).
const RATE_BURST_SECONDS: u32 = 4;

/// Largest message accepted. A first sync carries a whole commune survey
/// (≈ 90 KB per 2,000 households, a few MB with history): 8 MiB leaves room
/// and stops a client from making the relay buffer arbitrary amounts.
const MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;

/// How long an outgoing message may wait for its changes to reach the disk;
/// past it the connection is closed instead (the device keeps its changes
/// unconfirmed and offers them again when it reconnects).
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
    /// Photos and files.
    pub blobs: crate::storage::blobs::BlobStore,
    /// Limits on each connection.
    pub limits: ConnectionLimits,
    /// Message-rate buckets of enrolled devices, shared by their connections.
    pub rates: Arc<Mutex<HashMap<String, TokenBucket>>>,
    /// When the relay started: the clock of the rate buckets.
    pub started: Instant,
    /// Who may read `/metrics`.
    pub metrics_access: crate::security::MetricsAccess,
    /// Which device each change's actor belongs to.
    pub attribution: crate::auth::attribution::Attribution,
    /// Open connections under their caps.
    pub slots: ConnectionSlots,
    /// The repository (documents' content, for who may read a photo).
    pub repo: samod::Repo,
    /// Blobs each document refers to, as of its heads.
    pub blob_refs: Arc<Mutex<BlobRefs>>,
    /// `/enrol` attempts per client address.
    pub enrol_attempts: Arc<Mutex<HashMap<std::net::IpAddr, TokenBucket>>>,
}

/// Per document: the heads at which its referenced blobs were read, and them.
pub type BlobRefs = HashMap<
    String,
    (
        Vec<automerge::ChangeHash>,
        Arc<std::collections::BTreeSet<ntm_core::blobs::BlobHash>>,
    ),
>;

/// Open connections, in total and per enrolled device, under caps: a
/// hostile or broken device cannot hold all of the relay's sockets.
#[derive(Clone, Default)]
pub struct ConnectionSlots {
    open: Arc<Mutex<(usize, HashMap<String, usize>)>>,
}

/// One open connection's slot, given back when dropped.
pub struct Slot {
    slots: ConnectionSlots,
    device: Option<String>,
}

impl ConnectionSlots {
    /// A slot for a new connection (of `device`, if enrolled), or `None`
    /// when a cap is reached.
    pub fn take(&self, device: Option<&str>, limits: &ConnectionLimits) -> Option<Slot> {
        let mut open = self.open.lock().expect("slots lock");
        if open.0 >= limits.max_connections {
            return None;
        }
        if let Some(device) = device {
            let n = open.1.entry(device.to_owned()).or_default();
            if *n >= limits.max_connections_per_device {
                return None;
            }
            *n += 1;
        }
        open.0 += 1;
        Some(Slot {
            slots: self.clone(),
            device: device.map(str::to_owned),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().expect("slots lock");
        open.0 -= 1;
        if let Some(device) = &self.device {
            if let Some(n) = open.1.get_mut(device) {
                *n -= 1;
                if *n == 0 {
                    open.1.remove(device);
                }
            }
        }
    }
}

/// Limits on each connection (flags of `serve`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Distinct documents one connection may sync.
    pub max_documents: usize,
    /// Messages per second one device may send on average over all its
    /// connections (bursts of four seconds' worth).
    pub messages_per_second: u32,
    /// Silence (no frame, no answer to pings) after which it is closed; also
    /// how long one outgoing message may wait for a slow reader.
    pub idle_timeout: Duration,
    /// Open connections in all.
    pub max_connections: usize,
    /// Open connections of one enrolled device (tabs, reconnects overlapping).
    pub max_connections_per_device: usize,
}

/// Upgrades to a WebSocket and hands it to samod. With enrolment required,
/// the device shows either a connection ticket (`?ticket=`, from
/// [`ticket`]; what browsers use, since they cannot set headers on an
/// upgrade) or its token in `Authorization: Bearer` (native clients), and
/// a peer id of its own device (`?peer=<device id>.<session>`); the
/// connection is then bound to that peer id. A token in the URL is refused:
/// URLs end up in logs, proxies and browser history.
pub async fn upgrade(
    State(state): State<SyncState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(failure) = state.storage.health().failure() {
        // Nothing it sends could be made durable: let it retry later.
        state.metrics.refused("storage_failing");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "máy chủ đang lỗi lưu trữ, hãy thử lại sau / the relay cannot store changes right now ({}); try again later\n",
                failure.reason
            ),
        )
            .into_response();
    }
    let mut binding = None;
    if let Some(auth) = &state.auth {
        let peer = params.get("peer").cloned().unwrap_or_default();
        let authenticated = if params.contains_key("token") {
            state.metrics.refused("token_in_url");
            tracing::warn!(%peer, "connection refused: a token in the URL");
            return (
                StatusCode::BAD_REQUEST,
                "mã thiết bị không được gửi trong địa chỉ; hãy xin vé kết nối (POST /sync/ticket) / \
                 a device token never goes in a URL: get a connection ticket from POST /sync/ticket\n",
            )
                .into_response();
        } else if let Some(ticket) = params.get("ticket") {
            auth.redeem_ticket(ticket, &peer, crate::unix_now()).await
        } else {
            auth.authenticate(bearer(&headers), &peer).await
        };
        match authenticated {
            Ok((device, revoked)) => {
                tracing::info!(device = %device, %peer, "device connected");
                binding = Some(connection::Binding {
                    device,
                    peer,
                    revoked,
                });
            }
            Err(e) => {
                tracing::warn!(%peer, "connection refused: {}", e.detail());
                state.metrics.refused(match e {
                    AuthError::Revoked => "revoked",
                    AuthError::WrongPeer(_) => "wrong_peer",
                    AuthError::Database(_) => "database",
                    AuthError::BadTicket => "bad_ticket",
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
    let Some(slot) = state
        .slots
        .take(binding.as_ref().map(|b| b.device.as_str()), &state.limits)
    else {
        state.metrics.refused("too_many_connections");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "30")],
            "quá nhiều kết nối, hãy thử lại sau / too many connections (of this device, or in all): try again later\n",
        )
            .into_response();
    };
    // Small buffers: a tablet's messages are small (a few hundred bytes),
    // and a thousand connections must not each hold the default 128 KiB
    // twice; a large first sync simply takes more reads.
    ws.read_buffer_size(2 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| async move { connection::accept(state, socket, binding, slot) })
}

/// The token in an `Authorization: Bearer` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// The reply to `POST /sync/ticket`.
#[derive(serde::Serialize)]
struct Ticket {
    ticket: String,
    expires_in: i64,
}

/// `POST /sync/ticket` with `Authorization: Bearer <token>`: a single-use
/// ticket for one WebSocket upgrade within a minute. No body, no cookies, so
/// another site's page cannot get one for a device (it has no token).
pub async fn ticket(State(state): State<SyncState>, headers: HeaderMap) -> Response {
    let Some(auth) = &state.auth else {
        return (
            StatusCode::NOT_FOUND,
            "this relay is open (--open-access): no tickets needed\n",
        )
            .into_response();
    };
    match auth.issue_ticket(bearer(&headers), crate::unix_now()).await {
        Ok(ticket) => axum::Json(Ticket {
            ticket,
            expires_in: crate::auth::TICKET_LIFETIME_SECONDS,
        })
        .into_response(),
        Err(e) => {
            tracing::warn!("ticket refused: {}", e.detail());
            (e.token_status(), format!("{e}\n")).into_response()
        }
    }
}

/// Waits until every head `frame` advertises is durable. `false` when that
/// did not happen within [`DURABILITY_TIMEOUT`]: the frame must not be sent.
pub(crate) async fn wait_until_durable(ledger: &DurabilityLedger, frame: &[u8]) -> bool {
    let Ok(
        WireMessage::Sync {
            document_id, data, ..
        }
        | WireMessage::Request {
            document_id, data, ..
        },
    ) = WireMessage::decode(frame)
    else {
        return true;
    };
    let Some(heads) = sync_message_heads(&data) else {
        return true;
    };
    let doc = document_id.to_string();
    ledger.wait_durable(&doc, &heads, DURABILITY_TIMEOUT).await == Durability::Durable
}
