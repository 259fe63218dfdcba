//! The client side of the automerge-repo protocol as a sans-IO state machine.
//!
//! The adapter (browser WebSocket, tokio-tungstenite in tests) feeds
//! [`ClientEvent`]s in and carries [`ClientOutput`]s out; this type never
//! touches a socket, a clock or a random source.

use std::collections::BTreeMap;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::wire::{DecodeError, PeerMetadata, WireMessage, PROTOCOL_VERSION};
use crate::ids::{DocumentId, PeerId};

/// Something that happened to the connection.
#[derive(Debug, Clone, Copy)]
pub enum ClientEvent<'a> {
    /// The transport is open: the client starts the handshake.
    Connected,
    /// One binary frame arrived.
    Received(&'a [u8]),
    /// The application changed a document locally.
    LocalChange(DocumentId),
    /// The transport closed (or failed).
    Disconnected,
}

/// What the adapter must do or may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOutput {
    /// Send these bytes as one binary frame.
    Send(Vec<u8>),
    /// A document gained changes from the relay: persist and re-render it.
    DocumentChanged(DocumentId),
    /// The relay does not have (or will not share) this document.
    DocumentUnavailable(DocumentId),
    /// The relay reported a protocol error and will close the connection.
    RemoteError(String),
}

/// Why the client could not handle an event; the adapter should drop the
/// connection and reconnect later (local data is untouched).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The frame was not a protocol message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The frame was a protocol message that makes no sense now.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The automerge sync payload was invalid.
    #[error("invalid automerge sync data for document {document}: {reason}")]
    SyncData {
        /// The document.
        document: DocumentId,
        /// What automerge said.
        reason: String,
    },
}

/// The connection as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    /// No transport.
    Offline,
    /// Connected, exchanging changes.
    Syncing,
    /// Connected and the relay has exactly our documents.
    UpToDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Connection {
    Offline,
    Handshaking,
    Ready { relay: PeerId },
}

struct Tracked {
    doc: Automerge,
    state: sync::State,
    /// Heads the relay is known to hold; survives reconnects so the count of
    /// unconfirmed changes stays meaningful offline.
    confirmed: Vec<ChangeHash>,
    unavailable: bool,
}

/// Client protocol state for one connection to one relay, over any number of
/// documents.
pub struct SyncClient {
    peer_id: PeerId,
    storage_id: Option<String>,
    connection: Connection,
    docs: BTreeMap<DocumentId, Tracked>,
}

impl SyncClient {
    /// A client announcing `peer_id`; `storage_id` names the durable local
    /// store if there is one (IndexedDB in the browser).
    pub fn new(peer_id: PeerId, storage_id: Option<String>) -> Self {
        Self {
            peer_id,
            storage_id,
            connection: Connection::Offline,
            docs: BTreeMap::new(),
        }
    }

    /// This client's peer id.
    pub fn peer_id(&self) -> &PeerId {
        &self.peer_id
    }

    /// Starts tracking a document. An empty document is *requested* from the
    /// relay; a non-empty one is offered. `confirmed` are heads the relay is
    /// already known to have (persisted by the adapter), or empty.
    pub fn add_document(
        &mut self,
        id: DocumentId,
        doc: Automerge,
        confirmed: Vec<ChangeHash>,
    ) -> Vec<ClientOutput> {
        self.docs.insert(
            id,
            Tracked {
                doc,
                state: sync::State::new(),
                confirmed,
                unavailable: false,
            },
        );
        let mut out = Vec::new();
        self.sync_document(id, &mut out);
        out
    }

    /// Stops tracking a document: what the relay sends about it from now
    /// on is declined, as for a document never asked for.
    pub fn remove_document(&mut self, id: &DocumentId) {
        self.docs.remove(id);
    }

    /// A tracked document.
    pub fn document(&self, id: &DocumentId) -> Option<&Automerge> {
        self.docs.get(id).map(|t| &t.doc)
    }

    /// A tracked document, for local edits; follow with
    /// [`ClientEvent::LocalChange`].
    pub fn document_mut(&mut self, id: &DocumentId) -> Option<&mut Automerge> {
        self.docs.get_mut(id).map(|t| &mut t.doc)
    }

    /// The documents tracked.
    pub fn document_ids(&self) -> impl Iterator<Item = DocumentId> + '_ {
        self.docs.keys().copied()
    }

    /// Heads the relay is known to hold for a document.
    pub fn confirmed_heads(&self, id: &DocumentId) -> &[ChangeHash] {
        self.docs
            .get(id)
            .map(|t| t.confirmed.as_slice())
            .unwrap_or(&[])
    }

    /// Whether the relay said it does not have the document.
    pub fn is_unavailable(&self, id: &DocumentId) -> bool {
        self.docs.get(id).is_some_and(|t| t.unavailable)
    }

    /// Local changes the relay has not yet confirmed, over all documents.
    pub fn unconfirmed_changes(&self) -> usize {
        self.docs.values().map(Tracked::unconfirmed).sum()
    }

    /// Offline, syncing or up to date.
    pub fn status(&self) -> SyncStatus {
        match self.connection {
            Connection::Offline => SyncStatus::Offline,
            Connection::Handshaking => SyncStatus::Syncing,
            Connection::Ready { .. } => {
                let settled = self.docs.values().all(|t| {
                    t.unavailable
                        || t.state.their_heads.as_ref().is_some_and(|theirs| {
                            let mut ours = t.doc.get_heads();
                            let mut theirs = theirs.clone();
                            ours.sort();
                            theirs.sort();
                            ours == theirs
                        })
                });
                if settled {
                    SyncStatus::UpToDate
                } else {
                    SyncStatus::Syncing
                }
            }
        }
    }

    /// Advances the state machine by one event.
    pub fn handle(&mut self, event: ClientEvent<'_>) -> Result<Vec<ClientOutput>, ClientError> {
        let mut out = Vec::new();
        match event {
            ClientEvent::Connected => {
                self.reset_sync_states();
                self.connection = Connection::Handshaking;
                out.push(ClientOutput::Send(
                    WireMessage::Join {
                        sender_id: self.peer_id.clone(),
                        supported_protocol_versions: vec![PROTOCOL_VERSION.into()],
                        metadata: Some(PeerMetadata {
                            storage_id: self.storage_id.clone(),
                            is_ephemeral: self.storage_id.is_none(),
                        }),
                    }
                    .encode(),
                ));
            }
            ClientEvent::Disconnected => {
                self.connection = Connection::Offline;
                self.reset_sync_states();
            }
            ClientEvent::LocalChange(id) => self.sync_document(id, &mut out),
            ClientEvent::Received(bytes) => self.receive(WireMessage::decode(bytes)?, &mut out)?,
        }
        Ok(out)
    }

    fn reset_sync_states(&mut self) {
        for t in self.docs.values_mut() {
            t.state = sync::State::new();
        }
    }

    fn receive(
        &mut self,
        msg: WireMessage,
        out: &mut Vec<ClientOutput>,
    ) -> Result<(), ClientError> {
        match (&self.connection, msg) {
            (_, WireMessage::Error { message }) => out.push(ClientOutput::RemoteError(message)),
            (
                Connection::Handshaking,
                WireMessage::Peer {
                    sender_id,
                    selected_protocol_version,
                    ..
                },
            ) => {
                if selected_protocol_version != PROTOCOL_VERSION {
                    return Err(ClientError::Protocol(format!(
                        "relay selected protocol version {selected_protocol_version:?}, only {PROTOCOL_VERSION:?} is supported"
                    )));
                }
                self.connection = Connection::Ready { relay: sender_id };
                let ids: Vec<_> = self.docs.keys().copied().collect();
                for id in ids {
                    self.sync_document(id, out);
                }
            }
            (Connection::Handshaking | Connection::Offline, other) => {
                return Err(ClientError::Protocol(format!(
                    "received \"{}\" before the handshake completed",
                    other.message_type()
                )));
            }
            (
                Connection::Ready { .. },
                WireMessage::Sync {
                    document_id, data, ..
                },
            )
            | (
                Connection::Ready { .. },
                WireMessage::Request {
                    document_id, data, ..
                },
            ) => self.receive_sync(document_id, &data, out)?,
            (Connection::Ready { .. }, WireMessage::DocUnavailable { document_id, .. }) => {
                if let Some(t) = self.docs.get_mut(&document_id) {
                    t.unavailable = true;
                    out.push(ClientOutput::DocumentUnavailable(document_id));
                }
            }
            (Connection::Ready { .. }, WireMessage::Join { .. } | WireMessage::Peer { .. }) => {
                return Err(ClientError::Protocol(
                    "handshake message after the handshake".into(),
                ));
            }
            // Leave is advisory (the socket close follows); ephemeral data and
            // remote-heads gossip are not used by this client.
            (Connection::Ready { .. }, _) => {}
        }
        Ok(())
    }

    fn receive_sync(
        &mut self,
        id: DocumentId,
        data: &[u8],
        out: &mut Vec<ClientOutput>,
    ) -> Result<(), ClientError> {
        let Some(t) = self.docs.get_mut(&id) else {
            // The relay offered a document we never asked for: decline it.
            if let Connection::Ready { relay } = &self.connection {
                out.push(ClientOutput::Send(
                    WireMessage::DocUnavailable {
                        document_id: id,
                        sender_id: self.peer_id.clone(),
                        target_id: relay.clone(),
                    }
                    .encode(),
                ));
            }
            return Ok(());
        };
        let message = sync::Message::decode(data).map_err(|e| ClientError::SyncData {
            document: id,
            reason: e.to_string(),
        })?;
        let before = t.doc.get_heads();
        t.doc
            .receive_sync_message(&mut t.state, message)
            .map_err(|e| ClientError::SyncData {
                document: id,
                reason: e.to_string(),
            })?;
        t.unavailable = false;
        t.record_confirmation();
        if t.doc.get_heads() != before {
            out.push(ClientOutput::DocumentChanged(id));
        }
        self.sync_document(id, out);
        Ok(())
    }

    /// Emits the next sync message for a document, if the connection is ready
    /// and automerge has something to say.
    fn sync_document(&mut self, id: DocumentId, out: &mut Vec<ClientOutput>) {
        let Connection::Ready { relay } = &self.connection else {
            return;
        };
        let Some(t) = self.docs.get_mut(&id) else {
            return;
        };
        let Some(message) = t.doc.generate_sync_message(&mut t.state) else {
            return;
        };
        let data = message.encode();
        let (sender_id, target_id) = (self.peer_id.clone(), relay.clone());
        // An empty document asks to be sent the document, or told it is unavailable.
        let wire = if t.doc.get_heads().is_empty() {
            WireMessage::Request {
                document_id: id,
                sender_id,
                target_id,
                data,
            }
        } else {
            WireMessage::Sync {
                document_id: id,
                sender_id,
                target_id,
                data,
            }
        };
        out.push(ClientOutput::Send(wire.encode()));
    }
}

impl Tracked {
    fn record_confirmation(&mut self) {
        if let Some(theirs) = &self.state.their_heads {
            let known: Vec<ChangeHash> = theirs
                .iter()
                .copied()
                .filter(|h| self.doc.get_change_meta_by_hash(h).is_some())
                .collect();
            if known.len() == theirs.len() {
                self.confirmed = known;
            } else {
                // They hold changes we have not received yet; what they hold of ours
                // is still at least the heads we knew of.
                let mut merged = self.confirmed.clone();
                merged.extend(known);
                merged.sort();
                merged.dedup();
                self.confirmed = merged;
            }
        }
    }

    fn unconfirmed(&self) -> usize {
        // The common case, all confirmed, without walking the change graph.
        let mut heads = self.doc.get_heads();
        let mut confirmed = self.confirmed.clone();
        heads.sort();
        confirmed.sort();
        if heads == confirmed {
            return 0;
        }
        let confirmed: Vec<ChangeHash> = self
            .confirmed
            .iter()
            .copied()
            .filter(|h| self.doc.get_change_meta_by_hash(h).is_some())
            .collect();
        self.doc.get_changes(&confirmed).len()
    }
}
