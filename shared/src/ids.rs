//! Identifiers used on the wire: document ids (automerge-repo's base58check
//! UUIDs, also written as `automerge:` URLs) and peer ids.

use std::fmt;
use std::str::FromStr;

/// The id of an automerge-repo document: 16 bytes, written base58check.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId([u8; 16]);

/// Why a document id or `automerge:` URL was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not valid base58check.
    #[error("document id {0:?} is not valid base58check")]
    NotBase58Check(String),
    /// Decoded to the wrong number of bytes.
    #[error("document id {input:?} decodes to {len} bytes, expected 16")]
    WrongLength {
        /// What was given.
        input: String,
        /// How many bytes it decoded to.
        len: usize,
    },
}

impl DocumentId {
    /// The URL scheme automerge-repo uses for document links.
    pub const URL_PREFIX: &'static str = "automerge:";

    /// A document id from 16 bytes (randomness is the caller's: the core reads none).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// A document id derived from a stable label (first 16 bytes of its
    /// SHA-256): documents that admin tooling creates for a known unit, e.g.
    /// `registry/lao-cai`, get the same id wherever they are created.
    pub fn derived(label: &str) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(label.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(bytes)
    }

    /// The raw 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:<id>` URL that JS automerge-repo's `find` accepts.
    pub fn to_url(&self) -> String {
        format!("{}{self}", Self::URL_PREFIX)
    }

    /// Parses either a bare id or an `automerge:` URL.
    pub fn parse_url_or_id(s: &str) -> Result<Self, IdError> {
        s.strip_prefix(Self::URL_PREFIX).unwrap_or(s).parse()
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| IdError::NotBase58Check(s.to_owned()))?;
        let array: [u8; 16] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| IdError::WrongLength {
                input: s.to_owned(),
                len: bytes.len(),
            })?;
        Ok(Self(array))
    }
}

/// The id a peer announces in the handshake (ephemeral: one per connection
/// session, e.g. per browser tab).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct PeerId(String);

impl PeerId {
    /// A peer id from any string the transport accepted.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// A fresh peer id for a device, from caller-supplied random bytes.
    pub fn for_device(random: [u8; 8]) -> Self {
        Self(format!("ntm-{}", crate::format::hex(&random)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_id_round_trips_through_text_and_url() {
        let id = DocumentId::from_bytes([7; 16]);
        assert_eq!(id.to_string().parse::<DocumentId>().unwrap(), id);
        assert_eq!(DocumentId::parse_url_or_id(&id.to_url()).unwrap(), id);
        assert!(id.to_url().starts_with("automerge:"));
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let a = DocumentId::derived("registry/lao-cai");
        assert_eq!(a, DocumentId::derived("registry/lao-cai"));
        assert_ne!(a, DocumentId::derived("registry/yen-bai"));
        assert_eq!(a.to_string().parse::<DocumentId>().unwrap(), a);
    }

    #[test]
    fn document_id_rejects_bad_checksum_and_length() {
        let good = DocumentId::from_bytes([1; 16]).to_string();
        let mut bad = good.clone().into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'2' { b'3' } else { b'2' };
        let bad = String::from_utf8(bad).unwrap();
        assert!(matches!(
            bad.parse::<DocumentId>(),
            Err(IdError::NotBase58Check(_))
        ));
        let short = bs58::encode([1u8; 4]).with_check().into_string();
        assert_eq!(
            short.parse::<DocumentId>(),
            Err(IdError::WrongLength {
                input: short.clone(),
                len: 4
            })
        );
    }
}
