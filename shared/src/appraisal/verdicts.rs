//! A `verdicts` document: one department's verdicts on the criteria it owns
//! in one commune. Only that department's devices may write it (the relay
//! enforces the document, [`crate::access`]); everyone in the commune's
//! scope reads it. Each decision is a new line of a list, so concurrent
//! decisions are all kept and the list is the history.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};
use autosurgeon::{Hydrate, Reconcile};

use super::{append_line, read_lines, AppraisalError, Verdict, GENESIS_ACTOR};
use crate::catalog::Catalog;
use crate::document::{genesis as document_genesis, root_text};

/// The schema tag written at the document root.
pub const SCHEMA: &str = "ntm-verdicts/1";

/// Where the decisions are: the list `decisions` of a verdicts document.
const LOG: (&str, &str) = (SCHEMA, "decisions");

/// What a department decides on a criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruling {
    /// The verdict.
    pub verdict: Verdict,
    /// Remark (required unless met).
    pub remark: String,
    /// When (unix seconds).
    pub at: i64,
}

/// One stored decision, as written.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
struct Stored {
    catalog: String,
    criterion: u32,
    verdict: Verdict,
    remark: String,
    at: i64,
}

/// One decision as read back, with the actor that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Catalog version id.
    pub catalog: String,
    /// Criterion number.
    pub criterion: u32,
    /// The verdict.
    pub verdict: Verdict,
    /// Remark.
    pub remark: String,
    /// When (unix seconds, the writer's clock).
    pub at: i64,
    /// The writing actor, hex.
    pub actor: String,
}

/// The genesis of a department's verdicts document for a commune:
/// identical on every device.
pub fn genesis(commune_code: &str, department: &str) -> Automerge {
    document_genesis(GENESIS_ACTOR, |doc| {
        doc.put(ROOT, "schema", SCHEMA).expect("fresh document");
        doc.put(ROOT, "commune_code", commune_code)
            .expect("fresh document");
        doc.put(ROOT, "department", department)
            .expect("fresh document");
        doc.put_object(ROOT, "decisions", ObjType::List)
            .expect("fresh document");
    })
}

/// The department a verdicts document was made for (what its genesis
/// says; readers take the department from the registry instead).
pub fn department(doc: &Automerge) -> Option<String> {
    root_text(doc, "department")
}

/// Records the document's department's verdict on a criterion it owns, in
/// one change. Refused (nothing written) when the department does not own
/// the criterion, or a verdict other than "met" comes without a remark.
pub fn record_verdict(
    doc: &mut Automerge,
    catalog: &Catalog,
    criterion: u32,
    ruling: &Ruling,
) -> Result<(), AppraisalError> {
    let department = department(doc).ok_or(AppraisalError::NotAnAppraisal(Some(SCHEMA.into())))?;
    let owned = catalog
        .criteria
        .iter()
        .find(|c| c.number == criterion)
        .ok_or_else(|| AppraisalError::UnknownCriterion {
            catalog: catalog.id.clone(),
            criterion,
        })?;
    if owned.owner != department {
        return Err(AppraisalError::NotOwner {
            department,
            criterion,
            owner: owned.owner.clone(),
        });
    }
    if ruling.verdict != Verdict::Met && ruling.remark.trim().is_empty() {
        return Err(AppraisalError::RemarkRequired);
    }
    let stored = Stored {
        catalog: catalog.id.clone(),
        criterion,
        verdict: ruling.verdict,
        remark: ruling.remark.trim().to_owned(),
        at: ruling.at,
    };
    let message = format!(
        "verdict {department} {} {criterion}: {}",
        catalog.id,
        ruling.verdict.code()
    );
    append_line(doc, LOG, &stored, ruling.at, &message)
}

/// Every decision a verdicts document holds, in document order. Lines in
/// a shape this version cannot read are skipped.
pub fn read(doc: &Automerge) -> Result<Vec<Line>, AppraisalError> {
    Ok(read_lines::<Stored>(doc, LOG)?
        .into_iter()
        .map(|(s, actor)| Line {
            catalog: s.catalog,
            criterion: s.criterion,
            verdict: s.verdict,
            remark: s.remark,
            at: s.at,
            actor,
        })
        .collect())
}
