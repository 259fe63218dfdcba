//! The relay's one database: embedded SQLite in the data directory by
//! default, or a shared PostgreSQL (`--database postgres://…`) so that
//! several relay processes can serve one province.
//!
//! Every query is written once, with `$n` placeholders (both engines accept
//! them), through sqlx's `Any` driver; only the schema differs.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::{AnyPool, Executor};

/// Which engine a [`Database`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A file in the data directory; one relay process.
    Sqlite,
    /// A shared server; any number of relay processes.
    Postgres,
}

/// A connection pool to the relay's database, with its schema in place.
#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

/// Where the database is: `--database`, else `relay.db` in the data dir.
pub fn url_for(database: Option<&str>, data_dir: &Path) -> anyhow::Result<String> {
    match database {
        Some(url) => Ok(url.to_owned()),
        None => {
            std::fs::create_dir_all(data_dir).map_err(|e| {
                anyhow::anyhow!("cannot create data dir {}: {e}", data_dir.display())
            })?;
            Ok(format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("relay.db").display()
            ))
        }
    }
}

impl Database {
    /// Connects (creating an SQLite file if needed) and creates the tables
    /// that are missing.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("--database must be a postgres:// or sqlite:// URL, not {url:?}");
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match backend {
            // WAL and `synchronous=FULL`: a write returns only once its
            // commit is on disk. A 256 KiB page cache per connection instead
            // of SQLite's 2 MiB: the relay appends, and reads a document's
            // chunks once when it loads it, while the kernel caches the file
            // anyway. Four default caches were a tenth of the relay's memory
            // at 1,000 devices (72 → 66 MiB peak RSS).
            Backend::Sqlite => options.max_connections(4).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                         PRAGMA busy_timeout=30000; PRAGMA cache_size=-256;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options.max_connections(16),
        }
        .connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", redact(url)))?;
        let db = Self {
            pool,
            backend,
            url: url.to_owned(),
        };
        db.create_tables().await?;
        Ok(db)
    }

    /// The pool, for queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection URL (for PostgreSQL's notification listener).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs one statement.
    pub async fn execute(&self, sql: &str) -> sqlx::Result<AnyQueryResult> {
        sqlx::query(sql).execute(&self.pool).await
    }

    /// Waits for open statements and closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn create_tables(&self) -> sqlx::Result<()> {
        let serial = match self.backend {
            Backend::Sqlite => "INTEGER",
            Backend::Postgres => "BIGSERIAL",
        };
        let (bytes, text_key, without_rowid) = match self.backend {
            Backend::Sqlite => ("BLOB", "TEXT", " WITHOUT ROWID"),
            // Keys are compared by byte, as in SQLite, so that a prefix is
            // a range whatever the server's locale.
            Backend::Postgres => ("BYTEA", "TEXT COLLATE \"C\"", ""),
        };
        let statements = [
            // samod's key/value store: every document's chunks.
            format!("CREATE TABLE IF NOT EXISTS samod_kv (key {text_key} PRIMARY KEY NOT NULL, value {bytes} NOT NULL){without_rowid}"),
            // What each document is and which unit it belongs to: written
            // by admin tooling, never by clients; scopes are enforced on it.
            "CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL, district TEXT, department TEXT)".to_owned(),
            // One-time enrolment codes and enrolled devices (hashes only).
            "CREATE TABLE IF NOT EXISTS enrolments (code_hash TEXT PRIMARY KEY NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, created_at BIGINT NOT NULL, used_at BIGINT)".to_owned(),
            "CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY NOT NULL, token_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL, scope TEXT NOT NULL, enrolled_at BIGINT NOT NULL, revoked_at BIGINT)".to_owned(),
            // Single-use connection tickets (hashes only): a browser cannot
            // set headers on a WebSocket upgrade, so it trades its token
            // (in a header) for one of these and puts that in the URL. In
            // the database, so a ticket issued by one relay opens another.
            // Which enrolled device writes with which Automerge actor (the
            // first to send it): attribution, and refusal of squatters.
            "CREATE TABLE IF NOT EXISTS actors (actor TEXT PRIMARY KEY NOT NULL, device_id TEXT NOT NULL, bound_at BIGINT NOT NULL)".to_owned(),
            // Chunks written by admin tooling (a revert) while relays serve:
            // relays on SQLite, which has no NOTIFY, poll this.
            format!("CREATE TABLE IF NOT EXISTS external_writes (seq {serial} PRIMARY KEY, key TEXT NOT NULL)"),
            // Admin writes that must happen once however many relays try at
            // once (the demo seed, a catalog import): whoever claims the row.
            "CREATE TABLE IF NOT EXISTS admin_claims (name TEXT PRIMARY KEY NOT NULL, claimed_at BIGINT NOT NULL, done_at BIGINT)".to_owned(),
            "CREATE TABLE IF NOT EXISTS sync_tickets (ticket_hash TEXT PRIMARY KEY NOT NULL, device_id TEXT NOT NULL, expires_at BIGINT NOT NULL)".to_owned(),
            // Photos and files: one row per blob, its bytes in chunks as
            // uploaded, and the documents that refer to it (its scope).
            "CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY NOT NULL, size BIGINT NOT NULL, received BIGINT NOT NULL, complete BIGINT NOT NULL, created_at BIGINT NOT NULL)".to_owned(),
            format!("CREATE TABLE IF NOT EXISTS blob_chunks (hash TEXT NOT NULL, start_at BIGINT NOT NULL, data {bytes} NOT NULL, PRIMARY KEY (hash, start_at))"),
            "CREATE TABLE IF NOT EXISTS blob_documents (hash TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (hash, document))".to_owned(),
            // Who started each upload (only that device may add to it while
            // unfinished), when, and when it finished: ownership, expiry of
            // abandoned uploads, and each device's byte quotas.
            "CREATE TABLE IF NOT EXISTS blob_uploads (hash TEXT PRIMARY KEY NOT NULL, device_id TEXT NOT NULL, size BIGINT NOT NULL, started_at BIGINT NOT NULL, completed_at BIGINT)".to_owned(),
        ];
        for sql in statements {
            if self.backend == Backend::Postgres {
                // Two relays starting at once on a fresh database would race
                // on CREATE TABLE IF NOT EXISTS; a transaction-level advisory
                // lock makes them take turns.
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(7310)) AS l")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(&sql).execute(&mut *tx).await?;
                tx.commit().await?;
            } else {
                self.execute(&sql).await?;
            }
        }
        self.add_missing_columns().await
    }

    /// Columns later versions added to existing tables.
    async fn add_missing_columns(&self) -> sqlx::Result<()> {
        // A verdicts document's department (documents are permission
        // boundaries; a department writes only its own verdicts).
        match self.backend {
            Backend::Postgres => {
                self.execute("ALTER TABLE documents ADD COLUMN IF NOT EXISTS department TEXT")
                    .await?;
            }
            Backend::Sqlite => {
                let present: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pragma_table_info('documents') WHERE name = 'department'",
                )
                .fetch_one(&self.pool)
                .await?;
                if present == 0 {
                    self.execute("ALTER TABLE documents ADD COLUMN department TEXT")
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
