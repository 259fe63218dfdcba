//! The `registry` document (DESIGN.md §3): one per province, written by the
//! Coordination Office or an admin, read by everyone in the province.
//! Districts and communes are maps keyed by code, so two officers editing
//! different communes (or different fields of one) never collide.

use std::collections::BTreeMap;

use automerge::{ActorId, Automerge};
use autosurgeon::{hydrate, reconcile, Hydrate, Reconcile};

use super::{Commune, District, Province, Registry};
use crate::document::{commit, schema};
use crate::ids::DocumentId;

/// The schema tag written at the document root.
pub const SCHEMA: &str = "ntm-registry/1";

/// Why a registry document could not be read or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The root does not carry the registry schema.
    #[error("not a registry document (schema {0:?})")]
    NotARegistry(Option<String>),
    /// No commune with that code.
    #[error("no commune {0:?} in the registry")]
    UnknownCommune(String),
    /// A value was refused (Vietnamese message first).
    #[error("{vi} / {en}")]
    Invalid {
        /// Vietnamese message.
        vi: String,
        /// English message.
        en: String,
    },
    /// Automerge or autosurgeon failed.
    #[error("registry document: {0}")]
    Automerge(String),
}

#[derive(Reconcile, Hydrate)]
struct Stored {
    schema: String,
    province: Province,
    districts: BTreeMap<String, District>,
    communes: BTreeMap<String, Commune>,
}

/// The registry document's id for a province code.
pub fn document_id(province_code: &str) -> DocumentId {
    DocumentId::derived(&format!("registry/{province_code}"))
}

fn validate(commune: &Commune) -> Result<(), RegistryError> {
    let invalid = |vi: &str, en: &str| {
        Err(RegistryError::Invalid {
            vi: format!("{}: {vi}", commune.code),
            en: format!("{}: {en}", commune.code),
        })
    };
    if commune.code.trim().is_empty() || commune.name.trim().is_empty() {
        return invalid("cần có mã và tên xã", "a commune needs a code and a name");
    }
    if let Some(t) = commune.target {
        if !(2010..=2050).contains(&t.year) {
            return invalid("năm mục tiêu không hợp lệ", "target year out of range");
        }
    }
    if let (Some(ntm), Some(adv)) = (commune.ntm_year, commune.advanced_year) {
        if adv < ntm {
            return invalid(
                "năm đạt NTM nâng cao trước năm đạt NTM",
                "advanced NTM recognised before NTM",
            );
        }
    }
    if commune.documents.survey_id().is_none() || commune.documents.appraisal_ids().is_none() {
        return invalid("mã tài liệu không hợp lệ", "invalid document id");
    }
    Ok(())
}

/// Makes a province's registry document in one change by a per-province
/// actor (the admin tool creates it once; devices only ever receive it).
pub fn create(registry: &Registry, unix_seconds: i64) -> Result<Automerge, RegistryError> {
    for commune in &registry.communes {
        validate(commune)?;
    }
    registry
        .check_succession()
        .map_err(|e| RegistryError::Invalid { vi: e.vi, en: e.en })?;
    let stored = Stored {
        schema: SCHEMA.to_owned(),
        province: registry.province.clone(),
        districts: registry
            .districts
            .iter()
            .map(|d| (d.code.clone(), d.clone()))
            .collect(),
        communes: registry
            .communes
            .iter()
            .map(|c| (c.code.clone(), c.clone()))
            .collect(),
    };
    let actor = format!("ntm-registry:{}", registry.province.code);
    let mut doc = Automerge::new().with_actor(ActorId::from(actor.as_bytes()));
    doc.transact_with::<_, _, autosurgeon::ReconcileError, _>(
        |_| commit(unix_seconds, "create registry"),
        |tx| reconcile(tx, &stored),
    )
    .map_err(|f| RegistryError::Automerge(f.error.to_string()))?;
    Ok(doc)
}

fn load(doc: &Automerge) -> Result<Stored, RegistryError> {
    match schema(doc) {
        Some(s) if s == SCHEMA => {}
        other => return Err(RegistryError::NotARegistry(other)),
    }
    hydrate(doc).map_err(|e| RegistryError::Automerge(e.to_string()))
}

/// The registry a document holds; districts and communes ordered by code.
pub fn read(doc: &Automerge) -> Result<Registry, RegistryError> {
    let stored = load(doc)?;
    Ok(Registry {
        province: stored.province,
        districts: stored.districts.into_values().collect(),
        communes: stored.communes.into_values().collect(),
    })
}

/// One commune of the registry a document holds, read alone (a device
/// needs its own commune and the units it was formed from, not the
/// province: reading all of it costs a hundred times more).
pub fn read_commune(doc: &Automerge, code: &str) -> Result<Option<Commune>, RegistryError> {
    match schema(doc) {
        Some(s) if s == SCHEMA => {}
        other => return Err(RegistryError::NotARegistry(other)),
    }
    let communes = match automerge::ReadDoc::get(doc, automerge::ROOT, "communes") {
        Ok(Some((automerge::Value::Object(automerge::ObjType::Map), obj))) => obj,
        _ => return Ok(None),
    };
    if !matches!(automerge::ReadDoc::get(doc, &communes, code), Ok(Some(_))) {
        return Ok(None);
    }
    autosurgeon::hydrate_prop(doc, &communes, code)
        .map(Some)
        .map_err(|e| RegistryError::Automerge(e.to_string()))
}

/// Changes one commune in one change, writing only the fields that changed.
/// The result is validated first; nothing is written if it is refused.
pub fn update_commune(
    doc: &mut Automerge,
    code: &str,
    unix_seconds: i64,
    edit: impl FnOnce(&mut Commune),
) -> Result<(), RegistryError> {
    let mut stored = load(doc)?;
    let commune = stored
        .communes
        .get_mut(code)
        .ok_or_else(|| RegistryError::UnknownCommune(code.to_owned()))?;
    let before = commune.clone();
    edit(commune);
    if *commune == before {
        return Ok(());
    }
    if commune.code != before.code {
        return Err(RegistryError::Invalid {
            vi: "không đổi được mã xã".into(),
            en: "a commune's code cannot change".into(),
        });
    }
    validate(commune)?;
    doc.transact_with::<_, _, autosurgeon::ReconcileError, _>(
        |_| commit(unix_seconds, &format!("edit commune {code}")),
        |tx| reconcile(tx, &stored),
    )
    .map_err(|f| RegistryError::Automerge(f.error.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::registry::{Level, Target};

    #[test]
    fn one_commune_reads_as_the_whole_registry_has_it() {
        let registry = small();
        let doc = create(&registry, 1_750_000_000).unwrap();
        for c in &registry.communes {
            assert_eq!(read_commune(&doc, &c.code).unwrap().as_ref(), Some(c));
        }
        assert_eq!(read_commune(&doc, "no-such-unit").unwrap(), None);
        assert!(read_commune(&Automerge::new(), "x").is_err());
    }

    fn small() -> Registry {
        generate(DemoParams {
            communes: 12,
            households: (5, 10),
            ..DemoParams::default()
        })
        .registry
    }

    fn sorted(mut registry: Registry) -> Registry {
        registry.communes.sort_by(|a, b| a.code.cmp(&b.code));
        registry.districts.sort_by(|a, b| a.code.cmp(&b.code));
        registry
    }

    #[test]
    fn registry_round_trips_through_its_document() {
        let registry = small();
        let doc = create(&registry, 1_700_000_000).unwrap();
        let reloaded = Automerge::load(&doc.save()).unwrap();
        assert_eq!(read(&reloaded).unwrap(), sorted(registry));
    }

    #[test]
    fn a_registry_written_before_the_appraisal_split_still_reads() {
        use automerge::transaction::Transactable;
        use automerge::{ObjType, ReadDoc, Value, ROOT};
        let registry = small();
        let mut doc = create(&registry, 1_700_000_000).unwrap();
        // The old shape: `documents` held `survey` and `appraisal` only.
        let mut tx = doc.transaction();
        let communes = match tx.get(ROOT, "communes").unwrap() {
            Some((Value::Object(ObjType::Map), id)) => id,
            other => panic!("communes: {other:?}"),
        };
        for code in tx.keys(&communes).collect::<Vec<_>>() {
            let commune = tx.get(&communes, code.as_str()).unwrap().unwrap().1;
            let documents = tx.get(&commune, "documents").unwrap().unwrap().1;
            tx.delete(&documents, "dossier").unwrap();
            tx.delete(&documents, "verdicts").unwrap();
            tx.put(&documents, "appraisal", "old").unwrap();
        }
        tx.commit();
        let read_back = read(&doc).expect("an old registry reads");
        assert_eq!(read_back.communes.len(), registry.communes.len());
        assert!(read_back
            .communes
            .iter()
            .all(|c| c.documents.dossier.is_empty()
                && c.documents.verdicts.is_empty()
                && c.documents.survey_id().is_some()
                && c.documents.appraisal_ids().is_none()));
    }

    #[test]
    fn officers_editing_different_fields_of_a_commune_both_win() {
        let registry = small();
        let code = registry.communes[0].code.clone();
        let base = create(&registry, 0).unwrap();
        let mut a = base.fork().with_actor(ActorId::from(vec![1; 16]));
        let mut b = base.fork().with_actor(ActorId::from(vec![2; 16]));
        update_commune(&mut a, &code, 10, |c| c.leader = Some("Ông A".into())).unwrap();
        update_commune(&mut b, &code, 11, |c| {
            c.target = Some(Target {
                level: Level::Advanced,
                year: 2027,
            })
        })
        .unwrap();
        a.merge(&mut b).unwrap();
        let merged = read(&a).unwrap();
        let commune = merged.commune(&code).unwrap();
        assert_eq!(commune.leader.as_deref(), Some("Ông A"));
        assert_eq!(commune.target.unwrap().year, 2027);
    }

    #[test]
    fn bad_values_are_refused_and_nothing_is_written() {
        let registry = small();
        let code = registry.communes[0].code.clone();
        let mut doc = create(&registry, 0).unwrap();
        let heads = doc.get_heads();
        let err = update_commune(&mut doc, &code, 5, |c| {
            c.target = Some(Target {
                level: Level::Ntm,
                year: 1999,
            })
        })
        .unwrap_err();
        assert!(err.to_string().contains("năm mục tiêu"), "{err}");
        assert!(matches!(
            update_commune(&mut doc, "no-such", 5, |_| {}),
            Err(RegistryError::UnknownCommune(_))
        ));
        assert_eq!(doc.get_heads(), heads);
        assert!(matches!(
            read(&Automerge::new()),
            Err(RegistryError::NotARegistry(None))
        ));
    }
}
