//! A merged commune's survey (the reform of 01/07/2025): the union of its
//! predecessors' households and infrastructure, written once by admin
//! tooling into the new commune's document, never copied on a tablet.
//!
//! Ids stay: a household keeps its UUID, an infrastructure entry its id.
//! History stays: each copied entry names the predecessor document it came
//! from (whose changes remain, read-only history, on the relay), and the
//! predecessor's document is marked with where its data went, so a device
//! still holding it is told. Merging again changes nothing unless the
//! predecessor changed since: an entry edited there late (a tablet that
//! synced after the merger) is brought over field by field when the new
//! commune has not touched it, and listed for a person to decide when both
//! have. Attestations are not carried: they state what the old commune met.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use sha2::{Digest, Sha256};

use super::{commit, root_map, SurveyError};
use crate::date::Date;
use crate::ids::DocumentId;

/// Where an entry copied from a predecessor came from (its `origin` key).
const ORIGIN: &str = "origin";

/// One predecessor's survey, to merge into its successor's.
#[derive(Debug, Clone, Copy)]
pub struct Predecessor<'a> {
    /// The old commune's code.
    pub code: &'a str,
    /// Its survey document's id.
    pub document: &'a DocumentId,
    /// Its survey document.
    pub doc: &'a Automerge,
}

/// What one merge did, per container (households, infrastructure).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryCounts {
    /// Copied for the first time.
    pub added: usize,
    /// Edited in the predecessor since the last merge and brought over
    /// (the new commune had not touched them).
    pub refreshed: usize,
    /// Already there, as they are in the predecessor.
    pub unchanged: usize,
    /// Edited in both since the last merge: left as the new commune has
    /// them, listed for a person to decide (ids).
    pub to_decide: Vec<String>,
}

/// What merging one predecessor did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Households.
    pub households: EntryCounts,
    /// Infrastructure entries.
    pub infrastructure: EntryCounts,
    /// The predecessor's attestations, not carried (they attest the old
    /// commune; the new one attests anew).
    pub attestations_not_carried: usize,
    /// Fields that were in conflict in the predecessor: the winning value
    /// was copied, the others stay in the predecessor's history.
    pub conflicts_resolved_to_winner: usize,
}

impl MergeReport {
    /// True when the merge wrote nothing.
    pub fn is_noop(&self) -> bool {
        self.households.added + self.households.refreshed == 0
            && self.infrastructure.added + self.infrastructure.refreshed == 0
    }
}

/// Where a predecessor's data went (written into its document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Succession {
    /// The new commune's code.
    pub commune: String,
    /// Its name.
    pub name: String,
    /// Its survey document.
    pub document: String,
    /// Its first day.
    pub on: Date,
}

impl Succession {
    /// Where a predecessor's data goes: the unit the registry lists, whose
    /// survey is `document` (`None` if the unit has no first day).
    pub fn to(unit: &crate::registry::Commune, document: &DocumentId) -> Option<Succession> {
        Some(Succession {
            commune: unit.code.clone(),
            name: unit.name.clone(),
            document: document.to_string(),
            on: unit.valid_from?,
        })
    }
}

/// Merges one predecessor's households and infrastructure into the
/// successor's survey document, in one change (none if nothing to do).
pub fn merge_predecessor(
    target: &mut Automerge,
    source: Predecessor<'_>,
    unix_seconds: i64,
) -> Result<MergeReport, SurveyError> {
    let mut report = MergeReport {
        attestations_not_carried: root_map(source.doc, "attestations")
            .map(|a| source.doc.length(&a))
            .unwrap_or(0),
        ..MergeReport::default()
    };
    let mut plan: Vec<(&'static str, String, String)> = Vec::new(); // (container, key, fingerprint)
    for container in ["households", "infrastructure"] {
        let from = root_map(source.doc, container)?;
        let into = root_map(target, container)?;
        let counts = match container {
            "households" => &mut report.households,
            _ => &mut report.infrastructure,
        };
        for key in source.doc.keys(&from) {
            let Ok(Some((Value::Object(ObjType::Map), src))) = source.doc.get(&from, key.as_str())
            else {
                continue;
            };
            let s = fingerprint(source.doc, &src);
            match target.get(&into, key.as_str()) {
                Ok(Some((Value::Object(ObjType::Map), dst))) => {
                    let origin = origin_of(target, &dst);
                    let t = fingerprint(target, &dst);
                    match origin {
                        Some((code, o)) if code == source.code => {
                            if s == t || s == o {
                                counts.unchanged += 1;
                            } else if t == o {
                                counts.refreshed += 1;
                                plan.push((container, key, s));
                            } else {
                                counts.to_decide.push(key);
                            }
                        }
                        // The same id from elsewhere: never overwrite it.
                        _ => counts.to_decide.push(key),
                    }
                }
                _ => {
                    counts.added += 1;
                    plan.push((container, key, s));
                }
            }
        }
    }
    if plan.is_empty() {
        return Ok(report);
    }
    let message = format!("merge predecessor {} ({})", source.code, source.document);
    let mut conflicts = 0;
    target
        .transact_with::<_, _, automerge::AutomergeError, _>(
            |_| commit(unix_seconds, &message),
            |tx| {
                for (container, key, print) in &plan {
                    let from = root_map(source.doc, container).expect("checked above");
                    let into = match tx.get(ROOT, *container)? {
                        Some((Value::Object(ObjType::Map), obj)) => obj,
                        _ => continue,
                    };
                    let src = match source.doc.get(&from, key.as_str())? {
                        Some((_, obj)) => obj,
                        None => continue,
                    };
                    let dst = match tx.get(&into, key.as_str())? {
                        Some((Value::Object(ObjType::Map), obj)) => obj,
                        _ => tx.put_object(&into, key.as_str(), ObjType::Map)?,
                    };
                    conflicts += write_tree(source.doc, &src, tx, &dst, ObjType::Map)?;
                    let origin = tx.put_object(&dst, ORIGIN, ObjType::Map)?;
                    tx.put(&origin, "commune", source.code)?;
                    tx.put(&origin, "document", source.document.to_string())?;
                    tx.put(&origin, "fingerprint", print.as_str())?;
                }
                Ok(())
            },
        )
        .map_err(|f| SurveyError::Automerge(f.error.to_string()))?;
    report.conflicts_resolved_to_winner = conflicts;
    Ok(report)
}

/// Marks a predecessor's survey with where its data went, in one change
/// (none if it already says so).
pub fn mark_succeeded(
    doc: &mut Automerge,
    successor: &Succession,
    unix_seconds: i64,
) -> Result<(), SurveyError> {
    if succeeded_by(doc).as_ref() == Some(successor) {
        return Ok(());
    }
    root_map(doc, "households")?;
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| commit(unix_seconds, &format!("succeeded by {}", successor.commune)),
        |tx| {
            let obj = tx.put_object(ROOT, "succeeded_by", ObjType::Map)?;
            tx.put(&obj, "commune", successor.commune.as_str())?;
            tx.put(&obj, "name", successor.name.as_str())?;
            tx.put(&obj, "document", successor.document.as_str())?;
            let on = successor.on;
            tx.put(
                &obj,
                "on",
                format!("{:04}-{:02}-{:02}", on.year, on.month, on.day),
            )?;
            Ok(())
        },
    )
    .map_err(|f| SurveyError::Automerge(f.error.to_string()))?;
    Ok(())
}

/// Where this commune's data went, if it was merged into another.
pub fn succeeded_by(doc: &Automerge) -> Option<Succession> {
    let Ok(Some((Value::Object(ObjType::Map), obj))) = doc.get(ROOT, "succeeded_by") else {
        return None;
    };
    let text = |key: &str| text_at(doc, &obj, key);
    Some(Succession {
        commune: text("commune")?,
        name: text("name")?,
        document: text("document")?,
        on: Date::parse(&text("on")?).ok()?,
    })
}

/// The predecessor an entry was copied from, and its fingerprint then.
fn origin_of(doc: &Automerge, entry: &ObjId) -> Option<(String, String)> {
    let Ok(Some((Value::Object(ObjType::Map), origin))) = doc.get(entry, ORIGIN) else {
        return None;
    };
    Some((
        text_at(doc, &origin, "commune")?,
        text_at(doc, &origin, "fingerprint")?,
    ))
}

/// A string value of a map.
fn text_at(doc: &Automerge, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Writes `src` (an object of `source`) into `dst` so that it reads the
/// same, touching only what differs (so concurrent edits elsewhere in the
/// entry still merge). Returns how many conflicted fields it met.
fn write_tree(
    source: &Automerge,
    src: &ObjId,
    tx: &mut impl Transactable,
    dst: &ObjId,
    kind: ObjType,
) -> Result<usize, automerge::AutomergeError> {
    let mut conflicts = 0;
    match kind {
        ObjType::Map | ObjType::Table => {
            // One pass over the source, each item saying whether it has
            // rivals (rather than three lookups per key).
            let items: Vec<(String, Value<'static>, ObjId)> = source
                .map_range(src, ..)
                .map(|item| {
                    conflicts += usize::from(item.conflict);
                    let id = item.id();
                    (item.key.to_string(), item.value.into_value(), id)
                })
                .collect();
            let keys: Vec<&str> = items.iter().map(|(k, _, _)| k.as_str()).collect();
            for (key, value, child) in &items {
                let key = key.as_str();
                let existing = tx.get(dst, key)?;
                match value {
                    Value::Scalar(s) => {
                        let same = matches!(&existing, Some((Value::Scalar(d), _)) if d.as_ref() == s.as_ref());
                        if !same {
                            tx.put(dst, key, s.clone().into_owned())?;
                        }
                    }
                    Value::Object(k) => {
                        let obj = match existing {
                            Some((Value::Object(d), obj)) if d == *k => obj,
                            _ => tx.put_object(dst, key, *k)?,
                        };
                        conflicts += write_tree(source, child, tx, &obj, *k)?;
                    }
                }
            }
            let stale: Vec<String> = tx
                .keys(dst)
                .filter(|k| k != ORIGIN && !keys.contains(&k.as_str()))
                .collect();
            for key in stale {
                tx.delete(dst, key.as_str())?;
            }
        }
        ObjType::Text => {
            let want = source.text(src)?;
            if tx.text(dst)? != want {
                let len = tx.length(dst);
                tx.splice_text(dst, 0, len as isize, &want)?;
            }
        }
        ObjType::List => {
            if fingerprint(source, src) != fingerprint(tx, dst) {
                let len = tx.length(dst);
                for _ in 0..len {
                    tx.delete(dst, 0)?;
                }
                for i in 0..source.length(src) {
                    let Some((value, child)) = source.get(src, i)? else {
                        continue;
                    };
                    match value {
                        Value::Scalar(s) => tx.insert(dst, i, s.into_owned())?,
                        Value::Object(k) => {
                            let obj = tx.insert_object(dst, i, k)?;
                            conflicts += write_tree(source, &child, tx, &obj, k)?;
                        }
                    }
                }
            }
        }
    }
    Ok(conflicts)
}

/// A stable digest of an object's content (its `origin` left out): what
/// tells "changed since the merge" from "as copied".
fn fingerprint(doc: &impl ReadDoc, obj: &ObjId) -> String {
    let mut hasher = Sha256::new();
    digest(doc, obj, &mut hasher);
    crate::format::hex(&hasher.finalize()[..16])
}

fn digest(doc: &impl ReadDoc, obj: &ObjId, h: &mut Sha256) {
    let value = |h: &mut Sha256, v: Option<(Value<'_>, ObjId)>| match v {
        None => h.update(b"-"),
        Some((Value::Scalar(s), _)) => scalar(h, &s),
        Some((Value::Object(_), child)) => {
            h.update(b"{");
            digest(doc, &child, h);
            h.update(b"}");
        }
    };
    match doc.object_type(obj) {
        Ok(ObjType::Map | ObjType::Table) => {
            for key in doc.keys(obj).filter(|k| k != ORIGIN) {
                h.update(key.as_bytes());
                h.update(b"=");
                value(h, doc.get(obj, key.as_str()).ok().flatten());
                h.update(b";");
            }
        }
        Ok(ObjType::List) => {
            for i in 0..doc.length(obj) {
                value(h, doc.get(obj, i).ok().flatten());
                h.update(b",");
            }
        }
        Ok(ObjType::Text) => h.update(doc.text(obj).unwrap_or_default().as_bytes()),
        Err(_) => {}
    }
}

fn scalar(h: &mut Sha256, s: &ScalarValue) {
    match s {
        ScalarValue::Str(s) => {
            h.update(b"s");
            h.update(s.as_bytes());
        }
        ScalarValue::Int(n) => h.update(format!("i{n}")),
        ScalarValue::Uint(n) => h.update(format!("u{n}")),
        ScalarValue::F64(f) => h.update(format!("f{}", f.to_bits())),
        ScalarValue::Counter(c) => h.update(format!("c{}", i64::from(c))),
        ScalarValue::Timestamp(t) => h.update(format!("t{t}")),
        ScalarValue::Boolean(b) => h.update(if *b { "T" } else { "F" }),
        ScalarValue::Bytes(b) => {
            h.update(b"b");
            h.update(b);
        }
        ScalarValue::Null => h.update(b"n"),
        ScalarValue::Unknown { type_code, bytes } => {
            h.update(format!("x{type_code}"));
            h.update(bytes);
        }
    }
}

#[cfg(test)]
mod tests;
