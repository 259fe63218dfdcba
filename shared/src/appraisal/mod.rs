//! A commune's appraisal (DESIGN.md §2.5, §3), kept in documents whose
//! boundaries are its permissions: each department's verdicts on the
//! criteria it owns in a [`verdicts`] document only that department writes
//! (one per commune and department), and the district's review and the
//! dossier's state in a [`dossier`] document only the district or the
//! Coordination Office writes. [`assemble`] reads them into one
//! [`Appraisal`] for evaluation and the screens.
//!
//! Nothing a client types decides who wrote what: a verdict counts only
//! for the department the registry lists its document under (whatever the
//! document says about itself) and only for criteria that department owns;
//! each history line names the writing party from the document's boundary
//! and the writing actor, which the relay binds to one enrolled device.

pub mod dossier;
pub mod verdicts;

use std::collections::BTreeMap;

use automerge::{ObjId, ReadDoc, Value, ROOT};
use autosurgeon::{Hydrate, Reconcile};

use crate::catalog::Catalog;
use crate::ids::DocumentId;

/// The fixed actor of every appraisal document's shared genesis change
/// (verdicts and dossier alike): the same on every device, so a party may
/// open its document offline before it ever reached the relay.
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
    /// Stable code (`verdict-<code>` in the locale files).
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not-met",
            Verdict::NeedsEvidence => "needs-evidence",
        }
    }
}

/// One department's standing decision on one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The verdict.
    pub verdict: Verdict,
    /// Remark (required unless met).
    pub remark: String,
    /// The department, from the document it was found in.
    pub department: String,
    /// Who wrote it.
    pub author: Author,
    /// When (unix seconds, the writer's clock).
    pub at: i64,
}

/// The district's review of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DistrictReview {
    /// Proposed for recognition.
    pub approved: bool,
    /// Remark.
    pub remark: String,
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
    /// Every state, in the order a dossier goes through them.
    pub const ALL: [DossierState; 6] = [
        DossierState::Preparing,
        DossierState::SubmittedToDistrict,
        DossierState::DistrictReviewed,
        DossierState::SubmittedToProvince,
        DossierState::Appraised,
        DossierState::Recognised,
    ];

    /// Stable code (`dossier-<code>` in the locale files).
    pub fn code(self) -> &'static str {
        match self {
            DossierState::Preparing => "preparing",
            DossierState::SubmittedToDistrict => "submitted-to-district",
            DossierState::DistrictReviewed => "district-reviewed",
            DossierState::SubmittedToProvince => "submitted-to-province",
            DossierState::Appraised => "appraised",
            DossierState::Recognised => "recognised",
        }
    }
}

/// Which party wrote a line: known from the document it is in, because
/// the relay lets only that party write there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Party {
    /// A department (catalog code), in its own verdicts document.
    Department(String),
    /// The district or the Coordination Office, in the dossier document.
    DistrictOrOffice,
}

/// The author of a line: the party, and the Automerge actor that wrote it
/// (hex), which the relay's attribution names as one enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Author {
    /// The writing party.
    pub party: Party,
    /// The writing actor, hex.
    pub actor: String,
}

impl Author {
    /// The writing department (catalog code), if a department wrote it.
    pub fn department(&self) -> Option<&str> {
        match &self.party {
            Party::Department(code) => Some(code),
            Party::DistrictOrOffice => None,
        }
    }
}

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When (unix seconds, the writer's clock).
    pub at: i64,
    /// Who.
    pub author: Author,
    /// What happened.
    pub what: Happened,
}

/// What one line of the appraisal history records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    /// A department's verdict on a criterion of a catalog.
    Verdict {
        /// Catalog id.
        catalog: String,
        /// Criterion number.
        criterion: u32,
        /// The verdict.
        verdict: Verdict,
    },
    /// The district's review: proposed for recognition or not.
    DistrictReview {
        /// Proposed.
        approved: bool,
    },
    /// The dossier moved to a state.
    Dossier(DossierState),
}

/// A commune's appraisal, assembled from its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appraisal {
    /// Standing verdicts by [`verdict_key`] (see [`assemble`]).
    pub verdicts: BTreeMap<String, Decision>,
    /// The district's latest review, if done.
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

/// Every department that owns a criterion in one of `catalogs`, sorted:
/// each has a verdicts document per commune.
pub fn departments(catalogs: &[Catalog]) -> Vec<String> {
    let mut codes: Vec<String> = catalogs
        .iter()
        .flat_map(|c| c.criteria.iter().map(|k| k.owner.clone()))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// [`departments`] of the catalogs shipped with this version.
pub fn shipped_departments() -> &'static [String] {
    static SHIPPED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| departments(&crate::catalog::shipped()))
}

/// The documents of one commune's appraisal, as the registry lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppraisalIds {
    /// The dossier document (district review, dossier state).
    pub dossier: DocumentId,
    /// Each department's verdicts document, by department code.
    pub verdicts: BTreeMap<String, DocumentId>,
}

/// Why an appraisal could not be read or recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppraisalError {
    /// The root does not carry the expected schema.
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
    /// A verdict other than "met", or a review that does not propose,
    /// needs a remark.
    #[error("cần ghi nhận xét / a remark is required")]
    RemarkRequired,
    /// The department's verdicts document of that commune has not reached
    /// the device yet.
    #[error("hồ sơ của xã chưa tải về máy / the commune's documents have not arrived yet")]
    NotYetReceived,
    /// A verdict was sent with no commune open on the device.
    #[error("chưa mở xã nào / no commune is open")]
    NoCommuneOpen,
    /// Automerge or autosurgeon failed.
    #[error("appraisal document: {0}")]
    Automerge(String),
}

pub(crate) fn am<E: std::fmt::Display>(e: E) -> AppraisalError {
    AppraisalError::Automerge(e.to_string())
}

/// The list at `key` of a document whose root carries `schema_tag`.
fn list(doc: &automerge::Automerge, schema_tag: &str, key: &str) -> Result<ObjId, AppraisalError> {
    let schema = crate::document::schema(doc);
    if schema.as_deref() != Some(schema_tag) {
        return Err(AppraisalError::NotAnAppraisal(schema));
    }
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(automerge::ObjType::List), obj))) => Ok(obj),
        _ => Err(AppraisalError::NotAnAppraisal(schema)),
    }
}

/// Appends `line` to the list at `key` (of a document carrying
/// `schema_tag`), in one change at `at` with `message`. Both appraisal
/// documents are such append-only logs: the list is their history.
pub(crate) fn append_line(
    doc: &mut automerge::Automerge,
    (schema_tag, key): (&str, &str),
    line: &impl Reconcile,
    at: i64,
    message: &str,
) -> Result<(), AppraisalError> {
    let lines = list(doc, schema_tag, key)?;
    doc.transact_with::<_, _, AppraisalError, _>(
        |_| crate::document::commit(at, message),
        |tx| {
            let end = tx.length(&lines);
            autosurgeon::reconcile_insert(tx, lines.clone(), end, line).map_err(am)
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

/// Every line of the list at `key` that reads as `T`, in document order,
/// with the actor (hex) that wrote it: the creator of the line's object.
/// Lines in a shape this version cannot read are skipped.
pub(crate) fn read_lines<T: Hydrate>(
    doc: &automerge::Automerge,
    (schema_tag, key): (&str, &str),
) -> Result<Vec<(T, String)>, AppraisalError> {
    let lines = list(doc, schema_tag, key)?;
    Ok((0..doc.length(&lines))
        .filter_map(|i| {
            let (_, id) = doc.get(&lines, i).ok().flatten()?;
            let actor = match &id {
                ObjId::Id(_, actor, _) => actor.to_hex_string(),
                ObjId::Root => return None,
            };
            Some((autosurgeon::hydrate_prop(doc, &lines, i).ok()?, actor))
        })
        .collect())
}

/// A commune's appraisal from its dossier document and its departments'
/// verdicts documents (each paired with the department the registry lists
/// it under). A verdict counts only if that department owns the criterion
/// in the catalog it names; lines a document holds in a shape this version
/// cannot read, or from a foreign catalog, are skipped, not fatal. The
/// last decision in document order stands: one made after seeing another
/// comes after it whatever the writers' clocks say (a tablet's clock may be
/// days off), and concurrent ones are ordered the same on every device.
pub fn assemble<'a>(
    catalogs: &[Catalog],
    dossier_doc: Option<&automerge::Automerge>,
    verdict_docs: impl IntoIterator<Item = (&'a str, &'a automerge::Automerge)>,
) -> Appraisal {
    let mut appraisal = Appraisal::default();
    for (department, doc) in verdict_docs {
        let Ok(lines) = verdicts::read(doc) else {
            continue;
        };
        for line in lines {
            let Some(catalog) = catalogs.iter().find(|c| c.id == line.catalog) else {
                continue;
            };
            let owned = catalog
                .criteria
                .iter()
                .any(|c| c.number == line.criterion && c.owner == department);
            if !owned {
                continue;
            }
            let author = Author {
                party: Party::Department(department.to_owned()),
                actor: line.actor,
            };
            appraisal.history.push(HistoryEntry {
                at: line.at,
                author: author.clone(),
                what: Happened::Verdict {
                    catalog: catalog.id.clone(),
                    criterion: line.criterion,
                    verdict: line.verdict,
                },
            });
            appraisal.verdicts.insert(
                verdict_key(&catalog.id, line.criterion),
                Decision {
                    verdict: line.verdict,
                    remark: line.remark,
                    department: department.to_owned(),
                    author,
                    at: line.at,
                },
            );
        }
    }
    if let Some(doc) = dossier_doc {
        for line in dossier::read(doc).unwrap_or_default() {
            let what = match &line.step {
                dossier::Step::Reviewed(r) => {
                    appraisal.district_review = Some(DistrictReview {
                        approved: r.approved,
                        remark: r.remark.clone(),
                        at: line.at,
                    });
                    Happened::DistrictReview {
                        approved: r.approved,
                    }
                }
                dossier::Step::Moved(state) => {
                    appraisal.dossier = Some(*state);
                    Happened::Dossier(*state)
                }
            };
            appraisal.history.push(HistoryEntry {
                at: line.at,
                author: Author {
                    party: Party::DistrictOrOffice,
                    actor: line.actor,
                },
                what,
            });
        }
    }
    appraisal
        .history
        .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.author.cmp(&b.author)));
    appraisal
}

#[cfg(test)]
mod tests;
