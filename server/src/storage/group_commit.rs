//! Group commit: the writes that arrive while one transaction commits share
//! the next one, so a single fsync makes many devices' changes durable. With
//! hundreds of tablets syncing at once this, not the disk's latency, sets
//! how many changes per second the relay acknowledges.
//!
//! A write is awaited until its transaction has committed; a failed
//! transaction is retried (the disk may be full for a while), never
//! reported as done. While it fails, [`StorageHealth`] says so (`/healthz`
//! answers 503, `/metrics` names the reason), and the queue in front of the
//! writer is bounded: samod's writes wait for room instead of piling up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::database::{Backend, Database};
use super::kv::CHANGES_CHANNEL;

/// One key/value write.
pub enum Write {
    /// Insert or replace.
    Put {
        /// Encoded storage key.
        key: String,
        /// The value.
        value: Vec<u8>,
    },
    /// Remove.
    Delete {
        /// Encoded storage key.
        key: String,
    },
}

/// Most writes in one transaction: bounds a transaction's size and the
/// time its first writer waits.
const MAX_BATCH: usize = 512;

/// Writes that may wait for the writer: far more than one burst of a
/// thousand devices needs; a failing disk stops the flow here.
const QUEUE: usize = 8192;

/// Why storage cannot make writes durable right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `disk_full` or `error` (for `/metrics` and `/healthz`; the
    /// database's own text goes to the log only).
    pub reason: &'static str,
}

/// Whether the store's writes currently succeed; shared with `/healthz`,
/// `/metrics` and the sync endpoint.
#[derive(Clone, Default)]
pub struct StorageHealth {
    failure: Arc<Mutex<Option<Failure>>>,
    errors: Arc<AtomicU64>,
}

impl StorageHealth {
    /// The current failure, if writes are failing.
    pub fn failure(&self) -> Option<Failure> {
        self.failure.lock().expect("health lock").clone()
    }

    /// Failed commits since the relay started.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    fn failed(&self, error: &sqlx::Error) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self.failure.lock().expect("health lock") = Some(Failure {
            reason: classify(error),
        });
    }

    fn succeeded(&self) {
        if self.failure.lock().expect("health lock").take().is_some() {
            tracing::warn!("storage writes succeed again");
        }
    }
}

/// `disk_full` for SQLite's SQLITE_FULL and PostgreSQL's class 53
/// (insufficient resources), else `error`.
fn classify(error: &sqlx::Error) -> &'static str {
    let code = error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
        .unwrap_or_default();
    if code == "13" || code.starts_with("53") || error.to_string().contains("disk is full") {
        "disk_full"
    } else {
        "error"
    }
}

/// The queue to the writer task.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<(Write, oneshot::Sender<()>)>,
    health: StorageHealth,
}

impl Writer {
    /// Starts the writer task of `db`; on PostgreSQL each changed key is
    /// announced to other relay processes as `<instance> <key>`.
    pub fn spawn(db: Database, instance: String) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let health = StorageHealth::default();
        tokio::spawn(run(db, instance, rx, health.clone()));
        Self { queue, health }
    }

    /// Whether writes currently succeed.
    pub fn health(&self) -> StorageHealth {
        self.health.clone()
    }

    /// Writes, and returns once the write is committed (waiting for room
    /// in the queue first, while the writer is behind).
    pub async fn write(&self, write: Write) {
        let (done, committed) = oneshot::channel();
        if self.queue.send((write, done)).await.is_err() {
            // The writer task ends only with the runtime.
            std::future::pending::<()>().await;
        }
        let _ = committed.await;
    }
}

async fn run(
    db: Database,
    instance: String,
    mut queue: mpsc::Receiver<(Write, oneshot::Sender<()>)>,
    health: StorageHealth,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let mut delay = Duration::from_millis(50);
        while let Err(e) = commit(&db, &instance, &batch).await {
            health.failed(&e);
            tracing::error!(
                writes = batch.len(),
                "storage write failed, retrying in {delay:?}: {e}"
            );
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        health.succeeded();
        for (_, done) in batch {
            let _ = done.send(());
        }
    }
}

/// Rows per multi-row `INSERT` on SQLite, largest first: a run of puts is
/// cut into these sizes, so that few distinct statements are prepared.
const SQLITE_ROWS: [usize; 4] = [64, 16, 4, 1];

async fn commit(
    db: &Database,
    instance: &str,
    batch: &[(Write, oneshot::Sender<()>)],
) -> sqlx::Result<()> {
    use sqlx::Connection;
    let mut conn = db.pool().acquire().await?;
    let result = async {
        let mut tx = conn.begin().await?;
        write_batch(db, instance, batch, &mut tx).await?;
        tx.commit().await
    }
    .await;
    if result.is_err() {
        // A connection whose write or COMMIT failed (a full disk fails the
        // COMMIT) can still be inside its transaction; reused, sqlx would
        // open the next batch as a SAVEPOINT in it and "commit" that by
        // releasing it — reporting writes durable that never were, and
        // holding SQLite's write lock. It is closed, never reused.
        if let Err(e) = conn.close().await {
            tracing::warn!("closing a failed storage connection: {e}");
        }
    }
    result
}

async fn write_batch(
    db: &Database,
    instance: &str,
    batch: &[(Write, oneshot::Sender<()>)],
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> sqlx::Result<()> {
    let mut puts: Vec<(&str, &[u8])> = Vec::new();
    for (write, _) in batch {
        match write {
            Write::Put { key, value } => match db.backend() {
                // Each statement is a round trip to SQLite's worker thread:
                // puts go in multi-row statements, in order with deletes.
                Backend::Sqlite => puts.push((key, value)),
                Backend::Postgres => {
                    let changed = sqlx::query("INSERT INTO samod_kv (key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE samod_kv.value <> excluded.value")
                        .bind(key)
                        .bind(value)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected()
                        > 0;
                    // Delivered with the commit, so a relay that hears it
                    // can read the chunk.
                    if changed {
                        sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS n")
                            .bind(CHANGES_CHANNEL)
                            .bind(format!("{instance} {key}"))
                            .execute(&mut **tx)
                            .await?;
                    }
                }
            },
            Write::Delete { key } => {
                put_rows(tx, &mut puts).await?;
                sqlx::query("DELETE FROM samod_kv WHERE key = $1")
                    .bind(key)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    put_rows(tx, &mut puts).await
}

/// Writes `puts` (SQLite) in multi-row upserts and empties it; of the same
/// key, the last put wins, as it would one by one.
async fn put_rows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    puts: &mut Vec<(&str, &[u8])>,
) -> sqlx::Result<()> {
    let mut rest: &[(&str, &[u8])] = puts;
    while !rest.is_empty() {
        let rows = SQLITE_ROWS
            .into_iter()
            .find(|&n| n <= rest.len())
            .unwrap_or(1);
        let (chunk, tail) = rest.split_at(rows);
        let mut query = sqlx::query(upsert_sql(rows));
        for (key, value) in chunk {
            query = query.bind(*key).bind(*value);
        }
        query.execute(&mut **tx).await?;
        rest = tail;
    }
    puts.clear();
    Ok(())
}

/// `INSERT … VALUES ($1, $2), ($3, $4), … ON CONFLICT …` for `rows` rows.
fn upsert_sql(rows: usize) -> &'static str {
    static CACHE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let all = CACHE.get_or_init(|| {
        (0..=SQLITE_ROWS[0])
            .map(|n| {
                let values: Vec<String> = (0..n)
                    .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                    .collect();
                format!(
                    "INSERT INTO samod_kv (key, value) VALUES {} ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    values.join(", ")
                )
            })
            .collect()
    });
    &all[rows]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upserts_name_every_row() {
        assert_eq!(
            upsert_sql(2),
            "INSERT INTO samod_kv (key, value) VALUES ($1, $2), ($3, $4) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        );
        assert!(upsert_sql(64)
            .ends_with("($127, $128) ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    }

    #[tokio::test]
    async fn a_batch_keeps_the_order_of_puts_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Database::open(&url).await.unwrap();
        let put = |key: &str, value: &[u8]| Write::Put {
            key: key.to_owned(),
            value: value.to_vec(),
        };
        let delete = |key: &str| Write::Delete {
            key: key.to_owned(),
        };
        // 70 puts (a 64-row and smaller statements), a key put twice in one
        // statement, a delete between puts of the same key.
        let mut writes: Vec<Write> = (0..70).map(|i| put(&format!("k{i:02}"), b"v")).collect();
        writes.extend([
            put("twice", b"first"),
            put("twice", b"second"),
            put("gone", b"x"),
            delete("gone"),
            delete("k00"),
            put("k00", b"again"),
        ]);
        let batch: Vec<_> = writes
            .into_iter()
            .map(|w| (w, oneshot::channel().0))
            .collect();
        commit(&db, "test", &batch).await.unwrap();
        let rows: Vec<(String, Vec<u8>)> =
            sqlx::query_as("SELECT key, value FROM samod_kv ORDER BY key")
                .fetch_all(db.pool())
                .await
                .unwrap();
        assert_eq!(rows.len(), 71);
        let get = |k: &str| {
            rows.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("twice").as_deref(), Some(&b"second"[..]));
        assert_eq!(get("gone"), None);
        assert_eq!(get("k00").as_deref(), Some(&b"again"[..]));
        assert_eq!(get("k69").as_deref(), Some(&b"v"[..]));
    }
}
