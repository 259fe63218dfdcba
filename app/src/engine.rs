//! The browser adapter of the device engine (`ntm_core::device`): it opens
//! IndexedDB, hands the loaded documents to the engine, and executes the
//! engine's effects — appends and compactions in IndexedDB, frames on the
//! WebSocket, timers — feeding each outcome back as an event. Views send
//! typed commands through [`edit`] and read the [`View`] signals, which
//! this adapter fills from the engine's view model; it decides nothing.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use automerge::{ActorId, ChangeHash};
use futures_channel::oneshot;
use leptos::prelude::*;
use ntm_core::access::{Enrolment, RelayInfo, WriterInfo, WritersReply, WritersRequest};
use ntm_core::appraisal::Appraisal;
use ntm_core::blobs::Blobs;
use ntm_core::catalog::Catalog;
use ntm_core::date::Date;
use ntm_core::device::view::{Behind, ProvinceOverview};
use ntm_core::device::{
    self, Command, DeviceEngine, DeviceStatus, EditId, Effect, Env, Event, Problem, Start,
    StartDocument, StoredChunks,
};
use ntm_core::evaluation::Scorecard;
use ntm_core::format::hex;
use ntm_core::registry::Commune;
use ntm_core::survey::conflicts::{Conflict, Entry};
use ntm_core::survey::infrastructure::{Attestation, InfraEntry};
use ntm_core::survey::listing::Listing;
use ntm_core::sync::SyncStatus;
use ntm_core::{DocumentId, PeerId};

pub use ntm_core::device::EditError;

use crate::i18n::{t, tf};
use crate::platform;
use crate::socket::{Socket, SocketEvent};
use crate::store::LocalStore;

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
    /// A newer version of the app is installed: a reload starts it.
    pub new_version: RwSignal<bool>,
    /// The last problem worth telling the user about.
    pub problem: RwSignal<Option<Problem>>,
    /// The browser may evict this site's data (persistent storage refused).
    pub storage_at_risk: RwSignal<bool>,
    /// Enrolled for one commune (enumerator, officer): the screens of that
    /// commune only, not the province's.
    pub commune_device: RwSignal<bool>,
    /// On a device that watches the province (district, department,
    /// office, admin: the province comes from the relay's summary), its
    /// role's code (the header names it where a commune's device names its
    /// commune).
    pub watching: RwSignal<Option<String>>,
    /// The province as its summary has it, once received.
    pub province: RwSignal<Option<Arc<ProvinceOverview>>>,
    /// On a device that watches the province: the code of the commune
    /// drilled into (its screens show that commune, read only).
    pub opened: RwSignal<Option<String>>,
    /// The open commune's survey and this device's verdicts on it have
    /// arrived (the appraisal forms wait for them).
    pub opened_received: RwSignal<bool>,
    /// The commune's scorecards (one per catalog version), from durable data.
    pub scorecards: RwSignal<Vec<Scorecard>>,
    /// The households behind each household-computed gap, by (catalog id,
    /// indicator id).
    pub behind: RwSignal<Behind>,
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
    /// Photos not yet wholly on the relay.
    pub photos_waiting: RwSignal<usize>,
    /// Bumped whenever durable data changes: forms that read one household
    /// (see [`read_survey`]) track it.
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
            new_version: RwSignal::new(false),
            problem: RwSignal::new(None),
            storage_at_risk: RwSignal::new(false),
            commune_device: RwSignal::new(false),
            watching: RwSignal::new(None),
            province: RwSignal::new(None),
            opened: RwSignal::new(None),
            opened_received: RwSignal::new(false),
            scorecards: RwSignal::new(Vec::new()),
            behind: RwSignal::new(BTreeMap::new()),
            infrastructure: RwSignal::new(Vec::new()),
            attestations: RwSignal::new(BTreeMap::new()),
            catalogs: RwSignal::new(Vec::new()),
            registry_entry: RwSignal::new(None),
            predecessor_names: RwSignal::new(Vec::new()),
            succeeded_by: RwSignal::new(None),
            appraisal: RwSignal::new(Appraisal::default()),
            photos_waiting: RwSignal::new(0),
            revision: RwSignal::new(0),
        }
    }
}

impl Default for View {
    fn default() -> Self {
        Self::new()
    }
}

struct Adapter {
    view: View,
    store: Rc<LocalStore>,
    engine: DeviceEngine,
    /// This device's enrolment, if the relay requires one.
    enrolment: Option<Enrolment>,
    /// The actors this device has written with (every session has its
    /// own), so a conflict can say "this device" without a network.
    own_actors: BTreeSet<String>,
    socket: Option<Socket>,
    /// Forms waiting for their edit's outcome.
    waiting: BTreeMap<EditId, oneshot::Sender<Result<(), EditError>>>,
    /// New changes and photo blobs each bundle import brought, until its
    /// outcome is read.
    imported: BTreeMap<EditId, (usize, Blobs)>,
    next_edit: u64,
    /// Documents loaded at every start beyond the role's own
    /// ([`Effect::Keep`]).
    kept: BTreeSet<DocumentId>,
}

thread_local! {
    static ADAPTER: RefCell<Option<Adapter>> = const { RefCell::new(None) };
}

fn with_adapter<R>(f: impl FnOnce(&mut Adapter) -> R) -> Option<R> {
    ADAPTER.with(|cell| cell.borrow_mut().as_mut().map(f))
}

fn env() -> Env {
    Env {
        now: platform::unix_seconds(),
        random: platform::random_unit(),
    }
}

/// Feeds one event to the engine and executes what it asks.
fn handle(event: Event<'_>) {
    if let Some(effects) = with_adapter(|a| a.engine.handle(event, env())) {
        execute(effects);
    }
}

/// Starts the engine: for the commune of this device's enrolment, or the
/// demo commune when the relay does not require enrolment (or cannot be
/// reached and the device never enrolled). The views show its progress.
pub fn boot(view: View) {
    leptos::task::spawn_local(async move {
        if platform::register_service_worker().await {
            view.offline_ready.set(true);
            // A newer version installed while this one runs: say so; the
            // person reloads when it suits them (everything is saved).
            platform::on_new_version(move || view.new_version.set(true));
            // Also while the app stays open for hours on one screen.
            platform::every(
                std::time::Duration::from_secs(300),
                platform::check_for_new_version,
            );
        }
        if platform::request_persistent_storage().await == Some(false) {
            view.storage_at_risk.set(true);
        }
    });
    leptos::task::spawn_local(async move {
        let store = match LocalStore::open().await {
            Ok(store) => store,
            Err(e) if e.0.contains(crate::store::NEWER_FORMAT) => {
                return fail(view, t("store-newer-version"))
            }
            Err(e) => {
                return fail(
                    view,
                    tf("store-unavailable", &[("error", e.to_string().into())]),
                )
            }
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
            return Err(t("relay-needs-https"));
        }
        platform::choose_relay(relay);
    }
    let body = serde_json::json!({ "code": code.trim(), "name": name.trim() }).to_string();
    let (status, text) = platform::fetch_json("POST", "/enrol", Some(body), None).await?;
    if status != 200 {
        return Err(text.trim().to_owned());
    }
    let enrolment: Enrolment = serde_json::from_str(&text)
        .map_err(|e| tf("enrol-bad-reply", &[("error", e.to_string().into())]))?;
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
    // What the device works on follows from its enrolment alone.
    let setup = device::Setup::of(enrolment.as_ref());
    view.commune_device
        .set(setup.commune.is_some() && enrolment.is_some());
    view.watching.set(setup.watching.clone());
    match open(&store, setup, enrolment.as_ref()).await {
        Ok((engine, effects, own_actors)) => {
            let kept = kept_documents(&store).await.unwrap_or_default();
            let reopen = match engine.commune() {
                None => store.meta(OPENED_COMMUNE).await.ok().flatten(),
                Some(_) => None,
            };
            let store = Rc::new(store);
            if let Some(survey) = engine.survey_id() {
                crate::photos::start(
                    store.clone(),
                    survey,
                    enrolment.as_ref().map(|e| e.token.clone()),
                    view.photos_waiting,
                )
                .await;
            }
            ADAPTER.with(|cell| {
                *cell.borrow_mut() = Some(Adapter {
                    view,
                    store,
                    engine,
                    enrolment,
                    own_actors,
                    socket: None,
                    waiting: BTreeMap::new(),
                    imported: BTreeMap::new(),
                    next_edit: 0,
                    kept: kept.into_iter().collect(),
                })
            });
            view.phase.set(Phase::Ready);
            execute(effects);
            if let Some(code) = reopen {
                leptos::task::spawn_local(async move {
                    open_commune(code).await;
                });
            }
            // A tablet walking into coverage should not wait out its backoff.
            platform::on_network_back(|| handle(Event::NetworkBack));
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

/// Loads a document's chunks (an empty document when nothing is stored).
/// Chunks that do not load are set aside in the store (kept, never
/// deleted, out of the document's key range from then on).
pub async fn load(store: &LocalStore, id: &DocumentId) -> Result<device::Loaded, String> {
    let chunks = store
        .load(id)
        .await
        .map_err(|e| tf("stored-unreadable", &[("error", e.to_string().into())]))?;
    let stored = StoredChunks {
        keys: chunks.keys,
        bytes: chunks.bytes,
    };
    let loaded = device::load_chunks(&stored);
    for key in &loaded.set_aside {
        platform::log(&format!("chunk {key} does not load: set aside"));
        if let Some(i) = stored.keys.iter().position(|k| k == key) {
            store
                .set_aside(key, stored.bytes[i].clone())
                .await
                .map_err(|e| tf("set-aside-failed", &[("error", e.to_string().into())]))?;
        }
    }
    Ok(loaded)
}

/// Where the actors of this device's sessions are kept.
const OWN_ACTORS: &str = "own-actors";

async fn open(
    store: &LocalStore,
    setup: device::Setup,
    enrolment: Option<&Enrolment>,
) -> Result<(DeviceEngine, Vec<Effect>, BTreeSet<String>), String> {
    let device::Setup {
        commune,
        registry,
        province_summary,
        departments,
        ..
    } = setup;
    let storage_id =
        device_setting(store, "storage-id", || hex(&platform::random_bytes::<16>())).await?;
    // An enrolled device's peer ids are bound to its token by the relay.
    let peer = match enrolment {
        Some(e) => PeerId::new(format!(
            "{}.{}",
            e.device_id,
            hex(&platform::random_bytes::<4>())
        )),
        None => PeerId::for_device(platform::random_bytes()),
    };
    // What this device wrote beyond its own documents (a department's
    // verdicts on the communes it opened) is tracked from every start.
    let kept = kept_documents(store).await?;
    let mut wanted = device::documents_for(commune.as_ref(), registry, province_summary);
    wanted.extend(
        kept.into_iter()
            .filter(|id| wanted.iter().all(|(w, _)| w != id))
            .map(|id| (id, device::Kind::Verdicts))
            .collect::<Vec<_>>(),
    );
    let documents = load_documents(store, wanted).await?;
    // Every writing session
    // (each tab, each start) writes as its own
    // actor: two tabs sharing one actor would each mint "sequence number n"
    // for different changes, which no document can hold.
    let actor = ActorId::from(platform::random_bytes::<16>());
    let mut own: BTreeSet<String> = store
        .meta(OWN_ACTORS)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default()
        .split(',')
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    own.insert(actor.to_hex_string());
    // Only names on screen depend on it: a lost write costs a label.
    let _ = store
        .set_meta(
            OWN_ACTORS,
            &own.iter().cloned().collect::<Vec<_>>().join(","),
        )
        .await;
    // A cache: without it the first view reads every household again.
    let kept_view = match &commune {
        Some(c) => store.kept_view(&c.document_id).await.unwrap_or_default(),
        None => None,
    };
    let (engine, effects) = DeviceEngine::start(Start {
        commune,
        peer,
        storage_id,
        actor,
        departments,
        create_survey: enrolment.is_none(),
        documents,
        kept_view,
        build: platform::build_id(),
    });
    Ok((engine, effects, own))
}

/// Where the ids of the documents [`Effect::Keep`] named are kept.
const KEPT_DOCUMENTS: &str = "kept-documents";
/// Where the commune last drilled into is kept (opened again at start).
const OPENED_COMMUNE: &str = "opened-commune";

async fn kept_documents(store: &LocalStore) -> Result<Vec<DocumentId>, String> {
    Ok(store
        .meta(KEPT_DOCUMENTS)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse().ok())
        .collect())
}

/// Loads documents and the heads the relay confirmed for each.
async fn load_documents(
    store: &LocalStore,
    wanted: Vec<(DocumentId, device::Kind)>,
) -> Result<Vec<StartDocument>, String> {
    let mut documents = Vec::new();
    for (id, kind) in wanted {
        let loaded = load(store, &id).await?;
        let confirmed: Vec<ChangeHash> = store
            .meta(&format!("confirmed/{id}"))
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or_default()
            .split(',')
            .filter_map(|h| h.parse().ok())
            .collect();
        documents.push(StartDocument {
            id,
            kind,
            loaded,
            confirmed,
        });
    }
    Ok(documents)
}

/// On a device that watches the province: drills into one commune (its
/// documents from IndexedDB, then from the relay), remembered for the
/// next start. `false` when the registry does not list it (yet).
pub async fn open_commune(code: String) -> bool {
    let Some(Some((commune, wanted, store))) = with_adapter(|a| {
        let commune = a.engine.commune_in_registry(&code)?;
        let wanted = a.engine.to_open(&commune);
        Some((commune, wanted, a.store.clone()))
    }) else {
        return false;
    };
    let documents = match load_documents(&store, wanted).await {
        Ok(documents) => documents,
        Err(e) => {
            platform::log(&format!("opening {code}: {e}"));
            return false;
        }
    };
    handle(Event::Open { commune, documents });
    // Only which commune shows next time depends on it.
    let _ = store.set_meta(OPENED_COMMUNE, &code).await;
    true
}

/// Records this device's department's verdict on the open commune;
/// resolves once it is durable in IndexedDB.
pub async fn appraise(appraise: device::Appraise) -> Result<(), EditError> {
    submit(|id| Event::Appraise(id, appraise)).await.1
}

/// Whether this device records the verdicts of the department owning a
/// criterion.
pub fn appraises(owner: &str) -> bool {
    with_adapter(|a| a.engine.appraises(owner)).unwrap_or(false)
}

/// Reads the survey document as durable on this device (forms use this and
/// track [`View::revision`]).
pub fn read_survey<R>(f: impl FnOnce(&automerge::Automerge) -> R) -> Option<R> {
    with_adapter(|a| {
        let id = a.engine.survey_id()?;
        a.engine.durable(&id).map(|doc| f(&doc))
    })
    .flatten()
}

/// The fields of an entry that concurrent edits left with several values,
/// as durable on this device.
pub fn conflicts(entry: &Entry) -> Vec<Conflict> {
    read_survey(|doc| ntm_core::survey::conflicts::of_entry(doc, entry)).unwrap_or_default()
}

/// Every value each field of an entry has had, newest first, as durable
/// on this device.
pub fn field_history(entry: &Entry) -> Vec<ntm_core::survey::field_history::FieldChange> {
    read_survey(|doc| ntm_core::survey::field_history::of_entry(doc, entry)).unwrap_or_default()
}

/// Whether an actor is one of this device's sessions.
pub fn is_own_actor(actor: &str) -> bool {
    with_adapter(|a| a.own_actors.contains(actor)).unwrap_or(false)
}

thread_local! {
    static WRITERS: RefCell<BTreeMap<String, WriterInfo>> = const { RefCell::new(BTreeMap::new()) };
}

/// The enrolled device behind an actor, once the relay has named it.
pub fn writer(actor: &str) -> Option<WriterInfo> {
    WRITERS.with(|w| w.borrow().get(actor).cloned())
}

/// Asks the relay which enrolled devices wrote with these actors (online,
/// enrolled devices only; otherwise nothing changes) and remembers them.
/// Returns whether any new name arrived.
pub async fn learn_writers(actors: Vec<String>) -> bool {
    let unknown: Vec<String> = actors
        .into_iter()
        .filter(|a| writer(a).is_none() && !is_own_actor(a))
        .take(WritersRequest::MAX_ACTORS)
        .collect();
    let token = with_adapter(|a| a.enrolment.as_ref().map(|e| e.token.clone())).flatten();
    let (Some(token), false) = (token, unknown.is_empty()) else {
        return false;
    };
    let body = serde_json::to_string(&WritersRequest { actors: unknown }).unwrap_or_default();
    let Ok((200, text)) =
        platform::fetch_json("POST", "/api/writers", Some(body), Some(&token)).await
    else {
        return false;
    };
    let Ok(reply) = serde_json::from_str::<WritersReply>(&text) else {
        return false;
    };
    let learned = !reply.writers.is_empty();
    WRITERS.with(|w| w.borrow_mut().extend(reply.writers));
    learned
}

/// Downloads the communes × criteria matrix of a catalog version from the
/// relay (`xlsx` or `csv`, in the device's language) and offers it as a
/// file.
pub async fn export_matrix(catalog: &str, format: &str) -> Result<(), String> {
    let token = with_adapter(|a| a.enrolment.as_ref().map(|e| e.token.clone())).flatten();
    let path = format!(
        "/api/export/matrix?catalog={catalog}&format={format}&lang={}",
        crate::i18n::locale().code()
    );
    let (status, bytes, _) = platform::fetch_bytes("GET", &path, None, token.as_deref()).await?;
    if status != 200 {
        return Err(String::from_utf8_lossy(&bytes).trim().to_owned());
    }
    let today = Date::of_unix_vn(platform::unix_seconds());
    let name = ntm_core::export::matrix_file_name(catalog, today);
    platform::download(&format!("{name}.{format}"), &bytes)
}

/// Sends one command; resolves once it is durable in IndexedDB (and only
/// then is it offered to the relay). Invalid values are refused and nothing
/// is written.
pub async fn edit(command: Command) -> Result<(), EditError> {
    submit(|id| Event::Command(id, command)).await.1
}

/// A sync bundle of this device's survey (as durable here) with the photos
/// it holds of it, and the file name to give it.
pub async fn export_bundle() -> Option<(String, Vec<u8>)> {
    let wanted = with_adapter(|a| a.engine.photo_blobs())?;
    let photos = crate::photos::held(wanted).await;
    with_adapter(|a| {
        let bytes = a.engine.export_bundle(photos)?;
        let today = Date::of_unix_vn(platform::unix_seconds());
        let name = format!(
            "{}-{:04}{:02}{:02}.{}",
            a.engine.commune()?.code,
            today.year,
            today.month,
            today.day,
            device::bundle::FILE_EXTENSION
        );
        Some((name, bytes))
    })
    .flatten()
}

/// What a bundle brought: changes new to this device, photos kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Changes this device did not have.
    pub changes: usize,
    /// Photos kept on this device (and queued for upload).
    pub photos: usize,
}

/// Merges a bundle from another device; resolves once its changes and its
/// photos are saved on this device.
pub async fn import_bundle(bytes: Vec<u8>) -> Result<Imported, EditError> {
    let (id, result) = submit(|id| Event::ImportBundle(id, bytes)).await;
    let (changes, blobs) = with_adapter(|a| a.imported.remove(&id))
        .flatten()
        .unwrap_or_default();
    result?;
    let photos = read_survey(ntm_core::survey::photo::all).unwrap_or_default();
    let photos = crate::photos::keep_imported(blobs, &photos)
        .await
        .map_err(EditError::NotSaved)?;
    Ok(Imported { changes, photos })
}

/// Feeds an edit-like event and waits for its outcome.
async fn submit(event: impl FnOnce(EditId) -> Event<'static>) -> (EditId, Result<(), EditError>) {
    let (done, outcome) = oneshot::channel();
    let Some(id) = with_adapter(|a| {
        a.next_edit += 1;
        let id = EditId(a.next_edit);
        a.waiting.insert(id, done);
        id
    }) else {
        let stopped = EditError::NotSaved("the engine is not running".into());
        return (EditId(0), Err(stopped));
    };
    handle(event(id));
    let result = outcome
        .await
        .unwrap_or_else(|_| Err(EditError::NotSaved("the engine stopped".into())));
    (id, result)
}

/// Executes the engine's effects.
fn execute(effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Append { doc, bytes } => {
                let Some(store) = with_adapter(|a| a.store.clone()) else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    match store.append(&doc, bytes).await {
                        Ok(key) => handle(Event::Appended { doc, key }),
                        Err(e) => handle(Event::AppendFailed {
                            doc,
                            error: e.to_string(),
                        }),
                    }
                });
            }
            Effect::Compact {
                doc,
                snapshot,
                replaced,
            } => {
                let Some(store) = with_adapter(|a| a.store.clone()) else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    match store.compact(&doc, snapshot, &replaced).await {
                        Ok(key) => handle(Event::Compacted { doc, key }),
                        Err(_) => handle(Event::CompactFailed { doc }),
                    }
                });
            }
            Effect::SaveConfirmed { doc, heads } => {
                let Some(store) = with_adapter(|a| a.store.clone()) else {
                    return;
                };
                let text = heads
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                leptos::task::spawn_local(async move {
                    let _ = store.set_meta(&format!("confirmed/{doc}"), &text).await;
                });
            }
            Effect::Send(bytes) => {
                with_adapter(|a| {
                    if let Some(socket) = &a.socket {
                        socket.send(&bytes);
                    }
                });
            }
            Effect::Connect => connect(),
            Effect::CloseConnection => {
                with_adapter(|a| {
                    if let Some(socket) = &a.socket {
                        socket.close();
                    }
                });
            }
            Effect::Wake { after_ms, timer } => leptos::prelude::set_timeout(
                move || handle(Event::Timer(timer)),
                Duration::from_millis(after_ms),
            ),
            Effect::EditDone { edit, result } => {
                if let Some(Some(done)) = with_adapter(|a| a.waiting.remove(&edit)) {
                    let _ = done.send(result);
                }
            }
            Effect::Imported {
                edit,
                new_changes,
                photos,
            } => {
                with_adapter(|a| a.imported.insert(edit, (new_changes, photos)));
            }
            Effect::Keep { doc } => {
                // The whole list each time, from memory: writes made in
                // order land in order, so the last one holds every id.
                let Some(Some((store, text))) = with_adapter(|a| {
                    a.kept.insert(doc).then(|| {
                        let ids: Vec<String> = a.kept.iter().map(ToString::to_string).collect();
                        (a.store.clone(), ids.join(","))
                    })
                }) else {
                    continue;
                };
                leptos::task::spawn_local(async move {
                    if let Err(e) = store.set_meta(KEPT_DOCUMENTS, &text).await {
                        platform::log(&format!("keeping {doc}: {e}"));
                    }
                });
            }
            Effect::Publish => publish(),
            Effect::Log(line) => platform::log(&line),
        }
    }
}

/// The problem in the device's language.
pub fn problem_text(problem: &Problem) -> String {
    match problem {
        Problem::SetAside(n) => tf("problem-set-aside", &[("count", (*n).into())]),
        Problem::NotSaved(_) => t("problem-not-saved"),
        Problem::Remote(message) => tf("problem-remote", &[("message", message.as_str().into())]),
        Problem::DeviceRefused(reason) => tf(
            "problem-device-refused",
            &[("reason", reason.as_str().into())],
        ),
    }
}

/// Refreshes the signals from the engine: status always, the view when
/// durable data changed.
fn publish() {
    with_adapter(|a| {
        let DeviceStatus {
            sync,
            unconfirmed,
            last_saved,
            last_sync,
            problem,
        } = a.engine.status();
        let today = Date::of_unix_vn(platform::unix_seconds());
        if let Some(v) = a.engine.view(today) {
            let view = a.view;
            view.listing.set(v.listing);
            view.infrastructure.set(v.infrastructure);
            view.attestations.set(v.attestations);
            // Before the scorecards, which read it when they re-render.
            view.behind.set(v.behind);
            view.scorecards.set(v.scorecards);
            view.catalogs.set(v.catalogs);
            view.registry_entry.set(v.registry_entry);
            view.predecessor_names.set(v.predecessor_names);
            view.succeeded_by.set(v.succeeded_by);
            view.appraisal.set(v.appraisal);
            view.commune.set(v.name);
            set_if_changed(view.province, v.province);
            set_if_changed(view.opened, a.engine.opened().map(|c| c.code.clone()));
            set_if_changed(view.opened_received, a.engine.opened_received());
            view.revision.update(|r| *r += 1);
            let keep = a.engine.view_to_keep(platform::unix_seconds());
            if let Some((bytes, doc)) = keep.zip(a.engine.survey_id()) {
                let store = a.store.clone();
                leptos::task::spawn_local(async move {
                    // A cache: a failed write only makes the next start slower.
                    let _ = store.keep_view(&doc, bytes).await;
                });
            }
        }
        let view = a.view;
        set_if_changed(view.status, sync);
        set_if_changed(view.unconfirmed, unconfirmed);
        set_if_changed(view.last_saved, last_saved);
        set_if_changed(view.last_sync, last_sync);
        set_if_changed(view.problem, problem);
    });
}

/// Sets a signal only when the value differs (every sync step publishes;
/// the header should not re-render for nothing).
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|v| *v != value) {
        signal.set(value);
    }
}

/// Opens the connection to the relay. An enrolled device first trades its
/// token (sent in a header) for a single-use ticket; only the ticket goes
/// into the WebSocket's URL.
fn connect() {
    let Some(token) = with_adapter(|a| a.enrolment.as_ref().map(|en| en.token.clone())) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let ticket = match token {
            Some(token) => match fetch_ticket(&token).await {
                Ok(ticket) => Some(ticket),
                Err((refused, message)) => {
                    platform::log(&message);
                    return handle(Event::ConnectFailed { refused });
                }
            },
            None => None,
        };
        let opened = with_adapter(|a| {
            let mut url = platform::relay_sync_url();
            if let Some(ticket) = ticket {
                url = format!("{url}?ticket={ticket}&peer={}", a.engine.peer_id());
            }
            match Socket::open(&url, on_socket_event) {
                Ok(socket) => {
                    a.socket = Some(socket);
                    true
                }
                Err(_) => false,
            }
        });
        if opened == Some(false) {
            handle(Event::ConnectFailed { refused: None });
        }
    });
}

/// A single-use connection ticket for this device's token; on failure,
/// the relay's reason if it refused the device, and a log line.
async fn fetch_ticket(token: &str) -> Result<String, (Option<String>, String)> {
    let (status, body) = platform::fetch_json("POST", "/sync/ticket", None, Some(token))
        .await
        .map_err(|e| (None, e))?;
    if status != 200 {
        let refused = (status == 401 || status == 403).then(|| body.trim().to_owned());
        return Err((
            refused,
            format!("ticket refused ({status}): {}", body.trim()),
        ));
    }
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["ticket"].as_str().map(str::to_owned))
        .ok_or_else(|| (None, "bad ticket reply".to_owned()))
}

fn on_socket_event(event: SocketEvent) {
    match event {
        SocketEvent::Open => {
            // Online again: the relay may serve a newer app.
            platform::check_for_new_version();
            crate::photos::set_online(true);
            handle(Event::Connected)
        }
        SocketEvent::Frame(bytes) => handle(Event::Frame(&bytes)),
        SocketEvent::Closed => {
            with_adapter(|a| a.socket = None);
            crate::photos::set_online(false);
            handle(Event::Disconnected);
        }
    }
}
