//! The `appraisal` document of one commune (DESIGN.md §2.5, §3): each
//! department's verdict on the criteria it owns, the district's review, the
//! state of the dossier, and the history of who decided what, when.
//!
//! Verdicts are keyed by catalog and criterion, so departments appraising
//! different criteria never collide; the history is a list every decision
//! appends to, so concurrent decisions are all kept.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, Value, ROOT};
use autosurgeon::{hydrate_prop, reconcile_prop, Hydrate, Reconcile};

use crate::catalog::Catalog;
use crate::document::{commit, genesis as document_genesis, schema};

/// The schema tag written at the document root.
pub const SCHEMA: &str = "ntm-appraisal/1";

/// The fixed actor of every appraisal's shared genesis change: the same
/// on every device, so departments may open a commune's appraisal offline.
pub const GENESIS_ACTOR: &[u8] = b"ntm-appraisal-genesis";

/// A department's verdict on a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Verdict {
    /// Đạt.
    Met,
    /// Không đạt.
    NotMet,
    /// Cần bổ sung minh chứng.
    NeedsEvidence,
}

impl Verdict {
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Verdict::Met => "Đạt",
            Verdict::NotMet => "Không đạt",
            Verdict::NeedsEvidence => "Cần bổ sung minh chứng",
        }
    }
}

/// One department's decision on one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Decision {
    /// The verdict.
    pub verdict: Verdict,
    /// Remark (required unless met).
    pub remark: String,
    /// Department code (from the catalog).
    pub department: String,
    /// The person who decided.
    pub by: String,
    /// When (unix seconds).
    pub at: i64,
}

/// The district's review of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DistrictReview {
    /// Proposed for recognition.
    pub approved: bool,
    /// Remark.
    pub remark: String,
    /// Who reviewed.
    pub by: String,
    /// When (unix seconds).
    pub at: i64,
}

/// Where a commune's recognition dossier stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub enum DossierState {
    /// Xã đang hoàn thiện hồ sơ.
    Preparing,
    /// Đã gửi huyện.
    SubmittedToDistrict,
    /// Huyện đã thẩm tra.
    DistrictReviewed,
    /// Đã gửi tỉnh thẩm định.
    SubmittedToProvince,
    /// Các sở đã thẩm định.
    Appraised,
    /// Đã có quyết định công nhận.
    Recognised,
}

impl DossierState {
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            DossierState::Preparing => "Đang hoàn thiện hồ sơ",
            DossierState::SubmittedToDistrict => "Đã gửi huyện",
            DossierState::DistrictReviewed => "Huyện đã thẩm tra",
            DossierState::SubmittedToProvince => "Đã gửi tỉnh thẩm định",
            DossierState::Appraised => "Các sở đã thẩm định",
            DossierState::Recognised => "Đã công nhận",
        }
    }
}

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct HistoryEntry {
    /// When (unix seconds).
    pub at: i64,
    /// Who.
    pub by: String,
    /// What, in Vietnamese.
    pub what: String,
}

/// A commune's appraisal as read from its document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appraisal {
    /// Verdicts by [`verdict_key`].
    pub verdicts: BTreeMap<String, Decision>,
    /// The district's review, if done.
    pub district_review: Option<DistrictReview>,
    /// The dossier's state, if a dossier was started.
    pub dossier: Option<DossierState>,
    /// Every decision in order of time (then author).
    pub history: Vec<HistoryEntry>,
}

impl Appraisal {
    /// The verdict on a criterion of a catalog version, if any.
    pub fn verdict(&self, catalog_id: &str, criterion: u32) -> Option<&Decision> {
        self.verdicts.get(&verdict_key(catalog_id, criterion))
    }
}

/// The key of a verdict: catalog version and criterion number.
pub fn verdict_key(catalog_id: &str, criterion: u32) -> String {
    format!("{catalog_id}/{criterion}")
}

/// Why an appraisal could not be read or recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppraisalError {
    /// The root does not carry the appraisal schema.
    #[error("not an appraisal document (schema {0:?})")]
    NotAnAppraisal(Option<String>),
    /// The catalog has no such criterion.
    #[error(
        "tiêu chí {criterion} không có trong bộ {catalog} / no criterion {criterion} in {catalog}"
    )]
    UnknownCriterion {
        /// Catalog id.
        catalog: String,
        /// Criterion number.
        criterion: u32,
    },
    /// The department does not own the criterion.
    #[error("{department} không phụ trách tiêu chí {criterion} (do {owner} phụ trách) / {department} does not own criterion {criterion} ({owner} does)")]
    NotOwner {
        /// Who tried.
        department: String,
        /// Which criterion.
        criterion: u32,
        /// Who owns it.
        owner: String,
    },
    /// A required value is missing (Vietnamese message first).
    #[error("{0}")]
    Required(&'static str),
    /// Automerge or autosurgeon failed.
    #[error("appraisal document: {0}")]
    Automerge(String),
}

/// The genesis of a commune's appraisal document: identical on every device.
pub fn genesis(commune_code: &str) -> Automerge {
    document_genesis(GENESIS_ACTOR, |doc| {
        doc.put(ROOT, "schema", SCHEMA).expect("fresh document");
        doc.put(ROOT, "commune_code", commune_code)
            .expect("fresh document");
        doc.put_object(ROOT, "verdicts", ObjType::Map)
            .expect("fresh document");
        doc.put_object(ROOT, "history", ObjType::List)
            .expect("fresh document");
    })
}

fn container(
    doc: &Automerge,
    key: &str,
    kind: ObjType,
) -> Result<automerge::ObjId, AppraisalError> {
    match schema(doc) {
        Some(s) if s == SCHEMA => {}
        other => return Err(AppraisalError::NotAnAppraisal(other)),
    }
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(k), obj))) if k == kind => Ok(obj),
        _ => Err(AppraisalError::NotAnAppraisal(schema(doc))),
    }
}

fn am<E: std::fmt::Display>(e: E) -> AppraisalError {
    AppraisalError::Automerge(e.to_string())
}

/// Writes `key = value` at the root (or in the verdicts map) and appends a
/// history line, in one change.
fn record(
    doc: &mut Automerge,
    in_verdicts: Option<&str>,
    key: &str,
    value: &impl Reconcile,
    entry: HistoryEntry,
) -> Result<(), AppraisalError> {
    let verdicts = container(doc, "verdicts", ObjType::Map)?;
    let history = container(doc, "history", ObjType::List)?;
    doc.transact_with::<_, _, AppraisalError, _>(
        |_| commit(entry.at, &entry.what),
        |tx| {
            match in_verdicts {
                Some(k) => reconcile_prop(tx, &verdicts, k, value).map_err(am)?,
                None => reconcile_prop(tx, ROOT, key, value).map_err(am)?,
            }
            let end = tx.length(&history);
            let line = tx.insert_object(&history, end, ObjType::Map).map_err(am)?;
            tx.put(&line, "at", entry.at).map_err(am)?;
            tx.put(&line, "by", entry.by.as_str()).map_err(am)?;
            tx.put(&line, "what", entry.what.as_str()).map_err(am)?;
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

/// Records a department's verdict on a criterion it owns, in one change.
/// Refused (nothing written) when the department does not own the criterion,
/// or a verdict other than "met" comes without a remark.
pub fn record_verdict(
    doc: &mut Automerge,
    catalog: &Catalog,
    criterion: u32,
    decision: &Decision,
) -> Result<(), AppraisalError> {
    let owned = catalog
        .criteria
        .iter()
        .find(|c| c.number == criterion)
        .ok_or_else(|| AppraisalError::UnknownCriterion {
            catalog: catalog.id.clone(),
            criterion,
        })?;
    if owned.owner != decision.department {
        return Err(AppraisalError::NotOwner {
            department: decision.department.clone(),
            criterion,
            owner: owned.owner.clone(),
        });
    }
    if decision.by.trim().is_empty() {
        return Err(AppraisalError::Required(
            "cần ghi người thẩm định / the appraiser is required",
        ));
    }
    if decision.verdict != Verdict::Met && decision.remark.trim().is_empty() {
        return Err(AppraisalError::Required(
            "cần ghi nhận xét khi chưa đạt / a remark is required unless met",
        ));
    }
    let department = catalog
        .department(&decision.department)
        .map(|d| d.name_vi.as_str())
        .unwrap_or(decision.department.as_str());
    let key = verdict_key(&catalog.id, criterion);
    record(
        doc,
        Some(&key),
        &key,
        decision,
        HistoryEntry {
            at: decision.at,
            by: decision.by.clone(),
            what: format!(
                "{department}: tiêu chí {criterion} ({}) — {}",
                catalog.id,
                decision.verdict.label_vi()
            ),
        },
    )
}

/// Records the district's review, in one change.
pub fn record_district_review(
    doc: &mut Automerge,
    review: &DistrictReview,
) -> Result<(), AppraisalError> {
    if review.by.trim().is_empty() {
        return Err(AppraisalError::Required(
            "cần ghi người thẩm tra / the reviewer is required",
        ));
    }
    let what = if review.approved {
        "Huyện thẩm tra: đề nghị công nhận"
    } else {
        "Huyện thẩm tra: chưa đề nghị"
    };
    record(
        doc,
        None,
        "district_review",
        review,
        HistoryEntry {
            at: review.at,
            by: review.by.clone(),
            what: what.to_owned(),
        },
    )
}

/// Moves the dossier to a new state, in one change.
pub fn set_dossier(
    doc: &mut Automerge,
    state: DossierState,
    by: &str,
    unix_seconds: i64,
) -> Result<(), AppraisalError> {
    record(
        doc,
        None,
        "dossier",
        &state,
        HistoryEntry {
            at: unix_seconds,
            by: by.to_owned(),
            what: format!("Hồ sơ: {}", state.label_vi()),
        },
    )
}

/// Reads a commune's appraisal. Entries written by a newer version in a
/// shape this one cannot read are skipped, not fatal.
pub fn read(doc: &Automerge) -> Result<Appraisal, AppraisalError> {
    let verdicts_obj = container(doc, "verdicts", ObjType::Map)?;
    let history_obj = container(doc, "history", ObjType::List)?;
    let verdicts = doc
        .keys(&verdicts_obj)
        .filter_map(|k| {
            hydrate_prop(doc, &verdicts_obj, k.as_str())
                .ok()
                .map(|v| (k, v))
        })
        .collect();
    let mut history: Vec<HistoryEntry> = (0..doc.length(&history_obj))
        .filter_map(|i| hydrate_prop(doc, &history_obj, i).ok())
        .collect();
    history.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.by.cmp(&b.by)));
    let optional = |key: &str| doc.get(ROOT, key).ok().flatten().is_some();
    Ok(Appraisal {
        verdicts,
        district_review: if optional("district_review") {
            hydrate_prop(doc, ROOT, "district_review").ok()
        } else {
            None
        },
        dossier: if optional("dossier") {
            hydrate_prop(doc, ROOT, "dossier").ok()
        } else {
            None
        },
        history,
    })
}

#[cfg(test)]
mod tests;
