//! Several relay processes on one PostgreSQL database.
//!
//! Each process keeps the documents its devices use in memory (samod). When
//! one process stores a chunk, PostgreSQL notifies the others
//! (`LISTEN/NOTIFY` on [`CHANGES_CHANNEL`]); a process that has that document
//! loaded reads the chunk and merges it into its copy, and samod passes the
//! changes on to the devices connected there. Merging is idempotent, so a
//! chunk heard twice, or one this process already has, changes nothing.
//!
//! Notifications are not queued while a listener is disconnected, so after
//! every (re)connection the process merges everything stored for the
//! documents it has loaded.

use std::time::Duration;

use samod::storage::Storage;
use sqlx::postgres::PgListener;

use super::kv::{decode_key, CHANGES_CHANNEL};
use super::SqlStorage;

/// Listens for other processes' writes for as long as the relay runs.
pub fn spawn(storage: SqlStorage, repo: samod::Repo) {
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        loop {
            match listen(&storage, &repo).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::error!("change notifications lost ({e}); reconnecting in {delay:?}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    });
}

async fn listen(storage: &SqlStorage, repo: &samod::Repo) -> anyhow::Result<()> {
    let mut listener = PgListener::connect(storage.database().url()).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    // Anything written while nobody listened.
    for doc in storage.active_documents() {
        merge_document(storage, repo, &doc).await;
    }
    tracing::info!("listening for other relays' changes");
    loop {
        let notification = listener.recv().await?;
        let Some((instance, key)) = notification.payload().split_once(' ') else {
            continue;
        };
        if instance == storage.instance() {
            continue;
        }
        let Some(doc) = key.split('/').next() else {
            continue;
        };
        if !storage.is_active(doc) {
            // Nobody here uses it; it is read from the database when
            // someone does.
            continue;
        }
        let chunk = match decode_key(key) {
            Some(k) => storage.load(k).await,
            None => None,
        };
        match chunk {
            Some(bytes) => merge(repo, doc, vec![bytes]).await,
            // Compacted away already: its replacement is announced too,
            // but read the whole document to be sure.
            None => merge_document(storage, repo, doc).await,
        }
    }
}

/// On SQLite (no NOTIFY): polls `external_writes` once a second for chunks
/// admin tooling wrote while this relay serves (a revert), and merges those
/// of loaded documents. Older rows were on disk before this relay read them.
pub fn poll_external_writes(storage: SqlStorage, repo: samod::Repo) {
    tokio::spawn(async move {
        let pool = storage.database().pool().clone();
        let mut seen: i64 = loop {
            match sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM external_writes")
                .fetch_one(&pool)
                .await
            {
                Ok(max) => break max.unwrap_or(0),
                Err(e) => {
                    tracing::warn!("cannot read external writes yet: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let rows: Vec<(i64, String)> = match sqlx::query_as(
                "SELECT seq, key FROM external_writes WHERE seq > $1 ORDER BY seq",
            )
            .bind(seen)
            .fetch_all(&pool)
            .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!("cannot read external writes: {e}");
                    continue;
                }
            };
            for (seq, key) in rows {
                seen = seq;
                let Some(doc) = key.split('/').next() else {
                    continue;
                };
                if !storage.is_active(doc) {
                    continue;
                }
                if let Some(chunk) = decode_key(&key) {
                    if let Some(bytes) = storage.load(chunk).await {
                        tracing::info!(doc, "merging a change written by admin tooling");
                        merge(&repo, doc, vec![bytes]).await;
                    }
                }
            }
        }
    });
}

async fn merge_document(storage: &SqlStorage, repo: &samod::Repo, doc: &str) {
    let Some(prefix) = decode_key(doc) else {
        return;
    };
    let chunks = storage.load_range(prefix).await.into_values().collect();
    merge(repo, doc, chunks).await;
}

/// Merges stored chunks into the loaded document `doc`.
async fn merge(repo: &samod::Repo, doc: &str, chunks: Vec<Vec<u8>>) {
    let Ok(id) = doc.parse::<samod::DocumentId>() else {
        return;
    };
    let handle = match repo.find(id).await {
        Ok(Some(handle)) => handle,
        _ => return,
    };
    let merged = handle
        .with_document_async(move |d| {
            let mut applied = 0;
            for chunk in chunks {
                match d.load_incremental(&chunk) {
                    Ok(n) => applied += n,
                    Err(e) => tracing::error!("a stored chunk does not load: {e}"),
                }
            }
            applied
        })
        .await;
    if let Ok(n) = merged {
        if n > 0 {
            tracing::debug!(doc, ops = n, "merged another relay's changes");
        }
    }
}
