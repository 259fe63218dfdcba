//! Attribution: every change's actor is bound to the enrolled device that
//! first sent it (DESIGN.md §3). A sync message carrying a change of an
//! actor bound to another device — a forged colleague's change, or a
//! squatter taking a colleague's actor and next sequence number to block
//! them — is refused before samod sees it, logged and counted. The binding
//! is written (durably) before the change goes on, so it survives a crash.
//! Who wrote a change is then the device of its actor: id, name, role.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ntm_core::format::hex;
use ntm_core::sync::{Author, AuthorKind};
use sqlx::{AnyPool, Row};

use super::AuthError;

/// Bindings kept in memory (each session of each device has its own actor):
/// past this many the cache starts again; the table stays the truth.
const CACHE_LIMIT: usize = 65_536;

/// Why a message's changes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A change of an actor bound to another device.
    Squatted {
        /// The actor (hex).
        actor: String,
        /// The device it belongs to.
        owner: String,
    },
    /// A change of a genesis actor past its shared first change, or of
    /// admin tooling's actor: no device writes those.
    Reserved {
        /// The actor (hex).
        actor: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Squatted { actor, owner } => {
                write!(
                    f,
                    "changes of actor {actor}, which belongs to device {owner}"
                )
            }
            Refusal::Reserved { actor } => {
                write!(
                    f,
                    "changes of reserved actor {actor} (genesis or admin tooling)"
                )
            }
        }
    }
}

/// Who wrote a change, as the relay knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// The device id.
    pub device: String,
    /// Its name at enrolment.
    pub name: String,
    /// Its role.
    pub role: String,
}

/// The actor → device bindings.
#[derive(Clone)]
pub struct Attribution {
    pool: AnyPool,
    bound: Arc<Mutex<HashMap<Vec<u8>, String>>>,
}

impl Attribution {
    /// Works on the relay's database (the `actors` table).
    pub fn new(pool: AnyPool) -> Self {
        Self {
            pool,
            bound: Arc::default(),
        }
    }

    /// Binds the new actors among `authors` to `device` and checks the
    /// others are its own. `Ok(Err(_))`: the message must be refused.
    pub async fn admit(
        &self,
        device: &str,
        authors: &[Author],
        now: i64,
    ) -> Result<Result<(), Refusal>, AuthError> {
        for author in authors {
            let actor = author.actor.to_bytes();
            match author.kind() {
                AuthorKind::SharedGenesis => continue,
                AuthorKind::Reserved => {
                    return Ok(Err(Refusal::Reserved { actor: hex(actor) }));
                }
                AuthorKind::Device => {}
            }
            let cached = self
                .bound
                .lock()
                .expect("attribution lock")
                .get(actor)
                .cloned();
            let owner = match cached {
                Some(owner) => owner,
                None => {
                    let owner = self.bind(actor, device, now).await?;
                    let mut bound = self.bound.lock().expect("attribution lock");
                    if bound.len() >= CACHE_LIMIT {
                        bound.clear();
                    }
                    bound.insert(actor.to_vec(), owner.clone());
                    owner
                }
            };
            if owner != device {
                return Ok(Err(Refusal::Squatted {
                    actor: hex(actor),
                    owner,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Binds `actor` to `device` unless it is bound already (by any relay
    /// sharing the database); returns its device.
    async fn bind(&self, actor: &[u8], device: &str, now: i64) -> Result<String, AuthError> {
        let actor = hex(actor);
        sqlx::query(
            "INSERT INTO actors (actor, device_id, bound_at) VALUES ($1, $2, $3) ON CONFLICT (actor) DO NOTHING",
        )
        .bind(&actor)
        .bind(device)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT device_id FROM actors WHERE actor = $1")
                .bind(&actor)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Who wrote with `actor` (hex), if a device did.
    pub async fn writer(&self, actor: &str) -> Result<Option<Writer>, AuthError> {
        let row = sqlx::query(
            "SELECT d.id, d.name, d.role FROM actors a JOIN devices d ON d.id = a.device_id WHERE a.actor = $1",
        )
        .bind(actor)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Writer {
            device: r.get(0),
            name: r.get(1),
            role: r.get(2),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{ActorId, ChangeHash};

    fn author(actor: &[u8], seq: u64) -> Author {
        Author {
            actor: ActorId::from(actor),
            seq,
            hash: ChangeHash([seq as u8; 32]),
        }
    }

    #[tokio::test]
    async fn an_actor_belongs_to_the_first_device_that_sends_it() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::storage::url_for(None, dir.path()).unwrap();
        let db = crate::storage::Database::open(&url).await.unwrap();
        let attribution = Attribution::new(db.pool().clone());
        let mine = [1u8; 16];
        assert_eq!(
            attribution
                .admit("dev-a", &[author(&mine, 1)], 10)
                .await
                .unwrap(),
            Ok(())
        );
        assert_eq!(
            attribution
                .admit("dev-a", &[author(&mine, 2)], 11)
                .await
                .unwrap(),
            Ok(())
        );
        // Another device taking that actor and its next sequence number.
        let squatted = attribution
            .admit("dev-b", &[author(&[2u8; 16], 1), author(&mine, 3)], 12)
            .await
            .unwrap();
        assert!(matches!(squatted, Err(Refusal::Squatted { ref owner, .. }) if owner == "dev-a"));
        // The binding is in the table: a fresh cache (another relay) agrees.
        let other_relay = Attribution::new(db.pool().clone());
        assert!(other_relay
            .admit("dev-b", &[author(&mine, 3)], 13)
            .await
            .unwrap()
            .is_err());
        // The shared genesis is anyone's; its later changes and admin actors no one's.
        let genesis = ntm_core::survey::GENESIS_ACTOR;
        assert_eq!(
            attribution
                .admit("dev-b", &[author(genesis, 1)], 14)
                .await
                .unwrap(),
            Ok(())
        );
        assert!(matches!(
            attribution
                .admit("dev-b", &[author(genesis, 2)], 15)
                .await
                .unwrap(),
            Err(Refusal::Reserved { .. })
        ));
        assert!(matches!(
            attribution
                .admit("dev-b", &[author(b"ntm-catalog:x", 1)], 15)
                .await
                .unwrap(),
            Err(Refusal::Reserved { .. })
        ));
    }
}
