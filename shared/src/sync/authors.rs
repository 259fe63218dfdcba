//! Who wrote the changes a sync message carries, so that the relay can bind
//! each actor to the one enrolled device that uses it (DESIGN.md §3: every
//! writing session has its own actor). Pure: bytes in, authors out.
//!
//! Two kinds of actor are not a device's:
//! - the shared genesis actors ([`crate::survey::GENESIS_ACTOR`],
//!   [`crate::appraisal::GENESIS_ACTOR`]): their first change is
//!   byte-identical on every device by design, so any device may carry it;
//!   any later change of theirs is a forgery;
//! - reserved actors, whose bytes start with `ntm-`: admin tooling's own
//!   writes (demo seed, catalogs, registry), which reach the relay's storage
//!   directly and are never sent by a device.

use automerge::{ActorId, Automerge, Change, ChangeHash};

use super::binary::{read_uleb, CHUNK_MAGIC};

/// One change's author, as the message carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The writing session's actor.
    pub actor: ActorId,
    /// Its sequence number for that actor.
    pub seq: u64,
    /// The change's hash.
    pub hash: ChangeHash,
}

/// What an actor is to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    /// The shared genesis change (sequence 1 of a genesis actor): anyone's.
    SharedGenesis,
    /// A genesis actor's later change, or admin tooling's actor: no device's.
    Reserved,
    /// A device's writing session: bound to the first device that sends it.
    Device,
}

/// Prefix of every actor that is not a device's writing session.
pub const RESERVED_PREFIX: &[u8] = b"ntm-";

impl Author {
    /// What this change's actor is (see the module docs).
    pub fn kind(&self) -> AuthorKind {
        let bytes = self.actor.to_bytes();
        let genesis = [
            crate::survey::GENESIS_ACTOR,
            crate::appraisal::GENESIS_ACTOR,
        ]
        .contains(&bytes);
        if genesis && self.seq == 1 {
            AuthorKind::SharedGenesis
        } else if bytes.starts_with(RESERVED_PREFIX) {
            AuthorKind::Reserved
        } else {
            AuthorKind::Device
        }
    }
}

/// Why a message's changes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorsError {
    /// Not an Automerge sync message.
    #[error("not an automerge sync message: {0}")]
    Message(String),
    /// A chunk that is not a change or a document.
    #[error("unreadable change data: {0}")]
    Chunk(String),
}

/// Splits concatenated storage chunks (a v2 message carries its changes
/// back to back in one): magic, checksum, type, length, data.
fn split_chunks(mut bytes: &[u8]) -> Result<Vec<(u8, &[u8])>, AuthorsError> {
    let bad = |what: &str| AuthorsError::Chunk(what.to_owned());
    let mut chunks = Vec::new();
    while !bytes.is_empty() {
        if bytes.get(..4) != Some(&CHUNK_MAGIC[..]) {
            return Err(bad("missing chunk magic"));
        }
        let kind = *bytes.get(8).ok_or_else(|| bad("truncated chunk header"))?;
        let mut pos = 9;
        let len = read_uleb(bytes, &mut pos).ok_or_else(|| bad("truncated chunk length"))?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| pos.checked_add(l))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| bad("chunk longer than the message"))?;
        chunks.push((kind, &bytes[..end]));
        bytes = &bytes[end..];
    }
    Ok(chunks)
}

/// The authors of every change in an Automerge sync message (the `data` of
/// a protocol `sync` or `request` message). A whole document (v2 messages
/// send one to a peer that has nothing) yields every change in it.
pub fn sync_message_authors(data: &[u8]) -> Result<Vec<Author>, AuthorsError> {
    let message =
        automerge::sync::Message::decode(data).map_err(|e| AuthorsError::Message(e.to_string()))?;
    let mut authors = Vec::new();
    for bytes in message.changes.iter() {
        for (kind, chunk) in split_chunks(bytes)? {
            match kind {
                // A change, plain or deflated.
                1 | 2 => {
                    let change = Change::from_bytes(chunk.to_vec())
                        .map_err(|e| AuthorsError::Chunk(e.to_string()))?;
                    authors.push(author(&change));
                }
                // A whole document: every change in it.
                0 => {
                    let doc =
                        Automerge::load(chunk).map_err(|e| AuthorsError::Chunk(e.to_string()))?;
                    authors.extend(doc.get_changes(&[]).iter().map(author));
                }
                other => return Err(AuthorsError::Chunk(format!("chunk type {other}"))),
            }
        }
    }
    Ok(authors)
}

fn author(change: &Change) -> Author {
    Author {
        actor: change.actor_id().clone(),
        seq: change.seq(),
        hash: change.hash(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{self, HouseholdId};
    use automerge::sync::{State, SyncDoc};

    /// A sync message from `doc` to a peer that has `peer_has`.
    fn message(doc: &Automerge, peer: &Automerge) -> Vec<u8> {
        let (mut ours, mut theirs) = (State::new(), State::new());
        let peer = peer.clone();
        // One round so that the sender knows what the peer lacks.
        let hello = peer.generate_sync_message(&mut theirs).unwrap();
        let mut doc = doc.clone();
        doc.receive_sync_message(&mut ours, hello).unwrap();
        doc.generate_sync_message(&mut ours).unwrap().encode()
    }

    #[test]
    fn every_change_a_message_carries_is_attributed_and_classified() {
        let commune = survey::demo_commune();
        let genesis = survey::genesis(&commune);
        let mut doc = genesis.clone();
        doc.set_actor(ActorId::from([9u8; 16]));
        for n in 0..3u8 {
            let id = HouseholdId::from_random([n; 16]);
            survey::add_household(&mut doc, &id, "Lò Văn Sáng", 3, "Bản Dền", 1).unwrap();
        }
        // To a peer with the genesis: the three changes (and maybe the
        // genesis again, which the sender may not yet know the peer has).
        let authors: Vec<Author> = sync_message_authors(&message(&doc, &genesis))
            .unwrap()
            .into_iter()
            .filter(|a| a.kind() != AuthorKind::SharedGenesis)
            .collect();
        assert_eq!(authors.len(), 3);
        assert!(authors.iter().all(|a| a.actor == ActorId::from([9u8; 16])));
        assert_eq!(authors.iter().map(|a| a.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(authors.iter().all(|a| a.kind() == AuthorKind::Device));
        // To a peer with nothing: the whole document, genesis included.
        let all = sync_message_authors(&message(&doc, &Automerge::new())).unwrap();
        assert_eq!(all.len(), 4);
        let genesis_author = all
            .iter()
            .find(|a| a.seq == 1 && a.kind() != AuthorKind::Device);
        assert_eq!(
            genesis_author.map(Author::kind),
            Some(AuthorKind::SharedGenesis)
        );
    }

    #[test]
    fn a_genesis_actor_past_its_first_change_and_admin_actors_are_no_device_s() {
        let author = |actor: &[u8], seq| Author {
            actor: ActorId::from(actor),
            seq,
            hash: ChangeHash([0; 32]),
        };
        assert_eq!(
            author(survey::GENESIS_ACTOR, 2).kind(),
            AuthorKind::Reserved
        );
        assert_eq!(
            author(crate::appraisal::GENESIS_ACTOR, 1).kind(),
            AuthorKind::SharedGenesis
        );
        assert_eq!(
            author(b"ntm-demo-seed:sa-pa-ta-van", 7).kind(),
            AuthorKind::Reserved
        );
        assert_eq!(author(&[7; 16], 1).kind(), AuthorKind::Device);
        assert!(sync_message_authors(b"nonsense").is_err());
    }
}
