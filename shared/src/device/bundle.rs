//! Sync bundles: a commune's survey carried as a file between two tablets
//! that never see a network (a USB stick, a chat app, Bluetooth). Importing
//! merges, like sync does; importing the same file twice changes nothing;
//! a bundle of another commune is refused and names both communes.
//!
//! Format: a magic line, then CBOR `{0: commune code, 1: commune name,
//! 2: survey document id, 3: the survey as Automerge bytes}`. The whole
//! document travels, not only this device's changes: a tablet that merged
//! a third tablet's work passes it on too, and Automerge applies only what
//! the receiver lacks.

use automerge::Automerge;
use minicbor::{Decode, Encode};

use crate::ids::DocumentId;
use crate::survey::CommuneRef;

/// First bytes of every bundle file.
pub const MAGIC: &[u8] = b"NTM-SURVEY-BUNDLE/1\n";

/// The suffix bundle files get.
pub const FILE_EXTENSION: &str = "ntmbundle";

#[derive(Encode, Decode)]
struct Wire {
    #[n(0)]
    code: String,
    #[n(1)]
    name: String,
    #[n(2)]
    survey: String,
    #[cbor(n(3), with = "minicbor::bytes")]
    changes: Vec<u8>,
}

/// Why a bundle was not imported (nothing was changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not a bundle file at all.
    #[error("not an NTM Survey bundle")]
    NotABundle,
    /// A bundle, but damaged.
    #[error("the bundle is damaged: {0}")]
    Damaged(String),
    /// A bundle of another commune.
    #[error("the bundle is for {theirs}, this device surveys {ours}")]
    OtherCommune {
        /// The bundle's commune (name).
        theirs: String,
        /// This device's commune (name).
        ours: String,
    },
}

/// The bundle of a commune's survey document.
pub fn export(commune: &CommuneRef, survey: &Automerge) -> Vec<u8> {
    let wire = Wire {
        code: commune.code.clone(),
        name: commune.name.clone(),
        survey: commune.document_id.to_string(),
        changes: survey.save(),
    };
    let mut out = MAGIC.to_vec();
    // Writing into a Vec cannot fail.
    let _ = minicbor::encode(&wire, &mut out);
    out
}

/// Checks a bundle against this device's commune and returns the changes
/// to merge.
pub fn open(bytes: &[u8], commune: &CommuneRef) -> Result<Vec<u8>, BundleError> {
    let body = bytes.strip_prefix(MAGIC).ok_or(BundleError::NotABundle)?;
    let wire: Wire = minicbor::decode(body).map_err(|e| BundleError::Damaged(e.to_string()))?;
    let survey: DocumentId = wire
        .survey
        .parse()
        .map_err(|_| BundleError::Damaged("bad document id".into()))?;
    if survey != commune.document_id {
        return Err(BundleError::OtherCommune {
            theirs: wire.name,
            ours: commune.name.clone(),
        });
    }
    Ok(wire.changes)
}

/// Merges a bundle's changes into the survey; returns how many changes were
/// new. Nothing is changed when the bytes do not load.
pub fn merge(survey: &mut Automerge, changes: &[u8]) -> Result<usize, BundleError> {
    let mut theirs = Automerge::load(changes).map_err(|e| BundleError::Damaged(e.to_string()))?;
    let before = survey.get_heads();
    survey
        .merge(&mut theirs)
        .map_err(|e| BundleError::Damaged(e.to_string()))?;
    Ok(survey.get_changes(&before).len())
}
