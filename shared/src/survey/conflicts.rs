//! Fields that concurrent edits left with two or more values: each value
//! with the device (actor) that wrote it and when, and the one-tap choice
//! of one of them. Works the same for a household's quick fields and record
//! (members, income, living conditions, GPS), an infrastructure entry and
//! an attestation: they are all maps under a root container.
//!
//! Automerge keeps every concurrent value and picks one deterministically;
//! nothing is lost, but a person must decide. Choosing writes the chosen
//! value again as a new change that has seen the others, which ends the
//! conflict on every device once it syncs.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value};

use super::record::{Housing, Sanitation, Sex, WaterSource};
use super::{commit, HouseholdId, SurveyError};

/// An entry of the survey that holds fields.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entry {
    /// A household (quick fields and record).
    Household(HouseholdId),
    /// An infrastructure entry, by id.
    Infrastructure(String),
    /// An attestation, by indicator key.
    Attestation(String),
}

impl Entry {
    fn container(&self) -> &'static str {
        match self {
            Entry::Household(_) => "households",
            Entry::Infrastructure(_) => "infrastructure",
            Entry::Attestation(_) => "attestations",
        }
    }

    fn key(&self) -> &str {
        match self {
            Entry::Household(id) => id.as_str(),
            Entry::Infrastructure(id) | Entry::Attestation(id) => id,
        }
    }

    pub(super) fn obj(&self, doc: &Automerge) -> Result<ObjId, SurveyError> {
        let container = match doc.get(automerge::ROOT, self.container()) {
            Ok(Some((Value::Object(ObjType::Map), id))) => id,
            _ => return Err(SurveyError::NotASurvey),
        };
        match doc.get(&container, self.key()) {
            Ok(Some((Value::Object(ObjType::Map), obj))) => Ok(obj),
            _ => Err(SurveyError::UnknownHousehold(self.key().to_owned())),
        }
    }
}

/// A value as a screen can show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// Text as typed.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A decimal.
    Decimal(f64),
    /// Yes or no.
    Bool(bool),
    /// A moment (unix seconds).
    Time(i64),
    /// A coded value, labelled `prefix-code` in the locale files.
    Code {
        /// The label prefix (`housing`).
        prefix: &'static str,
        /// The value's code (`permanent`).
        code: &'static str,
    },
    /// A group of fields (a GPS position, a member), field by field.
    Fields(Vec<(String, Shown)>),
    /// Nothing (a field set to empty).
    Empty,
}

/// One of a field's concurrent values.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The value's operation id: what choosing it names.
    pub id: String,
    /// The value.
    pub shown: Shown,
    /// The Automerge actor that wrote it (hex): one device's session.
    pub actor: String,
    /// When, by the writer's clock (unix seconds).
    pub at: i64,
}

/// A field with more than one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Keys from the entry to the field: `["village"]`,
    /// `["record", "water"]`, `["record", "roster", <member>, "name"]`.
    pub path: Vec<String>,
    /// The values, the one Automerge shows first.
    pub candidates: Vec<Candidate>,
}

/// Every conflicted field of an entry, in key order.
pub fn of_entry(doc: &Automerge, entry: &Entry) -> Vec<Conflict> {
    let Ok(obj) = entry.obj(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(doc, &obj, &mut Vec::new(), &mut out);
    out
}

fn walk(doc: &Automerge, obj: &ObjId, path: &mut Vec<String>, out: &mut Vec<Conflict>) {
    for key in doc.keys(obj).collect::<Vec<_>>() {
        let values = doc.get_all(obj, key.as_str()).unwrap_or_default();
        path.push(key.clone());
        if values.len() > 1 {
            let candidates = values
                .iter()
                .map(|(value, id)| {
                    let (actor, at) = written(doc, id);
                    Candidate {
                        id: id.to_string(),
                        shown: shown(doc, &key, value, id),
                        actor,
                        at,
                    }
                })
                .collect();
            out.push(Conflict {
                path: path.clone(),
                candidates,
            });
        } else if let Some((Value::Object(ObjType::Map), child)) = values.into_iter().next() {
            walk(doc, &child, path, out);
        }
        path.pop();
    }
}

/// Who wrote an operation and when, from the change that holds it.
fn written(doc: &Automerge, id: &ObjId) -> (String, i64) {
    match id {
        ObjId::Id(_, actor, _) => {
            let at = doc
                .hash_for_opid(id)
                .and_then(|hash| doc.get_change_meta_by_hash(&hash))
                .map_or(0, |meta| meta.timestamp);
            (actor.to_hex_string(), at)
        }
        ObjId::Root => (String::new(), 0),
    }
}

/// A coded field's label: the value autosurgeon stored (the variant's name)
/// as the code the locale files use.
fn coded(key: &str, raw: &str) -> Option<Shown> {
    fn find<T: Copy + std::fmt::Debug>(
        all: &[T],
        raw: &str,
        code: fn(T) -> &'static str,
    ) -> Option<&'static str> {
        all.iter()
            .find(|v| format!("{v:?}") == raw)
            .map(|v| code(*v))
    }
    let (prefix, code) = match key {
        "housing" => ("housing", find(&Housing::ALL, raw, Housing::code)?),
        "water" => ("water", find(&WaterSource::ALL, raw, WaterSource::code)?),
        "sanitation" => ("sanitation", find(&Sanitation::ALL, raw, Sanitation::code)?),
        "sex" => ("sex", find(&Sex::ALL, raw, Sex::code)?),
        _ => return None,
    };
    Some(Shown::Code { prefix, code })
}

pub(super) fn shown(doc: &Automerge, key: &str, value: &Value<'_>, id: &ObjId) -> Shown {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(t) => coded(key, t).unwrap_or_else(|| Shown::Text(t.to_string())),
            ScalarValue::Int(n) => Shown::Int(*n),
            ScalarValue::Uint(n) => Shown::Int(i64::try_from(*n).unwrap_or(i64::MAX)),
            ScalarValue::F64(v) => Shown::Decimal(*v),
            ScalarValue::Boolean(b) => Shown::Bool(*b),
            ScalarValue::Null => Shown::Empty,
            ScalarValue::Timestamp(ms) => Shown::Time(ms.div_euclid(1000)),
            other => Shown::Text(other.to_string()),
        },
        Value::Object(ObjType::Map) => Shown::Fields(
            doc.keys(id)
                .filter_map(|k| {
                    let (v, child) = doc.get(id, k.as_str()).ok()??;
                    Some((k.clone(), shown(doc, &k, &v, &child)))
                })
                .collect(),
        ),
        Value::Object(_) => Shown::Empty,
    }
}

/// A value read out of the document, to be written again.
enum Copied {
    Scalar(ScalarValue),
    Map(Vec<(String, Copied)>),
    List(Vec<Copied>),
}

fn read_copy(doc: &Automerge, value: Value<'_>, id: &ObjId) -> Copied {
    match value {
        Value::Scalar(s) => Copied::Scalar(s.into_owned()),
        Value::Object(ObjType::List) => Copied::List(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, child)| read_copy(doc, v, &child))
                .collect(),
        ),
        Value::Object(_) => Copied::Map(
            doc.keys(id)
                .filter_map(|k| {
                    let (v, child) = doc.get(id, k.as_str()).ok()??;
                    Some((k.clone(), read_copy(doc, v, &child)))
                })
                .collect(),
        ),
    }
}

fn write_copy(
    tx: &mut automerge::transaction::Transaction<'_>,
    obj: &ObjId,
    key: &str,
    copy: &Copied,
) -> Result<(), automerge::AutomergeError> {
    match copy {
        Copied::Scalar(s) => tx.put(obj, key, s.clone()),
        Copied::Map(fields) => {
            let map = tx.put_object(obj, key, ObjType::Map)?;
            for (k, v) in fields {
                write_copy(tx, &map, k, v)?;
            }
            Ok(())
        }
        Copied::List(items) => {
            let list = tx.put_object(obj, key, ObjType::List)?;
            for (i, item) in items.iter().enumerate() {
                match item {
                    Copied::Scalar(s) => tx.insert(&list, i, s.clone())?,
                    Copied::Map(_) | Copied::List(_) => {
                        let kind = if matches!(item, Copied::Map(_)) {
                            ObjType::Map
                        } else {
                            ObjType::List
                        };
                        let child = tx.insert_object(&list, i, kind)?;
                        if let Copied::Map(fields) = item {
                            for (k, v) in fields {
                                write_copy(tx, &child, k, v)?;
                            }
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

/// Why a choice was not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// The field no longer holds that value among others (someone chose,
    /// or another value arrived): the screen should show the field again.
    #[error("the field at {0} no longer holds that value among others")]
    Gone(String),
}

/// Keeps one of a field's concurrent values (`candidate`: its
/// [`Candidate::id`]) in one change; the others stay in the history.
pub fn choose(
    doc: &mut Automerge,
    entry: &Entry,
    path: &[String],
    candidate: &str,
    unix_seconds: i64,
) -> Result<(), SurveyError> {
    let gone = || SurveyError::Choice(ChoiceError::Gone(path.join("/")));
    let (field, parents) = path.split_last().ok_or_else(gone)?;
    let mut obj = entry.obj(doc)?;
    for key in parents {
        obj = match doc.get(&obj, key.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), child))) => child,
            _ => return Err(gone()),
        };
    }
    let values = doc.get_all(&obj, field.as_str()).unwrap_or_default();
    if values.len() < 2 {
        return Err(gone());
    }
    let (value, id) = values
        .into_iter()
        .find(|(_, id)| id.to_string() == candidate)
        .ok_or_else(gone)?;
    let copy = read_copy(doc, value, &id);
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| commit(unix_seconds, "choose a value"),
        |tx| {
            // Cleared first, so the chosen value is written as this device's
            // own (Automerge turns a put equal to the winning value into a
            // mere delete of the others, and the field's history would lose
            // the choice and the value it set aside).
            tx.delete(&obj, field.as_str())?;
            write_copy(tx, &obj, field, &copy)
        },
    )
    .map_err(|f| SurveyError::Automerge(f.error.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests;
