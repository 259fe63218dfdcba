//! One WebSocket connection handed to samod, under the relay's limits:
//! frame size (set at the upgrade), message rate per device, documents per
//! connection, revocation, and silence. A writer task owns the socket's
//! sending half: it holds each of samod's messages until its changes are
//! durable, pings the device, and closes a connection that stays silent or
//! stops reading.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use ntm_core::limits::{DocumentCap, IdleClock, TokenBucket};
use ntm_core::sync::WireMessage;
use tokio::sync::watch;

use super::{wait_until_durable, SyncState, RATE_BURST_SECONDS};

/// An enrolled device's connection: who it is and its revocation signal.
pub struct Binding {
    /// The device id.
    pub device: String,
    /// The peer id the connection is bound to.
    pub peer: String,
    /// Turns `true` when the device is revoked.
    pub revoked: watch::Receiver<bool>,
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

/// What one frame from the device means for samod.
enum Inbound {
    /// A protocol message, passed on.
    Message(Vec<u8>),
    /// A control frame (ping, pong, close), which tungstenite answers.
    Skip,
    /// The connection is over (its reason already logged).
    End,
}

/// Logs and counts why the relay closes a connection.
fn closing(reason: &'static str, message: &str, metrics: &crate::metrics::Metrics) {
    tracing::warn!("closing a connection: {message}");
    metrics.refused(reason);
}

/// Whether the document a message is about is one the device may see.
enum Visible {
    Yes,
    No(ntm_core::DocumentId),
}

async fn visible(auth: &crate::auth::Auth, peer: &str, frame: &[u8]) -> Visible {
    let document_id = match WireMessage::decode(frame) {
        Ok(WireMessage::Sync { document_id, .. } | WireMessage::Request { document_id, .. }) => {
            document_id
        }
        _ => return Visible::Yes,
    };
    let Some((grant, _)) = auth.grant_of_peer(peer) else {
        return Visible::No(document_id);
    };
    match auth.document(&document_id.to_string()).await {
        Ok(info) if grant.access(info.as_ref()) != ntm_core::access::Access::None => Visible::Yes,
        // Unknown, not its own, or the table unreadable: not passed on.
        _ => Visible::No(document_id),
    }
}

/// Checks that every change a message carries is the device's own
/// (attribution); the refusal's metric label and reason otherwise.
async fn admit(
    attribution: &crate::auth::attribution::Attribution,
    device: &str,
    frame: &[u8],
) -> Result<(), (&'static str, String)> {
    let data = match WireMessage::decode(frame) {
        Ok(WireMessage::Sync { data, .. } | WireMessage::Request { data, .. }) => data,
        _ => return Ok(()),
    };
    let authors = ntm_core::sync::sync_message_authors(&data)
        .map_err(|e| ("bad_changes", format!("unreadable changes: {e}")))?;
    if authors.is_empty() {
        return Ok(());
    }
    match attribution.admit(device, &authors, crate::unix_now()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(refusal @ crate::auth::attribution::Refusal::Squatted { .. })) => {
            Err(("actor_squatting", refusal.to_string()))
        }
        Ok(Err(refusal)) => Err(("reserved_actor", refusal.to_string())),
        // Not known to be its own: not passed on (the device retries later).
        Err(e) => Err((
            "database",
            format!("attribution unavailable: {}", e.detail()),
        )),
    }
}

/// Hands the socket to samod.
pub fn accept(state: SyncState, socket: WebSocket, binding: Option<Binding>, slot: super::Slot) {
    let (sink, stream) = socket.split();
    let metrics = state.metrics.clone();
    let limits = state.limits;
    let started = state.started;
    let now_ms = move || started.elapsed().as_millis() as u64;
    let idle = Arc::new(Mutex::new(IdleClock::new(
        now_ms(),
        limits.idle_timeout.as_millis() as u64,
    )));
    // The writer says when the connection is over (silent, or not reading).
    let (closed_tx, closed_rx) = watch::channel(false);

    let revoked = binding.as_ref().map(|b| b.revoked.clone());
    let stream = stream.take_until(async move {
        let closed = revocation(closed_rx);
        match revoked {
            Some(r) => {
                tokio::select! {
                    () = revocation(r) => {}
                    () = closed => {}
                }
            }
            None => closed.await,
        }
    });

    metrics.connections.inc();
    // Decremented when samod drops the stream, whoever ends the connection.
    let open = (ConnectionGauge(metrics.clone()), slot);
    // Enrolled devices share one bucket over all their connections.
    let rate = limits.messages_per_second.max(1);
    let bucket = move || TokenBucket::new(rate.saturating_mul(RATE_BURST_SECONDS), rate);
    let shared_rate = binding.as_ref().map(|b| {
        let mut rates = state.rates.lock().expect("rates lock");
        rates.entry(b.device.clone()).or_insert_with(bucket);
        (state.rates.clone(), b.device.clone())
    });
    let mut own_rate = bucket();
    let mut documents = DocumentCap::new(limits.max_documents);
    let heard = idle.clone();
    let counting = metrics.clone();
    let incoming = stream.map(move |frame| {
        let _keep = &open;
        let now = now_ms();
        heard.lock().expect("idle lock").heard(now);
        let within_rate = match &shared_rate {
            Some((rates, device)) => rates
                .lock()
                .expect("rates lock")
                .get_mut(device)
                .is_none_or(|bucket| bucket.take(now)),
            None => own_rate.take(now),
        };
        match frame {
            Ok(Message::Binary(_)) if !within_rate => {
                let message = format!("over {rate} messages/s");
                closing("rate_limit", &message, &counting);
                Inbound::End
            }
            Ok(Message::Binary(bytes)) => {
                let decoded = WireMessage::decode(&bytes).ok();
                let doc = decoded.as_ref().and_then(|m| m.document_id());
                if matches!(decoded, Some(WireMessage::Ephemeral { .. })) {
                    // The product sends none; forwarded, one device could
                    // broadcast 8 MiB messages to every tablet it shares a
                    // document with.
                    counting.dropped("ephemeral");
                    Inbound::Skip
                } else if doc.is_some_and(|d| !documents.admit(d)) {
                    let message = format!(
                        "more than {} documents on one connection",
                        limits.max_documents
                    );
                    closing("too_many_documents", &message, &counting);
                    Inbound::End
                } else {
                    counting.received(bytes.len());
                    Inbound::Message(bytes.to_vec())
                }
            }
            Ok(Message::Text(_)) => {
                let message = "text frames are not part of the protocol";
                closing("text_frame", message, &counting);
                Inbound::End
            }
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_)) => Inbound::Skip,
            // A device that loses its network mid-frame ends this way, all
            // day long in the mountains: not a relay error.
            Err(e) => {
                tracing::debug!("connection ended by the network: {e}");
                Inbound::End
            }
        }
    });
    // samod writes into a small queue; the writer drains it to the socket.
    // The relay answers some requests itself through the same queue.
    let (outgoing, queue) = mpsc::channel::<Vec<u8>>(16);
    // Documents the device may not see are answered "unavailable" here,
    // before samod would spawn a document actor for them; and changes go
    // on only from the device their actors belong to.
    let checked = {
        let enrolled = binding.as_ref().map(|b| {
            (
                state.attribution.clone(),
                state.enrolments.clone(),
                b.device.clone(),
                b.peer.clone(),
            )
        });
        let metrics = metrics.clone();
        let reply = outgoing.clone();
        incoming.then(move |inbound| {
            let enrolled = enrolled.clone();
            let metrics = metrics.clone();
            let mut reply = reply.clone();
            async move {
                let (Inbound::Message(bytes), Some((attribution, auth, device, peer))) =
                    (&inbound, enrolled)
                else {
                    return inbound;
                };
                match visible(&auth, &peer, bytes).await {
                    Visible::Yes => {}
                    Visible::No(document_id) => {
                        let answer = WireMessage::DocUnavailable {
                            document_id,
                            sender_id: ntm_core::PeerId::new("ntm-relay"),
                            target_id: ntm_core::PeerId::new(peer.as_str()),
                        };
                        metrics.dropped("not_visible");
                        let _ = reply.send(answer.encode()).await;
                        return Inbound::Skip;
                    }
                }
                match admit(&attribution, &device, bytes).await {
                    Ok(()) => inbound,
                    Err((reason, message)) => {
                        tracing::warn!(%device, %peer, "refusing a message: {message}");
                        closing(reason, &message, &metrics);
                        Inbound::End
                    }
                }
            }
        })
    };
    // samod is shown a refused or broken connection as a plain end of
    // stream, as if the device had left. Handed the error instead, it would
    // log it at ERROR: for every device that drops off the network, and a
    // second time for every refusal (logged above with its reason).
    let incoming = checked
        .take_while(|i| std::future::ready(!matches!(i, Inbound::End)))
        .filter_map(|i| {
            std::future::ready(match i {
                Inbound::Message(bytes) => Some(Ok::<_, axum::Error>(bytes)),
                Inbound::Skip | Inbound::End => None,
            })
        });

    let outgoing = outgoing.sink_map_err(|_| axum::Error::new("connection closed"));
    tokio::spawn(write(state.clone(), sink, queue, idle, closed_tx));

    let mut transport = samod::Transport::new(Box::pin(incoming), Box::pin(outgoing));
    if let Some(b) = binding {
        transport = transport.with_expected_peer_id(samod::PeerId::from(b.peer.as_str()));
    }
    if let Err(samod::Stopped) = state.acceptor.accept(transport) {
        tracing::info!("connection refused: relay is stopping");
    }
}

/// Sends samod's messages (each once its changes are durable) and pings;
/// ends the connection when the device is silent for the idle timeout or
/// a send does not finish within it.
async fn write(
    state: SyncState,
    mut sink: futures::stream::SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Vec<u8>>,
    idle: Arc<Mutex<IdleClock>>,
    closed: watch::Sender<bool>,
) {
    let limit = state.limits.idle_timeout;
    // Ping often enough that a live device answers well within the limit.
    let mut ping = tokio::time::interval((limit / 3).max(Duration::from_millis(100)));
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let reason = loop {
        let message = tokio::select! {
            next = queue.next() => match next {
                Some(bytes) => {
                    if !wait_until_durable(&state.ledger, &bytes).await {
                        break Some((
                            "not_durable",
                            "changes not on disk in time: closing rather than acknowledging them",
                        ));
                    }
                    state.metrics.sent(bytes.len());
                    Message::Binary(bytes.into())
                }
                // samod closed the connection.
                None => break None,
            },
            _ = ping.tick() => {
                let now = state.started.elapsed().as_millis() as u64;
                if idle.lock().expect("idle lock").is_idle(now) {
                    break Some(("idle", "silent for longer than the idle timeout"));
                }
                Message::Ping(Default::default())
            }
        };
        match tokio::time::timeout(limit, sink.send(message)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => break None,
            Err(_) => {
                break Some((
                    "slow",
                    "not reading: a send waited longer than the idle timeout",
                ))
            }
        }
    };
    if let Some((code, message)) = reason {
        closing(code, message, &state.metrics);
    }
    closed.send_replace(true);
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}

/// Holds the connection gauge up while a connection's stream lives.
struct ConnectionGauge(crate::metrics::Metrics);

impl Drop for ConnectionGauge {
    fn drop(&mut self) {
        self.0.connections.dec();
    }
}
