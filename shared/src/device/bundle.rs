//! Sync bundles: a commune's survey carried as a file between two tablets
//! that never see a network (a USB stick, a chat app, Bluetooth). Importing
//! merges, like sync does; importing the same file twice changes nothing;
//! a bundle of another commune is refused and names both communes.
//!
//! Format: a magic line, then CBOR `[0: commune code, 1: commune name,
//! 2: survey document id, 3: the survey as Automerge bytes, 4: photos]`,
//! each photo's blob as `[hash, bytes]` (checked against its hash on
//! import; bundles without photos still open). The whole
//! document travels, not only this device's changes: a tablet that merged
//! a third tablet's work passes it on too, and Automerge applies only what
//! the receiver lacks.

use automerge::Automerge;
use minicbor::{Decode, Encode};

use crate::blobs::BlobHash;
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
    #[n(4)]
    photos: Option<Vec<WireBlob>>,
}

#[derive(Encode, Decode)]
struct WireBlob {
    #[n(0)]
    hash: String,
    #[cbor(n(1), with = "minicbor::bytes")]
    bytes: Vec<u8>,
}

/// A bundle checked against this device's commune.
#[derive(Debug)]
pub struct Opened {
    /// The survey's changes to merge.
    pub changes: Vec<u8>,
    /// Photo blobs (thumbnails and pictures), each matching its hash.
    pub photos: Vec<(BlobHash, Vec<u8>)>,
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

/// The bundle of a commune's survey document and the photo blobs this
/// device holds of it.
pub fn export(
    commune: &CommuneRef,
    survey: &Automerge,
    photos: Vec<(BlobHash, Vec<u8>)>,
) -> Vec<u8> {
    let wire = Wire {
        code: commune.code.clone(),
        name: commune.name.clone(),
        survey: commune.document_id.to_string(),
        changes: survey.save(),
        photos: Some(
            photos
                .into_iter()
                .map(|(hash, bytes)| WireBlob {
                    hash: hash.to_string(),
                    bytes,
                })
                .collect(),
        ),
    };
    let mut out = MAGIC.to_vec();
    // Writing into a Vec cannot fail.
    let _ = minicbor::encode(&wire, &mut out);
    out
}

/// Checks a bundle against this device's commune and its photos against
/// their hashes; returns what to merge and keep.
pub fn open(bytes: &[u8], commune: &CommuneRef) -> Result<Opened, BundleError> {
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
    let mut photos = Vec::new();
    for blob in wire.photos.unwrap_or_default() {
        let hash: BlobHash = blob
            .hash
            .parse()
            .map_err(|_| BundleError::Damaged("bad photo name".into()))?;
        if BlobHash::of(&blob.bytes) != hash {
            return Err(BundleError::Damaged(format!(
                "photo {hash} does not match its bytes"
            )));
        }
        photos.push((hash, blob.bytes));
    }
    Ok(Opened {
        changes: wire.changes,
        photos,
    })
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
