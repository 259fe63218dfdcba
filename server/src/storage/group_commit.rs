//! Group commit: the writes that arrive while one transaction commits share
//! the next one, so a single fsync makes many devices' changes durable. With
//! hundreds of tablets syncing at once this, not the disk's latency, sets
//! how many changes per second the relay acknowledges.
//!
//! A write is awaited until its transaction has committed; a failed
//! transaction is retried (the disk may be full for a while), never
//! reported as done.

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

/// The queue to the writer task.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::UnboundedSender<(Write, oneshot::Sender<()>)>,
}

impl Writer {
    /// Starts the writer task of `db`; on PostgreSQL each changed key is
    /// announced to other relay processes as `<instance> <key>`.
    pub fn spawn(db: Database, instance: String) -> Self {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db, instance, rx));
        Self { queue }
    }

    /// Writes, and returns once the write is committed.
    pub async fn write(&self, write: Write) {
        let (done, committed) = oneshot::channel();
        if self.queue.send((write, done)).is_err() {
            // The writer task ends only with the runtime.
            std::future::pending::<()>().await;
        }
        let _ = committed.await;
    }
}

async fn run(
    db: Database,
    instance: String,
    mut queue: mpsc::UnboundedReceiver<(Write, oneshot::Sender<()>)>,
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
            tracing::error!(
                writes = batch.len(),
                "storage write failed, retrying in {delay:?}: {e}"
            );
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        for (_, done) in batch {
            let _ = done.send(());
        }
    }
}

async fn commit(
    db: &Database,
    instance: &str,
    batch: &[(Write, oneshot::Sender<()>)],
) -> sqlx::Result<()> {
    let mut tx = db.pool().begin().await?;
    for (write, _) in batch {
        match write {
            Write::Put { key, value } => match db.backend() {
                Backend::Sqlite => {
                    sqlx::query("INSERT INTO samod_kv (key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                        .bind(key)
                        .bind(value)
                        .execute(&mut *tx)
                        .await?;
                }
                Backend::Postgres => {
                    let changed = sqlx::query("INSERT INTO samod_kv (key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE samod_kv.value <> excluded.value")
                        .bind(key)
                        .bind(value)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        > 0;
                    // Delivered with the commit, so a relay that hears it
                    // can read the chunk.
                    if changed {
                        sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS n")
                            .bind(CHANGES_CHANNEL)
                            .bind(format!("{instance} {key}"))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            },
            Write::Delete { key } => {
                sqlx::query("DELETE FROM samod_kv WHERE key = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await
}
