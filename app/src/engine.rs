//! The device engine: one commune's survey document, kept durable in
//! IndexedDB and synced with the relay. Views call [`edit`]; the engine
//! publishes what they show through the [`View`] signals.
//!
//! Order of an edit: apply in `ntm-core` (one Automerge change) → append to
//! IndexedDB and wait for the commit → show it (saved) → offer it to the relay.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use automerge::{ActorId, Automerge, ChangeHash};
use leptos::prelude::*;
use ntm_core::catalog::{Catalog, Region};
use ntm_core::evaluation::{evaluate, Scorecard};
use ntm_core::survey::{self, CommuneRef, Household, SurveyError};
use ntm_core::sync::{Backoff, ClientEvent, ClientOutput, SyncClient, SyncStatus};
use ntm_core::{DocumentId, PeerId};

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
    /// Households, as durable on this device.
    pub households: RwSignal<Vec<Household>>,
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
    /// The commune's scorecards (one per shipped catalog), from durable data.
    pub scorecards: RwSignal<Vec<Scorecard>>,
}

impl View {
    /// Fresh signals (in the current reactive owner).
    pub fn new() -> Self {
        Self {
            phase: RwSignal::new(Phase::Loading),
            commune: RwSignal::new(String::new()),
            households: RwSignal::new(Vec::new()),
            status: RwSignal::new(SyncStatus::Offline),
            unconfirmed: RwSignal::new(0),
            last_saved: RwSignal::new(None),
            last_sync: RwSignal::new(None),
            offline_ready: RwSignal::new(false),
            problem: RwSignal::new(None),
            scorecards: RwSignal::new(Vec::new()),
        }
    }
}

impl Default for View {
    fn default() -> Self {
        Self::new()
    }
}

struct Engine {
    view: View,
    store: Rc<LocalStore>,
    client: SyncClient,
    doc_id: DocumentId,
    /// Heads of what is already in IndexedDB.
    persisted: Vec<ChangeHash>,
    /// Keys of the chunks that make up `persisted`.
    chunk_keys: Vec<String>,
    compacting: bool,
    /// Confirmed heads last written to the store.
    confirmed_saved: Vec<ChangeHash>,
    socket: Option<Socket>,
    backoff: Backoff,
    /// Criteria catalogs in force on this device.
    catalogs: Vec<Catalog>,
    /// The commune's applicable region.
    region: Region,
    /// Heads the list and scorecards were last computed for.
    shown_heads: Option<Vec<ChangeHash>>,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

fn with_engine<R>(f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
    ENGINE.with(|cell| cell.borrow_mut().as_mut().map(f))
}

/// Starts the engine for the demo commune; the views show its progress.
pub fn boot(view: View) {
    leptos::task::spawn_local(async move {
        match open(view, survey::demo_commune()).await {
            Ok(engine) => {
                ENGINE.with(|cell| *cell.borrow_mut() = Some(engine));
                view.phase.set(Phase::Ready);
                publish();
                connect();
                // A tablet walking into coverage should not wait out its backoff.
                platform::on_network_back(connect);
            }
            Err(message) => {
                platform::log(&message);
                view.phase.set(Phase::Failed(message));
            }
        }
        if platform::register_service_worker().await {
            view.offline_ready.set(true);
        }
    });
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn open(view: View, commune: CommuneRef) -> Result<Engine, String> {
    let store = LocalStore::open()
        .await
        .map_err(|e| format!("Không mở được bộ nhớ máy (IndexedDB): {e}"))?;
    let id = commune.document_id;
    let chunks = store
        .load(&id)
        .await
        .map_err(|e| format!("Không đọc được dữ liệu đã lưu: {e}"))?;
    let mut doc = Automerge::new();
    for bytes in &chunks.bytes {
        // A chunk that does not load is a bug or corruption: stop rather
        // than write over the user's data.
        doc.load_incremental(bytes)
            .map_err(|e| format!("Dữ liệu đã lưu bị hỏng: {e}"))?;
    }
    let mut chunk_keys = chunks.keys;
    if doc.get_heads().is_empty() {
        doc = survey::genesis(&commune);
        let key = store
            .append(&id, doc.save())
            .await
            .map_err(|e| e.to_string())?;
        chunk_keys.push(key);
    }
    let actor = device_setting(&store, "actor", || hex(&platform::random_bytes::<16>())).await?;
    doc.set_actor(ActorId::try_from(actor.as_str()).map_err(|e| e.to_string())?);
    let storage_id = device_setting(
        &store,
        "storage-id",
        || hex(&platform::random_bytes::<16>()),
    )
    .await?;
    let confirmed: Vec<ChangeHash> = store
        .meta(&format!("confirmed/{id}"))
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default()
        .split(',')
        .filter_map(|h| h.parse().ok())
        .collect();
    let persisted = doc.get_heads();
    let mut client = SyncClient::new(
        PeerId::for_device(platform::random_bytes()),
        Some(storage_id),
    );
    client.add_document(id, doc, confirmed.clone());
    Ok(Engine {
        view,
        store: Rc::new(store),
        client,
        doc_id: id,
        persisted,
        chunk_keys,
        compacting: false,
        confirmed_saved: confirmed,
        socket: None,
        backoff: Backoff::default(),
        catalogs: ntm_core::catalog::shipped(),
        region: commune.applicable_region,
        shown_heads: None,
    })
}

/// Refreshes every signal from the engine's state.
fn publish() {
    with_engine(|e| {
        let doc = e
            .client
            .document(&e.doc_id)
            .expect("the engine tracks its document");
        // What the list shows is what is durable; the in-memory document can
        // only be ahead of it for the moment an append is in flight.
        // Recompute the list and the scorecards only when the durable data changed.
        if e.shown_heads.as_ref() != Some(&e.persisted) {
            let durable_copy;
            let durable = if doc.get_heads() == e.persisted {
                doc
            } else {
                durable_copy = doc.fork_at(&e.persisted).unwrap_or_else(|_| doc.clone());
                &durable_copy
            };
            e.view.households.set(survey::households(durable));
            let year = ntm_core::format::civil_date_vn(platform::unix_seconds()).0;
            let facts = survey::facts(durable, year);
            let cards = e
                .catalogs
                .iter()
                .map(|c| evaluate(c, e.region, year as i32, &facts))
                .collect();
            e.view.scorecards.set(cards);
            e.shown_heads = Some(e.persisted.clone());
        }
        e.view
            .commune
            .set(survey::commune_name(doc).unwrap_or_default());
        e.view.status.set(e.client.status());
        e.view.unconfirmed.set(e.client.unconfirmed_changes());
    });
}

/// Applies one edit (one Automerge change); resolves once it is durable.
/// Invalid values are refused and nothing is written.
pub async fn edit(
    change: impl FnOnce(&mut Automerge, i64) -> Result<(), SurveyError>,
) -> Result<(), SurveyError> {
    let now = platform::unix_seconds();
    with_engine(|e| {
        let doc = e
            .client
            .document_mut(&e.doc_id)
            .expect("the engine tracks its document");
        change(doc, now)
    })
    .unwrap_or(Err(SurveyError::NotASurvey))?;
    persist().await;
    let outputs = with_engine(|e| {
        let id = e.doc_id;
        e.client.handle(ClientEvent::LocalChange(id))
    });
    if let Some(Ok(outputs)) = outputs {
        dispatch(outputs);
    }
    publish();
    Ok(())
}

/// Appends whatever the document has beyond what is stored.
async fn persist() {
    let Some((store, id, bytes, heads)) = with_engine(|e| {
        let doc = e.client.document(&e.doc_id).expect("tracked");
        (
            e.store.clone(),
            e.doc_id,
            doc.save_after(&e.persisted),
            doc.get_heads(),
        )
    }) else {
        return;
    };
    if bytes.is_empty() {
        return;
    }
    match store.append(&id, bytes).await {
        Ok(key) => {
            with_engine(|e| {
                e.persisted = heads;
                e.chunk_keys.push(key);
                e.view.last_saved.set(Some(platform::unix_seconds()));
                e.view.problem.set(None);
            });
            compact_if_needed().await;
        }
        Err(err) => {
            platform::log(&err.to_string());
            with_engine(|e| {
                e.view
                    .problem
                    .set(Some(format!("Chưa lưu được vào máy, sẽ thử lại: {err}")));
            });
            leptos::prelude::set_timeout(
                || leptos::task::spawn_local(persist()),
                Duration::from_secs(2),
            );
        }
    }
    publish();
}

async fn compact_if_needed() {
    let Some((store, id, snapshot, replaced)) = with_engine(|e| {
        if e.compacting || e.chunk_keys.len() <= COMPACT_AFTER_CHUNKS {
            return None;
        }
        e.compacting = true;
        let doc = e.client.document(&e.doc_id).expect("tracked");
        let snapshot = doc.fork_at(&e.persisted).map(|d| d.save()).ok()?;
        Some((e.store.clone(), e.doc_id, snapshot, e.chunk_keys.clone()))
    })
    .flatten() else {
        return;
    };
    let result = store.compact(&id, snapshot, &replaced).await;
    with_engine(|e| {
        e.compacting = false;
        if let Ok(key) = result {
            e.chunk_keys.retain(|k| !replaced.contains(k));
            e.chunk_keys.push(key);
        }
    });
}

fn dispatch(outputs: Vec<ClientOutput>) {
    for output in outputs {
        match output {
            ClientOutput::Send(bytes) => {
                with_engine(|e| {
                    if let Some(socket) = &e.socket {
                        socket.send(&bytes);
                    }
                });
            }
            ClientOutput::DocumentChanged(_) => leptos::task::spawn_local(persist()),
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

/// Opens the connection to the relay unless one is open or opening.
fn connect() {
    let url = platform::relay_url();
    let opened = with_engine(|e| {
        if e.socket.is_some() {
            return true;
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
        let confirmed = e.client.confirmed_heads(&e.doc_id).to_vec();
        let changed = (confirmed != e.confirmed_saved).then(|| {
            e.confirmed_saved = confirmed.clone();
            (e.store.clone(), e.doc_id, confirmed)
        });
        (status, e.socket.is_none(), changed)
    }) else {
        return;
    };
    if let Some((store, id, heads)) = confirmed_changed {
        let text = heads
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        leptos::task::spawn_local(async move {
            let _ = store.set_meta(&format!("confirmed/{id}"), &text).await;
        });
    }
    if status == SyncStatus::Offline && disconnected {
        schedule_reconnect();
    }
    publish();
}
