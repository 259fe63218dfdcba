//! The device engine as a sans-IO state machine: the documents of one
//! commune on one device (its survey, which the device edits; its dossier
//! and verdicts, the province registry and the catalog versions, which it
//! receives) — or, on a device that watches the province, the registry,
//! the catalogs and the province summary —, their durability on the
//! device, and their sync with the relay.
//!
//! Events in ([`Event`]: a command, a store write done or failed, a socket
//! opened, a frame, a timer), effects out ([`Effect`]: append to the store,
//! compact, send, connect, wake me later, an edit is saved, the view
//! changed). The browser adapter (`app/src/engine.rs`) executes effects with
//! IndexedDB, a WebSocket and timers; tests execute them in memory.
//!
//! Invariants kept here: an edit is reported saved only once the store
//! committed it; no message goes to the relay while any document is ahead
//! of the store (messages are held until it has caught up); store rounds
//! never overlap (an overlapping pair could record older heads after newer
//! ones, and compaction would then drop a chunk the snapshot lacks).

pub mod bundle;
pub mod command;
pub mod uploads;
pub mod view;

use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash};

use crate::appraisal::{self, Verdict};
use crate::blobs::BlobHash;
use crate::catalog;
use crate::date::Date;
use crate::ids::{DocumentId, PeerId};
use crate::survey::listing::SurveyReader;
use crate::survey::{CommuneRef, SurveyError};
use crate::sync::{Backoff, ClientEvent, ClientOutput, SyncClient, SyncStatus};

pub use command::{Command, MemberField, PhotosOf, RecordEdit};
pub use view::CommuneView;

/// What a tracked document is to this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The commune's survey: edited here.
    Survey,
    /// A department's verdicts on the commune: received.
    Verdicts,
    /// The commune's dossier: received.
    Dossier,
    /// The province registry: received.
    Registry,
    /// A catalog version: received.
    Catalog,
    /// The province summary (`crate::summary`): received by the
    /// province's reviewers, written by the relay alone.
    Summary,
}

/// The documents a device tracks: those of `commune`, if it works on one,
/// the province `registry` and the catalogs; a device that watches the
/// province (office, department, district) also tracks `province_summary`.
pub fn documents_for(
    commune: Option<&CommuneRef>,
    registry: DocumentId,
    province_summary: Option<DocumentId>,
) -> Vec<(DocumentId, Kind)> {
    let mut wanted = vec![(registry, Kind::Registry)];
    if let Some(commune) = commune {
        wanted.push((commune.document_id, Kind::Survey));
        wanted.push((commune.appraisal.dossier, Kind::Dossier));
        wanted.extend(
            commune
                .appraisal
                .verdicts
                .values()
                .map(|id| (*id, Kind::Verdicts)),
        );
    }
    wanted.extend(
        catalog::shipped()
            .iter()
            .map(|c| (catalog::document::document_id(&c.id), Kind::Catalog)),
    );
    wanted.extend(province_summary.map(|id| (id, Kind::Summary)));
    wanted
}

/// What a device works on, from its enrolment: its commune (an
/// enumerator's or officer's; none on a device that watches the province;
/// the demo commune on a development relay that enrols no one), the
/// province registry, the province summary it tracks, and the departments
/// whose verdicts it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// The commune it works on.
    pub commune: Option<CommuneRef>,
    /// The province registry.
    pub registry: DocumentId,
    /// The province summary, on a device that watches the province.
    pub province_summary: Option<DocumentId>,
    /// The role's code, on a device that watches the province (the header
    /// names it where a commune's device names its commune).
    pub watching: Option<String>,
    /// The departments whose verdicts it records (a department's scope).
    pub departments: Vec<String>,
}

impl Setup {
    /// The setup of a device enrolled so (`None`: not enrolled).
    pub fn of(enrolment: Option<&crate::access::Enrolment>) -> Setup {
        use crate::access::Role;
        let demo = crate::survey::demo_commune;
        let Some(enrolment) = enrolment else {
            return Setup {
                registry: demo().registry_id,
                commune: Some(demo()),
                province_summary: None,
                watching: None,
                departments: Vec::new(),
            };
        };
        let province_summary = enrolment.province_summary();
        let commune = match enrolment.commune_ref() {
            Some(commune) => Some(commune),
            None if province_summary.is_some() => None,
            None => Some(demo()),
        };
        let registry = match (&commune, enrolment.province.as_deref()) {
            (Some(c), _) => c.registry_id,
            (None, Some(province)) => crate::registry::document::document_id(province),
            (None, None) => demo().registry_id,
        };
        Setup {
            commune,
            registry,
            watching: province_summary.map(|_| enrolment.role.clone()),
            province_summary,
            departments: match Role::from_code(&enrolment.role) {
                Some(Role::Department) => enrolment.scope.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// A document's stored chunks as read from the store, before loading.
pub struct StoredChunks {
    /// Chunk keys, in the store's order.
    pub keys: Vec<String>,
    /// Their bytes.
    pub bytes: Vec<Vec<u8>>,
}

/// A document as loaded: what loaded, and the chunks that did not (the
/// adapter sets them aside in the store, never deletes them).
pub struct Loaded {
    /// Everything that loaded.
    pub doc: Automerge,
    /// Keys and sizes of the chunks in `doc`.
    pub chunks: Vec<(String, usize)>,
    /// Keys of the chunks that did not load.
    pub set_aside: Vec<String>,
}

/// Loads a document's chunks. A chunk that does not load (corrupt, or
/// refused by Automerge) never stops the device: it is left out and named;
/// every other chunk opens.
pub fn load_chunks(stored: &StoredChunks) -> Loaded {
    let mut loaded = Loaded {
        doc: Automerge::new(),
        chunks: Vec::new(),
        set_aside: Vec::new(),
    };
    let mut good: Vec<&[u8]> = Vec::new();
    for (key, bytes) in stored.keys.iter().zip(&stored.bytes) {
        if loaded.doc.load_incremental(bytes).is_ok() {
            good.push(bytes);
            loaded.chunks.push((key.clone(), bytes.len()));
        } else {
            loaded.set_aside.push(key.clone());
            // A failed load may have applied part of the chunk: start again
            // from the chunks that loaded.
            loaded.doc = Automerge::new();
            for bytes in &good {
                // These loaded before, into the same sequence of states.
                let _ = loaded.doc.load_incremental(bytes);
            }
        }
    }
    loaded
}

/// One document handed to the engine at start.
pub struct StartDocument {
    /// Its id.
    pub id: DocumentId,
    /// What it is to the device.
    pub kind: Kind,
    /// As loaded from the store.
    pub loaded: Loaded,
    /// Heads the relay confirmed, as last stored.
    pub confirmed: Vec<ChangeHash>,
}

impl std::fmt::Debug for StartDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartDocument")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("chunks", &self.loaded.chunks.len())
            .finish()
    }
}

/// Identifies an edit, so its "saved" (or "not saved") reaches its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EditId(pub u64);

/// Why an edit did not become a saved change.
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// The value was refused: nothing was written.
    Refused(SurveyError),
    /// The change was made but the store did not take it (full disk,
    /// storage evicted): it is not saved, not sent, and the engine keeps
    /// trying to write it.
    NotSaved(String),
    /// A sync bundle was refused: nothing was merged.
    Bundle(bundle::BundleError),
    /// A verdict was refused (not this device's department's criterion, a
    /// remark missing, no commune open): nothing was written.
    Appraisal(appraisal::AppraisalError),
}

impl From<SurveyError> for EditError {
    fn from(e: SurveyError) -> Self {
        EditError::Refused(e)
    }
}

/// A department's verdict on one criterion of the commune open on the
/// device, as its appraisal screen sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appraise {
    /// Catalog version id.
    pub catalog: String,
    /// Criterion number.
    pub criterion: u32,
    /// The verdict.
    pub verdict: Verdict,
    /// Remark (required unless met).
    pub remark: String,
}

/// Something worth telling the person holding the device, as a code the
/// views put into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Stored chunks that did not load were set aside (kept, not deleted).
    SetAside(usize),
    /// The store refused a write; the engine retries.
    NotSaved(String),
    /// The relay reported an error.
    Remote(String),
    /// The relay refused this device (revoked, unknown token).
    DeviceRefused(String),
}

/// Which timer fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Time to try connecting again.
    Reconnect,
    /// Time to retry a refused store write.
    RetrySave,
}

/// What happened (fed to [`DeviceEngine::handle`]).
#[derive(Debug)]
pub enum Event<'a> {
    /// A view's command.
    Command(EditId, Command),
    /// A sync bundle from another device to merge (see [`bundle`]).
    ImportBundle(EditId, Vec<u8>),
    /// A verdict by this device's department on the open commune.
    Appraise(EditId, Appraise),
    /// On a device that watches the province: open one commune (drill
    /// down), with its documents as loaded from the store (those
    /// [`DeviceEngine::to_open`] named). The commune opened before is
    /// closed: its documents stop being tracked once durable, except this
    /// device's own verdicts, which stay until the next start (the adapter
    /// keeps their ids, [`Effect::Keep`], and hands them in at start).
    Open {
        /// The commune.
        commune: CommuneRef,
        /// Its documents.
        documents: Vec<StartDocument>,
    },
    /// The store committed the append of `doc` asked by [`Effect::Append`];
    /// `key` names the new chunk.
    Appended {
        /// The document.
        doc: DocumentId,
        /// The chunk's key.
        key: String,
    },
    /// The store refused the append.
    AppendFailed {
        /// The document.
        doc: DocumentId,
        /// What the store said.
        error: String,
    },
    /// The store replaced the chunks of [`Effect::Compact`] by one snapshot.
    Compacted {
        /// The document.
        doc: DocumentId,
        /// The snapshot's key.
        key: String,
    },
    /// The compaction failed (nothing was replaced).
    CompactFailed {
        /// The document.
        doc: DocumentId,
    },
    /// The connection to the relay is open.
    Connected,
    /// Connecting failed before a socket opened; `refused` when the relay
    /// turned this device away.
    ConnectFailed {
        /// The relay's reason, if it refused the device.
        refused: Option<String>,
    },
    /// One frame from the relay.
    Frame(&'a [u8]),
    /// The connection closed or failed.
    Disconnected,
    /// A timer asked for by [`Effect::Wake`] fired.
    Timer(Timer),
    /// The platform says the network is back: connect now, not after the
    /// backoff.
    NetworkBack,
}

/// What the adapter must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append these bytes as a new chunk of `doc`; answer with
    /// [`Event::Appended`] or [`Event::AppendFailed`].
    Append {
        /// The document.
        doc: DocumentId,
        /// Automerge's incremental save.
        bytes: Vec<u8>,
    },
    /// Store `snapshot` as one chunk replacing `replaced`; answer with
    /// [`Event::Compacted`] or [`Event::CompactFailed`].
    Compact {
        /// The document.
        doc: DocumentId,
        /// The whole document.
        snapshot: Vec<u8>,
        /// Chunk keys it replaces.
        replaced: Vec<String>,
    },
    /// Remember the heads the relay confirmed for `doc` (no answer needed).
    SaveConfirmed {
        /// The document.
        doc: DocumentId,
        /// Confirmed heads.
        heads: Vec<ChangeHash>,
    },
    /// Send one frame to the relay.
    Send(Vec<u8>),
    /// Open a connection to the relay; answer with [`Event::Connected`],
    /// [`Event::ConnectFailed`] or later [`Event::Disconnected`].
    Connect,
    /// Close the connection (the relay sent something not understood).
    CloseConnection,
    /// Fire [`Event::Timer`] after this many milliseconds.
    Wake {
        /// Delay.
        after_ms: u64,
        /// Which timer.
        timer: Timer,
    },
    /// An edit's outcome: saved on the device, or why not.
    EditDone {
        /// The edit.
        edit: EditId,
        /// The outcome.
        result: Result<(), EditError>,
    },
    /// A bundle merged this many changes new to the device (its
    /// [`Effect::EditDone`] follows once they are saved); keep its photos
    /// (checked against their hashes) in the store and queue them for
    /// upload.
    Imported {
        /// The import.
        edit: EditId,
        /// Changes the device did not have.
        new_changes: usize,
        /// Photo blobs the bundle carried.
        photos: Vec<(BlobHash, Vec<u8>)>,
    },
    /// This device wrote `doc`, which it does not track from start by
    /// itself (a department's verdicts on a commune it opened): load it
    /// with the others at every start, so what it holds is always synced.
    Keep {
        /// The document.
        doc: DocumentId,
    },
    /// What the views show changed: read [`DeviceEngine::view`] and
    /// [`DeviceEngine::status`].
    Publish,
    /// A line for the developer console.
    Log(String),
}

/// Durability bookkeeping of one document.
struct Tracked {
    kind: Kind,
    /// Heads of what the store holds.
    persisted: Vec<ChangeHash>,
    /// Keys and sizes of the chunks that make up `persisted`.
    chunks: Vec<(String, usize)>,
    /// Heads and size of the append in flight.
    appending: Option<(Vec<ChangeHash>, usize)>,
    /// Chunk keys a compaction in flight replaces, and its size.
    compacting: Option<(Vec<String>, usize)>,
    /// Confirmed heads last written to the store.
    confirmed_saved: Vec<ChangeHash>,
}

impl Tracked {
    /// A document as loaded from the store, nothing in flight.
    fn stored(
        kind: Kind,
        persisted: Vec<ChangeHash>,
        chunks: Vec<(String, usize)>,
        confirmed: Vec<ChangeHash>,
    ) -> Tracked {
        Tracked {
            kind,
            persisted,
            chunks,
            appending: None,
            compacting: None,
            confirmed_saved: confirmed,
        }
    }
}

/// A store round: one append per document that is ahead of the store.
#[derive(Default)]
struct Round {
    waiters: Vec<EditId>,
    failed: Option<String>,
}

/// The connection, as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Down,
    Connecting,
    Up,
}

/// Compact a document once the chunks since its largest one outweigh it
/// (and are past this size), or once it has this many chunks.
const COMPACT_MIN_BYTES: usize = 64 * 1024;
/// See [`COMPACT_MIN_BYTES`]: loading many chunks costs even when small.
const COMPACT_MAX_CHUNKS: usize = 256;
/// Households read since the view was last kept that make keeping it due
/// at once (reading them again at the next start would cost about this
/// many times half a millisecond).
const KEEP_VIEW_AFTER_ROWS: usize = 100;
/// Otherwise the view is kept at most this often (seconds).
const KEEP_VIEW_EVERY_S: i64 = 60;
/// Delay before retrying a refused store write.
const RETRY_SAVE_MS: u64 = 2_000;

/// The configuration a device starts with.
pub struct Start {
    /// The commune the device works on; none on a device that watches the
    /// province.
    pub commune: Option<CommuneRef>,
    /// This connection's peer id.
    pub peer: PeerId,
    /// The device's storage id (kept in the store).
    pub storage_id: String,
    /// This session's actor (each writing session has its own).
    pub actor: automerge::ActorId,
    /// The departments whose verdicts this device records (a department's
    /// enrolment scope; empty for every other role).
    pub departments: Vec<String>,
    /// Whether the survey may start from its shared genesis here (a device
    /// that is not enrolled); an enrolled device's survey was created by the
    /// province's tooling and is fetched, never re-created.
    pub create_survey: bool,
    /// The documents as loaded.
    pub documents: Vec<StartDocument>,
    /// The survey reader's state as last kept by
    /// [`DeviceEngine::view_to_keep`], if the store has one.
    pub kept_view: Option<Vec<u8>>,
    /// Names this build of the app: a view kept by another build is not
    /// reused.
    pub build: String,
}

/// One device's documents, durability and sync.
pub struct DeviceEngine {
    client: SyncClient,
    commune: Option<CommuneRef>,
    /// On a device that watches the province: the commune drilled into.
    opened: Option<CommuneRef>,
    /// Documents tracked only while their commune is open.
    opened_docs: std::collections::BTreeSet<DocumentId>,
    departments: Vec<String>,
    actor: automerge::ActorId,
    docs: BTreeMap<DocumentId, Tracked>,
    link: Link,
    /// Messages for the relay waiting until every document is durable.
    held: Vec<Vec<u8>>,
    round: Option<Round>,
    /// Another round is wanted once this one ends (with these waiters).
    next: Option<Round>,
    /// Documents with local edits not yet offered to the relay: offered
    /// once a round has saved them.
    unannounced: std::collections::BTreeSet<DocumentId>,
    /// A refused write waits for its retry timer.
    retry_pending: bool,
    backoff: Backoff,
    problem: Option<Problem>,
    last_saved: Option<i64>,
    last_sync: Option<i64>,
    /// Heads of every document when the view was last computed.
    shown: Option<Vec<Vec<ChangeHash>>>,
    /// Reads again only what new changes touched.
    cache: view::ViewCache,
    build: String,
    /// When the reader's state was last handed out to keep.
    view_kept_at: Option<i64>,
}

/// The sync state the header shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStatus {
    /// Offline / syncing / up to date.
    pub sync: SyncStatus,
    /// Local changes the relay has not confirmed.
    pub unconfirmed: usize,
    /// When the last local edit became durable (unix seconds).
    pub last_saved: Option<i64>,
    /// When the device was last up to date with the relay.
    pub last_sync: Option<i64>,
    /// The last problem worth telling.
    pub problem: Option<Problem>,
}

/// The time and randomness an event is handled with (the core reads no
/// clock and draws no randomness of its own).
#[derive(Debug, Clone, Copy)]
pub struct Env {
    /// Now, unix seconds.
    pub now: i64,
    /// A uniform draw in [0, 1) for backoff jitter.
    pub random: f64,
}

impl DeviceEngine {
    /// Starts the engine with the loaded documents; returns the first
    /// effects (the survey's genesis to store, connect, publish).
    pub fn start(start: Start) -> (DeviceEngine, Vec<Effect>) {
        let mut client = SyncClient::new(start.peer, Some(start.storage_id));
        let mut docs = BTreeMap::new();
        let mut set_aside = 0;
        for d in start.documents {
            set_aside += d.loaded.set_aside.len();
            let mut doc = d.loaded.doc;
            let persisted = doc.get_heads();
            // The commune's survey starts from its shared genesis, so a
            // device that never met the relay still works and later merges.
            if let Some(commune) = start
                .commune
                .as_ref()
                .filter(|_| d.kind == Kind::Survey && start.create_survey && persisted.is_empty())
            {
                doc = crate::survey::genesis(commune);
            }
            doc.set_actor(start.actor.clone());
            // Not connected yet: nothing to send.
            let _ = client.add_document(d.id, doc, d.confirmed.clone());
            docs.insert(
                d.id,
                Tracked::stored(d.kind, persisted, d.loaded.chunks, d.confirmed),
            );
        }
        let mut engine = DeviceEngine {
            client,
            commune: start.commune,
            opened: None,
            opened_docs: Default::default(),
            departments: start.departments,
            actor: start.actor,
            docs,
            link: Link::Down,
            held: Vec::new(),
            round: None,
            next: None,
            unannounced: Default::default(),
            retry_pending: false,
            backoff: Backoff::default(),
            problem: (set_aside > 0).then_some(Problem::SetAside(set_aside)),
            last_saved: None,
            last_sync: None,
            shown: None,
            cache: view::ViewCache::starting_from(
                start
                    .kept_view
                    .as_deref()
                    .and_then(|b| SurveyReader::restore(b, &start.build))
                    .unwrap_or_default(),
            ),
            build: start.build,
            view_kept_at: None,
        };
        let mut out = Vec::new();
        engine.request_round(Vec::new(), &mut out);
        engine.connect(&mut out);
        out.push(Effect::Publish);
        (engine, out)
    }

    /// The commune this device works on, if it works on one.
    pub fn commune(&self) -> Option<&CommuneRef> {
        self.commune.as_ref()
    }

    /// The id of the survey document, on a device of a commune.
    pub fn survey_id(&self) -> Option<DocumentId> {
        self.commune.as_ref().map(|c| c.document_id)
    }

    /// The commune drilled into, on a device that watches the province.
    pub fn opened(&self) -> Option<&CommuneRef> {
        self.opened.as_ref()
    }

    /// Whether the open commune's survey and this device's own verdicts
    /// documents of it are on the device (fetched at least once): only
    /// then is there something to appraise, and a verdict comes after the
    /// department's earlier ones.
    pub fn opened_received(&self) -> bool {
        let Some(commune) = &self.opened else {
            return false;
        };
        let own = commune
            .appraisal
            .verdicts
            .iter()
            .filter(|(department, _)| self.appraises(department))
            .map(|(_, id)| *id);
        std::iter::once(commune.document_id)
            .chain(own)
            .all(|id| self.durable(&id).is_some_and(|d| !d.get_heads().is_empty()))
    }

    /// Whether this device records the verdicts of the department that
    /// owns a criterion (its appraisal screen offers the form only then).
    pub fn appraises(&self, owner: &str) -> bool {
        self.departments.iter().any(|d| d == owner)
    }

    /// The commune with this code as the durable registry lists it.
    pub fn commune_in_registry(&self, code: &str) -> Option<CommuneRef> {
        let (id, _) = self.docs.iter().find(|(_, t)| t.kind == Kind::Registry)?;
        let registry = crate::registry::document::read(&*self.durable(id)?).ok()?;
        CommuneRef::of(&registry.province.code, registry.commune(code)?)
    }

    /// The documents of `commune` that opening it must load (those not
    /// tracked already), for [`Event::Open`]. None on a commune's device,
    /// which opens no other commune.
    pub fn to_open(&self, commune: &CommuneRef) -> Vec<(DocumentId, Kind)> {
        if self.commune.is_some() {
            return Vec::new();
        }
        documents_for(Some(commune), commune.registry_id, None)
            .into_iter()
            .filter(|(id, kind)| {
                matches!(kind, Kind::Survey | Kind::Dossier | Kind::Verdicts)
                    && !self.docs.contains_key(id)
            })
            .collect()
    }

    /// This connection's peer id (the adapter names it when connecting).
    pub fn peer_id(&self) -> &PeerId {
        self.client.peer_id()
    }

    /// The sync state for the header.
    pub fn status(&self) -> DeviceStatus {
        DeviceStatus {
            sync: self.client.status(),
            unconfirmed: self.client.unconfirmed_changes(),
            last_saved: self.last_saved,
            last_sync: self.last_sync,
            problem: self.problem.clone(),
        }
    }

    /// A document as durable on this device (the one in memory can only be
    /// ahead of it while an append is in flight or refused): borrowed when
    /// it is all durable, else a fork at the durable heads.
    pub fn durable(&self, id: &DocumentId) -> Option<std::borrow::Cow<'_, Automerge>> {
        let doc = self.client.document(id)?;
        let persisted = &self.docs.get(id)?.persisted;
        if doc.get_heads() == *persisted {
            Some(std::borrow::Cow::Borrowed(doc))
        } else {
            doc.fork_at(persisted).ok().map(std::borrow::Cow::Owned)
        }
    }

    /// A sync bundle of the survey as durable on this device, with the
    /// photo blobs the adapter found in its store (see
    /// [`DeviceEngine::photo_blobs`]).
    pub fn export_bundle(&self, photos: Vec<(BlobHash, Vec<u8>)>) -> Option<Vec<u8>> {
        let commune = self.commune.as_ref()?;
        let doc = self.durable(&commune.document_id)?;
        Some(bundle::export(commune, &doc, photos))
    }

    /// Every photo blob (pictures and thumbnails) the durable survey names.
    pub fn photo_blobs(&self) -> std::collections::BTreeSet<BlobHash> {
        self.survey_id()
            .and_then(|id| self.durable(&id))
            .map(|doc| crate::blobs::referenced_blobs(&doc))
            .unwrap_or_default()
    }

    /// The view of durable data, if it changed since the last call.
    pub fn view(&mut self, today: Date) -> Option<CommuneView> {
        let heads: Vec<Vec<ChangeHash>> = self.docs.values().map(|t| t.persisted.clone()).collect();
        if self.shown.as_ref() == Some(&heads) {
            return None;
        }
        self.shown = Some(heads);
        // Out of `self` while the documents are borrowed from it.
        let mut cache = std::mem::take(&mut self.cache);
        let durable: BTreeMap<DocumentId, std::borrow::Cow<'_, Automerge>> = self
            .docs
            .keys()
            .filter_map(|id| Some((*id, self.durable(id)?)))
            .collect();
        let of_kind = |kind: Kind| {
            self.docs
                .iter()
                .filter(move |(_, t)| t.kind == kind)
                .filter_map(|(id, _)| durable.get(id).map(|d| &**d))
        };
        let mut view = match self.commune.as_ref().or(self.opened.as_ref()) {
            Some(commune) => {
                // Each verdicts document counts for the department it is
                // listed under, whatever it says about itself.
                let verdicts = commune
                    .appraisal
                    .verdicts
                    .iter()
                    .filter_map(|(department, id)| Some((department.as_str(), &**durable.get(id)?)))
                    .collect();
                let sources = view::Sources {
                    commune,
                    survey: durable.get(&commune.document_id).map(|d| &**d),
                    dossier: durable.get(&commune.appraisal.dossier).map(|d| &**d),
                    verdicts,
                    registry: of_kind(Kind::Registry).next(),
                    catalogs: of_kind(Kind::Catalog).collect(),
                };
                CommuneView::compute(sources, today, &mut cache)
            }
            // A device watching the province has no commune of its own.
            None => CommuneView {
                catalogs: cache.catalogs(&of_kind(Kind::Catalog).collect::<Vec<_>>()),
                ..CommuneView::default()
            },
        };
        view.province = cache.province(
            of_kind(Kind::Registry).next(),
            of_kind(Kind::Summary).next(),
            today,
        );
        self.cache = cache;
        Some(view)
    }

    /// The survey reader's state for the adapter to keep in its store (a
    /// cache: losing it costs one slow start), when enough households were
    /// read since it was last kept: at once after a start or a sync that
    /// read hundreds (not while a sync is still bringing changes: each
    /// write would hold up the store), else at most once a minute while
    /// households change.
    pub fn view_to_keep(&mut self, now: i64) -> Option<Vec<u8>> {
        let unsaved = self.cache.survey.unsaved();
        let syncing = self.client.status() == SyncStatus::Syncing;
        let due = (unsaved >= KEEP_VIEW_AFTER_ROWS && !syncing)
            || (unsaved > 0
                && self
                    .view_kept_at
                    .is_some_and(|t| now - t >= KEEP_VIEW_EVERY_S));
        if self.view_kept_at.is_none() {
            self.view_kept_at = Some(now);
        }
        if !due {
            return None;
        }
        self.view_kept_at = Some(now);
        Some(self.cache.survey.save(&self.build))
    }

    /// Advances the engine by one event.
    pub fn handle(&mut self, event: Event<'_>, env: Env) -> Vec<Effect> {
        let mut out = Vec::new();
        match event {
            Event::Command(edit, command) => self.command(edit, command, env, &mut out),
            Event::ImportBundle(edit, bytes) => self.import_bundle(edit, &bytes, &mut out),
            Event::Appraise(edit, appraise) => self.appraise(edit, appraise, env, &mut out),
            Event::Open { commune, documents } => self.open(commune, documents, &mut out),
            Event::Appended { doc, key } => self.appended(doc, Ok(key), env, &mut out),
            Event::AppendFailed { doc, error } => self.appended(doc, Err(error), env, &mut out),
            Event::Compacted { doc, key } => {
                if let Some(t) = self.docs.get_mut(&doc) {
                    if let Some((replaced, size)) = t.compacting.take() {
                        t.chunks.retain(|(k, _)| !replaced.contains(k));
                        t.chunks.push((key, size));
                    }
                }
            }
            Event::CompactFailed { doc } => {
                if let Some(t) = self.docs.get_mut(&doc) {
                    t.compacting = None;
                }
            }
            Event::Connected => {
                self.link = Link::Up;
                let outputs = self.client.handle(ClientEvent::Connected);
                self.client_outputs(outputs, &mut out);
                self.after_sync_step(env, &mut out);
            }
            Event::ConnectFailed { refused } => {
                self.link = Link::Down;
                if let Some(reason) = refused {
                    self.problem = Some(Problem::DeviceRefused(reason));
                    out.push(Effect::Publish);
                }
                self.schedule_reconnect(env, &mut out);
            }
            Event::Frame(bytes) => {
                let outputs = self.client.handle(ClientEvent::Received(bytes));
                if outputs.is_err() {
                    // A frame we cannot understand: drop this connection,
                    // keep all data.
                    out.push(Effect::CloseConnection);
                }
                self.client_outputs(outputs, &mut out);
                self.after_sync_step(env, &mut out);
            }
            Event::Disconnected => {
                self.link = Link::Down;
                // Held messages belong to the closed connection's sync round.
                self.held.clear();
                let outputs = self.client.handle(ClientEvent::Disconnected);
                self.client_outputs(outputs, &mut out);
                self.after_sync_step(env, &mut out);
                self.schedule_reconnect(env, &mut out);
            }
            Event::Timer(Timer::Reconnect) | Event::NetworkBack => self.connect(&mut out),
            Event::Timer(Timer::RetrySave) => {
                self.retry_pending = false;
                self.request_round(Vec::new(), &mut out);
            }
        }
        out
    }

    /// Merges a sync bundle; saved, then offered to the relay like the
    /// device's own changes.
    fn import_bundle(&mut self, edit: EditId, bytes: &[u8], out: &mut Vec<Effect>) {
        let Some(commune) = &self.commune else {
            return out.push(Effect::EditDone {
                edit,
                result: Err(EditError::Refused(SurveyError::NotASurvey)),
            });
        };
        let id = commune.document_id;
        let merged = bundle::open(bytes, commune).and_then(|opened| {
            let doc = self
                .client
                .document_mut(&id)
                .ok_or(bundle::BundleError::NotABundle)?;
            Ok((bundle::merge(doc, &opened.changes)?, opened.photos))
        });
        match merged {
            Ok((new_changes, photos)) => {
                self.unannounced.insert(id);
                out.push(Effect::Imported {
                    edit,
                    new_changes,
                    photos,
                });
                self.request_round(vec![edit], out);
            }
            Err(e) => out.push(Effect::EditDone {
                edit,
                result: Err(EditError::Bundle(e)),
            }),
        }
    }

    fn command(&mut self, edit: EditId, command: Command, env: Env, out: &mut Vec<Effect>) {
        let applied = match self
            .survey_id()
            .and_then(|id| self.client.document_mut(&id))
        {
            Some(doc) => command.apply(doc, env.now),
            None => Err(SurveyError::NotASurvey),
        };
        match applied {
            Ok(()) => {
                self.unannounced.extend(self.survey_id());
                self.request_round(vec![edit], out)
            }
            Err(e) => out.push(Effect::EditDone {
                edit,
                result: Err(EditError::Refused(e)),
            }),
        }
    }

    /// Records a verdict in this device's department's verdicts document
    /// of the open commune (the department that owns the criterion).
    fn appraise(&mut self, edit: EditId, appraise: Appraise, env: Env, out: &mut Vec<Effect>) {
        match self.write_verdict(&appraise, env.now) {
            Ok(doc) => {
                // Written here: tracked from every start on.
                self.opened_docs.remove(&doc);
                out.push(Effect::Keep { doc });
                self.unannounced.insert(doc);
                self.request_round(vec![edit], out);
            }
            Err(e) => out.push(Effect::EditDone {
                edit,
                result: Err(EditError::Appraisal(e)),
            }),
        }
    }

    fn write_verdict(
        &mut self,
        appraise: &Appraise,
        now: i64,
    ) -> Result<DocumentId, appraisal::AppraisalError> {
        use appraisal::AppraisalError;
        let commune = self.opened.as_ref().ok_or(AppraisalError::NoCommuneOpen)?;
        // Out of `self` while the documents are borrowed from it.
        let mut cache = std::mem::take(&mut self.cache);
        let durable: Vec<_> = self
            .docs
            .iter()
            .filter(|(_, t)| t.kind == Kind::Catalog)
            .filter_map(|(id, _)| self.durable(id))
            .collect();
        let catalogs = cache.catalogs(&durable.iter().map(|d| &**d).collect::<Vec<_>>());
        drop(durable);
        self.cache = cache;
        let catalog = catalogs
            .iter()
            .find(|c| c.id == appraise.catalog)
            .ok_or_else(|| AppraisalError::UnknownCriterion {
                catalog: appraise.catalog.clone(),
                criterion: appraise.criterion,
            })?;
        let owner = catalog
            .criteria
            .iter()
            .find(|c| c.number == appraise.criterion)
            .map(|c| c.owner.clone())
            .ok_or_else(|| AppraisalError::UnknownCriterion {
                catalog: appraise.catalog.clone(),
                criterion: appraise.criterion,
            })?;
        let refused = || AppraisalError::NotOwner {
            department: self.departments.join(", "),
            criterion: appraise.criterion,
            owner: owner.clone(),
        };
        if !self.appraises(&owner) {
            return Err(refused());
        }
        let id = *commune.appraisal.verdicts.get(&owner).ok_or_else(refused)?;
        let doc = self.client.document_mut(&id).ok_or_else(refused)?;
        // A verdict made before the department's earlier ones arrived would
        // stand beside them as concurrent, not after them.
        if doc.get_heads().is_empty() {
            return Err(AppraisalError::NotYetReceived);
        }
        let ruling = appraisal::verdicts::Ruling {
            verdict: appraise.verdict,
            remark: appraise.remark.clone(),
            at: now,
        };
        appraisal::verdicts::record_verdict(doc, catalog, appraise.criterion, &ruling)?;
        Ok(id)
    }

    /// Drills into a commune: closes the one open before (its documents
    /// leave once durable) and tracks this one's.
    fn open(&mut self, commune: CommuneRef, documents: Vec<StartDocument>, out: &mut Vec<Effect>) {
        if self.commune.is_some() {
            return out.push(Effect::Log(
                "a commune's device opens no other commune".into(),
            ));
        }
        if self.opened.as_ref() == Some(&commune) {
            return;
        }
        let closing: Vec<DocumentId> = std::mem::take(&mut self.opened_docs).into_iter().collect();
        for id in closing {
            let durable = self.docs.get(&id).is_some_and(|t| {
                t.appending.is_none()
                    && t.compacting.is_none()
                    && self
                        .client
                        .document(&id)
                        .is_none_or(|d| d.get_heads() == t.persisted)
            });
            if durable && !self.unannounced.contains(&id) {
                self.docs.remove(&id);
                self.client.remove_document(&id);
            } else {
                // Kept until the next start; never dropped unsaved.
                out.push(Effect::Keep { doc: id });
            }
        }
        let mut set_aside = 0;
        for d in documents {
            if self.docs.contains_key(&d.id) {
                continue;
            }
            set_aside += d.loaded.set_aside.len();
            let mut doc = d.loaded.doc;
            let persisted = doc.get_heads();
            doc.set_actor(self.actor.clone());
            // This device's own verdicts stay tracked; the rest go when
            // another commune is opened.
            let own = d.kind == Kind::Verdicts
                && commune
                    .appraisal
                    .verdicts
                    .iter()
                    .any(|(dep, id)| *id == d.id && self.appraises(dep));
            if !own {
                self.opened_docs.insert(d.id);
            }
            let outputs = self.client.add_document(d.id, doc, d.confirmed.clone());
            self.docs.insert(
                d.id,
                Tracked::stored(d.kind, persisted, d.loaded.chunks, d.confirmed),
            );
            self.client_outputs(Ok(outputs), out);
        }
        if set_aside > 0 {
            self.problem = Some(Problem::SetAside(set_aside));
        }
        // The survey reader follows one survey.
        self.cache.survey = SurveyReader::default();
        self.opened = Some(commune);
        self.shown = None;
        out.push(Effect::Publish);
    }

    /// Asks for a store round (now, or after the one in flight); `waiters`
    /// are told its outcome.
    fn request_round(&mut self, waiters: Vec<EditId>, out: &mut Vec<Effect>) {
        if self.round.is_some() {
            let next = self.next.get_or_insert_with(Round::default);
            next.waiters.extend(waiters);
            return;
        }
        self.round = Some(Round {
            waiters,
            failed: None,
        });
        for (id, t) in self.docs.iter_mut() {
            let Some(doc) = self.client.document(id) else {
                continue;
            };
            let heads = doc.get_heads();
            if heads == t.persisted {
                continue;
            }
            let bytes = doc.save_after(&t.persisted);
            if bytes.is_empty() {
                t.persisted = heads;
                continue;
            }
            t.appending = Some((heads, bytes.len()));
            out.push(Effect::Append { doc: *id, bytes });
        }
        self.maybe_finish_round(out);
    }

    fn appended(
        &mut self,
        doc: DocumentId,
        result: Result<String, String>,
        env: Env,
        out: &mut Vec<Effect>,
    ) {
        let survey = self.survey_id();
        let Some(t) = self.docs.get_mut(&doc) else {
            return;
        };
        let Some((heads, size)) = t.appending.take() else {
            return;
        };
        match result {
            Ok(key) => {
                t.persisted = heads;
                t.chunks.push((key, size));
                if Some(doc) == survey || self.unannounced.contains(&doc) {
                    self.last_saved = Some(env.now);
                }
                if matches!(self.problem, Some(Problem::NotSaved(_))) {
                    self.problem = None;
                }
                self.maybe_compact(doc, out);
            }
            Err(error) => {
                if let Some(round) = &mut self.round {
                    round.failed.get_or_insert(error);
                }
            }
        }
        self.maybe_finish_round(out);
    }

    fn maybe_finish_round(&mut self, out: &mut Vec<Effect>) {
        if self.docs.values().any(|t| t.appending.is_some()) {
            return;
        }
        let Some(round) = self.round.take() else {
            return;
        };
        match &round.failed {
            Some(error) => {
                out.push(Effect::Log(format!("store refused a write: {error}")));
                self.problem = Some(Problem::NotSaved(error.clone()));
                if !self.retry_pending {
                    self.retry_pending = true;
                    out.push(Effect::Wake {
                        after_ms: RETRY_SAVE_MS,
                        timer: Timer::RetrySave,
                    });
                }
            }
            None => {
                // The edits are durable: now (and only now) offer them.
                for doc in std::mem::take(&mut self.unannounced) {
                    let outputs = self.client.handle(ClientEvent::LocalChange(doc));
                    self.client_outputs(outputs, out);
                }
            }
        }
        for edit in round.waiters {
            out.push(Effect::EditDone {
                edit,
                result: match &round.failed {
                    Some(e) => Err(EditError::NotSaved(e.clone())),
                    None => Ok(()),
                },
            });
        }
        out.push(Effect::Publish);
        match self.next.take() {
            Some(next) => self.request_round(next.waiters, out),
            None => self.flush_held(out),
        }
    }

    /// Compacts when the chunks outweigh the largest one (the last
    /// snapshot, usually) or are too many.
    fn maybe_compact(&mut self, id: DocumentId, out: &mut Vec<Effect>) {
        let Some(t) = self.docs.get_mut(&id) else {
            return;
        };
        if t.compacting.is_some() || t.chunks.len() < 2 {
            return;
        }
        let largest = t.chunks.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let rest: usize = t.chunks.iter().map(|(_, n)| *n).sum::<usize>() - largest;
        let by_size = rest > largest.max(COMPACT_MIN_BYTES);
        if !by_size && t.chunks.len() <= COMPACT_MAX_CHUNKS {
            return;
        }
        let Some(doc) = self.client.document(&id) else {
            return;
        };
        let snapshot = if doc.get_heads() == t.persisted {
            doc.save()
        } else {
            match doc.fork_at(&t.persisted) {
                Ok(d) => d.save(),
                Err(_) => return,
            }
        };
        let replaced: Vec<String> = t.chunks.iter().map(|(k, _)| k.clone()).collect();
        t.compacting = Some((replaced.clone(), snapshot.len()));
        out.push(Effect::Compact {
            doc: id,
            snapshot,
            replaced,
        });
    }

    /// Whether every document in memory is already in the store.
    fn all_durable(&self) -> bool {
        self.docs.iter().all(|(id, t)| {
            self.client
                .document(id)
                .is_none_or(|doc| doc.get_heads() == t.persisted)
        })
    }

    fn send(&mut self, bytes: Vec<u8>, out: &mut Vec<Effect>) {
        if self.link != Link::Up {
            // The next connection starts its own sync round.
            return;
        }
        if self.all_durable() && self.held.is_empty() {
            out.push(Effect::Send(bytes));
        } else {
            self.held.push(bytes);
        }
    }

    fn flush_held(&mut self, out: &mut Vec<Effect>) {
        if !self.all_durable() {
            return;
        }
        out.extend(std::mem::take(&mut self.held).into_iter().map(Effect::Send));
    }

    fn client_outputs(
        &mut self,
        outputs: Result<Vec<ClientOutput>, crate::sync::ClientError>,
        out: &mut Vec<Effect>,
    ) {
        let outputs = match outputs {
            Ok(outputs) => outputs,
            Err(e) => return out.push(Effect::Log(format!("sync: {e}"))),
        };
        for output in outputs {
            match output {
                ClientOutput::Send(bytes) => self.send(bytes, out),
                ClientOutput::DocumentChanged(_) => self.request_round(Vec::new(), out),
                ClientOutput::DocumentUnavailable(id) => {
                    out.push(Effect::Log(format!("relay does not have {id}")))
                }
                ClientOutput::RemoteError(message) => {
                    out.push(Effect::Log(format!("relay error: {message}")));
                    self.problem = Some(Problem::Remote(message));
                }
            }
        }
    }

    /// Bookkeeping after each protocol step: status, confirmations.
    fn after_sync_step(&mut self, env: Env, out: &mut Vec<Effect>) {
        if self.client.status() == SyncStatus::UpToDate {
            self.backoff.reset();
            self.last_sync = Some(env.now);
        }
        for (id, t) in self.docs.iter_mut() {
            let confirmed = self.client.confirmed_heads(id).to_vec();
            if confirmed != t.confirmed_saved {
                t.confirmed_saved = confirmed.clone();
                out.push(Effect::SaveConfirmed {
                    doc: *id,
                    heads: confirmed,
                });
            }
        }
        out.push(Effect::Publish);
    }

    fn connect(&mut self, out: &mut Vec<Effect>) {
        if self.link == Link::Down {
            self.link = Link::Connecting;
            out.push(Effect::Connect);
        }
    }

    fn schedule_reconnect(&mut self, env: Env, out: &mut Vec<Effect>) {
        out.push(Effect::Wake {
            after_ms: self.backoff.next_delay_ms(env.random),
            timer: Timer::Reconnect,
        });
    }
}

#[cfg(test)]
mod tests;
