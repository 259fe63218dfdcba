//! The client state machine against a minimal in-test relay peer.

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, Automerge};

use super::*;
use crate::ids::{DocumentId, PeerId};
use crate::survey::{self, HouseholdEdit, HouseholdId};

/// The accepting side of the protocol, just enough to test clients: every
/// document it is sent, one sync state per document (one connection).
pub(crate) struct TestRelay {
    docs: std::collections::BTreeMap<DocumentId, (Automerge, sync::State)>,
    /// What it serves for a document it never heard of (else: unavailable).
    default: Option<Automerge>,
}

impl TestRelay {
    /// A relay serving `doc` for any document asked, or none.
    pub(crate) fn new(doc: Option<Automerge>) -> Self {
        Self {
            docs: Default::default(),
            default: doc,
        }
    }

    /// A relay holding these documents.
    pub(crate) fn with(docs: impl IntoIterator<Item = (DocumentId, Automerge)>) -> Self {
        Self {
            docs: docs
                .into_iter()
                .map(|(id, d)| (id, (d, sync::State::new())))
                .collect(),
            default: None,
        }
    }

    /// The relay's copy of a document.
    pub(crate) fn doc(&self, id: &DocumentId) -> &Automerge {
        &self.docs[id].0
    }

    /// Forgets every sync state (a new connection).
    pub(crate) fn reconnect(&mut self) {
        for (_, state) in self.docs.values_mut() {
            *state = sync::State::new();
        }
    }

    pub(crate) fn receive(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let relay = PeerId::new("relay");
        match WireMessage::decode(bytes).unwrap() {
            WireMessage::Join { sender_id, .. } => vec![WireMessage::Peer {
                sender_id: relay,
                target_id: sender_id,
                selected_protocol_version: "1".into(),
                metadata: None,
            }
            .encode()],
            WireMessage::Request {
                document_id,
                sender_id,
                ..
            } if !self.docs.contains_key(&document_id) && self.default.is_none() => {
                vec![WireMessage::DocUnavailable {
                    document_id,
                    sender_id: relay,
                    target_id: sender_id,
                }
                .encode()]
            }
            WireMessage::Sync {
                document_id,
                sender_id,
                data,
                ..
            }
            | WireMessage::Request {
                document_id,
                sender_id,
                data,
                ..
            } => {
                let default = self.default.clone();
                let (doc, state) = self
                    .docs
                    .entry(document_id)
                    .or_insert_with(|| (default.unwrap_or_default(), sync::State::new()));
                doc.receive_sync_message(state, sync::Message::decode(&data).unwrap())
                    .unwrap();
                doc.generate_sync_message(state)
                    .map(|m| {
                        WireMessage::Sync {
                            document_id,
                            sender_id: relay,
                            target_id: sender_id,
                            data: m.encode(),
                        }
                        .encode()
                    })
                    .into_iter()
                    .collect()
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Delivers messages both ways until both sides are quiet.
fn pump(
    client: &mut SyncClient,
    relay: &mut TestRelay,
    first: Vec<ClientOutput>,
) -> Vec<ClientOutput> {
    let mut seen = Vec::new();
    let mut to_relay: Vec<Vec<u8>> = Vec::new();
    for o in first {
        match o {
            ClientOutput::Send(b) => to_relay.push(b),
            other => seen.push(other),
        }
    }
    while !to_relay.is_empty() {
        let replies: Vec<Vec<u8>> = to_relay.drain(..).flat_map(|b| relay.receive(&b)).collect();
        for r in replies {
            for o in client.handle(ClientEvent::Received(&r)).unwrap() {
                match o {
                    ClientOutput::Send(b) => to_relay.push(b),
                    other => seen.push(other),
                }
            }
        }
    }
    seen
}

fn demo() -> DocumentId {
    survey::demo_commune().document_id
}

#[test]
fn handshake_then_sync_brings_status_to_up_to_date() {
    let mut doc = survey::genesis(&survey::demo_commune());
    doc.set_actor(ActorId::from(vec![1; 16]));
    let mut client = SyncClient::new(PeerId::new("a"), Some("store-a".into()));
    assert!(
        client.add_document(demo(), doc, vec![]).is_empty(),
        "nothing is sent while offline"
    );
    let id = HouseholdId::from_random([9; 16]);
    survey::add_household(
        client.document_mut(&demo()).unwrap(),
        &id,
        "Giàng A Sử",
        4,
        "Bản Hồ",
        5,
    )
    .unwrap();
    assert_eq!(client.status(), SyncStatus::Offline);
    assert_eq!(
        client.unconfirmed_changes(),
        2,
        "genesis and the household are not on the relay yet"
    );

    let mut relay = TestRelay::new(None);
    let out = client.handle(ClientEvent::Connected).unwrap();
    let ClientOutput::Send(join) = &out[0] else {
        panic!()
    };
    assert!(matches!(
        WireMessage::decode(join).unwrap(),
        WireMessage::Join { .. }
    ));
    assert_eq!(client.status(), SyncStatus::Syncing);
    pump(&mut client, &mut relay, out);
    assert_eq!(client.status(), SyncStatus::UpToDate);
    assert_eq!(client.unconfirmed_changes(), 0);
    assert_eq!(survey::households(relay.doc(&demo())).len(), 1);

    // A local change is offered at once and confirmed.
    survey::edit_household(
        client.document_mut(&demo()).unwrap(),
        &id,
        HouseholdEdit::Members(5),
        6,
    )
    .unwrap();
    assert_eq!(client.unconfirmed_changes(), 1);
    let out = client.handle(ClientEvent::LocalChange(demo())).unwrap();
    assert_eq!(out.len(), 1);
    pump(&mut client, &mut relay, out);
    assert_eq!(client.unconfirmed_changes(), 0);
    assert_eq!(
        survey::households(relay.doc(&demo()))[0].members.value,
        Some(5)
    );

    // Disconnect keeps what was confirmed.
    client.handle(ClientEvent::Disconnected).unwrap();
    assert_eq!(client.status(), SyncStatus::Offline);
    assert_eq!(client.unconfirmed_changes(), 0);
}

#[test]
fn an_empty_document_is_requested_and_can_be_unavailable_or_found() {
    let wanted = DocumentId::from_bytes([42; 16]);
    let mut client = SyncClient::new(PeerId::new("b"), None);
    client.add_document(wanted, Automerge::new(), vec![]);
    let mut relay = TestRelay::new(None);
    let out = client.handle(ClientEvent::Connected).unwrap();
    let seen = pump(&mut client, &mut relay, out);
    assert_eq!(seen, vec![ClientOutput::DocumentUnavailable(wanted)]);
    assert!(client.is_unavailable(&wanted));

    let mut relay = TestRelay::new(Some(survey::genesis(&survey::demo_commune())));
    let mut client = SyncClient::new(PeerId::new("c"), None);
    client.add_document(wanted, Automerge::new(), vec![]);
    let out = client.handle(ClientEvent::Connected).unwrap();
    let seen = pump(&mut client, &mut relay, out);
    assert!(seen.contains(&ClientOutput::DocumentChanged(wanted)));
    assert_eq!(
        client.document(&wanted).unwrap().get_heads(),
        relay.doc(&wanted).get_heads()
    );
    assert_eq!(client.status(), SyncStatus::UpToDate);
}

#[test]
fn protocol_violations_and_garbage_are_errors_not_panics() {
    let mut client = SyncClient::new(PeerId::new("d"), None);
    client.add_document(demo(), survey::genesis(&survey::demo_commune()), vec![]);
    client.handle(ClientEvent::Connected).unwrap();
    assert!(matches!(
        client.handle(ClientEvent::Received(&[0xff, 0x00])),
        Err(ClientError::Decode(_))
    ));
    let early = WireMessage::Sync {
        document_id: demo(),
        sender_id: PeerId::new("relay"),
        target_id: PeerId::new("d"),
        data: vec![],
    }
    .encode();
    assert!(matches!(
        client.handle(ClientEvent::Received(&early)),
        Err(ClientError::Protocol(_))
    ));
    let peer = WireMessage::Peer {
        sender_id: PeerId::new("relay"),
        target_id: PeerId::new("d"),
        selected_protocol_version: "1".into(),
        metadata: None,
    }
    .encode();
    client.handle(ClientEvent::Received(&peer)).unwrap();
    let bad_sync = WireMessage::Sync {
        document_id: demo(),
        sender_id: PeerId::new("relay"),
        target_id: PeerId::new("d"),
        data: vec![1, 2, 3],
    }
    .encode();
    assert!(matches!(
        client.handle(ClientEvent::Received(&bad_sync)),
        Err(ClientError::SyncData { .. })
    ));
    let err = WireMessage::Error {
        message: "not allowed".into(),
    }
    .encode();
    assert_eq!(
        client.handle(ClientEvent::Received(&err)).unwrap(),
        vec![ClientOutput::RemoteError("not allowed".into())]
    );
}

#[test]
fn two_clients_converge_through_one_relay() {
    let mk = |actor: u8| {
        let mut doc = survey::genesis(&survey::demo_commune());
        doc.set_actor(ActorId::from(vec![actor; 16]));
        let mut c = SyncClient::new(PeerId::new(format!("p{actor}")), None);
        c.add_document(demo(), doc, vec![]);
        c
    };
    let (mut a, mut b) = (mk(1), mk(2));
    let shared_id = HouseholdId::from_random([1; 16]);
    survey::add_household(a.document_mut(&demo()).unwrap(), &shared_id, "A", 2, "V", 1).unwrap();
    survey::add_household(
        b.document_mut(&demo()).unwrap(),
        &HouseholdId::from_random([2; 16]),
        "B",
        3,
        "V",
        1,
    )
    .unwrap();
    let mut relay = TestRelay::new(None);
    let mut session = |c: &mut SyncClient| {
        let out = c.handle(ClientEvent::Connected).unwrap();
        pump(c, &mut relay, out);
        c.handle(ClientEvent::Disconnected).unwrap();
        relay.reconnect(); // one relay-side state per connection
    };
    session(&mut a);
    session(&mut b);
    session(&mut a);
    assert_eq!(
        a.document(&demo()).unwrap().get_heads(),
        relay.doc(&demo()).get_heads()
    );
    assert_eq!(survey::households(a.document(&demo()).unwrap()).len(), 2);
}
