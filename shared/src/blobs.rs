//! Photos and files (blobs): content-addressed by SHA-256, uploaded in
//! chunks that can resume after a dropped connection. This module is the
//! protocol's arithmetic, shared by the relay and the app: which hash is
//! valid, which chunk comes next, what is too large — each refusal with a
//! message in Vietnamese and English.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// The SHA-256 of a blob's bytes: its name everywhere.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobHash([u8; 32]);

impl BlobHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// From a finished hasher.
    pub fn from_digest(hasher: Sha256) -> Self {
        Self(hasher.finalize().into())
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::format::hex(&self.0))
    }
}

impl fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobHash({self})")
    }
}

impl FromStr for BlobHash {
    type Err = BlobError;

    /// 64 lowercase hexadecimal digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BlobError::BadHash(s.chars().take(80).collect());
        if s.len() != 64 {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in s.as_bytes().chunks(2).enumerate() {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            bytes[i] = digit(pair[0]).ok_or_else(bad)? << 4 | digit(pair[1]).ok_or_else(bad)?;
        }
        Ok(Self(bytes))
    }
}

/// Blobs with their bytes (a sync bundle's photos, a device's own).
pub type Blobs = Vec<(BlobHash, Vec<u8>)>;

/// Size limits of the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobLimits {
    /// Largest blob, in bytes.
    pub max_blob_bytes: u64,
    /// Largest chunk in one request, in bytes.
    pub max_chunk_bytes: u64,
    /// Bytes of unfinished uploads one device may have open.
    pub max_in_flight_bytes: u64,
    /// Bytes one device may store per 24 hours.
    pub max_daily_bytes: u64,
    /// Seconds after which an unfinished upload is dropped, freeing its bytes.
    pub upload_lifetime_seconds: i64,
}

impl Default for BlobLimits {
    /// 20 MiB per photo or file (a phone photo is 2–8 MB), 1 MiB chunks (a
    /// chunk must get through a weak mobile connection before it drops).
    fn default() -> Self {
        Self {
            max_blob_bytes: 20 * 1024 * 1024,
            max_chunk_bytes: 1024 * 1024,
            // Five photos under way; a week's photos of a busy enumerator a day.
            max_in_flight_bytes: 100 * 1024 * 1024,
            max_daily_bytes: 1024 * 1024 * 1024,
            upload_lifetime_seconds: 24 * 3600,
        }
    }
}

/// Why an upload step is refused.
/// Which of a device's byte quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaKind {
    /// Unfinished uploads at once.
    InFlight,
    /// Stored in the last 24 hours.
    Daily,
}

fn quota_message(kind: QuotaKind, limit: u64) -> String {
    let mib = limit / (1024 * 1024);
    match kind {
        QuotaKind::InFlight => format!(
            "thiết bị đang tải lên quá nhiều tệp cùng lúc (tối đa {mib} MiB), hãy đợi các tệp đang tải xong / too many unfinished uploads on this device (at most {mib} MiB): let them finish first"
        ),
        QuotaKind::Daily => format!(
            "thiết bị đã tải lên {mib} MiB trong 24 giờ qua, hãy thử lại sau / this device stored its {mib} MiB for the last 24 hours: try again later"
        ),
    }
}

/// Every blob a document refers to in its content: any text value that is
/// a blob hash (household photos, evidence of infrastructure and attested
/// indicators…). A device may read a blob only if a document it may read
/// refers to it this way.
pub fn referenced_blobs(doc: &automerge::Automerge) -> std::collections::BTreeSet<BlobHash> {
    use automerge::{ReadDoc, Value};
    let mut found = std::collections::BTreeSet::new();
    let mut stack = vec![automerge::ROOT];
    while let Some(obj) = stack.pop() {
        let values: Vec<(Value<'_>, automerge::ObjId)> = match doc.object_type(&obj) {
            Ok(automerge::ObjType::Map | automerge::ObjType::Table) => doc
                .keys(&obj)
                .filter_map(|k| doc.get(&obj, k.as_str()).ok().flatten())
                .collect(),
            Ok(automerge::ObjType::List) => (0..doc.length(&obj))
                .filter_map(|i| doc.get(&obj, i).ok().flatten())
                .collect(),
            _ => Vec::new(),
        };
        for (value, id) in values {
            match value {
                Value::Object(_) => stack.push(id),
                Value::Scalar(s) => collect(&s, &mut found),
            }
        }
    }
    found
}

fn collect(value: &automerge::ScalarValue, found: &mut std::collections::BTreeSet<BlobHash>) {
    if let automerge::ScalarValue::Str(text) = value {
        if text.len() == 64 {
            if let Ok(hash) = text.parse() {
                found.insert(hash);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// Not a SHA-256 in hex.
    #[error("mã tệp không hợp lệ (cần SHA-256, 64 chữ số hex) / not a SHA-256 hex digest: {0:?}")]
    BadHash(String),
    /// The whole blob is over the limit.
    #[error("tệp {size} byte vượt giới hạn {limit} byte ({limit_mib} MiB) / the file ({size} bytes) exceeds the limit of {limit} bytes ({limit_mib} MiB)", limit_mib = limit / (1024 * 1024))]
    TooLarge {
        /// Declared size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// One request carries too much.
    #[error("phần tải lên {len} byte vượt giới hạn {limit} byte mỗi lần / the chunk ({len} bytes) exceeds the limit of {limit} bytes per request")]
    ChunkTooLarge {
        /// Chunk length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// A chunk not at the end of what was received (a retry of an old
    /// chunk, or a gap): the client resumes from `expected`.
    #[error("phần tải lên bắt đầu ở byte {offset}, máy chủ đang chờ byte {expected} / the chunk starts at byte {offset}, the relay expects byte {expected}")]
    WrongOffset {
        /// Where the relay is.
        expected: u64,
        /// Where the chunk starts.
        offset: u64,
    },
    /// A chunk that runs past the declared size.
    #[error("phần tải lên vượt quá kích thước đã khai ({size} byte) / the chunk runs past the declared size ({size} bytes)")]
    PastEnd {
        /// Declared size.
        size: u64,
    },
    /// A device's quota of bytes is used up for now.
    #[error("{}", quota_message(*kind, *limit))]
    OverQuota {
        /// Which quota.
        kind: QuotaKind,
        /// Its limit in bytes.
        limit: u64,
    },
    /// Another device is uploading this file.
    #[error("một thiết bị khác đang tải tệp này lên, hãy thử lại sau / another device is uploading this file: try again later")]
    UploadedElsewhere,
    /// The bytes do not hash to the name: the upload starts over.
    #[error("nội dung không khớp mã SHA-256, cần tải lại từ đầu / the content does not match its SHA-256; upload it again")]
    HashMismatch,
    /// A declared size that contradicts an upload already under way.
    #[error("kích thước {size} khác với lần tải trước ({existing}) / size {size} differs from the upload under way ({existing})")]
    SizeChanged {
        /// Newly declared.
        size: u64,
        /// Declared before.
        existing: u64,
    },
}

impl BlobLimits {
    /// Checks a declared size before any byte is sent.
    /// Whether a device with `in_flight` bytes of unfinished uploads and
    /// `today` bytes stored in the last 24 hours may start one of `size`.
    pub fn check_quota(&self, size: u64, in_flight: u64, today: u64) -> Result<(), BlobError> {
        if in_flight.saturating_add(size) > self.max_in_flight_bytes {
            return Err(BlobError::OverQuota {
                kind: QuotaKind::InFlight,
                limit: self.max_in_flight_bytes,
            });
        }
        if today.saturating_add(size) > self.max_daily_bytes {
            return Err(BlobError::OverQuota {
                kind: QuotaKind::Daily,
                limit: self.max_daily_bytes,
            });
        }
        Ok(())
    }

    pub fn check_size(&self, size: u64) -> Result<(), BlobError> {
        if size > self.max_blob_bytes {
            return Err(BlobError::TooLarge {
                size,
                limit: self.max_blob_bytes,
            });
        }
        Ok(())
    }

    /// Checks a chunk of `len` bytes at `offset` of a blob of `size` of
    /// which `received` bytes are stored; returns the new `received`.
    pub fn check_chunk(
        &self,
        size: u64,
        received: u64,
        offset: u64,
        len: u64,
    ) -> Result<u64, BlobError> {
        if len > self.max_chunk_bytes {
            return Err(BlobError::ChunkTooLarge {
                len,
                limit: self.max_chunk_bytes,
            });
        }
        if offset != received {
            return Err(BlobError::WrongOffset {
                expected: received,
                offset,
            });
        }
        let end = offset.checked_add(len).ok_or(BlobError::PastEnd { size })?;
        if end > size {
            return Err(BlobError::PastEnd { size });
        }
        Ok(end)
    }
}

/// Where an upload stands (what `GET /blobs/<hash>/upload` answers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadStatus {
    /// The blob.
    pub hash: String,
    /// Declared size in bytes.
    pub size: u64,
    /// Bytes stored so far: the offset of the next chunk.
    pub received: u64,
    /// All bytes stored and verified.
    pub complete: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_document_refers_to_the_blobs_named_in_its_content_only() {
        use crate::survey::{self, record, HouseholdId};
        let mut doc = survey::genesis(&survey::demo_commune());
        let h = HouseholdId::from_random([3; 16]);
        survey::add_household(&mut doc, &h, "Lò Thị Hoa", 2, "Bản Hồ", 10).unwrap();
        let photo = BlobHash::of(b"a photo of the house");
        let thumb = BlobHash::of(b"its thumbnail");
        record::update_record(&mut doc, &h, 11, |r| {
            r.photos
                .push(crate::survey::photo::Photo::new(photo, thumb, 11))
        })
        .unwrap();
        let found = referenced_blobs(&doc);
        assert!(found.contains(&photo) && found.contains(&thumb));
        assert_eq!(
            found.len(),
            2,
            "ids and other text are not blobs: {found:?}"
        );
        assert!(!referenced_blobs(&survey::genesis(&survey::demo_commune())).contains(&photo));
    }

    #[test]
    fn quotas_count_what_is_under_way_and_what_was_stored_today() {
        let limits = BlobLimits::default();
        let mib = 1024 * 1024;
        assert!(limits.check_quota(5 * mib, 90 * mib, 0).is_ok());
        assert!(matches!(
            limits.check_quota(11 * mib, 90 * mib, 0),
            Err(BlobError::OverQuota {
                kind: QuotaKind::InFlight,
                ..
            })
        ));
        let daily = limits.check_quota(5 * mib, 0, 1020 * mib).unwrap_err();
        assert!(daily.to_string().contains("24"), "{daily}");
    }

    use super::*;

    #[test]
    fn hashes_are_64_lowercase_hex_digits() {
        let h = BlobHash::of(b"anh ho gia dinh");
        let text = h.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<BlobHash>().unwrap(), h);
        assert!(text.to_uppercase().parse::<BlobHash>().is_err());
        assert!("../../etc/passwd".parse::<BlobHash>().is_err());
        assert!(text[..63].parse::<BlobHash>().is_err());
        assert!(format!("{}g", &text[..63]).parse::<BlobHash>().is_err());
    }

    #[test]
    fn chunks_follow_each_other_within_the_limits() {
        let limits = BlobLimits {
            max_blob_bytes: 100,
            max_chunk_bytes: 40,
            ..Default::default()
        };
        assert!(limits.check_size(100).is_ok());
        let too_large = limits.check_size(101).unwrap_err();
        assert!(too_large.to_string().contains("100 byte"), "{too_large}");
        assert_eq!(limits.check_chunk(100, 0, 0, 40), Ok(40));
        assert_eq!(limits.check_chunk(100, 40, 40, 40), Ok(80));
        assert_eq!(
            limits.check_chunk(100, 80, 40, 40),
            Err(BlobError::WrongOffset {
                expected: 80,
                offset: 40
            }),
            "a retried chunk is answered with where to resume"
        );
        assert_eq!(
            limits.check_chunk(100, 80, 80, 30),
            Err(BlobError::PastEnd { size: 100 })
        );
        assert_eq!(
            limits.check_chunk(100, 0, 0, 41),
            Err(BlobError::ChunkTooLarge { len: 41, limit: 40 })
        );
        assert_eq!(limits.check_chunk(100, 80, 80, 20), Ok(100));
        assert!(limits.check_chunk(u64::MAX, 1, 1, 40).is_ok());
    }
}
