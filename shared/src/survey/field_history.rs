//! Every value each field of an entry has had: who wrote it (the actor of
//! a device's session), when, in which change — read from the document's
//! own history, nothing kept beside it. A field's values are followed back
//! from the current one(s): each value's change names the state before it,
//! where the field held the value it replaced (two, after concurrent
//! edits). A field deleted since is not listed (the value list starts from
//! what the entry holds now).

use std::collections::BTreeSet;

use automerge::{Automerge, ObjId, ObjType, ReadDoc, Value};

use super::conflicts::{self, Entry, Shown};

/// Older values of one field are not followed past this many (a field a
/// script rewrote thousands of times stays cheap to open).
const MAX_VALUES_PER_FIELD: usize = 50;

/// One value a field was given.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// Keys from the entry to the field (as in [`conflicts::Conflict`]).
    pub path: Vec<String>,
    /// The value written.
    pub shown: Shown,
    /// The Automerge actor that wrote it (hex): one device's session.
    pub actor: String,
    /// When, by the writer's clock (unix seconds).
    pub at: i64,
    /// The change that holds it (hash, hex).
    pub change: String,
}

/// Every value of every field of an entry, newest first.
pub fn of_entry(doc: &Automerge, entry: &Entry) -> Vec<FieldChange> {
    let Ok(obj) = entry.obj(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(doc, &obj, &mut Vec::new(), &mut out);
    out.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.change.cmp(&b.change))
    });
    out
}

fn walk(doc: &Automerge, obj: &ObjId, path: &mut Vec<String>, out: &mut Vec<FieldChange>) {
    for key in doc.keys(obj).collect::<Vec<_>>() {
        let values = doc.get_all(obj, key.as_str()).unwrap_or_default();
        path.push(key.clone());
        for (value, child) in &values {
            if matches!(value, Value::Object(ObjType::Map)) {
                walk(doc, child, path, out);
            }
        }
        if values.iter().any(|(v, _)| matches!(v, Value::Scalar(_))) {
            follow(doc, obj, &key, values, path, out);
        }
        path.pop();
    }
}

/// The values of field `key` of `obj`, back from `current`.
fn follow(
    doc: &Automerge,
    obj: &ObjId,
    key: &str,
    current: Vec<(Value<'_>, ObjId)>,
    path: &[String],
    out: &mut Vec<FieldChange>,
) {
    let mut seen = BTreeSet::new();
    let mut frontier: Vec<(Value<'static>, ObjId)> = current
        .into_iter()
        .map(|(v, id)| (v.into_owned(), id))
        .collect();
    while let Some((value, id)) = frontier.pop() {
        if seen.len() >= MAX_VALUES_PER_FIELD || !seen.insert(id.to_string()) {
            continue;
        }
        let Some(meta) = doc
            .hash_for_opid(&id)
            .and_then(|hash| doc.get_change_meta_by_hash(&hash))
        else {
            continue;
        };
        if matches!(value, Value::Scalar(_)) {
            out.push(FieldChange {
                path: path.to_vec(),
                shown: conflicts::shown(doc, key, &value, &id),
                actor: meta.actor.to_hex_string(),
                at: meta.timestamp,
                change: meta.hash.to_string(),
            });
        }
        // What the field held just before this change.
        frontier.extend(
            doc.get_all_at(obj, key, &meta.deps)
                .unwrap_or_default()
                .into_iter()
                .map(|(v, id)| (v.into_owned(), id)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::record::{self, WaterSource};
    use crate::survey::{self, HouseholdEdit, HouseholdId};

    #[test]
    fn a_field_s_values_come_back_with_who_and_when_both_sides_of_a_conflict_too() {
        let mut a = survey::genesis(&survey::demo_commune());
        a.set_actor(automerge::ActorId::from(&[0xaa; 16][..]));
        let h = HouseholdId::from_random([6; 16]);
        survey::add_household(&mut a, &h, "Sùng Thị Mỷ", 3, "Bản Hồ", 100).unwrap();
        survey::edit_household(&mut a, &h, HouseholdEdit::Members(4), 200).unwrap();
        record::update_record(&mut a, &h, 300, |r| {
            r.water = Some(WaterSource::PipedToStandard)
        })
        .unwrap();
        let mut b = a.fork();
        b.set_actor(automerge::ActorId::from(&[0xbb; 16][..]));
        record::update_record(&mut a, &h, 400, |r| {
            r.water = Some(WaterSource::TreatedWell)
        })
        .unwrap();
        record::update_record(&mut b, &h, 410, |r| r.water = Some(WaterSource::Untreated)).unwrap();
        a.merge(&mut b).unwrap();

        let history = of_entry(&a, &Entry::Household(h.clone()));
        let of = |path: &[&str]| {
            history
                .iter()
                .filter(|c| c.path == path)
                .map(|c| (c.shown.clone(), c.actor[..2].to_owned(), c.at))
                .collect::<Vec<_>>()
        };
        let water = |code| Shown::Code {
            prefix: "water",
            code,
        };
        assert_eq!(
            of(&["record", "water"]),
            [
                (water("untreated"), "bb".into(), 410),
                (water("treated-well"), "aa".into(), 400),
                (water("piped"), "aa".into(), 300),
            ],
            "newest first; both concurrent values, then the one they replaced"
        );
        assert_eq!(
            of(&["members"]),
            [
                (Shown::Int(4), "aa".into(), 200),
                (Shown::Int(3), "aa".into(), 100)
            ]
        );
        assert_eq!(history[0].at, 410);

        // A keeps B's value: the choice is the newest value, by A.
        let conflict = &crate::survey::conflicts::of_entry(&a, &Entry::Household(h.clone()))[0];
        let theirs = conflict
            .candidates
            .iter()
            .find(|c| c.actor.starts_with("bb"))
            .unwrap();
        crate::survey::conflicts::choose(
            &mut a,
            &Entry::Household(h.clone()),
            &conflict.path,
            &theirs.id,
            500,
        )
        .unwrap();
        let history = of_entry(&a, &Entry::Household(h.clone()));
        let water_rows: Vec<_> = history
            .iter()
            .filter(|c| c.path == ["record", "water"])
            .map(|c| (c.actor[..2].to_owned(), c.at))
            .collect();
        assert_eq!(
            water_rows,
            [
                ("aa".into(), 500),
                ("bb".into(), 410),
                ("aa".into(), 400),
                ("aa".into(), 300)
            ]
        );
        assert!(of_entry(&a, &Entry::Household(HouseholdId::from_random([7; 16]))).is_empty());
    }
}
