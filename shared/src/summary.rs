//! The province summary: one small document per province saying, for each
//! commune, what its own documents evaluate to (households surveyed,
//! criteria met under each set in force, each criterion's computed status
//! and department verdict, the dossier's state). The relay writes it
//! whenever a commune's documents change, from the same view the commune's
//! tablets compute ([`CommuneView`]); an office device syncs this one
//! document instead of every commune's survey, and fetches a commune's
//! documents only to drill down.
//!
//! Only the relay writes it (no device may: [`crate::access`]), so it holds
//! no personal data — counts and statuses, never names.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ObjType, ReadDoc, Value, ROOT};
use autosurgeon::{Hydrate, Reconcile};

use crate::appraisal::Verdict;
use crate::catalog::CriteriaSet;
use crate::date::Date;
use crate::device::view::{CommuneView, Sources, ViewCache};
use crate::document::{commit, genesis as shared_genesis, schema};
use crate::evaluation::{Scorecard, Status};
use crate::ids::DocumentId;

/// The schema tag at the root.
pub const SCHEMA: &str = "ntm-summary/1";

/// The fixed actor of the genesis change: two relays creating the
/// document at once make the same first change.
const GENESIS_ACTOR: &[u8] = b"ntm-summary-genesis";

/// The summary document of a province.
pub fn document_id(province: &str) -> DocumentId {
    DocumentId::derived(&format!("summary/{province}"))
}

/// The first change of every province's summary: its schema, the
/// province, and the (empty) `communes` map.
pub fn genesis(province: &str) -> Automerge {
    shared_genesis(GENESIS_ACTOR, |doc| {
        doc.put(ROOT, "schema", SCHEMA).expect("fresh document");
        doc.put(ROOT, "province", province).expect("fresh document");
        doc.put_object(ROOT, "communes", ObjType::Map)
            .expect("fresh document");
    })
}

/// One commune as the summary has it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct CommuneSummary {
    /// What it was computed from: a fingerprint of the heads of the
    /// commune's documents, the registry and the catalogs
    /// ([`sources_fingerprint`]). The same fingerprint needs no new
    /// evaluation.
    pub sources: String,
    /// When it was computed (unix seconds, the relay's clock).
    pub evaluated_at: i64,
    /// Households listed in the survey.
    pub households: u64,
    /// Of which with every section answered.
    pub surveyed: u64,
    /// Of which with fields where concurrent edits left two values.
    pub needing_decision: u64,
    /// The dossier's state (`DossierState::code`), once started.
    pub dossier: Option<String>,
    /// One entry per criteria set in force, in set order.
    pub sets: Vec<SetSummary>,
}

/// A commune against one criteria set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct SetSummary {
    /// The catalog version.
    pub catalog_id: String,
    /// The set's code (`CriteriaSet::code`).
    pub set: String,
    /// The commune's class in the catalog's classification, if recorded.
    pub class: Option<String>,
    /// Criteria met.
    pub met: u64,
    /// Criteria in the set.
    pub total: u64,
    /// One letter per criterion, in order: `M` met, `N` not met, `?`
    /// missing data (a string, not a list: 99 communes × 3 sets × 19
    /// criteria as objects would be most of the document).
    pub criteria: String,
    /// One letter per criterion: `-` not appraised, `M` met, `N` not met,
    /// `E` more evidence needed.
    pub verdicts: String,
}

impl SetSummary {
    /// The set, if its code is known.
    pub fn criteria_set(&self) -> Option<CriteriaSet> {
        CriteriaSet::ALL.into_iter().find(|s| s.code() == self.set)
    }

    /// Each criterion's computed status, in order (an unknown letter reads
    /// as missing data).
    pub fn statuses(&self) -> Vec<Status> {
        self.criteria
            .chars()
            .map(|c| match c {
                'M' => Status::Met,
                'N' => Status::NotMet,
                _ => Status::MissingData,
            })
            .collect()
    }

    /// Each criterion's department verdict, in order.
    pub fn appraised(&self) -> Vec<Option<Verdict>> {
        self.verdicts
            .chars()
            .map(|c| match c {
                'M' => Some(Verdict::Met),
                'N' => Some(Verdict::NotMet),
                'E' => Some(Verdict::NeedsEvidence),
                _ => None,
            })
            .collect()
    }

    /// The set as a scorecard summarises it.
    pub fn of(card: &Scorecard) -> SetSummary {
        let status = |s: Status| match s {
            Status::Met => 'M',
            Status::NotMet => 'N',
            Status::MissingData => '?',
        };
        let verdict = |v: Option<Verdict>| match v {
            None => '-',
            Some(Verdict::Met) => 'M',
            Some(Verdict::NotMet) => 'N',
            Some(Verdict::NeedsEvidence) => 'E',
        };
        SetSummary {
            catalog_id: card.catalog_id.clone(),
            set: card.set.code().to_owned(),
            class: card.class.clone(),
            met: card.met() as u64,
            total: card.criteria.len() as u64,
            criteria: card.criteria.iter().map(|c| status(c.status)).collect(),
            verdicts: card
                .criteria
                .iter()
                .map(|c| verdict(c.appraisal.as_ref().map(|d| d.verdict)))
                .collect(),
        }
    }
}

impl CommuneSummary {
    /// The summary of a commune's view, computed at `evaluated_at` from
    /// documents whose fingerprint is `sources`.
    pub fn of(view: &CommuneView, sources: String, evaluated_at: i64) -> CommuneSummary {
        let villages = view.listing.villages();
        CommuneSummary {
            sources,
            evaluated_at,
            households: view.listing.len() as u64,
            surveyed: villages.iter().map(|v| v.surveyed as u64).sum(),
            needing_decision: view.listing.needing_decision().len() as u64,
            dossier: view.appraisal.dossier.map(|d| d.code().to_owned()),
            sets: view.scorecards.iter().map(SetSummary::of).collect(),
        }
    }

    /// Its entry for a set, if that set was in force.
    pub fn set(&self, set: CriteriaSet) -> Option<&SetSummary> {
        self.sets.iter().find(|s| s.set == set.code())
    }

    /// The same evaluation, whenever and from whatever it was computed.
    fn same_content(&self, other: &CommuneSummary) -> bool {
        CommuneSummary {
            sources: String::new(),
            evaluated_at: 0,
            ..self.clone()
        } == CommuneSummary {
            sources: String::new(),
            evaluated_at: 0,
            ..other.clone()
        }
    }
}

/// The fingerprint of what a commune's summary for `today` is computed
/// from: the heads of its survey, dossier and verdicts (by department), of
/// the registry and of the catalogs, and the date (sets come into force,
/// thresholds follow the year).
pub fn fingerprint(sources: &Sources<'_>, today: Date) -> String {
    let heads = |d: Option<&Automerge>| d.map(Automerge::get_heads).unwrap_or_default();
    let mut verdicts = sources.verdicts.clone();
    verdicts.sort_by_key(|(department, _)| *department);
    let all: Vec<Vec<ChangeHash>> = [heads(sources.survey), heads(sources.dossier)]
        .into_iter()
        .chain(verdicts.iter().map(|(_, d)| heads(Some(d))))
        .chain([heads(sources.registry)])
        .chain(sources.catalogs.iter().map(|d| heads(Some(d))))
        .collect();
    sources_fingerprint(&all, &today.to_string())
}

/// A commune's summary for `today`, computed at `evaluated_at` the way its
/// tablets compute their view (`cache` keeps what the next computation
/// can reuse); `None` when `before` was computed from the same sources,
/// so nothing needs evaluating.
pub fn summarize(
    sources: Sources<'_>,
    today: Date,
    before: Option<&CommuneSummary>,
    cache: &mut ViewCache,
    evaluated_at: i64,
) -> Option<CommuneSummary> {
    let fingerprint = fingerprint(&sources, today);
    if before.is_some_and(|b| b.sources == fingerprint) {
        return None;
    }
    let view = CommuneView::compute(sources, today, cache);
    Some(CommuneSummary::of(&view, fingerprint, evaluated_at))
}

/// A fingerprint of the heads of documents (in a fixed order; a missing
/// document counts as no heads) and of a context such as the date.
fn sources_fingerprint(heads: &[Vec<ChangeHash>], context: &str) -> String {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    hash.update((context.len() as u64).to_le_bytes());
    hash.update(context.as_bytes());
    for doc in heads {
        let mut sorted = doc.clone();
        sorted.sort();
        hash.update((sorted.len() as u64).to_le_bytes());
        for h in sorted {
            hash.update(h.0);
        }
    }
    crate::format::hex(&hash.finalize()[..16])
}

/// Why a summary document could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// The root does not carry the summary schema.
    #[error("not a province summary (schema {0:?})")]
    NotASummary(Option<String>),
    /// Automerge or autosurgeon refused.
    #[error("summary document: {0}")]
    Automerge(String),
}

fn communes_obj(doc: &Automerge) -> Result<automerge::ObjId, SummaryError> {
    match schema(doc) {
        Some(s) if s == SCHEMA => {}
        other => return Err(SummaryError::NotASummary(other)),
    }
    match doc.get(ROOT, "communes") {
        Ok(Some((Value::Object(ObjType::Map), obj))) => Ok(obj),
        _ => Err(SummaryError::NotASummary(Some(SCHEMA.into()))),
    }
}

/// Every commune the summary holds, by code.
pub fn read(doc: &Automerge) -> Result<BTreeMap<String, CommuneSummary>, SummaryError> {
    communes_obj(doc)?;
    autosurgeon::hydrate_prop(doc, ROOT, "communes")
        .map_err(|e| SummaryError::Automerge(e.to_string()))
}

/// One commune as the summary holds it, read alone.
pub fn read_commune(doc: &Automerge, code: &str) -> Result<Option<CommuneSummary>, SummaryError> {
    let communes = communes_obj(doc)?;
    if !matches!(doc.get(&communes, code), Ok(Some(_))) {
        return Ok(None);
    }
    autosurgeon::hydrate_prop(doc, &communes, code)
        .map(Some)
        .map_err(|e| SummaryError::Automerge(e.to_string()))
}

/// What [`write`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Nothing: the summary already said this, from the same sources.
    Unchanged,
    /// Only the fingerprint and time moved: the evaluation is the same.
    SameEvaluation,
    /// The commune's entry changed.
    Changed,
}

/// Writes one commune's summary in one change (as `actor`, the writing
/// relay's own, at `unix_seconds`), writing only the fields that changed.
pub fn write(
    doc: &mut Automerge,
    actor: &ActorId,
    code: &str,
    summary: &CommuneSummary,
    unix_seconds: i64,
) -> Result<Written, SummaryError> {
    let communes = communes_obj(doc)?;
    let before = read_commune(doc, code)?;
    let written = match &before {
        Some(b) if b == summary => return Ok(Written::Unchanged),
        Some(b) if b.same_content(summary) => Written::SameEvaluation,
        _ => Written::Changed,
    };
    doc.set_actor(actor.clone());
    doc.transact_with::<_, _, autosurgeon::ReconcileError, _>(
        |_| commit(unix_seconds, &format!("summary of {code}")),
        |tx| autosurgeon::reconcile_prop(tx, &communes, code, summary),
    )
    .map_err(|f| SummaryError::Automerge(f.error.to_string()))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{self, demo_commune};

    fn summary_of(doc: Option<&Automerge>) -> CommuneSummary {
        summary_after(doc, None).expect("no summary before")
    }

    fn summary_after(
        doc: Option<&Automerge>,
        before: Option<&CommuneSummary>,
    ) -> Option<CommuneSummary> {
        let commune = demo_commune();
        summarize(
            Sources {
                commune: &commune,
                survey: doc,
                dossier: None,
                verdicts: vec![],
                registry: None,
                catalogs: vec![],
            },
            crate::date::Date::new(2026, 12, 1).unwrap(),
            before,
            &mut ViewCache::default(),
            1_790_000_000,
        )
    }

    #[test]
    fn a_commune_summary_is_written_once_and_read_back() {
        let commune = demo_commune();
        let mut survey_doc = survey::genesis(&commune);
        let id = survey::HouseholdId::from_random([7; 16]);
        survey::add_household(
            &mut survey_doc,
            &id,
            "Giàng A Dơ",
            4,
            "Bản Dền",
            1_790_000_000,
        )
        .unwrap();
        let first = summary_of(Some(&survey_doc));
        assert_eq!(summary_of(Some(&survey_doc)).sources, first.sources);
        assert_ne!(summary_of(None).sources, first.sources);
        assert_eq!(summary_after(Some(&survey_doc), Some(&first)), None);
        assert_eq!(first.households, 1);
        assert_eq!(first.surveyed, 0);
        // The 2026–2030 sets are in force in December 2026.
        let ntm = first.set(CriteriaSet::Ntm).expect("NTM set in force");
        assert_eq!(ntm.catalog_id, "ntm-2026-2030");
        assert_eq!(ntm.total, 10);
        assert_eq!(ntm.criteria.chars().count(), 10);
        assert_eq!(ntm.verdicts, "-".repeat(10));
        assert_eq!(ntm.appraised(), vec![None; 10]);
        assert_eq!(
            ntm.met as usize,
            ntm.statuses().iter().filter(|s| **s == Status::Met).count()
        );

        let mut doc = genesis("lao-cai");
        let relay = ActorId::from(b"relay-one".as_slice());
        assert_eq!(
            write(&mut doc, &relay, "ta-van", &first, 1).unwrap(),
            Written::Changed
        );
        assert_eq!(read_commune(&doc, "ta-van").unwrap().as_ref(), Some(&first));
        let heads = doc.get_heads();
        assert_eq!(
            write(&mut doc, &relay, "ta-van", &first, 2).unwrap(),
            Written::Unchanged
        );
        assert_eq!(doc.get_heads(), heads, "nothing written the second time");
        let later = CommuneSummary {
            sources: "another".into(),
            evaluated_at: 1_790_000_100,
            ..first.clone()
        };
        assert_eq!(
            write(&mut doc, &relay, "ta-van", &later, 3).unwrap(),
            Written::SameEvaluation
        );
        let all = read(&doc).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all["ta-van"], later);
        assert_eq!(read_commune(&doc, "elsewhere").unwrap(), None);
        assert!(matches!(
            read(&Automerge::new()),
            Err(SummaryError::NotASummary(None))
        ));
    }

    #[test]
    fn the_genesis_is_the_same_wherever_it_is_made() {
        assert_eq!(genesis("lao-cai").save(), genesis("lao-cai").save());
        assert_ne!(document_id("lao-cai"), document_id("yen-bai"));
    }

    #[test]
    fn the_fingerprint_follows_every_source() {
        let a = survey::genesis(&demo_commune()).get_heads();
        let none: Vec<ChangeHash> = vec![];
        let f = sources_fingerprint(&[a.clone(), none.clone()], "d");
        assert_eq!(f, sources_fingerprint(&[a.clone(), none.clone()], "d"));
        assert_ne!(f, sources_fingerprint(&[a.clone(), none.clone()], "e"));
        assert_ne!(f, sources_fingerprint(&[none.clone(), a.clone()], "d"));
        assert_ne!(f, sources_fingerprint(&[a], "d"));
        assert_eq!(f.len(), 32);
    }
}
