//! Blob bytes in the relay's database (SQLite or PostgreSQL): the upload
//! state per blob, its chunks in order, and the documents that refer to it.
//! The protocol's rules are `ntm_core::blobs`; this is only where bytes go.

use ntm_core::blobs::{BlobError, BlobHash, BlobLimits, UploadStatus};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::Database;

/// What went wrong storing a blob.
#[derive(Debug, thiserror::Error)]
pub enum BlobStoreError {
    /// The request breaks the protocol's rules.
    #[error(transparent)]
    Refused(#[from] BlobError),
    /// No such blob (or no upload started).
    #[error("không có tệp này / no such file")]
    NotFound,
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What one chunk did.
#[derive(Debug)]
pub struct Appended {
    /// Where the upload stands now.
    pub status: UploadStatus,
    /// This chunk completed and verified the blob (not an earlier one).
    pub finished: bool,
}

/// The blob tables.
#[derive(Clone)]
pub struct BlobStore {
    db: Database,
    limits: BlobLimits,
}

impl BlobStore {
    /// Blobs in `db` under `limits`.
    pub fn new(db: Database, limits: BlobLimits) -> Self {
        Self { db, limits }
    }

    /// The size limits.
    pub fn limits(&self) -> BlobLimits {
        self.limits
    }

    /// Where an upload stands, if it was started.
    pub async fn status(&self, hash: &BlobHash) -> Result<Option<UploadStatus>, BlobStoreError> {
        let row = sqlx::query("SELECT size, received, complete FROM blobs WHERE hash = $1")
            .bind(hash.to_string())
            .fetch_optional(self.db.pool())
            .await?;
        Ok(row.map(|r| UploadStatus {
            hash: hash.to_string(),
            size: r.get::<i64, _>(0) as u64,
            received: r.get::<i64, _>(1) as u64,
            complete: r.get::<i64, _>(2) != 0,
        }))
    }

    /// Starts an upload of `size` bytes for `document`, or joins the one
    /// under way (or finished: the same content is stored once).
    pub async fn start(
        &self,
        hash: &BlobHash,
        size: u64,
        document: &str,
        device: &str,
        now: i64,
    ) -> Result<UploadStatus, BlobStoreError> {
        self.limits.check_size(size)?;
        self.expire(now).await?;
        match self.status(hash).await? {
            Some(status) if status.complete => {}
            Some(_) => {
                if self.uploader(hash).await?.as_deref() != Some(device) {
                    return Err(BlobError::UploadedElsewhere.into());
                }
            }
            None => {
                let (in_flight, today) = self.usage(device, now).await?;
                self.limits.check_quota(size, in_flight, today)?;
                sqlx::query("INSERT INTO blob_uploads (hash, device_id, size, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING")
                    .bind(hash.to_string())
                    .bind(device)
                    .bind(size as i64)
                    .bind(now)
                    .execute(self.db.pool())
                    .await?;
                if self.uploader(hash).await?.as_deref() != Some(device) {
                    return Err(BlobError::UploadedElsewhere.into());
                }
            }
        }
        sqlx::query("INSERT INTO blobs (hash, size, received, complete, created_at) VALUES ($1, $2, 0, 0, $3) ON CONFLICT (hash) DO NOTHING")
            .bind(hash.to_string())
            .bind(size as i64)
            .bind(now)
            .execute(self.db.pool())
            .await?;
        sqlx::query("INSERT INTO blob_documents (hash, document) VALUES ($1, $2) ON CONFLICT (hash, document) DO NOTHING")
            .bind(hash.to_string())
            .bind(document)
            .execute(self.db.pool())
            .await?;
        let status = self.status(hash).await?.ok_or(BlobStoreError::NotFound)?;
        if status.size != size && !status.complete {
            if status.received > 0 {
                return Err(BlobError::SizeChanged {
                    size,
                    existing: status.size,
                }
                .into());
            }
            // Nothing sent yet under the other size: the newer word counts
            // (a wrong declaration must not block the photo for good).
            sqlx::query("UPDATE blobs SET size = $1 WHERE hash = $2 AND received = 0")
                .bind(size as i64)
                .bind(hash.to_string())
                .execute(self.db.pool())
                .await?;
            return self.status(hash).await?.ok_or(BlobStoreError::NotFound);
        }
        Ok(status)
    }

    /// Stores the chunk at `offset`. When the last byte arrives, the whole
    /// blob is hashed: a mismatch discards it and the upload starts over.
    pub async fn append(
        &self,
        hash: &BlobHash,
        offset: u64,
        chunk: &[u8],
        device: &str,
        now: i64,
    ) -> Result<Appended, BlobStoreError> {
        let unfinished = |status| Appended {
            status,
            finished: false,
        };
        let status = self.status(hash).await?.ok_or(BlobStoreError::NotFound)?;
        if status.complete {
            return Ok(unfinished(status));
        }
        // An unfinished upload is its starter's: nobody else adds bytes to it.
        if self.uploader(hash).await?.as_deref() != Some(device) {
            return Err(BlobError::UploadedElsewhere.into());
        }
        let received =
            self.limits
                .check_chunk(status.size, status.received, offset, chunk.len() as u64)?;
        let mut tx = self.db.pool().begin().await?;
        // Two devices uploading the same photo: only one chunk lands at an
        // offset, the other is told where to resume.
        let moved = sqlx::query(
            "UPDATE blobs SET received = $1 WHERE hash = $2 AND received = $3 AND complete = 0",
        )
        .bind(received as i64)
        .bind(hash.to_string())
        .bind(offset as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            drop(tx);
            let now = self.status(hash).await?.ok_or(BlobStoreError::NotFound)?;
            if now.complete {
                return Ok(unfinished(now));
            }
            return Err(BlobError::WrongOffset {
                expected: now.received,
                offset,
            }
            .into());
        }
        sqlx::query("INSERT INTO blob_chunks (hash, start_at, data) VALUES ($1, $2, $3)")
            .bind(hash.to_string())
            .bind(offset as i64)
            .bind(chunk)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if received < status.size {
            return Ok(unfinished(UploadStatus { received, ..status }));
        }
        let mut hasher = Sha256::new();
        // One chunk in memory at a time, as downloads do.
        for start in self.chunk_starts(hash, 0).await? {
            hasher.update(self.chunk(hash, start).await?);
        }
        if BlobHash::from_digest(hasher) != *hash {
            self.discard(hash).await?;
            return Err(BlobError::HashMismatch.into());
        }
        sqlx::query("UPDATE blobs SET complete = 1 WHERE hash = $1")
            .bind(hash.to_string())
            .execute(self.db.pool())
            .await?;
        sqlx::query("UPDATE blob_uploads SET completed_at = $1 WHERE hash = $2")
            .bind(now)
            .bind(hash.to_string())
            .execute(self.db.pool())
            .await?;
        Ok(Appended {
            status: UploadStatus {
                received,
                complete: true,
                ..status
            },
            finished: true,
        })
    }

    /// Forgets a failed upload's bytes; it starts again from byte 0.
    async fn discard(&self, hash: &BlobHash) -> sqlx::Result<()> {
        let mut tx = self.db.pool().begin().await?;
        sqlx::query("DELETE FROM blob_chunks WHERE hash = $1")
            .bind(hash.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE blobs SET received = 0 WHERE hash = $1")
            .bind(hash.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The documents that refer to a blob: who may read it.
    /// The device that started an upload.
    pub async fn uploader(&self, hash: &BlobHash) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT device_id FROM blob_uploads WHERE hash = $1")
            .bind(hash.to_string())
            .fetch_optional(self.db.pool())
            .await
    }

    /// A device's bytes in unfinished uploads, and stored in the last 24 hours.
    async fn usage(&self, device: &str, now: i64) -> sqlx::Result<(u64, u64)> {
        let in_flight: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(size) AS BIGINT) FROM blob_uploads WHERE device_id = $1 AND completed_at IS NULL",
        )
        .bind(device)
        .fetch_one(self.db.pool())
        .await?;
        let today: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(size) AS BIGINT) FROM blob_uploads WHERE device_id = $1 AND completed_at > $2",
        )
        .bind(device)
        .bind(now - 24 * 3600)
        .fetch_one(self.db.pool())
        .await?;
        Ok((in_flight.unwrap_or(0) as u64, today.unwrap_or(0) as u64))
    }

    /// Drops unfinished uploads older than the upload lifetime, freeing
    /// their bytes. Returns how many.
    pub async fn expire(&self, now: i64) -> sqlx::Result<u64> {
        let stale: Vec<String> =
            sqlx::query_scalar("SELECT hash FROM blobs WHERE complete = 0 AND created_at < $1")
                .bind(now - self.limits.upload_lifetime_seconds)
                .fetch_all(self.db.pool())
                .await?;
        for hash in &stale {
            let mut tx = self.db.pool().begin().await?;
            for table in ["blob_chunks", "blob_documents", "blob_uploads"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE hash = $1"))
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM blobs WHERE hash = $1 AND complete = 0")
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        if !stale.is_empty() {
            tracing::info!(uploads = stale.len(), "expired unfinished uploads");
        }
        Ok(stale.len() as u64)
    }

    /// The offsets at which the chunks of a blob start, from the one
    /// holding byte `from` (downloads then read one chunk at a time).
    pub async fn chunk_starts(&self, hash: &BlobHash, from: u64) -> sqlx::Result<Vec<u64>> {
        let first: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(start_at) FROM blob_chunks WHERE hash = $1 AND start_at <= $2",
        )
        .bind(hash.to_string())
        .bind(from as i64)
        .fetch_one(self.db.pool())
        .await?;
        let starts: Vec<i64> = sqlx::query_scalar(
            "SELECT start_at FROM blob_chunks WHERE hash = $1 AND start_at >= $2 ORDER BY start_at",
        )
        .bind(hash.to_string())
        .bind(first.unwrap_or(0))
        .fetch_all(self.db.pool())
        .await?;
        Ok(starts.into_iter().map(|s| s as u64).collect())
    }

    /// One chunk's bytes.
    pub async fn chunk(&self, hash: &BlobHash, start: u64) -> sqlx::Result<Vec<u8>> {
        sqlx::query_scalar("SELECT data FROM blob_chunks WHERE hash = $1 AND start_at = $2")
            .bind(hash.to_string())
            .bind(start as i64)
            .fetch_one(self.db.pool())
            .await
    }

    pub async fn documents(&self, hash: &BlobHash) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT document FROM blob_documents WHERE hash = $1")
            .bind(hash.to_string())
            .fetch_all(self.db.pool())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn abandoned_uploads_expire_and_free_their_bytes_and_belong_to_their_starter() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::storage::url_for(None, dir.path()).unwrap();
        let store = BlobStore::new(Database::open(&url).await.unwrap(), BlobLimits::default());
        let hash = BlobHash::of(b"half a photo");
        store.start(&hash, 12, "doc", "tablet", 1000).await.unwrap();
        store
            .append(&hash, 0, b"half", "tablet", 1001)
            .await
            .unwrap();
        assert!(matches!(
            store.append(&hash, 4, b" a photo", "intruder", 1002).await,
            Err(BlobStoreError::Refused(BlobError::UploadedElsewhere))
        ));
        assert_eq!(store.usage("tablet", 1002).await.unwrap(), (12, 0));
        // A day later, unfinished: gone, bytes and quota freed.
        let lifetime = store.limits().upload_lifetime_seconds;
        assert_eq!(store.expire(1000 + lifetime - 1).await.unwrap(), 0);
        assert_eq!(store.expire(1000 + lifetime + 1).await.unwrap(), 1);
        assert_eq!(store.status(&hash).await.unwrap(), None);
        assert!(store.chunk_starts(&hash, 0).await.unwrap().is_empty());
        assert_eq!(
            store.usage("tablet", 1000 + lifetime + 1).await.unwrap(),
            (0, 0)
        );
        // Anyone may start it afresh now.
        store
            .start(&hash, 12, "doc", "intruder", 1000 + lifetime + 2)
            .await
            .unwrap();
    }
}
