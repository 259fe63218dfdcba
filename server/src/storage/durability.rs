//! "Acknowledged means durable."
//!
//! samod answers a sync message (advertising its new heads, which the device
//! takes as "the relay has my changes") in the same step as it issues the
//! storage writes for those changes; the two run concurrently. A crash in
//! between would lose changes a device believes are safe. This module closes
//! that window: [`DurableStorage`] records which changes are on disk, and the
//! sync endpoint holds each outgoing message until every head it advertises
//! is durable and no write for that document is still running.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::ChangeHash;
use samod::storage::{Storage, StorageKey};
use tokio::sync::watch;

#[derive(Default)]
struct DocState {
    durable: HashSet<ChangeHash>,
    writes_in_flight: usize,
}

/// Which changes of which documents are known to be on disk.
#[derive(Clone)]
pub struct DurabilityLedger {
    docs: Arc<Mutex<HashMap<String, DocState>>>,
    version: Arc<watch::Sender<u64>>,
}

/// The outcome of waiting for durability.
#[derive(Debug, PartialEq, Eq)]
pub enum Durability {
    /// Everything advertised is on disk.
    Durable,
    /// Gave up waiting; the message goes out anyway (logged), since holding
    /// it forever would stall the peer for good.
    TimedOut,
}

impl Default for DurabilityLedger {
    fn default() -> Self {
        Self {
            docs: Arc::default(),
            version: Arc::new(watch::channel(0).0),
        }
    }
}

impl DurabilityLedger {
    fn update(&self, doc: &str, f: impl FnOnce(&mut DocState)) {
        f(self
            .docs
            .lock()
            .expect("ledger lock")
            .entry(doc.to_owned())
            .or_default());
        self.version.send_modify(|v| *v += 1);
    }

    fn is_durable(&self, doc: &str, heads: &[ChangeHash]) -> bool {
        let docs = self.docs.lock().expect("ledger lock");
        match docs.get(doc) {
            Some(state) => {
                state.writes_in_flight == 0 && heads.iter().all(|h| state.durable.contains(h))
            }
            None => heads.is_empty(),
        }
    }

    /// Waits until `heads` of `doc` are on disk, or `timeout` passes.
    pub async fn wait_durable(
        &self,
        doc: &str,
        heads: &[ChangeHash],
        timeout: Duration,
    ) -> Durability {
        let mut changes = self.version.subscribe();
        let wait = async {
            loop {
                if self.is_durable(doc, heads) {
                    return;
                }
                if changes.changed().await.is_err() {
                    return;
                }
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(()) => Durability::Durable,
            Err(_) => Durability::TimedOut,
        }
    }

    fn record(&self, key: &StorageKey, data: &[u8]) {
        if let Some((doc, hashes)) = durable_hashes(key, data) {
            self.update(&doc, |s| s.durable.extend(hashes));
        }
    }
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

fn read_uleb(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Reads the heads from the header of a saved Automerge document (the binary
/// format's document chunk: magic, checksum, type 0, length, actors, heads).
pub fn snapshot_heads(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    if bytes.get(..4)? != MAGIC || *bytes.get(8)? != 0 {
        return None;
    }
    let mut pos = 9;
    read_uleb(bytes, &mut pos)?; // chunk length
    let actors = read_uleb(bytes, &mut pos)?;
    for _ in 0..actors {
        let len = usize::try_from(read_uleb(bytes, &mut pos)?).ok()?;
        pos = pos.checked_add(len)?;
    }
    let heads = read_uleb(bytes, &mut pos)?;
    (0..heads)
        .map(|_| {
            let hash = bytes.get(pos..pos + 32)?;
            pos += 32;
            ChangeHash::try_from(hash).ok()
        })
        .collect()
}

/// A `Storage` that reports to a [`DurabilityLedger`] what it has written
/// (and what it has loaded: that is on disk too).
#[derive(Clone)]
pub struct DurableStorage<S> {
    inner: S,
    ledger: DurabilityLedger,
}

impl<S: Storage> DurableStorage<S> {
    /// Wraps a store.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            ledger: DurabilityLedger::default(),
        }
    }

    /// The ledger the sync endpoint waits on.
    pub fn ledger(&self) -> DurabilityLedger {
        self.ledger.clone()
    }
}

impl<S: Storage + Sync> Storage for DurableStorage<S> {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let value = self.inner.load(key.clone()).await;
        if let Some(data) = &value {
            self.ledger.record(&key, data);
        }
        value
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let values = self.inner.load_range(prefix).await;
        for (key, data) in &values {
            self.ledger.record(key, data);
        }
        values
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        let doc = (&key).into_iter().next().cloned();
        if let Some(doc) = &doc {
            self.ledger.update(doc, |s| s.writes_in_flight += 1);
        }
        self.inner.put(key.clone(), data.clone()).await;
        self.ledger.record(&key, &data);
        if let Some(doc) = &doc {
            self.ledger.update(doc, |s| s.writes_in_flight -= 1);
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

    #[test]
    fn snapshot_heads_match_automerge() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "x", 1).unwrap();
        let mut b = a.fork();
        a.put(ROOT, "y", 2).unwrap();
        b.put(ROOT, "z", 3).unwrap();
        a.merge(&mut b).unwrap();
        let mut expected = a.get_heads();
        expected.sort();
        assert_eq!(expected.len(), 2);
        let mut parsed = snapshot_heads(&a.save()).unwrap();
        parsed.sort();
        assert_eq!(parsed, expected);
        assert_eq!(snapshot_heads(b"not a document"), None);
        assert_eq!(snapshot_heads(&a.save()[..20]), None);
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
