//! The automerge-repo sync protocol: wire format and the client state machine.

pub mod authors;
pub mod backoff;
pub mod binary;
pub mod client;
pub mod wire;

#[cfg(test)]
mod convergence;
#[cfg(test)]
pub(crate) mod tests;

pub use authors::{sync_message_authors, Author, AuthorKind};
pub use backoff::Backoff;
pub use client::{ClientError, ClientEvent, ClientOutput, SyncClient, SyncStatus};
pub use wire::{DecodeError, PeerMetadata, WireMessage, PROTOCOL_VERSION};
