//! The app's IndexedDB store and the core's document logic, in real headless
//! Chromium (run by `cargo xtask test` through wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use automerge::{ActorId, Automerge};
use ntm_app::store::LocalStore;
use ntm_core::survey::{self, HouseholdEdit, HouseholdId};
use ntm_core::sync::{ClientEvent, SyncClient, WireMessage};
use ntm_core::{DocumentId, PeerId};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh_store(name: &str) -> LocalStore {
    // Unique per run: the browser profile outlives one test binary.
    let name = format!("{name}-{}", js_sys::Date::now());
    LocalStore::open_named(&name).await.expect("open IndexedDB")
}

#[wasm_bindgen_test]
async fn chunks_round_trip_through_indexeddb_and_rebuild_the_document() {
    let store = fresh_store("chunks").await;
    let commune = survey::demo_commune();
    let id = commune.document_id;
    let mut doc = survey::genesis(&commune);
    doc.set_actor(ActorId::from([5u8; 16]));
    store.append(&id, doc.save()).await.unwrap();
    let mut persisted = doc.get_heads();
    let hh = HouseholdId::from_random([1; 16]);
    survey::add_household(&mut doc, &hh, "Sùng Thị Mỷ", 4, "Bản Dền", 1_700_000_000).unwrap();
    store.append(&id, doc.save_after(&persisted)).await.unwrap();
    persisted = doc.get_heads();
    survey::edit_household(&mut doc, &hh, HouseholdEdit::Members(5), 1_700_000_001).unwrap();
    store.append(&id, doc.save_after(&persisted)).await.unwrap();

    // Another document's chunks are not mixed in.
    let other = DocumentId::from_bytes([9; 16]);
    store.append(&other, vec![1, 2, 3]).await.unwrap();

    let chunks = store.load(&id).await.unwrap();
    assert_eq!(chunks.bytes.len(), 3);
    let mut loaded = Automerge::new();
    for c in &chunks.bytes {
        loaded.load_incremental(c).unwrap();
    }
    assert_eq!(loaded.get_heads(), doc.get_heads());
    let list = survey::households(&loaded);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].members.value, Some(5));
    assert_eq!(list[0].head.value.as_deref(), Some("Sùng Thị Mỷ"));

    // Compaction replaces the chunks by one snapshot, atomically.
    store
        .compact(&id, loaded.save(), &chunks.keys)
        .await
        .unwrap();
    let compacted = store.load(&id).await.unwrap();
    assert_eq!(compacted.bytes.len(), 1);
    assert_eq!(
        Automerge::load(&compacted.bytes[0]).unwrap().get_heads(),
        doc.get_heads()
    );
    assert_eq!(store.load(&other).await.unwrap().bytes, vec![vec![1, 2, 3]]);
}

#[wasm_bindgen_test]
async fn a_kept_view_is_kept_apart_from_the_chunks_and_the_listed_settings() {
    let store = fresh_store("kept-view").await;
    let commune = survey::demo_commune();
    let id = commune.document_id;
    store
        .append(&id, survey::genesis(&commune).save())
        .await
        .unwrap();
    assert_eq!(store.kept_view(&id).await.unwrap(), None);
    store.keep_view(&id, vec![1, 2, 3]).await.unwrap();
    store.keep_view(&id, vec![4, 5]).await.unwrap();
    assert_eq!(store.kept_view(&id).await.unwrap(), Some(vec![4, 5]));
    // The document still loads from its one chunk: the view is not one;
    // nor is it among the settings listed by prefix.
    assert_eq!(store.load(&id).await.unwrap().keys.len(), 1);
    store.set_meta("upload/x", "1").await.unwrap();
    assert_eq!(store.meta_with_prefix("upload/").await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn device_settings_persist() {
    let store = fresh_store("meta").await;
    assert_eq!(store.meta("actor").await.unwrap(), None);
    store.set_meta("actor", "abc").await.unwrap();
    store.set_meta("actor", "def").await.unwrap();
    assert_eq!(store.meta("actor").await.unwrap().as_deref(), Some("def"));
}

#[wasm_bindgen_test]
fn sync_client_speaks_the_protocol_on_wasm() {
    let commune = survey::demo_commune();
    let mut client = SyncClient::new(PeerId::new("wasm"), Some("s".into()));
    client.add_document(commune.document_id, survey::genesis(&commune), vec![]);
    let out = client.handle(ClientEvent::Connected).unwrap();
    let ntm_core::sync::ClientOutput::Send(join) = &out[0] else {
        panic!("{out:?}")
    };
    assert!(matches!(
        WireMessage::decode(join).unwrap(),
        WireMessage::Join { .. }
    ));
    let peer = WireMessage::Peer {
        sender_id: PeerId::new("relay"),
        target_id: PeerId::new("wasm"),
        selected_protocol_version: "1".into(),
        metadata: None,
    };
    let out = client
        .handle(ClientEvent::Received(&peer.encode()))
        .unwrap();
    let ntm_core::sync::ClientOutput::Send(sync) = &out[0] else {
        panic!("{out:?}")
    };
    assert!(matches!(
        WireMessage::decode(sync).unwrap(),
        WireMessage::Sync { .. }
    ));
    assert!(client.handle(ClientEvent::Received(&[0xde, 0xad])).is_err());
}

/// A chunk that does not load (here, as seen in the field: two tabs that
/// shared one actor, each wrote "change 1" of it) never stops the app: it is
/// set aside, kept, reported, and every other chunk opens.
#[wasm_bindgen_test]
async fn a_chunk_that_does_not_load_is_set_aside_and_everything_else_opens() {
    let store = fresh_store("set-aside").await;
    let commune = survey::demo_commune();
    let id = commune.document_id;
    let genesis = survey::genesis(&commune);
    store.append(&id, genesis.save()).await.unwrap();
    let base = genesis.get_heads();
    let tab = |n: u8| {
        let mut doc = genesis.clone();
        doc.set_actor(ActorId::from([7u8; 16]));
        let hh = HouseholdId::from_random([n; 16]);
        survey::add_household(
            &mut doc,
            &hh,
            &format!("Hộ {n}"),
            2,
            "Bản Hồ",
            1_700_000_000,
        )
        .unwrap();
        doc
    };
    let (first, second) = (tab(1), tab(2));
    let first_key = store.append(&id, first.save_after(&base)).await.unwrap();
    let second_key = store.append(&id, second.save_after(&base)).await.unwrap();

    let loaded = ntm_app::engine::load(&store, &id).await.unwrap();
    assert_eq!(loaded.set_aside.len(), 1);
    // Chunks load in key order; two appends in one millisecond may swap.
    let keys: Vec<&String> = loaded.chunks.iter().map(|(k, _)| k).collect();
    let (kept, bad_key) = if keys.contains(&&first_key) {
        (&first, second_key)
    } else {
        (&second, first_key)
    };
    assert_eq!(loaded.doc.get_heads(), kept.get_heads());
    assert_eq!(survey::households(&loaded.doc).len(), 1);
    assert_eq!(keys.len(), 2);
    assert!(!keys.contains(&&bad_key));
    // Kept, not deleted, and out of the document's chunks from now on.
    let aside = store.set_aside_keys().await.unwrap();
    assert!(aside.iter().any(|k| k.ends_with(&bad_key)), "{aside:?}");
    let again = ntm_app::engine::load(&store, &id).await.unwrap();
    assert!(again.set_aside.is_empty());
    assert_eq!(again.doc.get_heads(), kept.get_heads());
}

/// A database as version 1 of the app left it (chunks and settings, no
/// photo store), holding a chunk and a setting.
async fn version_1_database(name: &str, doc: &DocumentId) {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use indexed_db_futures::typed_array::Uint8Array;
    let db = Database::open(name)
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db| {
            db.create_object_store("chunks").build()?;
            db.create_object_store("meta").build()?;
            Ok(())
        })
        .await
        .unwrap();
    let tx = db
        .transaction(["chunks", "meta"])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    tx.object_store("chunks")
        .unwrap()
        .put(Uint8Array::from(vec![7u8, 7, 7]))
        .with_key(format!("{doc}/0000000000001-0000000000000001"))
        .primitive()
        .unwrap();
    tx.object_store("meta")
        .unwrap()
        .put("unsynced".to_owned())
        .with_key("note".to_owned())
        .primitive()
        .unwrap();
    tx.commit().await.unwrap();
    db.close();
}

#[wasm_bindgen_test]
async fn a_store_of_the_previous_format_is_upgraded_and_keeps_everything() {
    let name = format!("upgrade-{}", js_sys::Date::now());
    let doc = DocumentId::derived("upgrade");
    version_1_database(&name, &doc).await;
    let store = LocalStore::open_named(&name).await.expect("upgrade");
    assert_eq!(store.load(&doc).await.unwrap().bytes, vec![vec![7, 7, 7]]);
    assert_eq!(
        store.meta("note").await.unwrap().as_deref(),
        Some("unsynced")
    );
    // A photo and its place in the upload queue, kept together; twice
    // keeps one copy.
    let queued = [("upload/ab".to_owned(), "ab:3".to_owned())];
    for _ in 0..2 {
        store
            .keep(vec![("ab".into(), vec![1, 2, 3])], &queued)
            .await
            .unwrap();
    }
    assert_eq!(store.blob("ab").await.unwrap(), Some(vec![1, 2, 3]));
    assert_eq!(store.blob("cd").await.unwrap(), None);
    assert_eq!(store.meta_with_prefix("upload/").await.unwrap(), queued);
    store.delete_meta("upload/ab").await.unwrap();
    assert!(store.meta_with_prefix("upload/").await.unwrap().is_empty());
    assert_eq!(
        store.meta("note").await.unwrap().as_deref(),
        Some("unsynced")
    );
}

#[wasm_bindgen_test]
async fn data_stored_by_a_newer_version_is_refused_and_left_alone() {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    let name = format!("newer-{}", js_sys::Date::now());
    let newer = ntm_app::store::FORMAT_VERSION + 1;
    let db = Database::open(name.as_str())
        .with_version(newer)
        .with_on_upgrade_needed(|_, db| {
            db.create_object_store("chunks").build()?;
            db.create_object_store("meta").build()?;
            db.create_object_store("from-the-future").build()?;
            Ok(())
        })
        .await
        .unwrap();
    db.close();
    let refused = LocalStore::open_named(&name).await.err().expect("refused");
    assert!(
        refused.0.contains(ntm_app::store::NEWER_FORMAT),
        "{refused}"
    );
    // Still there, at its version, with its stores.
    let db = Database::open(name.as_str()).await.unwrap();
    assert_eq!(db.version() as u32, newer);
    assert!(db.object_store_names().any(|n| n == "from-the-future"));
}
