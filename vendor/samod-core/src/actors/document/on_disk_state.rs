use std::collections::{HashMap, HashSet};

use automerge::Automerge;

use crate::{
    DocumentId, StorageKey,
    actors::document::DocActorResult,
    io::{IoTaskId, StorageResult},
};

mod compaction_hash;
pub use compaction_hash::CompactionHash;

#[derive(Debug)]
pub(super) struct OnDiskState {
    last_saved_heads: Option<Vec<automerge::ChangeHash>>,
    /// NTM patch: each key on disk with the size of its value, so that
    /// compaction can weigh the incremental chunks against the snapshot.
    on_disk: HashMap<StorageKey, usize>,
    /// NTM patch: bytes of the snapshots in `on_disk`.
    snapshot_bytes: usize,
    /// NTM patch: bytes of the incremental chunks in `on_disk`.
    incremental_bytes: usize,
    compaction: Option<Compaction>,
    deletions: HashSet<StorageKey>,
    running_puts: HashMap<IoTaskId, (StorageKey, usize)>,
    running_deletes: HashMap<IoTaskId, StorageKey>,
}

#[derive(Debug)]
struct Compaction {
    task: IoTaskId,
    supercedes: HashSet<StorageKey>,
}

/// Whether a key names a snapshot (`<doc>/snapshot/<hash>`) rather than an
/// incremental change.
fn is_snapshot(key: &StorageKey) -> bool {
    key.into_iter()
        .nth(1)
        .is_some_and(|kind| kind == "snapshot")
}

impl OnDiskState {
    pub(super) fn new() -> Self {
        Self {
            last_saved_heads: None,
            on_disk: HashMap::new(),
            snapshot_bytes: 0,
            incremental_bytes: 0,
            compaction: None,
            deletions: HashSet::new(),
            running_deletes: HashMap::new(),
            running_puts: HashMap::new(),
        }
    }

    /// NTM patch: the byte totals follow every change to `on_disk`.
    fn insert_on_disk(&mut self, key: StorageKey, size: usize) {
        if let Some(old) = self.on_disk.get(&key).copied() {
            self.count(&key, old, false);
        }
        self.count(&key, size, true);
        self.on_disk.insert(key, size);
    }

    fn remove_on_disk(&mut self, key: &StorageKey) {
        if let Some(size) = self.on_disk.remove(key) {
            self.count(key, size, false);
        }
    }

    fn count(&mut self, key: &StorageKey, size: usize, add: bool) {
        let total = if is_snapshot(key) {
            &mut self.snapshot_bytes
        } else {
            &mut self.incremental_bytes
        };
        *total = if add {
            *total + size
        } else {
            total.saturating_sub(size)
        };
    }

    /// NTM patch: upstream compacts whenever more than ten chunks are on
    /// disk, so a document is saved whole every ten changes: the cost of a
    /// save grows with the document, and over its life the relay writes
    /// (and deflates) quadratically many bytes. Here, as in automerge-repo's
    /// JS storage subsystem, more than ten chunks are still needed, and the
    /// incremental bytes (on disk, being written, and new) must also have
    /// caught up with the snapshot: every byte of snapshot written is then
    /// matched by a byte of changes, and compaction costs amortised O(1) per
    /// byte of changes.
    fn should_compact(&self, new_changes: usize, new_bytes: usize) -> bool {
        let writing: usize = self
            .running_puts
            .values()
            .filter(|(key, _)| !is_snapshot(key))
            .map(|(_, size)| size)
            .sum();
        let chunks = self.on_disk.len() + new_changes;
        let incremental = self.incremental_bytes + writing + new_bytes;
        (new_changes > 10 || chunks > 10) && incremental >= self.snapshot_bytes
    }

    /// Add keys that we know are now on disk, with the sizes of their values.
    pub(super) fn add_keys<I: Iterator<Item = (StorageKey, usize)>>(&mut self, contents: I) {
        for (key, size) in contents {
            self.insert_on_disk(key, size);
        }
    }

    pub(super) fn save_new_changes(
        &mut self,
        out: &mut DocActorResult,
        doc_id: &DocumentId,
        doc: &Automerge,
    ) {
        // NTM patch: most steps change nothing; finding that out through
        // `get_changes` walks the change graph.
        if self.deletions.is_empty()
            && self
                .last_saved_heads
                .as_ref()
                .is_some_and(|saved| *saved == doc.get_heads())
        {
            return;
        }
        let new_changes = doc.get_changes(self.last_saved_heads.as_ref().unwrap_or(&Vec::new()));

        let new_bytes = new_changes.iter().map(|c| c.raw_bytes().len()).sum();
        if self.compaction.is_none() && self.should_compact(new_changes.len(), new_bytes) {
            tracing::debug!(
                num_changes = new_changes.len(),
                num_on_disk = self.on_disk.len(),
                "compacting changes"
            );
            let hash = CompactionHash::new(&doc.get_heads());
            let key = StorageKey::snapshot_path(doc_id, &hash);
            let snapshot = doc.save();
            let size = snapshot.len();
            let put_id = out.put(key.clone(), snapshot);
            let mut supercedes: HashSet<StorageKey> = self.on_disk.keys().cloned().collect();
            // Make sure that we don't delete the compaction we're producing
            // somehow One way this can happen is if a previous process got
            // killed after writing the compacted chunk but before deleting the
            // incremental changes.
            supercedes.remove(&key);
            self.compaction = Some(Compaction {
                task: put_id,
                supercedes,
            });
            self.running_puts.insert(put_id, (key, size));
        } else {
            for change in new_changes {
                let key = StorageKey::incremental_path(doc_id, change.hash());
                let bytes = change.raw_bytes().to_vec();
                let size = bytes.len();
                let put_id = out.put(key.clone(), bytes);
                self.running_puts.insert(put_id, (key, size));
            }
        }

        for deletion in self.deletions.drain() {
            let delete_id = out.delete(deletion.clone());
            self.running_deletes.insert(delete_id, deletion);
        }

        self.last_saved_heads = Some(doc.get_heads());
    }

    pub(super) fn is_flushed(&self) -> bool {
        self.running_puts.is_empty()
    }

    pub(super) fn has_task(&self, task_id: IoTaskId) -> bool {
        self.running_puts.contains_key(&task_id) || self.running_deletes.contains_key(&task_id)
    }

    pub(super) fn task_complete(&mut self, task_id: IoTaskId, result: StorageResult) {
        match result {
            StorageResult::Put => {
                if let Some((compaction_key, size)) = self.running_puts.remove(&task_id) {
                    tracing::debug!(key=%compaction_key, "compaction put completed for key");
                    self.mark_put_complete(task_id, compaction_key, size);
                } else {
                    panic!("put complete for unknown task id: {:?}", task_id);
                }
            }
            StorageResult::Delete => {
                if let Some(deletion_key) = self.running_deletes.remove(&task_id) {
                    self.mark_delete_complete(deletion_key);
                } else {
                    panic!("delete complete for unknown task id: {:?}", task_id);
                }
            }
            _ => panic!("unexpected storage result"),
        }
    }

    fn mark_put_complete(&mut self, task_id: IoTaskId, key: StorageKey, size: usize) {
        if let Some(compaction) = &mut self.compaction
            && compaction.task == task_id
        {
            tracing::debug!("compacted chunk saved, deleting superceded data");
            // We're marking these as deleted before we get confirmation that they
            // are deleted. This is okay, worst case we end up with some extra data
            // on disk which gets cleared up on next boot.
            let supercedes = std::mem::take(&mut compaction.supercedes);
            self.compaction = None;
            for key in &supercedes {
                self.remove_on_disk(key);
            }
            self.deletions.extend(supercedes);
        }
        self.insert_on_disk(key, size);
    }

    fn mark_delete_complete(&mut self, key: StorageKey) {
        // Probably this has already been removed in the handling of the compaction completion, but
        // we might as well be robust
        self.remove_on_disk(&key);
    }
}

#[cfg(test)]
mod tests {
    use automerge::{ROOT, transaction::Transactable};

    use super::*;
    use crate::actors::document::io::DocumentIoTask;
    use crate::io::{IoTask, StorageTask};

    /// Saves after every change, completing every storage task at once;
    /// returns how many snapshots were written and their total bytes.
    fn save_each_change(
        state: &mut OnDiskState,
        doc: &mut Automerge,
        changes: usize,
    ) -> (usize, usize) {
        let doc_id = DocumentId::new(&mut rand::rng());
        let (mut snapshots, mut snapshot_bytes) = (0, 0);
        for i in 0..changes {
            doc.transact(|tx| tx.put(ROOT, format!("key {i}"), "a value of a few bytes"))
                .unwrap();
            let mut out = DocActorResult::new();
            state.save_new_changes(&mut out, &doc_id, doc);
            for IoTask { task_id, action } in out.io_tasks {
                let result = match action {
                    DocumentIoTask::Storage(StorageTask::Put { key, value }) => {
                        if is_snapshot(&key) {
                            snapshots += 1;
                            snapshot_bytes += value.len();
                        }
                        StorageResult::Put
                    }
                    DocumentIoTask::Storage(StorageTask::Delete { .. }) => StorageResult::Delete,
                    other => panic!("unexpected task {other:?}"),
                };
                state.task_complete(task_id, result);
            }
        }
        (snapshots, snapshot_bytes)
    }

    #[test]
    fn compaction_waits_until_changes_outweigh_the_snapshot() {
        let mut state = OnDiskState::new();
        let mut doc = Automerge::new();
        let (snapshots, snapshot_bytes) = save_each_change(&mut state, &mut doc, 2_000);
        let change_bytes: usize = doc
            .get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().len())
            .sum();
        // Upstream's policy (a snapshot whenever more than ten chunks are on
        // disk) writes 181 snapshots here, about twice as many bytes as the
        // changes themselves, and the ratio grows with the document.
        assert!(
            snapshots >= 2,
            "the document is still compacted: {snapshots}"
        );
        assert!(snapshots < 150, "{snapshots} snapshots for 2,000 changes");
        assert!(
            snapshot_bytes <= change_bytes,
            "{snapshot_bytes} snapshot bytes for {change_bytes} bytes of changes"
        );
        // What is on disk is one snapshot and the changes since.
        let snapshots_on_disk = state.on_disk.keys().filter(|k| is_snapshot(k)).count();
        assert_eq!(snapshots_on_disk, 1);
        assert_eq!(
            state.snapshot_bytes + state.incremental_bytes,
            state.on_disk.values().sum::<usize>()
        );
        assert!(state.incremental_bytes < state.snapshot_bytes * 2);
    }

    #[test]
    fn a_loaded_document_with_many_changes_is_compacted_at_once() {
        let mut doc = Automerge::new();
        let mut state = OnDiskState::new();
        save_each_change(&mut OnDiskState::new(), &mut doc, 50);
        // Nothing of it on disk yet (a document that arrived from a peer):
        // the first save is a snapshot, not fifty chunks.
        let doc_id = DocumentId::new(&mut rand::rng());
        let mut out = DocActorResult::new();
        state.save_new_changes(&mut out, &doc_id, &doc);
        assert_eq!(out.io_tasks.len(), 1);
        assert!(matches!(
            &out.io_tasks[0].action,
            DocumentIoTask::Storage(StorageTask::Put { key, .. }) if is_snapshot(key)
        ));
    }
}
