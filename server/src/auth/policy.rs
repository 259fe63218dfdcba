//! samod's `SharePolicy` from `ntm_core::access`: per document and device,
//! read-write, read-only or nothing (the device cannot even learn that the
//! document exists). The decision turns to "nothing" when the device is revoked.

use futures::Stream;
use ntm_core::access::Access;
use samod::{DocumentId, PeerId, ShareConfig};
use tokio::sync::watch;

use super::Auth;

/// Grants documents to enrolled devices by role and scope.
#[derive(Clone)]
pub struct ScopePolicy {
    auth: Auth,
}

impl ScopePolicy {
    /// A policy over the relay's enrolments and document table.
    pub fn new(auth: Auth) -> Self {
        Self { auth }
    }
}

fn config(access: Access) -> ShareConfig {
    match access {
        Access::ReadWrite => ShareConfig::read_write(),
        // Read-only peers get what they ask for, nothing announced.
        Access::ReadOnly => ShareConfig::read_only().with_announce(false),
        Access::None => ShareConfig::none(),
    }
}

enum Step {
    Decide,
    WatchRevocation(watch::Receiver<bool>),
    Done,
}

impl samod::SharePolicy for ScopePolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        let auth = self.auth.clone();
        let (doc, peer) = (doc_id.to_string(), peer_id.to_string());
        futures::stream::unfold(Step::Decide, move |step| {
            let (auth, doc, peer) = (auth.clone(), doc.clone(), peer.clone());
            async move {
                match step {
                    Step::Decide => {
                        let Some((grant, revoked)) = auth.grant_of_peer(&peer) else {
                            tracing::warn!(%peer, %doc, "refused: peer is not an authenticated device");
                            return Some((ShareConfig::none(), Step::Done));
                        };
                        let access = match auth.document(&doc).await {
                            Ok(info) => grant.access(info.as_ref()),
                            Err(e) => {
                                tracing::error!(%doc, "document table unreadable, refusing: {e}");
                                Access::None
                            }
                        };
                        if access == Access::None {
                            tracing::info!(%peer, %doc, role = grant.role.code(), "refused: document out of scope");
                        }
                        Some((config(access), Step::WatchRevocation(revoked)))
                    }
                    Step::WatchRevocation(mut revoked) => loop {
                        if *revoked.borrow_and_update() {
                            return Some((ShareConfig::none(), Step::Done));
                        }
                        if revoked.changed().await.is_err() {
                            return None;
                        }
                    },
                    Step::Done => None,
                }
            }
        })
    }
}
