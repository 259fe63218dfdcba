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
