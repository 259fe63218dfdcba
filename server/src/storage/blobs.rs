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
        now: i64,
    ) -> Result<UploadStatus, BlobStoreError> {
        self.limits.check_size(size)?;
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
    ) -> Result<Appended, BlobStoreError> {
        let unfinished = |status| Appended {
            status,
            finished: false,
        };
        let status = self.status(hash).await?.ok_or(BlobStoreError::NotFound)?;
        if status.complete {
            return Ok(unfinished(status));
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
        for part in self.chunks(hash, 0).await? {
            hasher.update(&part.1);
        }
        if BlobHash::from_digest(hasher) != *hash {
            self.discard(hash).await?;
            return Err(BlobError::HashMismatch.into());
        }
        sqlx::query("UPDATE blobs SET complete = 1 WHERE hash = $1")
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

    /// The stored chunks from the one containing byte `from` on, in order,
    /// with their offsets.
    pub async fn chunks(&self, hash: &BlobHash, from: u64) -> sqlx::Result<Vec<(u64, Vec<u8>)>> {
        let first: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(start_at) FROM blob_chunks WHERE hash = $1 AND start_at <= $2",
        )
        .bind(hash.to_string())
        .bind(from as i64)
        .fetch_one(self.db.pool())
        .await?;
        let rows = sqlx::query(
            "SELECT start_at, data FROM blob_chunks WHERE hash = $1 AND start_at >= $2 ORDER BY start_at",
        )
        .bind(hash.to_string())
        .bind(first.unwrap_or(0))
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get::<i64, _>(0) as u64, r.get::<Vec<u8>, _>(1)))
            .collect())
    }

    /// The documents that refer to a blob: who may read it.
    pub async fn documents(&self, hash: &BlobHash) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT document FROM blob_documents WHERE hash = $1")
            .bind(hash.to_string())
            .fetch_all(self.db.pool())
            .await
    }
}
