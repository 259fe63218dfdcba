//! `GET /sync`: the WebSocket endpoint. Frames go to samod unchanged; frames
//! from samod wait until what they acknowledge is durable.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use ntm_core::sync::WireMessage;

use crate::storage::{Durability, DurabilityLedger};

/// How long an outgoing message may wait for its changes to reach the disk.
const DURABILITY_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared state of the endpoint.
#[derive(Clone)]
pub struct SyncState {
    /// samod's listener for this endpoint.
    pub acceptor: samod::AcceptorHandle,
    /// What storage has made durable.
    pub ledger: DurabilityLedger,
}

/// Upgrades to a WebSocket and hands it to samod.
pub async fn upgrade(State(state): State<SyncState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| async move { accept(state, socket) })
}

fn accept(state: SyncState, socket: WebSocket) {
    let (sink, stream) = socket.split();
    let incoming = stream.filter_map(|frame| async move {
        match frame {
            Ok(Message::Binary(bytes)) => Some(Ok(bytes.to_vec())),
            Ok(Message::Text(_)) => Some(Err(axum::Error::new(
                "text frames are not part of the protocol",
            ))),
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_)) => None,
            Err(e) => Some(Err(e)),
        }
    });
    let ledger = state.ledger.clone();
    let outgoing = sink.with(move |bytes: Vec<u8>| {
        let ledger = ledger.clone();
        Box::pin(async move {
            wait_until_durable(&ledger, &bytes).await;
            Ok::<_, axum::Error>(Message::Binary(bytes.into()))
        }) as futures::future::BoxFuture<'static, Result<Message, axum::Error>>
    });
    let transport = samod::Transport::new(Box::pin(incoming), Box::pin(outgoing));
    if let Err(samod::Stopped) = state.acceptor.accept(transport) {
        tracing::info!("connection refused: relay is stopping");
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
