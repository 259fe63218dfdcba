//! Keeps the province summary (`ntm_core::summary`) true: whenever one of a
//! commune's documents (survey, dossier, a department's verdicts) is written
//! here, that commune is evaluated again — by the core, as its tablets
//! evaluate it — and its entry in the summary document is rewritten where it
//! changed; a new registry or catalog evaluates every commune. The summary
//! document goes to office devices through samod like any other.
//!
//! Documents are read from storage for each evaluation and dropped after
//! it: the relay does not keep a province of surveys in memory, only each
//! commune's household rows as the survey reader saved them, so the next
//! evaluation reads only the households that changed.
//!
//! A commune whose survey this relay does not hold is left as admin tooling
//! wrote it (the demo seeds synthetic entries for communes without
//! documents). With several relay processes on one PostgreSQL database,
//! each evaluates the writes made through it; their entries merge.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use automerge::{ActorId, Automerge};
use ntm_core::access::{DocumentInfo, DocumentKind};
use ntm_core::date::Date;
use ntm_core::device::view::{Sources, ViewCache};
use ntm_core::registry::{self, Commune};
use ntm_core::summary::{self, Written};
use ntm_core::survey::listing::SurveyReader;
use ntm_core::survey::CommuneRef;

use crate::auth::Auth;
use crate::storage::{SqlStorage, WrittenDocuments};

/// How long writes are gathered before evaluating: a sync brings a
/// device's changes in several writes.
const GATHER: Duration = Duration::from_millis(200);

/// Tag of the saved household rows (kept in this process's memory only).
const READER_TAG: &str = "relay";

/// Starts keeping the summary of the province this relay serves. The
/// caller stops the task (abort, then await it) before closing the pool:
/// the summary is derived, so a round cut short is simply done again at
/// the next start.
pub fn spawn(
    storage: SqlStorage,
    auth: Auth,
    repo: samod::Repo,
    written: WrittenDocuments,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut summarizer = Summarizer {
            storage,
            auth,
            repo,
            actor: ActorId::random(),
            readers: HashMap::new(),
        };
        summarizer.run(written).await;
    })
}

struct Summarizer {
    storage: SqlStorage,
    auth: Auth,
    repo: samod::Repo,
    /// This process's own actor for the summary's changes.
    actor: ActorId,
    /// Each commune's household rows as last read (`SurveyReader::save`).
    readers: HashMap<String, Vec<u8>>,
}

/// What to evaluate again.
#[derive(Default)]
struct Dirty {
    everything: bool,
    communes: BTreeSet<String>,
}

impl Summarizer {
    async fn run(&mut self, written: WrittenDocuments) {
        let mut dirty = Dirty {
            everything: true,
            ..Dirty::default()
        };
        loop {
            if dirty.everything || !dirty.communes.is_empty() {
                if let Err(e) = self.evaluate(std::mem::take(&mut dirty)).await {
                    tracing::error!("province summary: {e:#}");
                    // Tried again on the next write.
                }
            }
            let docs = written.next().await;
            tokio::time::sleep(GATHER).await;
            for doc in docs.into_iter().chain(written.take()) {
                self.mark(&doc, &mut dirty).await;
            }
        }
    }

    async fn mark(&self, doc: &str, dirty: &mut Dirty) {
        match self.auth.document(doc).await {
            Ok(Some(DocumentInfo { kind, unit, .. })) => match kind {
                DocumentKind::Survey | DocumentKind::Dossier | DocumentKind::Verdicts => {
                    dirty.communes.insert(unit);
                }
                DocumentKind::Registry | DocumentKind::Catalog => dirty.everything = true,
                DocumentKind::Directives | DocumentKind::Summary => {}
            },
            Ok(None) => {}
            Err(e) => tracing::warn!(doc, "province summary: document unknown: {e}"),
        }
    }

    async fn evaluate(&mut self, dirty: Dirty) -> anyhow::Result<()> {
        let Some(province) = self.auth.province().await? else {
            return Ok(()); // No registry yet: nothing to summarise.
        };
        let summary_id = summary::document_id(&province).to_string();
        if !self.storage.has_data(&summary_id).await? {
            self.storage
                .store_document(
                    &summary_id,
                    &DocumentInfo {
                        kind: DocumentKind::Summary,
                        unit: province.clone(),
                        district: None,
                        department: None,
                    },
                    &summary::genesis(&province),
                )
                .await?;
        }
        let handle = self
            .repo
            .find(summary_id.parse()?)
            .await?
            .ok_or_else(|| anyhow::anyhow!("summary document {summary_id} not found"))?;
        let registry_id = registry::document::document_id(&province).to_string();
        let registry_doc = Arc::new(
            self.storage
                .load_document(&registry_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("registry {registry_id} not stored"))?,
        );
        let catalog_docs = Arc::new(self.catalogs().await?);
        let now = crate::unix_now();
        let today = Date::of_unix_vn(now);
        let communes: Vec<Commune> = if dirty.everything {
            registry::document::read(&registry_doc)?
                .as_of(today)
                .cloned()
                .collect()
        } else {
            dirty
                .communes
                .iter()
                .filter_map(|code| {
                    registry::document::read_commune(&registry_doc, code)
                        .ok()
                        .flatten()
                })
                .collect()
        };
        let mut changed = 0;
        for commune in communes {
            let Some(reference) = CommuneRef::of(&province, &commune) else {
                continue;
            };
            let Some(survey) = self
                .storage
                .load_document(&reference.document_id.to_string())
                .await?
            else {
                continue; // Not held here: left as admin tooling wrote it.
            };
            let dossier = self
                .storage
                .load_document(&reference.appraisal.dossier.to_string())
                .await?;
            let mut verdicts = Vec::new();
            for (department, id) in &reference.appraisal.verdicts {
                if let Some(doc) = self.storage.load_document(&id.to_string()).await? {
                    verdicts.push((department.clone(), doc));
                }
            }
            let code = commune.code.clone();
            let before = handle
                .with_document_async(move |d| summary::read_commune(d, &code))
                .await??;
            let saved = self.readers.remove(&commune.code);
            let (registry_doc, catalog_docs) = (registry_doc.clone(), catalog_docs.clone());
            let (entry, saved) = tokio::task::spawn_blocking(move || {
                let sources = Sources {
                    commune: &reference,
                    survey: Some(&survey),
                    dossier: dossier.as_ref(),
                    verdicts: verdicts.iter().map(|(d, doc)| (d.as_str(), doc)).collect(),
                    registry: Some(&registry_doc),
                    catalogs: catalog_docs.iter().collect(),
                };
                let reader = saved
                    .and_then(|bytes| SurveyReader::restore(&bytes, READER_TAG))
                    .unwrap_or_default();
                let mut cache = ViewCache::starting_from(reader);
                let entry = summary::summarize(sources, today, before.as_ref(), &mut cache, now);
                (entry, cache.save_survey(READER_TAG))
            })
            .await?;
            self.readers.insert(commune.code.clone(), saved);
            if let Some(entry) = entry {
                let (actor, code) = (self.actor.clone(), commune.code.clone());
                let outcome = handle
                    .with_document_async(move |d| summary::write(d, &actor, &code, &entry, now))
                    .await??;
                if outcome == Written::Changed {
                    changed += 1;
                    tracing::debug!(commune = commune.code, "summary changed");
                }
            }
        }
        if changed > 0 {
            tracing::info!(communes = changed, "province summary updated");
        }
        Ok(())
    }

    /// Every catalog document stored.
    async fn catalogs(&self) -> anyhow::Result<Vec<Automerge>> {
        let mut docs = Vec::new();
        for id in self
            .storage
            .documents_of_kind(DocumentKind::Catalog)
            .await?
        {
            if let Some(doc) = self.storage.load_document(&id).await? {
                docs.push(doc);
            }
        }
        Ok(docs)
    }
}
