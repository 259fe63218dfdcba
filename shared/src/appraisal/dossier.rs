//! A `dossier` document: one commune's recognition dossier — the district's
//! review and the dossier's state. Only the commune's district and the
//! Coordination Office may write it (the relay enforces the document,
//! [`crate::access`]; in a province without districts, the office alone);
//! everyone in the commune's scope reads it. Each step is a new line of a
//! list, so concurrent steps are all kept and the list is the history.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};
use autosurgeon::{Hydrate, Reconcile};

use super::{append_line, read_lines, AppraisalError, DossierState, GENESIS_ACTOR};
use crate::document::genesis as document_genesis;

/// The schema tag written at the document root.
pub const SCHEMA: &str = "ntm-dossier/1";

/// Where the steps are: the list `steps` of a dossier document.
const LOG: (&str, &str) = (SCHEMA, "steps");

/// The district's review as stored (its time is the line's).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Review {
    /// Proposed for recognition.
    pub approved: bool,
    /// Remark.
    pub remark: String,
}

/// One step of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub enum Step {
    /// The district reviewed it.
    Reviewed(Review),
    /// It moved to a new state.
    Moved(DossierState),
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
struct Stored {
    step: Step,
    at: i64,
}

/// One step as read back, with the actor that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// What happened.
    pub step: Step,
    /// When (unix seconds, the writer's clock).
    pub at: i64,
    /// The writing actor, hex.
    pub actor: String,
}

/// The genesis of a commune's dossier document: identical on every device.
pub fn genesis(commune_code: &str) -> Automerge {
    document_genesis(GENESIS_ACTOR, |doc| {
        doc.put(ROOT, "schema", SCHEMA).expect("fresh document");
        doc.put(ROOT, "commune_code", commune_code)
            .expect("fresh document");
        doc.put_object(ROOT, "steps", ObjType::List)
            .expect("fresh document");
    })
}

fn append(doc: &mut Automerge, step: Step, at: i64, message: &str) -> Result<(), AppraisalError> {
    append_line(doc, LOG, &Stored { step, at }, at, message)
}

/// Records the district's review, in one change.
pub fn record_district_review(
    doc: &mut Automerge,
    review: &Review,
    at: i64,
) -> Result<(), AppraisalError> {
    if !review.approved && review.remark.trim().is_empty() {
        return Err(AppraisalError::RemarkRequired);
    }
    append(doc, Step::Reviewed(review.clone()), at, "district review")
}

/// Moves the dossier to a new state, in one change.
pub fn set_dossier(
    doc: &mut Automerge,
    state: DossierState,
    at: i64,
) -> Result<(), AppraisalError> {
    append(doc, Step::Moved(state), at, state.code())
}

/// Every step a dossier document holds, in document order. Lines in a
/// shape this version cannot read are skipped.
pub fn read(doc: &Automerge) -> Result<Vec<Line>, AppraisalError> {
    Ok(read_lines::<Stored>(doc, LOG)?
        .into_iter()
        .map(|(s, actor)| Line {
            step: s.step,
            at: s.at,
            actor,
        })
        .collect())
}
