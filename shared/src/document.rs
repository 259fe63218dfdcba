//! What every NTM document shares: a schema tag at the root, commits that
//! carry the caller's time (the core reads no clock), and a deterministic
//! genesis for documents several devices may create offline.

use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit, Automerge, ReadDoc, ScalarValue, Value, ROOT};

/// Commit options for one edit (time from the caller, never the clock).
pub(crate) fn commit(unix_seconds: i64, message: &str) -> CommitOptions {
    CommitOptions::default()
        .with_time(unix_seconds)
        .with_message(message.to_owned())
}

/// The schema tag at the root of a document, if it has one.
pub fn schema(doc: &Automerge) -> Option<String> {
    root_text(doc, "schema")
}

/// A text value at the root of a document, if `key` holds one.
pub(crate) fn root_text(doc: &Automerge, key: &str) -> Option<String> {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// A first change made by a fixed actor at time 0: byte-identical wherever
/// it is made, so copies created offline on several devices merge instead
/// of forking their root objects. `build` creates the root keys and containers.
pub(crate) fn genesis(actor: &[u8], build: impl FnOnce(&mut AutoCommit)) -> Automerge {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(actor));
    build(&mut doc);
    doc.commit_with(commit(0, "genesis"));
    doc.document().clone()
}

/// The paths (keys joined by `/`, sorted) under a map object where concurrent edits
/// left more than one value, for "needs a decision" marks. Walks nested maps;
/// lists and text are leaves (their elements merge and never conflict).
pub fn conflicted_paths(doc: &Automerge, obj: &automerge::ObjId) -> Vec<String> {
    let mut out = Vec::new();
    walk_conflicts(doc, obj, "", &mut out);
    out.sort();
    out
}

fn walk_conflicts(doc: &Automerge, obj: &automerge::ObjId, prefix: &str, out: &mut Vec<String>) {
    // One pass over the map: each item says whether it has rivals, so only
    // nested maps are read further (a `get_all` per key costs ten times more).
    let mut children = Vec::new();
    for item in doc.map_range(obj, ..) {
        let path = if prefix.is_empty() {
            item.key.to_string()
        } else {
            format!("{prefix}/{}", item.key)
        };
        if item.conflict {
            out.push(path);
        } else if matches!(
            item.value,
            automerge::ValueRef::Object(automerge::ObjType::Map)
        ) {
            children.push((path, item.key.to_string()));
        }
    }
    for (path, key) in children {
        if let Ok(Some((Value::Object(automerge::ObjType::Map), child))) =
            doc.get(obj, key.as_str())
        {
            walk_conflicts(doc, &child, &path, out);
        }
    }
}
