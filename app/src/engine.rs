//! The device engine: the documents of one commune (its survey, which the
//! device edits; its appraisal; the province registry and the catalog
//! versions, which it receives), each kept durable in IndexedDB and synced
//! with the relay. Views call [`edit`]; the engine publishes what they show
//! through the [`View`] signals.
//!
//! Order of an edit: apply in `ntm-core` (one Automerge change) → append to
//! IndexedDB and wait for the commit → show it (saved) → offer it to the relay.
//! Nothing goes to the relay while any document is ahead of IndexedDB: the
//! messages are held and sent once it has caught up, so the relay never
//! holds a change this device could still lose.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use automerge::{ActorId, Automerge, ChangeHash};
use futures_channel::oneshot;
use leptos::prelude::*;
use ntm_core::access::{Enrolment, RelayInfo};
use ntm_core::appraisal::{self, Appraisal};
use ntm_core::catalog::{self, Catalog};
use ntm_core::evaluation::{evaluate, evaluate_commune, Scorecard};
use ntm_core::registry::{self, Commune};
use ntm_core::survey::infrastructure::{self, Attestation, InfraEntry};
use ntm_core::survey::listing::{read_commune, Listing};
use ntm_core::survey::{self, CommuneRef, SurveyError};
use ntm_core::sync::{Backoff, ClientEvent, ClientOutput, SyncClient, SyncStatus};
use ntm_core::{DocumentId, PeerId};

use ntm_core::format::hex;

use crate::platform;
use crate::socket::{Socket, SocketEvent};
use crate::store::LocalStore;

/// Compact a document's chunks into one snapshot past this many.
const COMPACT_AFTER_CHUNKS: usize = 64;

/// Where the app is in starting up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Opening the local database.
    Loading,
    /// The relay admits enrolled devices only and this one is not: the
    /// enrolment form shows.
    Enrol,
    /// Working (online or not).
    Ready,
    /// The local database could not be opened or read: nothing is written.
    Failed(String),
}

/// The signals the views read; written only by the engine.
#[derive(Clone, Copy)]
pub struct View {
    /// Start-up phase.
    pub phase: RwSignal<Phase>,
    /// The commune's name.
    pub commune: RwSignal<String>,
    /// The household list (indexed for search), as durable on this device.
    pub listing: RwSignal<Listing>,
    /// Offline / syncing / up to date.
    pub status: RwSignal<SyncStatus>,
    /// Local changes the relay has not confirmed.
    pub unconfirmed: RwSignal<usize>,
    /// When the last local edit became durable (unix seconds).
    pub last_saved: RwSignal<Option<i64>>,
    /// When the device was last up to date with the relay.
    pub last_sync: RwSignal<Option<i64>>,
    /// The service worker has cached the app: it starts without a network.
    pub offline_ready: RwSignal<bool>,
    /// The last problem worth telling the user about.
    pub problem: RwSignal<Option<String>>,
    /// The browser may evict this site's data (persistent storage refused).
    pub storage_at_risk: RwSignal<bool>,
    /// Enrolled for one commune (enumerator, officer): the screens of that
    /// commune only, not the province's.
    pub commune_device: RwSignal<bool>,
    /// The commune's scorecards (one per catalog version), from durable data.
    pub scorecards: RwSignal<Vec<Scorecard>>,
    /// Infrastructure entries by id.
    pub infrastructure: RwSignal<Vec<(String, InfraEntry)>>,
    /// Attestations by indicator id.
    pub attestations: RwSignal<BTreeMap<String, Attestation>>,
    /// The catalog versions in force (received, or the shipped ones).
    pub catalogs: RwSignal<Vec<Catalog>>,
    /// The commune as the province registry lists it, once received.
    pub registry_entry: RwSignal<Option<Commune>>,
    /// Where this commune's data went, if it was merged into another.
    pub succeeded_by: RwSignal<Option<ntm_core::survey::merge::Succession>>,
    /// The names of the units the commune was formed from (after a merger).
    pub predecessor_names: RwSignal<Vec<String>>,
    /// Department verdicts, district review and dossier state.
    pub appraisal: RwSignal<Appraisal>,
    /// Bumped whenever durable data changes: forms that read the document
    /// directly (see [`read_survey`]) track it.
    pub revision: RwSignal<u64>,
}

impl View {
    /// Fresh signals (in the current reactive owner).
    pub fn new() -> Self {
        Self {
            phase: RwSignal::new(Phase::Loading),
            commune: RwSignal::new(String::new()),
            listing: RwSignal::new(Listing::default()),
            status: RwSignal::new(SyncStatus::Offline),
            unconfirmed: RwSignal::new(0),
            last_saved: RwSignal::new(None),
            last_sync: RwSignal::new(None),
            offline_ready: RwSignal::new(false),
            problem: RwSignal::new(None),
            storage_at_risk: RwSignal::new(false),
            commune_device: RwSignal::new(false),
            scorecards: RwSignal::new(Vec::new()),
            infrastructure: RwSignal::new(Vec::new()),
            attestations: RwSignal::new(BTreeMap::new()),
            catalogs: RwSignal::new(Vec::new()),
            registry_entry: RwSignal::new(None),
            predecessor_names: RwSignal::new(Vec::new()),
            succeeded_by: RwSignal::new(None),
            appraisal: RwSignal::new(Appraisal::default()),
            revision: RwSignal::new(0),
        }
    }
}

impl Default for View {
    fn default() -> Self {
        Self::new()
    }
}

/// What a tracked document is to this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The commune's survey: edited here.
    Survey,
    /// A department's verdicts on the commune: received (that department
    /// writes it).
    Verdicts,
    /// The commune's dossier: received (district or office writes it).
    Dossier,
    /// The province registry: received.
    Registry,
    /// A catalog version: received.
    Catalog,
}

/// Durability bookkeeping of one document.
struct Tracked {
    kind: Kind,
    /// Heads of what is already in IndexedDB.
    persisted: Vec<ChangeHash>,
    /// Keys of the chunks that make up `persisted`.
    chunk_keys: Vec<String>,
    compacting: bool,
    /// Confirmed heads last written to the store.
    confirmed_saved: Vec<ChangeHash>,
}

struct Engine {
    view: View,
    store: Rc<LocalStore>,
    client: SyncClient,
    commune: CommuneRef,
    docs: BTreeMap<DocumentId, Tracked>,
    /// This device's enrolment, if the relay requires one.
    enrolment: Option<Enrolment>,
    socket: Option<Socket>,
    /// A connection ticket is being fetched: no second connection attempt.
    connecting: bool,
    /// Messages for the relay waiting until every document is durable.
    held: Vec<Vec<u8>>,
    /// A persist round is running; callers waiting for the next one.
    persisting: bool,
    persist_waiters: Vec<oneshot::Sender<Result<(), String>>>,
    /// A local edit that could not be saved yet: offered to the relay once
    /// a later persist round saves it.
    unannounced: bool,
    backoff: Backoff,
    /// Persisted heads of every document when the views were last computed.
    shown_heads: Option<Vec<Vec<ChangeHash>>>,
}

impl Engine {
    fn survey_id(&self) -> DocumentId {
        self.commune.document_id
    }

    /// Whether every document in memory is already in IndexedDB.
    fn all_durable(&self) -> bool {
        self.docs.iter().all(|(id, t)| {
            self.client
                .document(id)
                .is_none_or(|doc| doc.get_heads() == t.persisted)
        })
    }

    /// Sends a message to the relay, or holds it while some document is
    /// ahead of IndexedDB (it may carry those changes).
    fn send(&mut self, bytes: Vec<u8>) {
        if self.all_durable() && self.held.is_empty() {
            if let Some(socket) = &self.socket {
                socket.send(&bytes);
            }
        } else {
            self.held.push(bytes);
        }
    }

    /// Sends the held messages once everything is durable.
    fn flush_held(&mut self) {
        if !self.all_durable() {
            return;
        }
        for bytes in std::mem::take(&mut self.held) {
            if let Some(socket) = &self.socket {
                socket.send(&bytes);
            }
        }
    }

    /// A document as durable on this device (the in-memory one can only be
    /// ahead of it while an append is in flight).
    fn durable(&self, id: &DocumentId) -> Option<Automerge> {
        let doc = self.client.document(id)?;
        let persisted = &self.docs.get(id)?.persisted;
        if doc.get_heads() == *persisted {
            Some(doc.clone())
        } else {
            doc.fork_at(persisted).ok()
        }
    }
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

fn with_engine<R>(f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
    ENGINE.with(|cell| cell.borrow_mut().as_mut().map(f))
}

/// Starts the engine: for the commune of this device's enrolment, or the
/// demo commune when the relay does not require enrolment (or cannot be
/// reached and the device never enrolled). The views show its progress.
pub fn boot(view: View) {
    leptos::task::spawn_local(async move {
        if platform::register_service_worker().await {
            view.offline_ready.set(true);
        }
        if platform::request_persistent_storage().await == Some(false) {
            view.storage_at_risk.set(true);
        }
    });
    leptos::task::spawn_local(async move {
        let store = match LocalStore::open().await {
            Ok(store) => store,
            Err(e) => return fail(view, format!("Không mở được bộ nhớ máy (IndexedDB): {e}")),
        };
        if let Ok(Some(relay)) = store.meta(CHOSEN_RELAY).await {
            platform::choose_relay(&relay);
        }
        let enrolment = match store.meta(CREDENTIALS).await {
            Ok(Some(json)) => serde_json::from_str::<Enrolment>(&json).ok(),
            Ok(None) => None,
            Err(e) => return fail(view, e.to_string()),
        };
        if enrolment.is_none() && relay_requires_enrolment().await {
            view.phase.set(Phase::Enrol);
            return;
        }
        start(view, store, enrolment).await;
    });
}

/// Where the device's enrolment is kept (IndexedDB settings).
const CREDENTIALS: &str = "credentials";
/// The relay the Tauri package enrolled with (the web app has its origin).
const CHOSEN_RELAY: &str = "relay";

fn fail(view: View, message: String) {
    platform::log(&message);
    view.phase.set(Phase::Failed(message));
}

async fn relay_requires_enrolment() -> bool {
    match platform::fetch_json("GET", "/api/relay", None, None).await {
        Ok((200, body)) => serde_json::from_str::<RelayInfo>(&body)
            .map(|info| info.enrolment_required)
            .unwrap_or(false),
        // Unreachable, or an older relay: work locally on the demo commune.
        _ => false,
    }
}

/// Trades an enrolment code for this device's token, keeps it, and starts.
/// `relay` is the address typed into the Tauri package (the web app
/// ignores it: it enrols with the origin that served it).
pub async fn enrol(view: View, relay: &str, code: &str, name: &str) -> Result<(), String> {
    let chosen =
        platform::in_tablet_package().then(|| relay.trim().trim_end_matches('/').to_owned());
    if let Some(relay) = &chosen {
        if !relay.starts_with("https://") && !relay.starts_with("http://127.0.0.1") {
            return Err("Địa chỉ máy chủ phải bắt đầu bằng https:// / the relay address must start with https://".into());
        }
        platform::choose_relay(relay);
    }
    let body = serde_json::json!({ "code": code.trim(), "name": name.trim() }).to_string();
    let (status, text) = platform::fetch_json("POST", "/enrol", Some(body), None).await?;
    if status != 200 {
        return Err(text.trim().to_owned());
    }
    let enrolment: Enrolment =
        serde_json::from_str(&text).map_err(|e| format!("bad enrolment reply: {e}"))?;
    let store = LocalStore::open().await.map_err(|e| e.to_string())?;
    if let Some(relay) = &chosen {
        store
            .set_meta(CHOSEN_RELAY, relay)
            .await
            .map_err(|e| e.to_string())?;
    }
    store
        .set_meta(CREDENTIALS, &text)
        .await
        .map_err(|e| e.to_string())?;
    view.phase.set(Phase::Loading);
    start(view, store, Some(enrolment)).await;
    Ok(())
}

async fn start(view: View, store: LocalStore, enrolment: Option<Enrolment>) {
    // The commune a device works on: its enrolment's, else the demo commune.
    let enrolled = enrolment.as_ref().and_then(Enrolment::commune_ref);
    view.commune_device.set(enrolled.is_some());
    let commune = enrolled.unwrap_or_else(survey::demo_commune);
    match open(view, store, commune, enrolment).await {
        Ok(engine) => {
            ENGINE.with(|cell| *cell.borrow_mut() = Some(engine));
            view.phase.set(Phase::Ready);
            publish();
            connect();
            // A tablet walking into coverage should not wait out its backoff.
            platform::on_network_back(connect);
        }
        Err(message) => fail(view, message),
    }
}

async fn device_setting(
    store: &LocalStore,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String, String> {
    if let Some(value) = store.meta(key).await.map_err(|e| e.to_string())? {
        return Ok(value);
    }
    let value = make();
    store
        .set_meta(key, &value)
        .await
        .map_err(|e| e.to_string())?;
    Ok(value)
}

/// A document as loaded from IndexedDB.
pub struct Loaded {
    /// Everything that loaded.
    pub doc: Automerge,
    /// Keys of the chunks in `doc`.
    pub keys: Vec<String>,
    /// How many chunks did not load and were set aside.
    pub set_aside: usize,
}

/// Loads a document's chunks (an empty document when nothing is stored).
/// A chunk that does not load (corrupt, or refused by Automerge) never
/// stops the app: it is set aside in the store, kept, and counted; every
/// other chunk opens.
pub async fn load(store: &LocalStore, id: &DocumentId) -> Result<Loaded, String> {
    let chunks = store
        .load(id)
        .await
        .map_err(|e| format!("Không đọc được dữ liệu đã lưu: {e}"))?;
    let mut loaded = Loaded {
        doc: Automerge::new(),
        keys: Vec::new(),
        set_aside: 0,
    };
    let mut good: Vec<&[u8]> = Vec::new();
    for (key, bytes) in chunks.keys.into_iter().zip(&chunks.bytes) {
        match loaded.doc.load_incremental(bytes) {
            Ok(_) => {
                good.push(bytes);
                loaded.keys.push(key);
            }
            Err(e) => {
                platform::log(&format!("chunk {key} does not load ({e}): set aside"));
                store
                    .set_aside(&key, bytes.clone())
                    .await
                    .map_err(|e| format!("Không cất riêng được dữ liệu hỏng: {e}"))?;
                loaded.set_aside += 1;
                // A failed load may have applied part of the chunk: start
                // again from the chunks that loaded.
                loaded.doc = Automerge::new();
                for bytes in &good {
                    loaded
                        .doc
                        .load_incremental(bytes)
                        .map_err(|e| format!("Dữ liệu đã lưu bị hỏng: {e}"))?;
                }
            }
        }
    }
    Ok(loaded)
}

async fn open(
    view: View,
    store: LocalStore,
    commune: CommuneRef,
    enrolment: Option<Enrolment>,
) -> Result<Engine, String> {
    // Every writing session (each tab, each start) writes as its own actor:
    // two tabs sharing one actor would each mint "sequence number n" for
    // different changes, which no document can hold.
    let actor = ActorId::from(platform::random_bytes::<16>());
    let storage_id = device_setting(
        &store,
        "storage-id",
        || hex(&platform::random_bytes::<16>()),
    )
    .await?;
    // An enrolled device's peer ids are bound to its token by the relay.
    let peer = match &enrolment {
        Some(e) => PeerId::new(format!(
            "{}.{}",
            e.device_id,
            hex(&platform::random_bytes::<4>())
        )),
        None => PeerId::for_device(platform::random_bytes()),
    };
    let mut client = SyncClient::new(peer, Some(storage_id));
    let mut wanted = vec![
        (commune.document_id, Kind::Survey),
        (commune.appraisal.dossier, Kind::Dossier),
        (commune.registry_id, Kind::Registry),
    ];
    wanted.extend(
        commune
            .appraisal
            .verdicts
            .values()
            .map(|id| (*id, Kind::Verdicts)),
    );
    for (_, text) in catalog::SHIPPED {
        if let Some(id) = catalog::load_catalog("", text).ok().map(|c| c.id) {
            wanted.push((catalog::document::document_id(&id), Kind::Catalog));
        }
    }
    let mut docs = BTreeMap::new();
    let mut set_aside = 0;
    for (id, kind) in wanted {
        let loaded = load(&store, &id).await?;
        set_aside += loaded.set_aside;
        let (mut doc, mut chunk_keys) = (loaded.doc, loaded.keys);
        // The commune's own documents start from their shared genesis, so a
        // device that never met the relay still works and later merges.
        // An enrolled device's survey was created by the province's tooling:
        // it is fetched, never re-created (its genesis names the commune).
        let genesis = match kind {
            Kind::Survey if enrolment.is_none() => Some(survey::genesis(&commune)),
            Kind::Survey => None,
            // Written elsewhere (departments, district, office), created by
            // the province's tooling: fetched, like the registry.
            Kind::Verdicts | Kind::Dossier | Kind::Registry | Kind::Catalog => None,
        };
        if let (true, Some(genesis)) = (doc.get_heads().is_empty(), genesis) {
            doc = genesis;
            let key = store
                .append(&id, doc.save())
                .await
                .map_err(|e| e.to_string())?;
            chunk_keys.push(key);
        }
        doc.set_actor(actor.clone());
        let confirmed: Vec<ChangeHash> = store
            .meta(&format!("confirmed/{id}"))
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or_default()
            .split(',')
            .filter_map(|h| h.parse().ok())
            .collect();
        let persisted = doc.get_heads();
        client.add_document(id, doc, confirmed.clone());
        docs.insert(
            id,
            Tracked {
                kind,
                persisted,
                chunk_keys,
                compacting: false,
                confirmed_saved: confirmed,
            },
        );
    }
    if set_aside > 0 {
        view.problem.set(Some(format!(
            "{set_aside} phần dữ liệu đã lưu không đọc được: đã cất riêng (không xoá), mọi dữ liệu khác vẫn mở. \
             / {set_aside} stored chunk(s) could not be read: kept aside, not deleted; everything else is open."
        )));
    }
    Ok(Engine {
        view,
        store: Rc::new(store),
        client,
        commune,
        docs,
        enrolment,
        socket: None,
        connecting: false,
        held: Vec::new(),
        persisting: false,
        persist_waiters: Vec::new(),
        unannounced: false,
        backoff: Backoff::default(),
        shown_heads: None,
    })
}

/// Reads the survey document as durable on this device (forms use this and
/// track [`View::revision`]).
pub fn read_survey<R>(f: impl FnOnce(&Automerge) -> R) -> Option<R> {
    with_engine(|e| {
        let id = e.survey_id();
        e.durable(&id).map(|doc| f(&doc))
    })
    .flatten()
}

/// Refreshes every signal from the engine's state.
fn publish() {
    with_engine(|e| {
        let heads: Vec<Vec<ChangeHash>> = e.docs.values().map(|t| t.persisted.clone()).collect();
        // Recompute the views only when durable data changed.
        if e.shown_heads.as_ref() != Some(&heads) {
            let of_kind = |kind: Kind| {
                e.docs
                    .iter()
                    .filter(move |(_, t)| t.kind == kind)
                    .filter_map(|(id, _)| e.durable(id))
            };
            let survey_doc = e.durable(&e.survey_id()).unwrap_or_else(Automerge::new);
            let mut catalogs: Vec<Catalog> = of_kind(Kind::Catalog)
                .filter_map(|d| catalog::document::read(&d).ok())
                .collect();
            if catalogs.is_empty() {
                // Not received yet: the versions shipped with the app.
                catalogs = catalog::shipped();
            }
            let province = of_kind(Kind::Registry).find_map(|d| registry::document::read(&d).ok());
            let entry = province
                .as_ref()
                .and_then(|r| r.commune(&e.commune.code).cloned());
            let predecessor_names: Vec<String> = province
                .as_ref()
                .map(|r| {
                    r.predecessors_of(&e.commune.code)
                        .into_iter()
                        .map(|p| p.name.clone())
                        .collect()
                })
                .unwrap_or_default();
            // Each verdicts document counts for the department it is listed
            // under, whatever it says about itself.
            let verdict_docs: Vec<(&str, Automerge)> = e
                .commune
                .appraisal
                .verdicts
                .iter()
                .filter_map(|(department, id)| Some((department.as_str(), e.durable(id)?)))
                .collect();
            let dossier_doc = e.durable(&e.commune.appraisal.dossier);
            let appraisal = appraisal::assemble(
                &catalogs,
                dossier_doc.as_ref(),
                verdict_docs.iter().map(|(d, doc)| (*d, doc)),
            );
            let year = ntm_core::format::civil_date_vn(platform::unix_seconds()).0;
            let commune_survey = read_commune(&survey_doc, year);
            let facts = &commune_survey.facts;
            // The sets in force today (2026–2030 NTM and modern, the last
            // advanced set), scored with the commune's class in each.
            let today = ntm_core::date::Date::of_unix_vn(platform::unix_seconds());
            let cards = ntm_core::overview::sets_in_force(&catalogs, today)
                .into_iter()
                .map(|c| match &entry {
                    Some(commune) => evaluate_commune(c, commune, year as i32, facts, &appraisal),
                    None => {
                        let class = e.commune.class_in(&c.classification);
                        evaluate(c, class.as_deref(), year as i32, facts)
                    }
                })
                .collect();
            e.view.listing.set(commune_survey.listing);
            e.view.infrastructure.set(
                infrastructure::infrastructure(&survey_doc)
                    .into_iter()
                    .collect(),
            );
            e.view
                .attestations
                .set(infrastructure::attestations(&survey_doc));
            e.view.scorecards.set(cards);
            e.view.catalogs.set(catalogs);
            e.view.registry_entry.set(entry);
            e.view.predecessor_names.set(predecessor_names);
            e.view
                .succeeded_by
                .set(survey::merge::succeeded_by(&survey_doc));
            e.view.appraisal.set(appraisal);
            e.view
                .commune
                .set(survey::commune_name(&survey_doc).unwrap_or_else(|| e.commune.name.clone()));
            e.view.revision.update(|r| *r += 1);
            e.shown_heads = Some(heads);
        }
        e.view.status.set(e.client.status());
        e.view.unconfirmed.set(e.client.unconfirmed_changes());
    });
}

/// Why an edit did not become a saved change.
#[derive(Debug, Clone)]
pub enum EditError {
    /// The value was refused: nothing was written.
    Refused(SurveyError),
    /// The change was made but IndexedDB did not take it (full disk,
    /// storage evicted): it is not saved, is not sent, and the engine keeps
    /// trying to write it.
    NotSaved(String),
}

impl From<SurveyError> for EditError {
    fn from(e: SurveyError) -> Self {
        EditError::Refused(e)
    }
}

/// Applies one edit to the survey (one Automerge change); resolves once it
/// is durable in IndexedDB, and only then offers it to the relay. Invalid
/// values are refused and nothing is written.
pub async fn edit(
    change: impl FnOnce(&mut Automerge, i64) -> Result<(), SurveyError>,
) -> Result<(), EditError> {
    let now = platform::unix_seconds();
    let id = with_engine(|e| {
        let id = e.survey_id();
        let doc = e
            .client
            .document_mut(&id)
            .expect("the engine tracks its survey");
        change(doc, now).map(|()| id)
    })
    .unwrap_or(Err(SurveyError::NotASurvey))?;
    let saved = persist().await;
    match saved {
        Ok(()) => announce(id),
        Err(_) => {
            with_engine(|e| e.unannounced = true);
        }
    }
    publish();
    saved.map_err(EditError::NotSaved)
}

/// Makes every document durable up to its heads at the time of the call.
/// Rounds never overlap (an overlapping pair could record older heads after
/// newer ones, and compaction would then drop a chunk the snapshot lacks):
/// a caller arriving during a round waits for the next.
async fn persist() -> Result<(), String> {
    let (done, result) = oneshot::channel();
    let start = with_engine(|e| {
        e.persist_waiters.push(done);
        !std::mem::replace(&mut e.persisting, true)
    });
    match start {
        Some(true) => leptos::task::spawn_local(persist_rounds()),
        Some(false) => {}
        None => return Err("the engine is not running".into()),
    }
    result
        .await
        .unwrap_or_else(|_| Err("the engine stopped".into()))
}

/// Tells the sync client about a local change that is now durable.
fn announce(id: DocumentId) {
    if let Some(Ok(outputs)) = with_engine(|e| e.client.handle(ClientEvent::LocalChange(id))) {
        dispatch(outputs);
    }
}

async fn persist_rounds() {
    loop {
        let waiters = with_engine(|e| std::mem::take(&mut e.persist_waiters)).unwrap_or_default();
        let result = persist_round().await;
        if let Err(err) = &result {
            platform::log(err);
            with_engine(|e| {
                e.view
                    .problem
                    .set(Some(
                        "Chưa lưu được vào máy (bộ nhớ trình duyệt từ chối ghi); ứng dụng sẽ tự thử lại, đừng đóng ứng dụng. \
                         / Not saved on this device yet (the browser's storage refused the write); retrying — keep the app open."
                            .to_owned(),
                    ));
            });
            leptos::prelude::set_timeout(
                || {
                    leptos::task::spawn_local(async {
                        let _ = persist().await;
                    })
                },
                Duration::from_secs(2),
            );
        }
        for waiter in waiters {
            let _ = waiter.send(result.clone());
        }
        // An edit whose save failed earlier is saved now: offer it.
        if result.is_ok() {
            if let Some(Some(id)) =
                with_engine(|e| std::mem::take(&mut e.unannounced).then(|| e.survey_id()))
            {
                announce(id);
            }
        }
        let finished = with_engine(|e| {
            if e.persist_waiters.is_empty() {
                e.persisting = false;
                e.flush_held();
                true
            } else {
                false
            }
        });
        if finished != Some(false) {
            break;
        }
    }
    publish();
}

/// One round: appends whatever each document has beyond what is stored.
async fn persist_round() -> Result<(), String> {
    let pending: Vec<(DocumentId, Vec<u8>, Vec<ChangeHash>)> = with_engine(|e| {
        e.docs
            .iter()
            .filter_map(|(id, t)| {
                let doc = e.client.document(id)?;
                let heads = doc.get_heads();
                (heads != t.persisted).then(|| (*id, doc.save_after(&t.persisted), heads))
            })
            .collect()
    })
    .unwrap_or_default();
    let Some(store) = with_engine(|e| e.store.clone()) else {
        return Err("the engine is not running".into());
    };
    let mut outcome = Ok(());
    for (id, bytes, heads) in pending {
        if bytes.is_empty() {
            with_engine(|e| e.docs.get_mut(&id).map(|t| t.persisted = heads));
            continue;
        }
        match store.append(&id, bytes).await {
            Ok(key) => {
                with_engine(|e| {
                    if let Some(t) = e.docs.get_mut(&id) {
                        t.persisted = heads;
                        t.chunk_keys.push(key);
                    }
                    if id == e.survey_id() {
                        e.view.last_saved.set(Some(platform::unix_seconds()));
                    }
                    e.view.problem.set(None);
                });
                compact_if_needed(id).await;
            }
            Err(err) => outcome = Err(err.to_string()),
        }
    }
    outcome
}

async fn compact_if_needed(id: DocumentId) {
    let Some((store, snapshot, replaced)) = with_engine(|e| {
        let t = e.docs.get_mut(&id)?;
        if t.compacting || t.chunk_keys.len() <= COMPACT_AFTER_CHUNKS {
            return None;
        }
        t.compacting = true;
        let (persisted, keys) = (t.persisted.clone(), t.chunk_keys.clone());
        let doc = e.client.document(&id)?;
        let snapshot = doc.fork_at(&persisted).map(|d| d.save()).ok()?;
        Some((e.store.clone(), snapshot, keys))
    })
    .flatten() else {
        with_engine(|e| e.docs.get_mut(&id).map(|t| t.compacting = false));
        return;
    };
    let result = store.compact(&id, snapshot, &replaced).await;
    with_engine(|e| {
        if let Some(t) = e.docs.get_mut(&id) {
            t.compacting = false;
            if let Ok(key) = result {
                t.chunk_keys.retain(|k| !replaced.contains(k));
                t.chunk_keys.push(key);
            }
        }
    });
}

fn dispatch(outputs: Vec<ClientOutput>) {
    for output in outputs {
        match output {
            ClientOutput::Send(bytes) => {
                with_engine(|e| e.send(bytes));
            }
            ClientOutput::DocumentChanged(_) => leptos::task::spawn_local(async {
                let _ = persist().await;
            }),
            ClientOutput::DocumentUnavailable(id) => {
                platform::log(&format!("relay does not have {id}"))
            }
            ClientOutput::RemoteError(message) => {
                platform::log(&format!("relay error: {message}"));
                with_engine(|e| {
                    e.view
                        .problem
                        .set(Some(format!("Máy chủ báo lỗi: {message}")))
                });
            }
        }
    }
}

/// Opens the connection to the relay unless one is open or opening. An
/// enrolled device first trades its token (sent in a header) for a
/// single-use ticket; only the ticket goes into the WebSocket's URL.
fn connect() {
    let Some(Some(token)) = with_engine(|e| {
        if e.socket.is_some() || e.connecting {
            return None;
        }
        e.connecting = true;
        Some(e.enrolment.as_ref().map(|en| en.token.clone()))
    }) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let ticket = match token {
            Some(token) => match fetch_ticket(&token).await {
                Ok(ticket) => Some(ticket),
                Err(message) => {
                    platform::log(&message);
                    with_engine(|e| e.connecting = false);
                    schedule_reconnect();
                    return;
                }
            },
            None => None,
        };
        let opened = with_engine(|e| {
            e.connecting = false;
            let mut url = platform::relay_sync_url();
            if let Some(ticket) = ticket {
                url = format!("{url}?ticket={ticket}&peer={}", e.client.peer_id());
            }
            match Socket::open(&url, on_socket_event) {
                Ok(socket) => {
                    e.socket = Some(socket);
                    true
                }
                Err(_) => false,
            }
        });
        if opened == Some(false) {
            schedule_reconnect();
        }
    });
}

/// A single-use connection ticket for this device's token.
async fn fetch_ticket(token: &str) -> Result<String, String> {
    let (status, body) = platform::fetch_json("POST", "/sync/ticket", None, Some(token)).await?;
    if status != 200 {
        if status == 401 || status == 403 {
            with_engine(|e| {
                e.view.problem.set(Some(format!(
                    "Máy chủ từ chối thiết bị này: {}",
                    body.trim()
                )))
            });
        }
        return Err(format!("ticket refused ({status}): {}", body.trim()));
    }
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["ticket"].as_str().map(str::to_owned))
        .ok_or_else(|| "bad ticket reply".to_owned())
}

fn schedule_reconnect() {
    if let Some(delay) = with_engine(|e| e.backoff.next_delay_ms(platform::random_unit())) {
        leptos::prelude::set_timeout(connect, Duration::from_millis(delay));
    }
}

fn on_socket_event(event: SocketEvent) {
    let outputs = with_engine(|e| match event {
        SocketEvent::Open => e
            .client
            .handle(ClientEvent::Connected)
            .map_err(|err| err.to_string()),
        SocketEvent::Frame(bytes) => {
            e.client
                .handle(ClientEvent::Received(&bytes))
                .map_err(|err| {
                    // A frame we cannot understand: drop this connection, keep all data.
                    if let Some(socket) = &e.socket {
                        socket.close();
                    }
                    err.to_string()
                })
        }
        SocketEvent::Closed => {
            e.socket = None;
            // Held messages belong to the closed connection's sync round.
            e.held.clear();
            e.client
                .handle(ClientEvent::Disconnected)
                .map_err(|err| err.to_string())
        }
    });
    match outputs {
        Some(Ok(outputs)) => dispatch(outputs),
        Some(Err(message)) => platform::log(&format!("sync: {message}")),
        None => return,
    }
    after_sync_step();
}

/// Bookkeeping after each protocol step: status, confirmations, reconnects.
fn after_sync_step() {
    let Some((status, disconnected, confirmed_changed)) = with_engine(|e| {
        let status = e.client.status();
        if status == SyncStatus::UpToDate {
            e.backoff.reset();
            e.view.last_sync.set(Some(platform::unix_seconds()));
        }
        let mut changed = Vec::new();
        for (id, t) in e.docs.iter_mut() {
            let confirmed = e.client.confirmed_heads(id).to_vec();
            if confirmed != t.confirmed_saved {
                t.confirmed_saved = confirmed.clone();
                changed.push((*id, confirmed));
            }
        }
        (status, e.socket.is_none(), (e.store.clone(), changed))
    }) else {
        return;
    };
    let (store, changed) = confirmed_changed;
    for (id, heads) in changed {
        let text = heads
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let store = store.clone();
        leptos::task::spawn_local(async move {
            let _ = store.set_meta(&format!("confirmed/{id}"), &text).await;
        });
    }
    if status == SyncStatus::Offline && disconnected {
        schedule_reconnect();
    }
    publish();
}
