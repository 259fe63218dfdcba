//! Enrolment and access (DESIGN.md §2.1, §3): an admin issues a one-time
//! enrolment code bound to a role and scope; a device trades it for a device
//! token (random, 256 bits, stored only as a SHA-256 hash); the token opens
//! the WebSocket and binds the peer id; [`policy::ScopePolicy`] grants each
//! document to each device from `ntm_core::access`. Revoking a device (from
//! any relay process sharing the database) disconnects it within a second.

pub mod attribution;
pub mod policy;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ntm_core::access::{DocumentInfo, DocumentKind, Grant, Role};
use ntm_core::format::hex;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use tokio::sync::watch;

/// Alphabet of enrolment codes: no 0/O, 1/I/L, so they can be read aloud.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Enrolment codes expire after a week.
const CODE_LIFETIME_SECONDS: i64 = 7 * 24 * 3600;
/// A connection ticket is good for one upgrade within this time: long
/// enough for a slow link between the request and the upgrade, short
/// enough that one seen in a log or a proxy's history is already dead.
pub const TICKET_LIFETIME_SECONDS: i64 = 60;

/// Why enrolment or authentication was refused (shown to the client).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The code is unknown, used or expired.
    #[error("mã đăng ký không hợp lệ, đã dùng hoặc hết hạn / the enrolment code is unknown, used or expired")]
    BadCode,
    /// No token, or not a valid one.
    #[error("thiếu mã thiết bị hoặc mã không hợp lệ / missing or unknown device token")]
    BadToken,
    /// The connection ticket is unknown, used or expired.
    #[error("vé kết nối không hợp lệ, đã dùng hoặc hết hạn / the connection ticket is unknown, used or expired")]
    BadTicket,
    /// The device was revoked.
    #[error("thiết bị đã bị thu hồi quyền / this device has been revoked")]
    Revoked,
    /// The peer id does not belong to the token's device.
    #[error("peer id {0:?} does not belong to this device (expected \"<device id>.<session>\")")]
    WrongPeer(String),
    /// A bad role or scope at enrolment.
    #[error("{0}")]
    Invalid(String),
    /// The database failed. Clients see only this sentence: the database's
    /// own text (table names, paths, SQL) goes to the log ([`AuthError::detail`]).
    #[error(
        "máy chủ đang lỗi lưu trữ, hãy thử lại sau / the relay's storage failed, try again later"
    )]
    Database(#[from] sqlx::Error),
}

impl AuthError {
    /// The HTTP status of a request refused for its token: 403 for a
    /// revoked device, 503 when the database failed, 401 otherwise.
    pub fn token_status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AuthError::Revoked => StatusCode::FORBIDDEN,
            AuthError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The full reason, for the relay's log (never sent to a client).
    pub fn detail(&self) -> String {
        match self {
            AuthError::Database(e) => format!("database: {e}"),
            other => other.to_string(),
        }
    }
}

/// A device as listed by `device list`.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// Its id (the prefix of its peer ids).
    pub id: String,
    /// Name given at enrolment.
    pub name: String,
    /// Role and scope.
    pub grant: Grant,
    /// When it enrolled (unix seconds).
    pub enrolled_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

pub use ntm_core::access::Enrolment as Enrolled;

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Normalises a typed code: upper case, no spaces or dashes.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn scope_text(scope: &[String]) -> String {
    scope.join(",")
}

fn parse_scope(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A device row's role, scope and revocation as a grant.
fn grant_of_row(role: String, scope: String, revoked: Option<i64>) -> Result<Grant, AuthError> {
    if revoked.is_some() {
        return Err(AuthError::Revoked);
    }
    Ok(Grant {
        role: Role::from_code(&role).ok_or(AuthError::BadToken)?,
        scope: parse_scope(&scope),
    })
}

struct Connected {
    revoked: watch::Sender<bool>,
    grant: Grant,
}

/// The enrolment store and the grants of connected devices.
#[derive(Clone)]
pub struct Auth {
    pool: AnyPool,
    connected: Arc<Mutex<HashMap<String, Connected>>>,
    documents: Arc<Mutex<HashMap<String, Option<DocumentInfo>>>>,
    /// Ids the table did not have, and when that was looked up: a device
    /// asking for random ids costs one query per id per [`UNKNOWN_TTL`],
    /// and at most [`UNKNOWN_CAP`] entries.
    unknown: Arc<Mutex<HashMap<String, std::time::Instant>>>,
}

/// How long "no such document" is believed (admin tooling may create it).
const UNKNOWN_TTL: Duration = Duration::from_secs(30);
/// Most unknown ids remembered; past it the memory starts again.
const UNKNOWN_CAP: usize = 100_000;

impl Auth {
    /// Works on the relay's database (its tables are created when it opens).
    pub fn new(db: &crate::storage::Database) -> Self {
        Self {
            pool: db.pool().clone(),
            connected: Arc::default(),
            documents: Arc::default(),
            unknown: Arc::default(),
        }
    }

    /// Issues a one-time enrolment code for a role and scope.
    pub async fn issue_code(
        &self,
        role: &str,
        scope: &[String],
        now: i64,
    ) -> Result<String, AuthError> {
        let role = Role::from_code(role).ok_or_else(|| {
            AuthError::Invalid(format!(
                "unknown role {role:?}; one of: {}",
                Role::ALL.map(Role::code).join(", ")
            ))
        })?;
        if matches!(
            role,
            Role::Enumerator | Role::Officer | Role::District | Role::Department
        ) && scope.is_empty()
        {
            return Err(AuthError::Invalid(format!(
                "a {} needs a --scope (commune, district or department codes)",
                role.code()
            )));
        }
        let random: [u8; 10] = rand::random();
        let code: String = random
            .iter()
            .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
            .collect();
        sqlx::query(
            "INSERT INTO enrolments (code_hash, role, scope, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256_hex(&code))
        .bind(role.code())
        .bind(scope_text(scope))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(format!("{}-{}", &code[..5], &code[5..]))
    }

    /// Trades a code for a device token, once.
    pub async fn enrol(&self, code: &str, name: &str, now: i64) -> Result<Enrolled, AuthError> {
        let code_hash = sha256_hex(&normalise_code(code));
        let mut tx = self.pool.begin().await?;
        // Marking the code used in the same statement that checks it makes a
        // code good for exactly one device, even when two race.
        let row = sqlx::query("UPDATE enrolments SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND created_at > $3 RETURNING role, scope")
            .bind(now)
            .bind(&code_hash)
            .bind(now - CODE_LIFETIME_SECONDS)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AuthError::BadCode)?;
        let (role, scope): (String, String) = (row.get(0), row.get(1));
        let device_id = hex(&rand::random::<[u8; 8]>());
        let token = hex(&rand::random::<[u8; 32]>());
        sqlx::query("INSERT INTO devices (id, token_hash, name, role, scope, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&device_id)
            .bind(sha256_hex(&token))
            .bind(name.trim())
            .bind(&role)
            .bind(&scope)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Enrolled {
            device_id,
            token,
            role,
            scope: parse_scope(&scope),
            province: self.province().await?,
        })
    }

    /// The province whose registry this relay stores, if any.
    pub async fn province(&self) -> Result<Option<String>, AuthError> {
        Ok(sqlx::query_scalar(
            "SELECT unit FROM documents WHERE kind = 'registry' ORDER BY id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Checks a token and that `peer` is one of its device's peer ids
    /// (`<device id>.<session>`); registers the connection so revocation
    /// reaches it. Returns the device id and a receiver that turns `true`
    /// when the device is revoked.
    pub async fn authenticate(
        &self,
        token: Option<&str>,
        peer: &str,
    ) -> Result<(String, watch::Receiver<bool>), AuthError> {
        let (id, grant) = self.device_of_token(token).await?;
        self.bind_connection(id, grant, peer)
    }

    /// Issues a single-use connection ticket for a token's device, good for
    /// [`TICKET_LIFETIME_SECONDS`]. Expired tickets are swept at the same time.
    pub async fn issue_ticket(&self, token: Option<&str>, now: i64) -> Result<String, AuthError> {
        let (device, _) = self.device_of_token(token).await?;
        sqlx::query("DELETE FROM sync_tickets WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        let ticket = hex(&rand::random::<[u8; 32]>());
        sqlx::query(
            "INSERT INTO sync_tickets (ticket_hash, device_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(sha256_hex(&ticket))
        .bind(&device)
        .bind(now + TICKET_LIFETIME_SECONDS)
        .execute(&self.pool)
        .await?;
        Ok(ticket)
    }

    /// Redeems a connection ticket (once: the same statement that finds it
    /// deletes it, so two upgrades racing with one ticket cannot both win)
    /// and binds the connection as [`Auth::authenticate`] does.
    pub async fn redeem_ticket(
        &self,
        ticket: &str,
        peer: &str,
        now: i64,
    ) -> Result<(String, watch::Receiver<bool>), AuthError> {
        let device: String = sqlx::query_scalar(
            "DELETE FROM sync_tickets WHERE ticket_hash = $1 AND expires_at > $2 RETURNING device_id",
        )
        .bind(sha256_hex(ticket))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(AuthError::BadTicket)?;
        let row = sqlx::query("SELECT role, scope, revoked_at FROM devices WHERE id = $1")
            .bind(&device)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(AuthError::BadTicket)?;
        let grant = grant_of_row(row.get(0), row.get(1), row.get(2))?;
        self.bind_connection(device, grant, peer)
    }

    fn bind_connection(
        &self,
        id: String,
        grant: Grant,
        peer: &str,
    ) -> Result<(String, watch::Receiver<bool>), AuthError> {
        match peer.split_once('.') {
            Some((device, session)) if device == id && !session.is_empty() => {}
            _ => return Err(AuthError::WrongPeer(peer.to_owned())),
        }
        let mut connected = self.connected.lock().expect("auth lock");
        let entry = connected.entry(id.clone()).or_insert_with(|| Connected {
            revoked: watch::channel(false).0,
            grant: grant.clone(),
        });
        entry.grant = grant;
        Ok((id, entry.revoked.subscribe()))
    }

    /// The device a token belongs to, and its grant (for HTTP requests, and
    /// at the WebSocket upgrade).
    pub async fn device_of_token(&self, token: Option<&str>) -> Result<(String, Grant), AuthError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(AuthError::BadToken)?;
        let row =
            sqlx::query("SELECT id, role, scope, revoked_at FROM devices WHERE token_hash = $1")
                .bind(sha256_hex(token))
                .fetch_optional(&self.pool)
                .await?
                .ok_or(AuthError::BadToken)?;
        let grant = grant_of_row(row.get(1), row.get(2), row.get(3))?;
        Ok((row.get(0), grant))
    }

    /// The grant of a connected device, by peer id.
    pub fn grant_of_peer(&self, peer: &str) -> Option<(Grant, watch::Receiver<bool>)> {
        let device = peer.split_once('.').map_or(peer, |(d, _)| d);
        let connected = self.connected.lock().expect("auth lock");
        connected
            .get(device)
            .map(|c| (c.grant.clone(), c.revoked.subscribe()))
    }

    /// What the relay's table says a document is (cached: the table only
    /// grows, and a document's kind and unit never change).
    pub async fn document(&self, id: &str) -> Result<Option<DocumentInfo>, AuthError> {
        if let Some(Some(info)) = self.documents.lock().expect("auth lock").get(id) {
            return Ok(Some(info.clone()));
        }
        if let Some(seen) = self.unknown.lock().expect("auth lock").get(id) {
            if seen.elapsed() < UNKNOWN_TTL {
                return Ok(None);
            }
        }
        let row =
            sqlx::query("SELECT kind, unit, district, department FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let info = row.and_then(|r| {
            Some(DocumentInfo {
                kind: DocumentKind::from_code(&r.get::<String, _>(0))?,
                unit: r.get(1),
                district: r.get(2),
                department: r.get(3),
            })
        });
        if info.is_some() {
            self.documents
                .lock()
                .expect("auth lock")
                .insert(id.to_owned(), info.clone());
        } else {
            let mut unknown = self.unknown.lock().expect("auth lock");
            if unknown.len() >= UNKNOWN_CAP {
                unknown.clear();
            }
            unknown.insert(id.to_owned(), std::time::Instant::now());
        }
        Ok(info)
    }

    /// Revokes a device; connected relays disconnect it.
    pub async fn revoke(&self, device_id: &str, now: i64) -> Result<bool, AuthError> {
        let done =
            sqlx::query("UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(device_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0;
        self.mark_revoked(device_id);
        Ok(done)
    }

    fn mark_revoked(&self, device_id: &str) {
        if let Some(c) = self.connected.lock().expect("auth lock").get(device_id) {
            c.revoked.send_replace(true);
        }
    }

    /// Every enrolled device.
    pub async fn list(&self) -> Result<Vec<DeviceRow>, AuthError> {
        let rows = sqlx::query("SELECT id, name, role, scope, enrolled_at, revoked_at FROM devices ORDER BY enrolled_at")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(DeviceRow {
                    id: r.get(0),
                    name: r.get(1),
                    grant: Grant {
                        role: Role::from_code(&r.get::<String, _>(2))?,
                        scope: parse_scope(&r.get::<String, _>(3)),
                    },
                    enrolled_at: r.get(4),
                    revoked_at: r.get(5),
                })
            })
            .collect())
    }

    /// Watches the table for revocations made by other processes (the CLI,
    /// other relays on the same database) and disconnects those devices.
    pub fn watch_revocations(&self) {
        let auth = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let ids: Vec<String> = auth
                    .connected
                    .lock()
                    .expect("auth lock")
                    .iter()
                    .filter(|(_, c)| !*c.revoked.borrow())
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in ids {
                    let revoked = sqlx::query(
                        "SELECT 1 FROM devices WHERE id = $1 AND revoked_at IS NOT NULL",
                    )
                    .bind(&id)
                    .fetch_optional(&auth.pool)
                    .await;
                    if let Ok(Some(_)) = revoked {
                        tracing::warn!(device = %id, "device revoked: disconnecting");
                        auth.mark_revoked(&id);
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn auth() -> (tempfile::TempDir, Auth) {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::storage::url_for(None, dir.path()).unwrap();
        let auth = Auth::new(&crate::storage::Database::open(&url).await.unwrap());
        (dir, auth)
    }

    #[tokio::test]
    async fn a_code_enrols_exactly_one_device_and_tokens_are_stored_hashed() {
        let (_dir, auth) = auth().await;
        let code = auth
            .issue_code("enumerator", &["sa-pa-ta-van".into()], 1000)
            .await
            .unwrap();
        assert_eq!(code.len(), 11, "{code}");
        let enrolled = auth
            .enrol(&code.to_lowercase(), "Máy tính bảng 1", 1001)
            .await
            .unwrap();
        assert_eq!(enrolled.role, "enumerator");
        assert_eq!(enrolled.token.len(), 64, "256-bit token");
        assert!(matches!(
            auth.enrol(&code, "again", 1002).await,
            Err(AuthError::BadCode)
        ));
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM devices")
            .fetch_all(&auth.pool)
            .await
            .unwrap();
        assert_eq!(stored, [sha256_hex(&enrolled.token)]);

        let peer = format!("{}.tab1", enrolled.device_id);
        assert!(auth
            .authenticate(Some(&enrolled.token), &peer)
            .await
            .is_ok());
        assert!(matches!(
            auth.authenticate(Some(&enrolled.token), "someone-else.tab")
                .await,
            Err(AuthError::WrongPeer(_))
        ));
        assert!(matches!(
            auth.authenticate(Some("nope"), &peer).await,
            Err(AuthError::BadToken)
        ));
        assert!(matches!(
            auth.authenticate(None, &peer).await,
            Err(AuthError::BadToken)
        ));

        let (_, mut revoked) = auth
            .authenticate(Some(&enrolled.token), &peer)
            .await
            .unwrap();
        assert!(auth.revoke(&enrolled.device_id, 2000).await.unwrap());
        revoked.changed().await.unwrap();
        assert!(*revoked.borrow());
        assert!(matches!(
            auth.authenticate(Some(&enrolled.token), &peer).await,
            Err(AuthError::Revoked)
        ));
    }

    #[tokio::test]
    async fn bad_roles_scopes_and_expired_codes_are_refused() {
        let (_dir, auth) = auth().await;
        assert!(matches!(
            auth.issue_code("mayor", &[], 0).await,
            Err(AuthError::Invalid(_))
        ));
        assert!(matches!(
            auth.issue_code("enumerator", &[], 0).await,
            Err(AuthError::Invalid(_))
        ));
        let code = auth.issue_code("office", &[], 0).await.unwrap();
        assert!(matches!(
            auth.enrol(&code, "late", CODE_LIFETIME_SECONDS + 1).await,
            Err(AuthError::BadCode)
        ));
    }

    #[tokio::test]
    async fn a_ticket_opens_one_connection_of_its_own_device_within_its_lifetime() {
        let (_dir, auth) = auth().await;
        let code = auth.issue_code("office", &[], 1000).await.unwrap();
        let device = auth.enrol(&code, "office", 1000).await.unwrap();
        let peer = format!("{}.s1", device.device_id);
        assert!(matches!(
            auth.issue_ticket(Some("not a token"), 1000).await,
            Err(AuthError::BadToken)
        ));

        let ticket = auth.issue_ticket(Some(&device.token), 1000).await.unwrap();
        let (id, _) = auth.redeem_ticket(&ticket, &peer, 1001).await.unwrap();
        assert_eq!(id, device.device_id);
        assert!(matches!(
            auth.redeem_ticket(&ticket, &peer, 1002).await,
            Err(AuthError::BadTicket)
        ));

        let late = auth.issue_ticket(Some(&device.token), 2000).await.unwrap();
        assert!(matches!(
            auth.redeem_ticket(&late, &peer, 2000 + TICKET_LIFETIME_SECONDS)
                .await,
            Err(AuthError::BadTicket)
        ));
        let stored: Vec<String> = sqlx::query_scalar("SELECT ticket_hash FROM sync_tickets")
            .fetch_all(&auth.pool)
            .await
            .unwrap();
        assert!(!stored.contains(&late), "tickets are stored hashed");

        let wrong_peer = auth.issue_ticket(Some(&device.token), 3000).await.unwrap();
        assert!(matches!(
            auth.redeem_ticket(&wrong_peer, "someone.s1", 3001).await,
            Err(AuthError::WrongPeer(_))
        ));
        let revoked = auth.issue_ticket(Some(&device.token), 3000).await.unwrap();
        auth.revoke(&device.device_id, 3000).await.unwrap();
        assert!(matches!(
            auth.redeem_ticket(&revoked, &peer, 3001).await,
            Err(AuthError::Revoked)
        ));
    }
}
