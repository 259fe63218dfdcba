//! The device's durable store: IndexedDB through `indexed_db_futures`.
//!
//! Each document is a set of chunks (Automerge's saved bytes, incremental or
//! whole) under keys `<doc>/<time>-<random>`; loading concatenates them in
//! any order. Appends never overwrite, so two tabs cannot clobber each other;
//! compaction replaces only the chunks the compacting tab has read.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{TransactionDurability, TransactionMode, TransactionOptions};
use indexed_db_futures::typed_array::Uint8Array;
use ntm_core::DocumentId;

const DB_NAME: &str = "ntm-survey";
/// Chunks that did not load are moved under this prefix: out of every
/// document's key range (so they are never loaded, compacted or deleted
/// again), kept for whoever can repair them.
const SET_ASIDE: &str = "set-aside/";
const CHUNKS: &str = "chunks";
const META: &str = "meta";
/// A document's kept view (the core's summary of what it holds, to start
/// fast) lives among the settings under this prefix, not with the chunks:
/// writing it must never hold up an append.
const KEPT_VIEW: &str = "view/";
/// Photos and other files, content-addressed (key: SHA-256 hex).
const BLOBS: &str = "blobs";
/// The stored format this version writes. Each step of the upgrade only
/// adds what the version before lacked: data a device holds is never
/// dropped, whatever version it was stored by.
pub const FORMAT_VERSION: u32 = 2;

/// What a refusal to open data stored by a newer version starts with.
pub const NEWER_FORMAT: &str = "stored by a newer version of the app";

/// A failed IndexedDB operation, as text the UI can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IndexedDB: {}", self.0)
    }
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        Self(e.to_string())
    }
}

/// Stored chunks of one document.
pub struct Chunks {
    /// Their keys (to replace them on compaction).
    pub keys: Vec<String>,
    /// Their bytes.
    pub bytes: Vec<Vec<u8>>,
}

/// The open database.
pub struct LocalStore {
    db: Database,
}

fn doc_range(doc: &DocumentId) -> std::ops::Range<String> {
    // Every key of the document starts with "<doc>/"; '0' sorts right after '/'.
    format!("{doc}/")..format!("{doc}0")
}

fn new_chunk_key(doc: &DocumentId) -> String {
    let now = js_sys::Date::now() as u64;
    let nonce = u64::from_le_bytes(crate::platform::random_bytes::<8>());
    format!("{doc}/{now:013}-{nonce:016x}")
}

fn strict() -> TransactionOptions {
    // "strict": the commit event fires only once the data is flushed to disk.
    TransactionOptions::new().with_durability(TransactionDurability::Strict)
}

impl LocalStore {
    /// Opens (creating or upgrading) the database `name` (tests use their own).
    pub async fn open_named(name: &str) -> Result<Self, StoreError> {
        let db = Database::open(name)
            .with_version(FORMAT_VERSION)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(CHUNKS).build()?;
                    db.create_object_store(META).build()?;
                }
                if event.old_version() < 2.0 {
                    db.create_object_store(BLOBS).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| {
                // Stored by a newer version (an old copy of the app started
                // after an update): refuse to open it, and touch nothing.
                let text = e.to_string();
                if text.contains("VersionError") || text.contains("less than") {
                    StoreError(format!("{NEWER_FORMAT}: {text}"))
                } else {
                    StoreError(text)
                }
            })?;
        Ok(Self { db })
    }

    /// Opens the app's database.
    pub async fn open() -> Result<Self, StoreError> {
        Self::open_named(DB_NAME).await
    }

    /// Every stored chunk of a document.
    pub async fn load(&self, doc: &DocumentId) -> Result<Chunks, StoreError> {
        let tx = self.db.transaction(CHUNKS).build()?;
        let store = tx.object_store(CHUNKS)?;
        let keys: Vec<String> = store
            .get_all_keys::<String>()
            .with_query(doc_range(doc))
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let bytes: Vec<Vec<u8>> = store
            .get_all::<Uint8Array>()
            .with_query(doc_range(doc))
            .primitive()?
            .await?
            .map(|r| r.map(Into::into))
            .collect::<Result<_, _>>()?;
        if keys.len() != bytes.len() {
            return Err(StoreError("chunks changed while loading".into()));
        }
        Ok(Chunks { keys, bytes })
    }

    /// Appends a chunk; resolves once it is durable. Returns its key.
    pub async fn append(&self, doc: &DocumentId, bytes: Vec<u8>) -> Result<String, StoreError> {
        self.compact(doc, bytes, &[]).await
    }

    /// Adds one chunk and removes `replaced` ones (a compaction), atomically;
    /// resolves once durable. Returns the new chunk's key.
    pub async fn compact(
        &self,
        doc: &DocumentId,
        snapshot: Vec<u8>,
        replaced: &[String],
    ) -> Result<String, StoreError> {
        let key = new_chunk_key(doc);
        self.replace(&key, snapshot, replaced).await?;
        Ok(key)
    }

    /// Moves a chunk that does not load out of its document, atomically and
    /// durably: it is kept (under `set-aside/<key>`), never deleted.
    pub async fn set_aside(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.replace(&format!("{SET_ASIDE}{key}"), bytes, &[key.to_owned()])
            .await
    }

    /// Writes `bytes` under `key` and deletes `replaced`, in one strict
    /// transaction: resolves once all of it is on disk.
    async fn replace(
        &self,
        key: &str,
        bytes: Vec<u8>,
        replaced: &[String],
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(CHUNKS)
            .with_mode(TransactionMode::Readwrite)
            .with_options(strict())
            .build()?;
        let store = tx.object_store(CHUNKS)?;
        store
            .put(Uint8Array::from(bytes))
            .with_key(key.to_owned())
            .primitive()?;
        for old in replaced {
            store.delete(old.clone()).primitive()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The view kept for a document by [`LocalStore::keep_view`], if any.
    pub async fn kept_view(&self, doc: &DocumentId) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let value: Option<Uint8Array> = tx
            .object_store(META)?
            .get(format!("{KEPT_VIEW}{doc}"))
            .primitive()?
            .await?;
        Ok(value.map(Into::into))
    }

    /// Keeps a document's view, replacing the last one. Relaxed durability:
    /// it is a cache that a lost write only makes slower to start.
    pub async fn keep_view(&self, doc: &DocumentId, bytes: Vec<u8>) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?
            .put(Uint8Array::from(bytes))
            .with_key(format!("{KEPT_VIEW}{doc}"))
            .primitive()?;
        tx.commit().await?;
        Ok(())
    }

    /// Keys of the chunks set aside so far (of every document).
    pub async fn set_aside_keys(&self) -> Result<Vec<String>, StoreError> {
        let tx = self.db.transaction(CHUNKS).build()?;
        let keys: Vec<String> = tx
            .object_store(CHUNKS)?
            .get_all_keys::<String>()
            .with_query(SET_ASIDE.to_owned()..format!("{}\u{10FFFF}", SET_ASIDE))
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        Ok(keys)
    }

    /// Keeps files (a photo and its thumbnail) under their SHA-256 hex and,
    /// in the same strict transaction, the settings in `meta` (the photo's
    /// place in the upload queue): a photo is never kept without its
    /// upload, nor queued without its bytes. Storing the same content twice
    /// keeps one copy.
    pub async fn keep(
        &self,
        blobs: Vec<(String, Vec<u8>)>,
        meta: &[(String, String)],
    ) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([BLOBS, META])
            .with_mode(TransactionMode::Readwrite)
            .with_options(strict())
            .build()?;
        let files = tx.object_store(BLOBS)?;
        for (hash, bytes) in blobs {
            files
                .put(Uint8Array::from(bytes))
                .with_key(hash)
                .primitive()?;
        }
        let settings = tx.object_store(META)?;
        for (key, value) in meta {
            settings
                .put(value.clone())
                .with_key(key.clone())
                .primitive()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A file kept on this device, by its SHA-256 hex.
    pub async fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.transaction(BLOBS).build()?;
        let value: Option<Uint8Array> = tx
            .object_store(BLOBS)?
            .get(hash.to_owned())
            .primitive()?
            .await?;
        Ok(value.map(Into::into))
    }

    /// A setting of this device.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let value: Option<String> = tx
            .object_store(META)?
            .get(key.to_owned())
            .primitive()?
            .await?;
        Ok(value)
    }

    /// The settings whose keys start with `prefix`, in key order.
    pub async fn meta_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let tx = self.db.transaction(META).build()?;
        let store = tx.object_store(META)?;
        let range = prefix.to_owned()..format!("{prefix}\u{10FFFF}");
        let keys: Vec<String> = store
            .get_all_keys::<String>()
            .with_query(range.clone())
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let values: Vec<String> = store
            .get_all::<String>()
            .with_query(range)
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        Ok(keys.into_iter().zip(values).collect())
    }

    /// Removes a setting of this device, durably.
    pub async fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .with_options(strict())
            .build()?;
        tx.object_store(META)?.delete(key.to_owned()).primitive()?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a setting of this device.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.keep(Vec::new(), &[(key.to_owned(), value.to_owned())])
            .await
    }
}
