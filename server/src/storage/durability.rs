//! "Acknowledged means durable."
//!
//! samod answers a sync message (advertising its new heads, which the device
//! takes as "the relay has my changes") in the same step as it issues the
//! storage writes for those changes; the two run concurrently. A crash in
//! between would lose changes a device believes are safe. This module closes
//! that window: [`DurableStorage`] records which changes are on disk, and the
//! sync endpoint holds each outgoing message until every head it advertises
//! is durable and no write for that document is still running.
//!
//! Only a document's waiters are woken when its writes finish (one relay
//! serves hundreds of documents at once), and each document remembers only
//! its most recent durable changes: a message advertises the heads its
//! document had when it was generated, and it waits milliseconds, not
//! hundreds of changes.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::ChangeHash;
use ntm_core::sync::binary::{read_uleb, CHUNK_MAGIC};
use samod::storage::{Storage, StorageKey};
use tokio::sync::Notify;

/// How many durable changes a document remembers in each of its two
/// generations: between this and twice this many of its latest changes
/// are remembered.
const GENERATION: usize = 256;

/// A change as the ledger remembers it: the first 8 bytes of its hash, a
/// quarter of the memory of the whole (the ledger holds up to 512 per
/// document). Change hashes are SHA-256, so a recent change matching
/// another's fingerprint would take a search of 2^64 hashes aimed at that
/// one change; and a false match would only send an acknowledgement
/// before its write finished, never lose a change.
fn fingerprint(hash: &ChangeHash) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.0[..8]);
    u64::from_le_bytes(first)
}

#[derive(Default)]
struct DocState {
    /// Durable changes, the latest generation.
    durable: HashSet<u64>,
    /// The generation before it.
    older: HashSet<u64>,
    /// Changes read from disk when the document was loaded: all of them,
    /// since they come in no order and the loaded heads are among them.
    loaded: HashSet<u64>,
    writes_in_flight: usize,
    /// Wakes this document's waiters.
    changed: Arc<Notify>,
}

impl DocState {
    fn is_durable(&self, heads: &[ChangeHash]) -> bool {
        self.writes_in_flight == 0
            && heads.iter().map(fingerprint).all(|f| {
                self.durable.contains(&f) || self.older.contains(&f) || self.loaded.contains(&f)
            })
    }

    fn add(&mut self, hashes: impl IntoIterator<Item = ChangeHash>) {
        for hash in hashes {
            if self.durable.len() >= GENERATION {
                self.older = std::mem::take(&mut self.durable);
            }
            self.durable.insert(fingerprint(&hash));
        }
    }
}

/// Which changes of which documents are known to be on disk.
#[derive(Clone, Default)]
pub struct DurabilityLedger {
    docs: Arc<Mutex<HashMap<String, DocState>>>,
}

/// The outcome of waiting for durability.
#[derive(Debug, PartialEq, Eq)]
pub enum Durability {
    /// Everything advertised is on disk.
    Durable,
    /// Gave up waiting: the message must not go out (the connection is
    /// closed instead; the device offers its changes again later).
    TimedOut,
}

impl DurabilityLedger {
    fn update(&self, doc: &str, f: impl FnOnce(&mut DocState)) {
        let mut docs = self.docs.lock().expect("ledger lock");
        let state = match docs.get_mut(doc) {
            Some(state) => state,
            None => docs.entry(doc.to_owned()).or_default(),
        };
        f(state);
        state.changed.notify_waiters();
    }

    /// Counts a write as running (nobody waits for that).
    fn begin_write(&self, doc: &str) {
        let mut docs = self.docs.lock().expect("ledger lock");
        match docs.get_mut(doc) {
            Some(state) => state.writes_in_flight += 1,
            None => docs.entry(doc.to_owned()).or_default().writes_in_flight += 1,
        }
    }

    /// Whether `heads` are durable; if not, the signal that wakes the
    /// document's waiters.
    fn check(&self, doc: &str, heads: &[ChangeHash]) -> Result<(), Arc<Notify>> {
        let mut docs = self.docs.lock().expect("ledger lock");
        match docs.get(doc) {
            Some(state) if state.is_durable(heads) => Ok(()),
            Some(state) => Err(state.changed.clone()),
            None if heads.is_empty() => Ok(()),
            None => Err(docs.entry(doc.to_owned()).or_default().changed.clone()),
        }
    }

    /// Waits until `heads` of `doc` are on disk, or `timeout` passes.
    pub async fn wait_durable(
        &self,
        doc: &str,
        heads: &[ChangeHash],
        timeout: Duration,
    ) -> Durability {
        let wait = async {
            loop {
                let changed = match self.check(doc, heads) {
                    Ok(()) => return,
                    Err(changed) => changed,
                };
                let notified = changed.notified();
                tokio::pin!(notified);
                // Registered before the second look, so a write finishing
                // in between still wakes this waiter.
                notified.as_mut().enable();
                if self.check(doc, heads).is_ok() {
                    return;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(()) => Durability::Durable,
            Err(_) => Durability::TimedOut,
        }
    }

    /// Notes the changes of a chunk read from disk.
    fn record_loaded(&self, key: &StorageKey, data: &[u8]) {
        if let Some((doc, hashes)) = durable_hashes(key, data) {
            self.update(&doc, |s| s.loaded.extend(hashes.iter().map(fingerprint)));
        }
    }
}

/// The heads a sync message advertises, read from its start (type byte,
/// then the length-prefixed heads) without decoding the changes it carries.
pub fn sync_message_heads(message: &[u8]) -> Option<Vec<ChangeHash>> {
    // automerge's sync message types: 0x42 (v1) and 0x43 (v2), same layout.
    if !matches!(message.first()?, 0x42 | 0x43) {
        return None;
    }
    read_hashes(message, &mut 1)
}

/// A length-prefixed list of change hashes (automerge's binary formats),
/// from `pos`.
fn read_hashes(bytes: &[u8], pos: &mut usize) -> Option<Vec<ChangeHash>> {
    let count = read_uleb(bytes, pos)?;
    (0..count)
        .map(|_| {
            let hash = bytes.get(*pos..pos.checked_add(32)?)?;
            *pos += 32;
            ChangeHash::try_from(hash).ok()
        })
        .collect()
}

/// The document and change hashes a stored value makes durable: an
/// incremental change names its hash in the key; a snapshot holds its heads
/// in its header.
fn durable_hashes(key: &StorageKey, data: &[u8]) -> Option<(String, Vec<ChangeHash>)> {
    let parts: Vec<&String> = key.into_iter().collect();
    match parts.as_slice() {
        [doc, kind, hash] if kind.as_str() == "incremental" => {
            Some(((*doc).clone(), vec![ChangeHash::from_str(hash).ok()?]))
        }
        [doc, kind, _] if kind.as_str() == "snapshot" => {
            Some(((*doc).clone(), snapshot_heads(data)?))
        }
        _ => None,
    }
}

/// Reads the heads from the header of a saved Automerge document (the binary
/// format's document chunk: magic, checksum, type 0, length, actors, heads).
pub fn snapshot_heads(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    if bytes.get(..4)? != CHUNK_MAGIC || *bytes.get(8)? != 0 {
        return None;
    }
    let mut pos = 9;
    read_uleb(bytes, &mut pos)?; // chunk length
    let actors = read_uleb(bytes, &mut pos)?;
    for _ in 0..actors {
        let len = usize::try_from(read_uleb(bytes, &mut pos)?).ok()?;
        pos = pos.checked_add(len)?;
    }
    read_hashes(bytes, &mut pos)
}

/// The documents written since someone last asked: what the relay's own
/// work that follows documents (the province summary) reacts to. A set,
/// so a burst of writes to one document is one entry.
#[derive(Clone, Default)]
pub struct WrittenDocuments {
    inner: Arc<(Mutex<HashSet<String>>, Notify)>,
}

impl WrittenDocuments {
    fn note(&self, doc: &str) {
        let (pending, notify) = &*self.inner;
        let mut pending = pending.lock().expect("written lock");
        if !pending.contains(doc) {
            pending.insert(doc.to_owned());
        }
        notify.notify_one();
    }

    /// The documents written since the last call; waits for one if none was.
    pub async fn next(&self) -> HashSet<String> {
        let (pending, notify) = &*self.inner;
        loop {
            let taken = std::mem::take(&mut *pending.lock().expect("written lock"));
            if !taken.is_empty() {
                return taken;
            }
            // `notify_one` keeps a permit, so a write between the look and
            // this wait still wakes it.
            notify.notified().await;
        }
    }

    /// The documents written since the last call, without waiting.
    pub fn take(&self) -> HashSet<String> {
        std::mem::take(&mut *self.inner.0.lock().expect("written lock"))
    }
}

/// A `Storage` that reports to a [`DurabilityLedger`] what it has written
/// (and what it has loaded: that is on disk too), and notes each written
/// document in [`WrittenDocuments`].
#[derive(Clone)]
pub struct DurableStorage<S> {
    inner: S,
    ledger: DurabilityLedger,
    written: WrittenDocuments,
}

impl<S: Storage> DurableStorage<S> {
    /// Wraps a store.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            ledger: DurabilityLedger::default(),
            written: WrittenDocuments::default(),
        }
    }

    /// The ledger the sync endpoint waits on.
    pub fn ledger(&self) -> DurabilityLedger {
        self.ledger.clone()
    }

    /// The documents written through this store, as they become durable.
    pub fn written(&self) -> WrittenDocuments {
        self.written.clone()
    }
}

impl<S: Storage + Sync> Storage for DurableStorage<S> {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let value = self.inner.load(key.clone()).await;
        if let Some(data) = &value {
            self.ledger.record_loaded(&key, data);
        }
        value
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let values = self.inner.load_range(prefix).await;
        for (key, data) in &values {
            self.ledger.record_loaded(key, data);
        }
        values
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        let doc = (&key).into_iter().next().cloned();
        if let Some(doc) = &doc {
            self.ledger.begin_write(doc);
        }
        let hashes = durable_hashes(&key, &data);
        self.inner.put(key, data).await;
        if let Some(doc) = &doc {
            // One update, so waiters see the write's changes and its end
            // together.
            self.ledger.update(doc, |s| {
                if let Some((_, hashes)) = hashes {
                    s.add(hashes);
                }
                s.writes_in_flight -= 1;
            });
            self.written.note(doc);
        }
    }

    async fn delete(&self, key: StorageKey) {
        self.inner.delete(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};
    use samod::storage::InMemoryStorage;

    /// A document with two heads (concurrent edits, merged).
    fn two_heads() -> AutoCommit {
        let mut a = AutoCommit::new();
        a.put(ROOT, "x", 1).unwrap();
        let mut b = a.fork();
        a.put(ROOT, "y", 2).unwrap();
        b.put(ROOT, "z", 3).unwrap();
        a.merge(&mut b).unwrap();
        a
    }

    #[test]
    fn snapshot_heads_match_automerge() {
        let mut a = two_heads();
        let mut expected = a.get_heads();
        expected.sort();
        assert_eq!(expected.len(), 2);
        let mut parsed = snapshot_heads(&a.save()).unwrap();
        parsed.sort();
        assert_eq!(parsed, expected);
        assert_eq!(snapshot_heads(b"not a document"), None);
        assert_eq!(snapshot_heads(&a.save()[..20]), None);
    }

    #[test]
    fn sync_message_heads_match_automerge() {
        use automerge::sync::{State, SyncDoc};
        let mut a = two_heads();
        let message = a
            .sync()
            .generate_sync_message(&mut State::new())
            .expect("a first message")
            .encode();
        let decoded = automerge::sync::Message::decode(&message).unwrap();
        assert_eq!(decoded.heads.len(), 2);
        assert_eq!(sync_message_heads(&message), Some(decoded.heads.clone()));
        // The v2 type byte has the same layout.
        let mut v2 = message.clone();
        v2[0] = 0x43;
        assert_eq!(sync_message_heads(&v2), Some(decoded.heads));
        assert_eq!(sync_message_heads(b"\x42"), None);
        assert_eq!(sync_message_heads(&message[..20]), None);
        assert_eq!(sync_message_heads(b"not a sync message"), None);
    }

    #[tokio::test]
    async fn remembers_a_documents_latest_changes_only() {
        let ledger = DurabilityLedger::default();
        let hash = |i: u32| {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&i.to_be_bytes());
            ChangeHash(bytes)
        };
        let short = Duration::from_millis(20);
        ledger.update("d", |s| s.add((0..3 * GENERATION as u32).map(hash)));
        let latest = hash(3 * GENERATION as u32 - 1);
        assert_eq!(
            ledger
                .wait_durable("d", &[latest, hash(2 * GENERATION as u32)], short)
                .await,
            Durability::Durable
        );
        assert_eq!(
            ledger.wait_durable("d", &[hash(0)], short).await,
            Durability::TimedOut
        );
        let docs = ledger.docs.lock().unwrap();
        let state = &docs["d"];
        assert!(state.durable.len() + state.older.len() <= 2 * GENERATION);
    }

    #[tokio::test]
    async fn every_loaded_change_counts_however_many() {
        let storage = DurableStorage::new(InMemoryStorage::new());
        let mut doc = AutoCommit::new();
        let mut hashes = Vec::new();
        for i in 0..3 * GENERATION {
            doc.put(ROOT, "x", i as i64).unwrap();
            hashes.push(doc.get_heads()[0]);
        }
        for h in &hashes {
            let key = StorageKey::from_parts(["d", "incremental", &h.to_string()]).unwrap();
            storage.inner.put(key, vec![1]).await;
        }
        let reloaded = DurableStorage::new(storage.inner.clone());
        reloaded
            .load_range(StorageKey::from_parts(["d"]).unwrap())
            .await;
        let short = Duration::from_millis(20);
        for h in [hashes[0], hashes[GENERATION], *hashes.last().unwrap()] {
            assert_eq!(
                reloaded.ledger().wait_durable("d", &[h], short).await,
                Durability::Durable
            );
        }
    }

    #[tokio::test]
    async fn a_write_wakes_only_its_documents_waiters() {
        let storage = DurableStorage::new(InMemoryStorage::new());
        let ledger = storage.ledger();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "x", 1).unwrap();
        let head = doc.get_heads()[0];
        let waiter = tokio::spawn({
            let ledger = ledger.clone();
            async move {
                ledger
                    .wait_durable("d", &[head], Duration::from_secs(5))
                    .await
            }
        });
        tokio::task::yield_now().await;
        // Another document's write leaves the waiter waiting...
        let other = StorageKey::from_parts(["e", "incremental", &head.to_string()]).unwrap();
        storage.put(other, vec![1]).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        // ...its own ends the wait.
        let key = StorageKey::from_parts(["d", "incremental", &head.to_string()]).unwrap();
        storage.put(key, vec![1]).await;
        assert_eq!(waiter.await.unwrap(), Durability::Durable);
    }

    #[tokio::test]
    async fn waits_for_writes_and_heads() {
        let storage = DurableStorage::new(InMemoryStorage::new());
        let ledger = storage.ledger();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "x", 1).unwrap();
        let head = doc.get_heads()[0];
        let short = Duration::from_millis(50);
        assert_eq!(
            ledger.wait_durable("d", &[head], short).await,
            Durability::TimedOut
        );
        assert_eq!(
            ledger.wait_durable("d", &[], short).await,
            Durability::Durable
        );
        let key = StorageKey::from_parts(["d", "incremental", &head.to_string()]).unwrap();
        let waiter = tokio::spawn({
            let ledger = ledger.clone();
            async move {
                ledger
                    .wait_durable("d", &[head], Duration::from_secs(5))
                    .await
            }
        });
        storage.put(key, vec![1]).await;
        assert_eq!(waiter.await.unwrap(), Durability::Durable);
        // A snapshot makes its heads durable too, and so does loading one.
        doc.put(ROOT, "y", 2).unwrap();
        let head2 = doc.get_heads()[0];
        let snap = StorageKey::from_parts(["e", "snapshot", "abc"]).unwrap();
        let storage2 = DurableStorage::new(InMemoryStorage::new());
        storage2.put(snap.clone(), doc.save()).await;
        assert_eq!(
            storage2.ledger().wait_durable("e", &[head2], short).await,
            Durability::Durable
        );
        let reloaded = DurableStorage::new(storage2.inner.clone());
        reloaded
            .load_range(StorageKey::from_parts(["e"]).unwrap())
            .await;
        assert_eq!(
            reloaded.ledger().wait_durable("e", &[head2], short).await,
            Durability::Durable
        );
    }
}
