//! samod `Storage` on SQLite: one key/value table, WAL, `synchronous=FULL`,
//! so a `put` returns only once its commit is on disk.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use samod::storage::{Storage, StorageKey};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;

/// Storage keys are samod key components joined by `/` (components never
/// contain a slash), so a prefix range is a plain text range.
fn encode_key(key: &StorageKey) -> String {
    key.to_string()
}

fn decode_key(text: &str) -> Option<StorageKey> {
    StorageKey::from_parts(text.split('/')).ok()
}

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStorage {
    pool: SqlitePool,
    put_latency: Option<prometheus_client::metrics::histogram::Histogram>,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path`.
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS samod_kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID")
            .execute(&pool)
            .await?;
        // What each document is and which unit it belongs to: written by
        // admin tooling, never by clients; scopes are enforced against it.
        sqlx::query("CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL, district TEXT)")
            .execute(&pool)
            .await?;
        Ok(Self {
            pool,
            put_latency: None,
        })
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
        sqlx::query_scalar("SELECT COUNT(DISTINCT substr(key, 1, instr(key, '/') - 1)) FROM samod_kv WHERE instr(key, '/') > 0")
            .fetch_one(&self.pool)
            .await
    }

    /// The connection pool (the enrolment tables live in the same database).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Records what a document is (admin tooling only): its kind, its unit
    /// and, for a commune's documents, the commune's district.
    pub async fn register_document(
        &self,
        id: &str,
        kind: &str,
        unit: &str,
        district: Option<&str>,
    ) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO documents (id, kind, unit, district) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, unit = excluded.unit, district = excluded.district")
            .bind(id)
            .bind(kind)
            .bind(unit)
            .bind(district)
            .execute(&self.pool)
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
        kind: &str,
        unit: &str,
        district: Option<&str>,
        doc: &automerge::Automerge,
    ) -> sqlx::Result<()> {
        let heads: String = doc.get_heads().iter().map(|h| h.to_string()).collect();
        let key = StorageKey::from_parts([id, "snapshot", &heads[..64.min(heads.len())]])
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        self.try_put(&key, &doc.save()).await?;
        self.register_document(id, kind, unit, district).await
    }

    /// Waits for open statements and closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn try_load(&self, key: &StorageKey) -> sqlx::Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT value FROM samod_kv WHERE key = ?")
            .bind(encode_key(key))
            .fetch_optional(&self.pool)
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
        let rows =
            sqlx::query("SELECT key, value FROM samod_kv WHERE key = ? OR (key >= ? AND key < ?)")
                .bind(&exact)
                .bind(&low)
                .bind(&high)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let key = decode_key(r.get::<&str, _>(0))?;
                Some((key, r.get::<Vec<u8>, _>(1)))
            })
            .collect())
    }

    async fn try_put(&self, key: &StorageKey, data: &[u8]) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO samod_kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(encode_key(key))
            .bind(data)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn try_delete(&self, key: &StorageKey) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM samod_kv WHERE key = ?")
            .bind(encode_key(key))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// samod's trait has no error channel: a storage failure must not be
/// reported as success, so writes retry until they succeed (the disk may be
/// full for a while), and reads that fail are logged and retried.
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

impl Storage for SqliteStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        retry("load", &key, || self.try_load(&key)).await
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        retry("load_range", &prefix, || self.try_load_range(&prefix)).await
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        let started = std::time::Instant::now();
        retry("put", &key, || self.try_put(&key, &data)).await;
        if let Some(h) = &self.put_latency {
            h.observe(started.elapsed().as_secs_f64());
        }
    }

    async fn delete(&self, key: StorageKey) {
        retry("delete", &key, || self.try_delete(&key)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).unwrap()
    }

    #[tokio::test]
    async fn put_load_range_delete_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.db");
        let s = SqliteStorage::open(&path).await.unwrap();
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
        let s = SqliteStorage::open(&path).await.unwrap();
        assert_eq!(s.load_range(key(&["doc1"])).await.len(), 1);
        assert_eq!(s.load(key(&["doc1", "snapshot", "s1"])).await, None);
    }
}
