//! samod `Storage` on the relay's [`Database`]: one key/value table. A
//! `put` returns only once its commit is durable (writes that arrive
//! together share a transaction: [`super::group_commit`]). On PostgreSQL each write
//! also notifies the other relay processes ([`super::scale_out`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ntm_core::access::DocumentInfo;
use samod::storage::{Storage, StorageKey};
use sqlx::Row;

use super::database::{Backend, Database};
use super::group_commit::{Write, Writer};

/// Storage keys are samod key components joined by `/` (components never
/// contain a slash), so a prefix range is a plain text range.
fn encode_key(key: &StorageKey) -> String {
    key.to_string()
}

/// The inverse of [`encode_key`].
pub fn decode_key(text: &str) -> Option<StorageKey> {
    StorageKey::from_parts(text.split('/')).ok()
}

/// The PostgreSQL notification channel for stored chunks; the payload is
/// `<relay instance> <storage key>`.
pub const CHANGES_CHANNEL: &str = "ntm_changes";

/// The document store.
#[derive(Clone)]
pub struct SqlStorage {
    db: Database,
    /// This process's id in change notifications, so it skips its own.
    instance: String,
    /// Documents this process has loaded or written: the ones whose changes
    /// from other relays it must apply.
    active: Arc<Mutex<HashSet<String>>>,
    put_latency: Option<prometheus_client::metrics::histogram::Histogram>,
    writer: Writer,
}

impl SqlStorage {
    /// The store in `db`, written by relay process `instance`.
    pub fn new(db: Database, instance: &str) -> Self {
        Self {
            writer: Writer::spawn(db.clone(), instance.to_owned()),
            db,
            instance: instance.to_owned(),
            active: Arc::default(),
            put_latency: None,
        }
    }

    /// Records how long each samod write takes to commit.
    pub fn with_put_latency(
        mut self,
        histogram: prometheus_client::metrics::histogram::Histogram,
    ) -> Self {
        self.put_latency = Some(histogram);
        self
    }

    /// How many documents have data stored.
    pub async fn document_count(&self) -> sqlx::Result<i64> {
        let sql = match self.db.backend() {
            Backend::Sqlite => "SELECT COUNT(DISTINCT substr(key, 1, instr(key, '/') - 1)) FROM samod_kv WHERE instr(key, '/') > 0",
            Backend::Postgres => "SELECT COUNT(DISTINCT split_part(key, '/', 1)) FROM samod_kv WHERE strpos(key, '/') > 0",
        };
        sqlx::query_scalar(sql).fetch_one(self.db.pool()).await
    }

    /// Whether the store's writes currently succeed.
    pub fn health(&self) -> super::group_commit::StorageHealth {
        self.writer.health()
    }

    /// The database (the enrolment tables live in it too).
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// This process's id in change notifications.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The documents this process has loaded or written.
    pub fn active_documents(&self) -> Vec<String> {
        self.active
            .lock()
            .expect("active lock")
            .iter()
            .cloned()
            .collect()
    }

    /// Whether this process has a document loaded.
    pub fn is_active(&self, id: &str) -> bool {
        self.active.lock().expect("active lock").contains(id)
    }

    fn mark_active(&self, key: &StorageKey) {
        if let Some(doc) = key.to_string().split('/').next().filter(|d| !d.is_empty()) {
            let mut active = self.active.lock().expect("active lock");
            if !active.contains(doc) {
                active.insert(doc.to_owned());
            }
        }
    }

    /// Records what a document is (admin tooling only): its kind, its unit,
    /// for a commune's documents the commune's district, and for a verdicts
    /// document its department.
    pub async fn register_document(&self, id: &str, info: &DocumentInfo) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO documents (id, kind, unit, district, department) VALUES ($1, $2, $3, $4, $5) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, unit = excluded.unit, district = excluded.district, department = excluded.department")
            .bind(id)
            .bind(info.kind.code())
            .bind(&info.unit)
            .bind(&info.district)
            .bind(&info.department)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// The documents of a kind this relay has recorded.
    pub async fn documents_of_kind(
        &self,
        kind: ntm_core::access::DocumentKind,
    ) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT id FROM documents WHERE kind = $1 ORDER BY id")
            .bind(kind.code())
            .fetch_all(self.db.pool())
            .await
    }

    /// Claims the admin write `name` for this process: `true` if it is ours
    /// to do (nobody claimed it, or a claimant died: unfinished after
    /// `stale_after` seconds), `false` if it is done or under way elsewhere.
    /// One statement, so two relays racing cannot both win.
    pub async fn claim(&self, name: &str, now: i64, stale_after: i64) -> sqlx::Result<bool> {
        Ok(sqlx::query(
            "INSERT INTO admin_claims (name, claimed_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET claimed_at = excluded.claimed_at \
             WHERE admin_claims.done_at IS NULL AND admin_claims.claimed_at < $3",
        )
        .bind(name)
        .bind(now)
        .bind(now - stale_after)
        .execute(self.db.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Marks a claimed admin write done.
    pub async fn finish_claim(&self, name: &str, now: i64) -> sqlx::Result<()> {
        sqlx::query("UPDATE admin_claims SET done_at = $1 WHERE name = $2")
            .bind(now)
            .bind(name)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Whether a claimed admin write is done.
    pub async fn claim_done(&self, name: &str) -> sqlx::Result<bool> {
        Ok(
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT done_at FROM admin_claims WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(self.db.pool())
            .await?
            .flatten()
            .is_some(),
        )
    }

    /// Every stored chunk of a document.
    pub async fn document_chunks(&self, id: &str) -> sqlx::Result<Vec<Vec<u8>>> {
        let prefix =
            StorageKey::from_parts([id]).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        Ok(self.try_load_range(&prefix).await?.into_values().collect())
    }

    /// A document as stored (every chunk merged), if any chunk is.
    pub async fn load_document(&self, id: &str) -> anyhow::Result<Option<automerge::Automerge>> {
        let chunks = self.document_chunks(id).await?;
        if chunks.is_empty() {
            return Ok(None);
        }
        let mut doc = automerge::Automerge::new();
        for chunk in chunks {
            doc.load_incremental(&chunk)
                .map_err(|e| anyhow::anyhow!("a stored chunk of {id} does not load: {e}"))?;
        }
        Ok(Some(doc))
    }

    /// Stores one change written by admin tooling while relays may be
    /// serving the document: under samod's own key for it, and announced
    /// (PostgreSQL notifies through the writer; on SQLite the row in
    /// `external_writes` is what serving relays poll for).
    pub async fn store_external_change(
        &self,
        id: &str,
        hash: &automerge::ChangeHash,
        bytes: Vec<u8>,
    ) -> sqlx::Result<()> {
        let key = StorageKey::from_parts([id, "incremental", &hash.to_string()])
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        self.writer
            .write(Write::Put {
                key: encode_key(&key),
                value: bytes,
            })
            .await;
        sqlx::query("INSERT INTO external_writes (key) VALUES ($1)")
            .bind(encode_key(&key))
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Whether any data is stored for a document.
    pub async fn has_data(&self, id: &str) -> sqlx::Result<bool> {
        let prefix =
            StorageKey::from_parts([id]).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        Ok(!self.try_load_range(&prefix).await?.is_empty())
    }

    /// Stores a whole document as one snapshot chunk, the form samod itself
    /// compacts to, and registers it. For admin tooling, before or while serving.
    pub async fn store_document(
        &self,
        id: &str,
        info: &DocumentInfo,
        doc: &automerge::Automerge,
    ) -> sqlx::Result<()> {
        let heads: String = doc.get_heads().iter().map(|h| h.to_string()).collect();
        let key = StorageKey::from_parts([id, "snapshot", &heads[..64.min(heads.len())]])
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        self.writer
            .write(Write::Put {
                key: encode_key(&key),
                value: doc.save(),
            })
            .await;
        self.register_document(id, info).await
    }

    /// Waits for open statements and closes the pool.
    pub async fn close(&self) {
        self.db.close().await;
    }

    async fn try_load(&self, key: &StorageKey) -> sqlx::Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT value FROM samod_kv WHERE key = $1")
            .bind(encode_key(key))
            .fetch_optional(self.db.pool())
            .await?;
        Ok(row.map(|r| r.get::<Vec<u8>, _>(0)))
    }

    async fn try_load_range(
        &self,
        prefix: &StorageKey,
    ) -> sqlx::Result<HashMap<StorageKey, Vec<u8>>> {
        let exact = encode_key(prefix);
        // Everything strictly under `prefix/`: '0' is the character after '/'.
        let (low, high) = if exact.is_empty() {
            (String::new(), "\u{10ffff}".to_owned())
        } else {
            (format!("{exact}/"), format!("{exact}0"))
        };
        let rows = sqlx::query(
            "SELECT key, value FROM samod_kv WHERE key = $1 OR (key >= $2 AND key < $3)",
        )
        .bind(&exact)
        .bind(&low)
        .bind(&high)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let key = decode_key(&r.get::<String, _>(0))?;
                Some((key, r.get::<Vec<u8>, _>(1)))
            })
            .collect())
    }
}

/// samod's trait has no error channel: a storage failure must not be
/// reported as success, so reads that fail are logged and retried (writes
/// retry in the group-commit writer).
async fn retry<T, F, Fut>(what: &str, key: &StorageKey, mut op: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<T>>,
{
    let mut delay = std::time::Duration::from_millis(50);
    loop {
        match op().await {
            Ok(v) => return v,
            Err(e) => {
                tracing::error!(%key, "storage {what} failed, retrying in {delay:?}: {e}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(5));
            }
        }
    }
}

impl Storage for SqlStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        retry("load", &key, || self.try_load(&key)).await
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        self.mark_active(&prefix);
        retry("load_range", &prefix, || self.try_load_range(&prefix)).await
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        self.mark_active(&key);
        let started = std::time::Instant::now();
        self.writer
            .write(Write::Put {
                key: encode_key(&key),
                value: data,
            })
            .await;
        if let Some(h) = &self.put_latency {
            h.observe(started.elapsed().as_secs_f64());
        }
    }

    async fn delete(&self, key: StorageKey) {
        self.writer
            .write(Write::Delete {
                key: encode_key(&key),
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).unwrap()
    }

    #[tokio::test]
    async fn an_admin_write_is_claimed_by_one_process_and_taken_over_only_when_stale() {
        let dir = tempfile::tempdir().unwrap();
        let url = super::super::database::url_for(None, dir.path()).unwrap();
        let db = Database::open(&url).await.unwrap();
        let (a, b) = (SqlStorage::new(db.clone(), "a"), SqlStorage::new(db, "b"));
        // Racing: exactly one wins.
        let (x, y) = tokio::join!(a.claim("seed", 1000, 600), b.claim("seed", 1000, 600));
        assert!(x.unwrap() ^ y.unwrap(), "exactly one claimant");
        assert!(!b.claim("seed", 1500, 600).await.unwrap(), "still fresh");
        assert!(!a.claim_done("seed").await.unwrap());
        // A claimant that died: taken over once stale; a finished one never.
        assert!(b.claim("seed", 1700, 600).await.unwrap());
        b.finish_claim("seed", 1701).await.unwrap();
        assert!(a.claim_done("seed").await.unwrap());
        assert!(!a.claim("seed", 99_999, 600).await.unwrap());
    }

    #[tokio::test]
    async fn put_load_range_delete_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let url = super::super::database::url_for(None, dir.path()).unwrap();
        let s = SqlStorage::new(Database::open(&url).await.unwrap(), "test");
        s.put(key(&["doc1", "incremental", "h1"]), vec![1]).await;
        s.put(key(&["doc1", "snapshot", "s1"]), vec![2]).await;
        s.put(key(&["doc10", "incremental", "h1"]), vec![3]).await;
        s.put(key(&["doc1", "incremental", "h1"]), vec![4]).await;
        assert_eq!(
            s.load(key(&["doc1", "incremental", "h1"])).await,
            Some(vec![4])
        );
        let range = s.load_range(key(&["doc1"])).await;
        assert_eq!(range.len(), 2, "doc10 is not under doc1: {range:?}");
        assert_eq!(s.load_range(key(&["doc1", "snapshot"])).await.len(), 1);
        s.delete(key(&["doc1", "snapshot", "s1"])).await;
        s.close().await;
        let url = super::super::database::url_for(None, dir.path()).unwrap();
        let s = SqlStorage::new(Database::open(&url).await.unwrap(), "test");
        assert_eq!(s.load_range(key(&["doc1"])).await.len(), 1);
        assert_eq!(s.load(key(&["doc1", "snapshot", "s1"])).await, None);
    }
}
