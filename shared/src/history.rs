//! A document's change history as an administrator reads it, and undoing
//! one change (DESIGN.md §3: the relay keeps history; one change can delete
//! every household of a commune on every tablet). Works on any NTM
//! document whose root holds maps of entries (households, infrastructure,
//! attestations, verdicts…). Pure: documents in, summaries and one new
//! change out; the caller names the time and the actor.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, Prop, ReadDoc, Value, ROOT};

/// How a change touched one entry of a root map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum How {
    /// The entry was created.
    Added,
    /// The entry was deleted.
    Removed,
    /// Something inside it was written.
    Changed,
}

/// One entry a change touched: `households/<id>`, `infrastructure/<id>`…
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Touched {
    /// The root map (`households`).
    pub container: String,
    /// The entry's key in it.
    pub key: String,
    /// How.
    pub how: How,
}

/// One change, as `ntm-relay document history` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    /// Its hash (what `revert` names).
    pub hash: ChangeHash,
    /// Its actor (the relay knows which device that is).
    pub actor: ActorId,
    /// Its sequence number for that actor.
    pub seq: u64,
    /// When it was made (unix seconds, the writer's clock).
    pub time: i64,
    /// Its commit message.
    pub message: Option<String>,
    /// What it touched, in order.
    pub touched: Vec<Touched>,
}

impl ChangeSummary {
    /// How many entries it touched in `how` way.
    pub fn count(&self, how: How) -> usize {
        self.touched.iter().filter(|t| t.how == how).count()
    }
}

/// Why a change cannot be reverted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// No change with that hash (or prefix).
    #[error("no change {0} in this document")]
    UnknownChange(String),
    /// The prefix names several changes.
    #[error("{0} names several changes: give more of the hash")]
    Ambiguous(String),
    /// Automerge refused the write.
    #[error("automerge: {0}")]
    Automerge(String),
}

/// What one change did, from the diff between its parents and itself.
fn touched(doc: &Automerge, deps: &[ChangeHash], hash: ChangeHash) -> Vec<Touched> {
    entries_touched(doc, deps, &[hash])
}

/// The entries of the root maps that differ between two states of `doc`
/// (heads it holds): what a view must read again after new changes.
pub fn entries_touched(
    doc: &Automerge,
    before: &[ChangeHash],
    after: &[ChangeHash],
) -> Vec<Touched> {
    let mut out = std::collections::BTreeSet::new();
    for patch in doc.diff(before, after) {
        let root_key = |p: &Prop| match p {
            Prop::Map(k) => Some(k.clone()),
            Prop::Seq(_) => None,
        };
        match patch.path.as_slice() {
            // A write on a root map itself: an entry put or deleted.
            [(root, container)] if *root == ROOT => {
                let Some(container) = root_key(container) else {
                    continue;
                };
                let (key, how) = match &patch.action {
                    automerge::PatchAction::PutMap { key, .. } => (key.clone(), How::Added),
                    automerge::PatchAction::DeleteMap { key } => (key.clone(), How::Removed),
                    _ => continue,
                };
                out.insert(Touched {
                    container,
                    key,
                    how,
                });
            }
            // Deeper: inside an entry.
            [(root, container), (_, entry), ..] if *root == ROOT => {
                if let (Some(container), Some(key)) = (root_key(container), root_key(entry)) {
                    out.insert(Touched {
                        container,
                        key,
                        how: How::Changed,
                    });
                }
            }
            _ => {}
        }
    }
    // An entry both added and filled in by one change is just added.
    let added: Vec<(String, String)> = out
        .iter()
        .filter(|t| t.how == How::Added)
        .map(|t| (t.container.clone(), t.key.clone()))
        .collect();
    out.into_iter()
        .filter(|t| t.how != How::Changed || !added.contains(&(t.container.clone(), t.key.clone())))
        .collect()
}

/// The root-map entries (`("households", id)`…) that the changes of `doc`
/// made since `before` (heads it holds) wrote into, read from those changes'
/// own operations: the cost follows the new changes, where a diff of the two
/// states ([`entries_touched`]) walks the whole document. `None` when the
/// changes hold more than `max_ops` operations (reading everything is then
/// cheaper), when a change wrote on the root itself (a root map created or
/// replaced) or on an object this document cannot place (only reading
/// everything is safe).
pub fn entries_written_since(
    doc: &Automerge,
    before: &[ChangeHash],
    max_ops: usize,
) -> Option<std::collections::BTreeSet<(String, String)>> {
    let changes = doc.get_changes(before);
    if changes.iter().map(automerge::Change::len).sum::<usize>() > max_ops {
        return None;
    }
    let mut places = Places::default();
    let mut out = std::collections::BTreeSet::new();
    for change in changes {
        for t in places.touched_by(doc, &change)? {
            out.insert((t.container, t.key));
        }
    }
    Some(out)
}

/// Where the objects that changes write on sit in a document: their root
/// map, and the entry they are in (none for the root map itself), looked
/// up once per object.
#[derive(Default)]
struct Places(std::collections::HashMap<automerge::legacy::ObjectId, (String, Option<String>)>);

impl Places {
    /// What one change did to the entries of the root maps, from its own
    /// operations; `None` when it wrote on the root or on an object `doc`
    /// cannot place.
    fn touched_by(&mut self, doc: &Automerge, change: &automerge::Change) -> Option<Vec<Touched>> {
        use automerge::legacy::{Key, ObjectId, OpType};
        // Per entry: how it was first and last touched, in op order.
        let mut seen: std::collections::BTreeMap<(String, String), (How, How)> = Default::default();
        for op in change.decode().operations {
            if op.obj == ObjectId::Root {
                return None;
            }
            let (container, entry) = match self.0.get(&op.obj) {
                Some(place) => place.clone(),
                None => {
                    let ObjectId::Id(id) = &op.obj else {
                        return None;
                    };
                    // The actor's index in this document is looked up by
                    // automerge when the one given does not match.
                    let exid = automerge::ObjId::Id(id.0, id.1.clone(), usize::MAX);
                    let path = doc.parents(&exid).ok()?.path();
                    let name = |p: &Prop| match p {
                        Prop::Map(k) => Some(k.clone()),
                        Prop::Seq(_) => None,
                    };
                    let place = match path.as_slice() {
                        [(_, container)] => (name(container)?, None),
                        [(_, container), (_, entry), ..] => (name(container)?, Some(name(entry)?)),
                        [] => return None,
                    };
                    self.0.insert(op.obj.clone(), place.clone());
                    place
                }
            };
            let (key, how) = match (entry, &op.key, &op.action) {
                (Some(entry), _, _) => (entry, How::Changed),
                (None, Key::Map(key), OpType::Delete) => (key.to_string(), How::Removed),
                (None, Key::Map(key), _) => (key.to_string(), How::Added),
                (None, Key::Seq(_), _) => return None,
            };
            seen.entry((container, key))
                .and_modify(|(_, last)| *last = how)
                .or_insert((how, how));
        }
        Some(
            seen.into_iter()
                .filter_map(|((container, key), (first, last))| {
                    let how = match (first, last) {
                        // Made and taken away again: nothing to show.
                        (How::Added, How::Removed) => return None,
                        // Put (again) or taken away: that is what it did.
                        (_, How::Added | How::Removed) => last,
                        // Made and then filled in: just added.
                        (How::Added, How::Changed) => How::Added,
                        (How::Removed, How::Changed) | (How::Changed, How::Changed) => first,
                    };
                    Some(Touched {
                        container,
                        key,
                        how,
                    })
                })
                .collect(),
        )
    }
}

/// How many operations the changes of `doc` since `before` hold.
pub fn operations_since(doc: &Automerge, before: &[ChangeHash]) -> usize {
    doc.get_changes(before)
        .iter()
        .map(automerge::Change::len)
        .sum()
}

/// Every change of `doc`, oldest first, with what it touched.
/// What each change touched is read from its own operations (a diff per
/// change would walk the whole document once per change: half a minute for
/// a commune of 3,000 households); a change that wrote on the root itself
/// (the genesis) is diffed.
pub fn history(doc: &Automerge) -> Vec<ChangeSummary> {
    let mut places = Places::default();
    doc.get_changes(&[])
        .iter()
        .map(|change| ChangeSummary {
            hash: change.hash(),
            actor: change.actor_id().clone(),
            seq: change.seq(),
            time: change.timestamp(),
            message: change.message().map(str::to_owned),
            touched: places
                .touched_by(doc, change)
                .unwrap_or_else(|| touched(doc, change.deps(), change.hash())),
        })
        .collect()
}

/// The change whose hash starts with `prefix` (at least 8 hex digits make
/// a practical handle).
pub fn find_change(doc: &Automerge, prefix: &str) -> Result<ChangeHash, HistoryError> {
    let prefix = prefix.trim().to_ascii_lowercase();
    let changes = doc.get_changes(&[]);
    let mut found = changes
        .iter()
        .map(|c| c.hash())
        .filter(|h| !prefix.is_empty() && h.to_string().starts_with(&prefix));
    match (found.next(), found.next()) {
        (Some(hash), None) => Ok(hash),
        (None, _) => Err(HistoryError::UnknownChange(prefix)),
        (Some(_), Some(_)) => Err(HistoryError::Ambiguous(prefix)),
    }
}

/// Writes one new change (by `actor`, at `unix_seconds`) that puts every
/// entry `hash` touched back as it was just before it: deleted entries come
/// back with their content, added ones go, changed ones get their former
/// values. Later edits to other entries stay. Returns what was restored.
pub fn revert(
    doc: &mut Automerge,
    hash: ChangeHash,
    actor: ActorId,
    unix_seconds: i64,
) -> Result<Vec<Touched>, HistoryError> {
    let change = doc
        .get_change_by_hash(&hash)
        .ok_or_else(|| HistoryError::UnknownChange(hash.to_string()))?
        .clone();
    let entries = touched(doc, change.deps(), hash);
    let before = doc
        .fork_at(change.deps())
        .map_err(|e| HistoryError::Automerge(e.to_string()))?;
    doc.set_actor(actor);
    let message = format!("revert {hash}");
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| crate::document::commit(unix_seconds, &message),
        |tx| {
            for entry in &entries {
                let Some((Value::Object(ObjType::Map), container)) =
                    tx.get(ROOT, entry.container.as_str())?
                else {
                    continue;
                };
                let old = match before.get(ROOT, entry.container.as_str())? {
                    Some((Value::Object(ObjType::Map), old_container)) => {
                        before.get(&old_container, entry.key.as_str())?
                    }
                    _ => None,
                };
                restore(tx, &before, &container, &entry.key, old)?;
            }
            Ok(())
        },
    )
    .map_err(|e| HistoryError::Automerge(e.error.to_string()))?;
    Ok(entries)
}

/// Puts `old` (a value of `before`) at `key` of `obj`, or deletes the key.
fn restore(
    tx: &mut automerge::transaction::Transaction<'_>,
    before: &Automerge,
    obj: &ObjId,
    key: &str,
    old: Option<(Value<'_>, ObjId)>,
) -> Result<(), automerge::AutomergeError> {
    match old {
        None => {
            if tx.get(obj, key)?.is_some() {
                tx.delete(obj, key)?;
            }
        }
        Some((Value::Scalar(s), _)) => tx.put(obj, key, s.into_owned())?,
        Some((Value::Object(kind), old_id)) => {
            // The same object still there: restore inside it; else a new one.
            let target = match tx.get(obj, key)? {
                Some((Value::Object(k), id)) if k == kind && id == old_id => id,
                _ => tx.put_object(obj, key, kind)?,
            };
            copy_into(tx, before, &old_id, &target, kind)?;
        }
    }
    Ok(())
}

/// Makes `target` hold what `source` (in `before`) holds.
fn copy_into(
    tx: &mut automerge::transaction::Transaction<'_>,
    before: &Automerge,
    source: &ObjId,
    target: &ObjId,
    kind: ObjType,
) -> Result<(), automerge::AutomergeError> {
    match kind {
        ObjType::Map | ObjType::Table => {
            let old_keys: Vec<String> = before.keys(source).collect();
            for key in tx.keys(target).collect::<Vec<_>>() {
                if !old_keys.contains(&key) {
                    tx.delete(target, key.as_str())?;
                }
            }
            for key in old_keys {
                let old = before.get(source, key.as_str())?;
                restore(tx, before, target, &key, old)?;
            }
        }
        ObjType::List => {
            for i in (0..tx.length(target)).rev() {
                tx.delete(target, i)?;
            }
            for i in 0..before.length(source) {
                match before.get(source, i)? {
                    Some((Value::Scalar(s), _)) => tx.insert(target, i, s.into_owned())?,
                    Some((Value::Object(k), id)) => {
                        let new = tx.insert_object(target, i, k)?;
                        copy_into(tx, before, &id, &new, k)?;
                    }
                    None => {}
                }
            }
        }
        ObjType::Text => {
            let text = before.text(source)?;
            let len = tx.length(target);
            tx.splice_text(target, 0, len as isize, &text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{self, HouseholdId};

    fn commune_with(households: u8) -> (Automerge, Vec<HouseholdId>) {
        let mut doc = survey::genesis(&survey::demo_commune());
        doc.set_actor(ActorId::from([1u8; 16]));
        let ids: Vec<HouseholdId> = (0..households)
            .map(|n| HouseholdId::from_random([n + 1; 16]))
            .collect();
        for (n, id) in ids.iter().enumerate() {
            survey::add_household(&mut doc, id, &format!("Hộ {n}"), 3, "Bản Hồ", 100).unwrap();
        }
        (doc, ids)
    }

    #[test]
    fn history_says_what_each_change_added_removed_and_changed() {
        let (mut doc, ids) = commune_with(2);
        survey::edit_household(&mut doc, &ids[0], survey::HouseholdEdit::Members(5), 200).unwrap();
        let households = survey::root_map(&doc, "households").unwrap();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.delete(&households, ids[1].as_str())
        })
        .unwrap();
        let history = history(&doc);
        assert_eq!(history.len(), 5, "genesis, two adds, an edit, a delete");
        assert_eq!(
            history[1].touched,
            [Touched {
                container: "households".into(),
                key: ids[0].as_str().into(),
                how: How::Added
            }]
        );
        assert_eq!(history[3].count(How::Changed), 1);
        assert_eq!(history[3].time, 200);
        assert_eq!(history[4].count(How::Removed), 1);
        // Read from each change's operations, it says what a diff says.
        for (summary, change) in history.iter().zip(doc.get_changes(&[])) {
            assert_eq!(
                summary.touched,
                touched(&doc, change.deps(), change.hash()),
                "change {}",
                summary.seq
            );
        }
    }

    #[test]
    fn an_entry_made_and_removed_in_one_change_is_not_in_its_history() {
        let (mut doc, ids) = commune_with(1);
        let households = survey::root_map(&doc, "households").unwrap();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let made = tx.put_object(&households, "passing", automerge::ObjType::Map)?;
            tx.put(&made, "head", "Ai đó")?;
            tx.delete(&households, "passing")?;
            tx.delete(&households, ids[0].as_str())
        })
        .unwrap();
        let last = history(&doc).pop().unwrap();
        assert_eq!(
            last.touched,
            [Touched {
                container: "households".into(),
                key: ids[0].as_str().into(),
                how: How::Removed
            }]
        );
    }

    #[test]
    fn reverting_a_mass_delete_brings_every_household_back_with_its_record() {
        let (mut doc, ids) = commune_with(20);
        let before: Vec<_> = survey::households(&doc);
        // One change deletes them all; later a colleague adds one more.
        let households = survey::root_map(&doc, "households").unwrap();
        doc.set_actor(ActorId::from([2u8; 16]));
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            for id in &ids {
                tx.delete(&households, id.as_str())?;
            }
            Ok(())
        })
        .unwrap();
        let wipe = doc.get_heads()[0];
        let later = HouseholdId::from_random([99; 16]);
        survey::add_household(&mut doc, &later, "Hộ mới", 2, "Bản Dền", 300).unwrap();
        assert_eq!(survey::households(&doc).len(), 1);

        let prefix = &wipe.to_string()[..10];
        let hash = find_change(&doc, prefix).unwrap();
        let restored = revert(&mut doc, hash, ActorId::from(&b"ntm-admin:test"[..]), 400).unwrap();
        assert_eq!(restored.len(), 20);
        let after = survey::households(&doc);
        assert_eq!(after.len(), 21, "the later household stays");
        for h in &before {
            let back = after.iter().find(|x| x.id == h.id).expect("household back");
            assert_eq!(back.head.value, h.head.value);
            assert_eq!(back.members.value, h.members.value);
        }
        // The restored households are ordinary ones: they can be edited.
        survey::edit_household(&mut doc, &ids[0], survey::HouseholdEdit::Members(7), 500).unwrap();
        assert!(matches!(
            find_change(&doc, "zz"),
            Err(HistoryError::UnknownChange(_))
        ));
    }
}
