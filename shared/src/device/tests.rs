//! The device engine driven by an in-memory store (whose writes can be held
//! back or refused) and an in-test relay.

use std::collections::BTreeMap;

use automerge::ActorId;

use super::*;
use crate::survey::photo::Photo;
use crate::survey::{self, HouseholdId};
use crate::sync::tests::TestRelay;

/// Executes the engine's effects: the store in memory (appends wait in
/// `pending` until [`Device::settle`]), the relay in the test.
struct Device {
    engine: DeviceEngine,
    store: BTreeMap<DocumentId, Vec<(String, Vec<u8>)>>,
    pending: Vec<Effect>,
    refuse_writes: bool,
    relay: TestRelay,
    relay_up: bool,
    timers: Vec<Timer>,
    done: Vec<(EditId, Result<(), EditError>)>,
    imported: Vec<usize>,
    imported_photos: Vec<(BlobHash, Vec<u8>)>,
    sent: usize,
    compactions: usize,
    keys: u64,
    now: i64,
    edits: u64,
    /// What [`Effect::Keep`] asked to load at every start.
    kept: Vec<DocumentId>,
}

fn env(now: i64) -> Env {
    Env { now, random: 0.5 }
}

fn start_with(
    store: BTreeMap<DocumentId, Vec<(String, Vec<u8>)>>,
    relay: TestRelay,
    actor: u8,
) -> Device {
    start_keeping(store, None, "build-1", relay, actor, None, &[])
}

/// Starts a device that watches the province: it tracks the summary too.
fn start_watching(relay: TestRelay, actor: u8) -> Device {
    let summary = crate::summary::document_id(crate::demo::PROVINCE_CODE);
    start_keeping(
        BTreeMap::new(),
        None,
        "build-1",
        relay,
        actor,
        Some(summary),
        &[],
    )
}

/// Starts a device whose store also kept a view (see `view_to_keep`).
fn start_keeping(
    store: BTreeMap<DocumentId, Vec<(String, Vec<u8>)>>,
    kept_view: Option<Vec<u8>>,
    build: &str,
    relay: TestRelay,
    actor: u8,
    province_summary: Option<DocumentId>,
    departments: &[&str],
) -> Device {
    // A device watching the province has no commune of its own.
    let commune = province_summary.is_none().then(survey::demo_commune);
    let registry = survey::demo_commune().registry_id;
    let documents = documents_for(commune.as_ref(), registry, province_summary)
        .into_iter()
        .map(|(id, kind)| StartDocument {
            id,
            kind,
            loaded: loaded(&store, &id),
            confirmed: Vec::new(),
        })
        .collect();
    let (engine, effects) = DeviceEngine::start(Start {
        commune,
        peer: PeerId::new(format!("device-{actor}")),
        storage_id: format!("storage-{actor}"),
        actor: ActorId::from(vec![actor; 16]),
        departments: departments.iter().map(|d| (*d).to_owned()).collect(),
        create_survey: true,
        documents,
        kept_view,
        build: build.into(),
    });
    let mut device = Device {
        engine,
        store,
        pending: Vec::new(),
        refuse_writes: false,
        relay,
        relay_up: true,
        timers: Vec::new(),
        done: Vec::new(),
        imported: Vec::new(),
        imported_photos: Vec::new(),
        sent: 0,
        compactions: 0,
        keys: 0,
        now: 1_750_000_000,
        edits: 0,
        kept: Vec::new(),
    };
    device.run(effects);
    device
}

impl Device {
    fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            let next = match effect {
                Effect::Append { .. } | Effect::Compact { .. } => {
                    self.pending.push(effect);
                    Vec::new()
                }
                Effect::Send(bytes) => {
                    self.sent += 1;
                    let replies = self.relay.receive(&bytes);
                    let mut out = Vec::new();
                    for r in replies {
                        out.extend(self.engine.handle(Event::Frame(&r), env(self.now)));
                    }
                    out
                }
                Effect::Connect if self.relay_up => {
                    self.relay.reconnect();
                    self.engine.handle(Event::Connected, env(self.now))
                }
                Effect::Connect => self
                    .engine
                    .handle(Event::ConnectFailed { refused: None }, env(self.now)),
                Effect::Wake { timer, .. } => {
                    self.timers.push(timer);
                    Vec::new()
                }
                Effect::EditDone { edit, result } => {
                    self.done.push((edit, result));
                    Vec::new()
                }
                Effect::Imported {
                    new_changes,
                    photos,
                    ..
                } => {
                    self.imported.push(new_changes);
                    self.imported_photos.extend(photos);
                    Vec::new()
                }
                Effect::Keep { doc } => {
                    self.kept.push(doc);
                    Vec::new()
                }
                Effect::SaveConfirmed { .. }
                | Effect::CloseConnection
                | Effect::Publish
                | Effect::Log(_) => Vec::new(),
            };
            queue.extend(next);
        }
    }

    /// Lets the store finish every write asked so far (and those they lead to).
    fn settle(&mut self) {
        while !self.pending.is_empty() {
            for effect in std::mem::take(&mut self.pending) {
                let event = match effect {
                    Effect::Append { doc, bytes } if self.refuse_writes => {
                        let _ = bytes;
                        Event::AppendFailed {
                            doc,
                            error: "QuotaExceededError".into(),
                        }
                    }
                    Effect::Append { doc, bytes } => {
                        self.keys += 1;
                        let key = format!("{doc}/{:08}", self.keys);
                        self.store
                            .entry(doc)
                            .or_default()
                            .push((key.clone(), bytes));
                        Event::Appended { doc, key }
                    }
                    Effect::Compact {
                        doc,
                        snapshot,
                        replaced,
                    } => {
                        self.keys += 1;
                        self.compactions += 1;
                        let key = format!("{doc}/{:08}", self.keys);
                        let chunks = self.store.entry(doc).or_default();
                        chunks.retain(|(k, _)| !replaced.contains(k));
                        chunks.push((key.clone(), snapshot));
                        Event::Compacted { doc, key }
                    }
                    _ => unreachable!(),
                };
                let effects = self.engine.handle(event, env(self.now));
                self.run(effects);
            }
        }
    }

    fn command(&mut self, command: Command) -> EditId {
        self.submit(|edit| Event::Command(edit, command))
    }

    fn import(&mut self, bytes: Vec<u8>) -> EditId {
        self.submit(|edit| Event::ImportBundle(edit, bytes))
    }

    fn submit(&mut self, event: impl FnOnce(EditId) -> Event<'static>) -> EditId {
        self.edits += 1;
        let edit = EditId(self.edits);
        self.now += 1;
        let effects = self.engine.handle(event(edit), env(self.now));
        self.run(effects);
        edit
    }

    fn outcome(&self, edit: EditId) -> Option<&Result<(), EditError>> {
        self.done.iter().find(|(e, _)| *e == edit).map(|(_, r)| r)
    }

    fn stored_households(&self) -> Vec<String> {
        heads_of(&loaded(&self.store, &survey_id()).doc)
    }
}

/// A document as the in-memory store holds it, loaded.
fn loaded(store: &BTreeMap<DocumentId, Vec<(String, Vec<u8>)>>, id: &DocumentId) -> Loaded {
    let chunks = store.get(id).cloned().unwrap_or_default();
    load_chunks(&StoredChunks {
        keys: chunks.iter().map(|(k, _)| k.clone()).collect(),
        bytes: chunks.into_iter().map(|(_, b)| b).collect(),
    })
}

fn heads_of(doc: &Automerge) -> Vec<String> {
    survey::households(doc)
        .into_iter()
        .filter_map(|h| h.head.value)
        .collect()
}

fn survey_id() -> DocumentId {
    survey::demo_commune().document_id
}

fn add(head: &str, n: u8) -> Command {
    Command::AddHousehold {
        id: HouseholdId::from_random([n; 16]),
        head: head.into(),
        members: 3,
        village: "Bản Hồ".into(),
    }
}

/// A relay that already holds the demo commune's genesis.
fn relay() -> TestRelay {
    TestRelay::with([(survey_id(), survey::genesis(&survey::demo_commune()))])
}

#[test]
fn an_edit_is_saved_on_the_device_before_anything_is_sent() {
    let mut device = start_with(BTreeMap::new(), relay(), 1);
    device.settle();
    assert_eq!(device.engine.status().sync, SyncStatus::UpToDate);
    let sent = device.sent;
    let edit = device.command(add("Thào A Chứ", 1));
    // Applied in memory, asked of the store: not saved, not sent.
    assert_eq!(device.outcome(edit), None);
    assert_eq!(device.sent, sent);
    assert!(heads_of(device.relay.doc(&survey_id())).is_empty());
    device.settle();
    assert_eq!(device.outcome(edit), Some(&Ok(())));
    assert_eq!(device.stored_households(), ["Thào A Chứ"]);
    assert_eq!(heads_of(device.relay.doc(&survey_id())), ["Thào A Chứ"]);
    assert_eq!(device.engine.status().unconfirmed, 0);
    assert!(device.engine.status().last_saved.is_some());
}

#[test]
fn a_refused_edit_writes_nothing() {
    let mut device = start_with(BTreeMap::new(), relay(), 1);
    device.settle();
    let edit = device.command(add("   ", 1));
    assert!(matches!(
        device.outcome(edit),
        Some(Err(EditError::Refused(_)))
    ));
    assert!(device.pending.is_empty());
}

#[test]
fn a_write_the_store_refuses_is_not_saved_not_sent_and_retried() {
    let mut device = start_with(BTreeMap::new(), relay(), 1);
    device.settle();
    device.refuse_writes = true;
    let edit = device.command(add("Hộ chưa lưu", 1));
    device.settle();
    assert!(matches!(
        device.outcome(edit),
        Some(Err(EditError::NotSaved(_)))
    ));
    assert!(matches!(
        device.engine.status().problem,
        Some(Problem::NotSaved(_))
    ));
    assert!(heads_of(device.relay.doc(&survey_id())).is_empty());
    assert_eq!(device.timers, [Timer::RetrySave]);
    // The store takes writes again: the retry saves it, and only then is it sent.
    device.refuse_writes = false;
    let effects = device
        .engine
        .handle(Event::Timer(Timer::RetrySave), env(device.now));
    device.run(effects);
    assert!(heads_of(device.relay.doc(&survey_id())).is_empty());
    device.settle();
    assert_eq!(device.stored_households(), ["Hộ chưa lưu"]);
    assert_eq!(heads_of(device.relay.doc(&survey_id())), ["Hộ chưa lưu"]);
    assert_eq!(device.engine.status().problem, None);
}

#[test]
fn changes_from_the_relay_are_stored_and_replies_wait_until_they_are() {
    // Another device's household is on the relay.
    let mut other = survey::genesis(&survey::demo_commune());
    other.set_actor(ActorId::from(vec![9; 16]));
    add("Vàng Thị Mai", 2).apply(&mut other, 1).unwrap();
    let mut device = start_with(BTreeMap::new(), TestRelay::with([(survey_id(), other)]), 1);
    // Received in memory, not yet stored: the device holds its replies.
    assert_eq!(device.engine.status().sync, SyncStatus::Syncing);
    device.settle();
    assert_eq!(device.stored_households(), ["Vàng Thị Mai"]);
    assert_eq!(device.engine.status().sync, SyncStatus::UpToDate);
    let view = device
        .engine
        .view(Date::parse("02/12/2026").unwrap())
        .unwrap();
    assert_eq!(view.listing.len(), 1);
    // Nothing changed since: no new view.
    assert!(device
        .engine
        .view(Date::parse("02/12/2026").unwrap())
        .is_none());
}

#[test]
fn a_device_watching_the_province_shows_it_as_the_summary_has_it() {
    use crate::demo::{generate, seed_documents, DemoParams, PROVINCE_CODE};
    let province = generate(DemoParams {
        communes: 8,
        households: (5, 8),
        ..DemoParams::default()
    });
    let at = 1_790_000_000;
    let docs = seed_documents(&province, &["no-such-unit"], 2026, at);
    let of = |kind| {
        docs.iter()
            .find(|d| d.kind == kind)
            .map(|d| (d.id, d.doc.clone()))
            .unwrap()
    };
    let registry = of(crate::access::DocumentKind::Registry);
    let summary = of(crate::access::DocumentKind::Summary);
    assert_eq!(summary.0, crate::summary::document_id(PROVINCE_CODE));
    let today = Date::of_unix_vn(at);
    let tablet_survey = (survey_id(), survey::genesis(&survey::demo_commune()));
    let relay = || TestRelay::with([registry.clone(), summary.clone(), tablet_survey.clone()]);

    // A commune's tablet does not track it.
    let mut tablet = start_with(BTreeMap::new(), relay(), 1);
    tablet.settle();
    assert!(tablet.engine.view(today).unwrap().province.is_none());

    let mut office = start_watching(relay(), 2);
    office.settle();
    // It holds no commune's survey, and has nothing to edit.
    assert!(office.engine.survey_id().is_none());
    assert!(!office.store.contains_key(&survey_id()));
    let edit = office.command(add("Hộ của văn phòng", 1));
    let refused = office.outcome(edit);
    assert!(
        matches!(refused, Some(Err(EditError::Refused(_)))),
        "{refused:?}"
    );
    let view = office.engine.view(today).unwrap();
    assert!(view.listing.is_empty());
    let shown = view.province.expect("the province overview");
    let entries = crate::summary::read(&summary.1).unwrap();
    let registry = crate::registry::document::read(&registry.1).unwrap();
    let (rows, totals) = crate::overview::overview_of_summary(&registry, &entries, today);
    assert_eq!((&shown.rows, &shown.totals), (&rows, &totals));
    assert_eq!(shown.rows.len(), registry.as_of(today).count());
    assert!(
        shown.rows.iter().all(|r| !r.scores.is_empty()),
        "every unit scored"
    );
}

/// Opens a commune the way the adapter does: its documents as stored.
fn open_commune(device: &mut Device, code: &str) -> CommuneRef {
    let commune = device.engine.commune_in_registry(code).expect("listed");
    let documents = device
        .engine
        .to_open(&commune)
        .into_iter()
        .map(|(id, kind)| StartDocument {
            id,
            kind,
            loaded: loaded(&device.store, &id),
            confirmed: Vec::new(),
        })
        .collect();
    let effects = device.engine.handle(
        Event::Open {
            commune: commune.clone(),
            documents,
        },
        env(device.now),
    );
    device.run(effects);
    device.settle();
    commune
}

#[test]
fn a_department_drills_into_a_commune_and_appraises_only_the_criteria_it_owns() {
    use crate::appraisal::Verdict;
    use crate::demo::{generate, seed_documents, DemoParams};
    let province = generate(DemoParams {
        communes: 8,
        households: (5, 8),
        ..DemoParams::default()
    });
    let at = 1_790_000_000;
    let today = Date::of_unix_vn(at);
    let units: Vec<String> = province
        .registry
        .as_of(today)
        .take(2)
        .map(|c| c.code.clone())
        .collect();
    let docs = seed_documents(&province, &[&units[0], &units[1]], 2026, at);
    let relay = TestRelay::with(docs.iter().map(|d| (d.id, d.doc.clone())));
    let summary = crate::summary::document_id(crate::demo::PROVINCE_CODE);
    let mut department = start_keeping(
        BTreeMap::new(),
        None,
        "build-1",
        relay,
        4,
        Some(summary),
        &["so-xd"],
    );
    department.settle();
    assert!(department.engine.opened().is_none());

    // Before any commune is open, a verdict has nowhere to go.
    let appraise = |criterion: u32, verdict: Verdict, remark: &str| Appraise {
        catalog: "ntm-2026-2030".into(),
        criterion,
        verdict,
        remark: remark.into(),
    };
    let early = department.submit(|e| Event::Appraise(e, appraise(1, Verdict::Met, "")));
    assert!(matches!(
        department.outcome(early),
        Some(Err(EditError::Appraisal(
            crate::appraisal::AppraisalError::NoCommuneOpen
        )))
    ));

    // Drilling in fetches that commune's survey, dossier and verdicts.
    let first = open_commune(&mut department, &units[0]);
    assert_eq!(department.engine.opened(), Some(&first));
    assert!(
        department.engine.opened_received(),
        "fetched from the relay"
    );
    assert!(department.store.contains_key(&first.document_id));
    let view = department.engine.view(today).unwrap();
    assert!(!view.listing.is_empty(), "its households are shown");
    assert!(view.province.is_some(), "the province stays");

    // Criterion 1 (planning) is the construction department's; criterion 3
    // (irrigation) is not.
    let owned = department
        .submit(|e| Event::Appraise(e, appraise(1, Verdict::NotMet, "Quy hoạch chưa duyệt")));
    department.settle();
    assert_eq!(department.outcome(owned), Some(&Ok(())));
    let not_ours = department.submit(|e| Event::Appraise(e, appraise(3, Verdict::Met, "")));
    assert!(matches!(
        department.outcome(not_ours),
        Some(Err(EditError::Appraisal(
            crate::appraisal::AppraisalError::NotOwner { .. }
        )))
    ));
    let no_remark = department.submit(|e| Event::Appraise(e, appraise(1, Verdict::NotMet, " ")));
    assert!(matches!(
        department.outcome(no_remark),
        Some(Err(EditError::Appraisal(
            crate::appraisal::AppraisalError::RemarkRequired
        )))
    ));

    // Saved in its own verdicts document, sent to the relay, shown.
    let own = first.appraisal.verdicts["so-xd"];
    assert!(department.kept.contains(&own), "loaded at every start");
    let seeded = docs.iter().find(|d| d.id == own).expect("seeded");
    let before = crate::appraisal::verdicts::read(&seeded.doc).unwrap().len();
    let on_relay = crate::appraisal::verdicts::read(department.relay.doc(&own)).unwrap();
    assert_eq!(
        on_relay.len(),
        before + 1,
        "one decision more, and only one"
    );
    let last = on_relay.last().unwrap();
    assert_eq!((last.criterion, last.verdict), (1, Verdict::NotMet));
    let view = department.engine.view(today).unwrap();
    let decision = view
        .appraisal
        .verdict("ntm-2026-2030", 1)
        .expect("the verdict is in the view");
    assert_eq!(decision.remark, "Quy hoạch chưa duyệt");
    assert_eq!(department.engine.status().unconfirmed, 0);

    // Opening another commune lets the first one's survey go, keeps the
    // department's own verdicts.
    let second = open_commune(&mut department, &units[1]);
    assert!(department
        .engine
        .client
        .document(&first.document_id)
        .is_none());
    assert!(department.engine.client.document(&own).is_some());
    assert!(department
        .engine
        .client
        .document(&second.document_id)
        .is_some());
    let view = department.engine.view(today).unwrap();
    assert!(view.name.starts_with(&second.name), "{}", view.name);
    assert_ne!(
        view.appraisal
            .verdict("ntm-2026-2030", 1)
            .map(|d| d.remark.as_str()),
        Some("Quy hoạch chưa duyệt"),
        "the first commune's verdict is not the second's"
    );
}

#[test]
fn what_was_stored_opens_again_and_a_bad_chunk_is_set_aside() {
    let mut device = start_with(BTreeMap::new(), relay(), 1);
    device.settle();
    device.command(add("Giàng A Sử", 1));
    device.settle();
    // As seen in the field: two sessions that shared one actor each wrote
    // its "change 1"; the second such chunk cannot load.
    let genesis = survey::genesis(&survey::demo_commune());
    let session = |n: u8| {
        let mut doc = genesis.clone();
        doc.set_actor(ActorId::from([7u8; 16]));
        add(&format!("Hộ {n}"), 100 + n).apply(&mut doc, 1).unwrap();
        doc.save_after(&genesis.get_heads())
    };
    let mut store = device.store.clone();
    let chunks = store.get_mut(&survey_id()).unwrap();
    chunks.push(("x/1".into(), session(1)));
    chunks.push(("x/2".into(), session(2)));
    let mut reopened = start_with(store, relay(), 2);
    assert_eq!(reopened.engine.status().problem, Some(Problem::SetAside(1)));
    let view = reopened
        .engine
        .view(Date::parse("02/12/2026").unwrap())
        .unwrap();
    assert_eq!(view.listing.len(), 2);
    assert!(view.listing.query(&Default::default()).iter().any(|&i| view
        .listing
        .row(i)
        .unwrap()
        .head
        == "Giàng A Sử"));
}

#[test]
fn a_kept_view_starts_the_next_session_and_is_kept_again_when_due() {
    let today = Date::parse("02/12/2026").unwrap();
    let mut device = start_with(BTreeMap::new(), relay(), 1);
    device.settle();
    for n in 0..3 {
        device.command(add(&format!("Hộ {n}"), n));
    }
    device.settle();
    let first = device.engine.view(today).unwrap();
    // Few households read: not due yet, then due once a minute has passed.
    assert_eq!(device.engine.view_to_keep(1_000), None);
    assert_eq!(device.engine.view_to_keep(1_059), None);
    let kept = device
        .engine
        .view_to_keep(1_060)
        .expect("due after a minute");
    assert_eq!(
        device.engine.view_to_keep(1_200),
        None,
        "nothing read since"
    );

    // Written after the view was kept: the next session reads it on top.
    device.command(add("Giàng A Sử", 9));
    device.settle();
    let mut next = start_keeping(
        device.store.clone(),
        Some(kept.clone()),
        "build-1",
        relay(),
        2,
        None,
        &[],
    );
    let view = next.engine.view(today).unwrap();
    assert_eq!(view.listing.len(), first.listing.len() + 1);
    assert!(view
        .listing
        .find(&HouseholdId::from_random([9; 16]))
        .is_some());
    assert_eq!(
        next.engine.cache.survey.unsaved(),
        1,
        "only the new one read"
    );
    // Kept by another build: read whole.
    let mut other = start_keeping(
        device.store.clone(),
        Some(kept),
        "build-2",
        relay(),
        3,
        None,
        &[],
    );
    let _ = other.engine.view(today).unwrap();
    assert_eq!(other.engine.cache.survey.unsaved(), 4);
}

#[test]
fn compaction_follows_size_not_a_count_of_edits() {
    let mut device = start_with(BTreeMap::new(), relay(), 1);
    device.settle();
    // A few small edits: no compaction.
    for n in 0..20u8 {
        device.command(add(&format!("Hộ {n}"), n));
        device.settle();
    }
    assert_eq!(device.compactions, 0);
    let chunks_before = device.store[&survey_id()].len();
    assert!(chunks_before > 20);
    // Many more: compacted into one snapshot, nothing lost.
    for n in 20..=255u8 {
        device.command(add(&format!("Hộ {n}"), n));
        device.settle();
    }
    // 257 chunks were appended (genesis + 256): once the small ones
    // outweighed 64 KiB they became one snapshot.
    assert!(device.compactions >= 1);
    assert!(
        device.store[&survey_id()].len() < 257 - chunks_before,
        "{} chunks after compaction",
        device.store[&survey_id()].len()
    );
    assert_eq!(device.stored_households().len(), 256);
}

#[test]
fn a_lost_connection_is_retried_and_the_network_coming_back_connects_at_once() {
    let mut device = start_with(BTreeMap::new(), relay(), 1);
    device.settle();
    device.relay_up = false;
    let effects = device.engine.handle(Event::Disconnected, env(device.now));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Wake {
            timer: Timer::Reconnect,
            ..
        }
    )));
    device.run(effects);
    assert_eq!(device.engine.status().sync, SyncStatus::Offline);
    // Offline edits are saved, and reach the relay once it is back.
    let edit = device.command(add("Lò Văn An", 3));
    device.settle();
    assert_eq!(device.outcome(edit), Some(&Ok(())));
    assert_eq!(device.engine.status().unconfirmed, 1);
    device.relay_up = true;
    let effects = device.engine.handle(Event::NetworkBack, env(device.now));
    assert_eq!(effects, [Effect::Connect]);
    device.run(effects);
    device.settle();
    assert_eq!(heads_of(device.relay.doc(&survey_id())), ["Lò Văn An"]);
    assert_eq!(device.engine.status().unconfirmed, 0);
    // Connected: the network event asks for nothing more.
    assert!(device
        .engine
        .handle(Event::NetworkBack, env(device.now))
        .is_empty());
}

#[test]
fn a_bundle_carries_the_survey_between_devices_without_a_network() {
    // Two tablets in a village with no network.
    let mut a = start_with(BTreeMap::new(), relay(), 1);
    let mut b = start_with(BTreeMap::new(), relay(), 2);
    for d in [&mut a, &mut b] {
        d.relay_up = false;
        let effects = d.engine.handle(Event::Disconnected, env(d.now));
        d.run(effects);
        d.settle();
    }
    a.command(add("Thào A Chứ", 1));
    a.settle();
    // With a photo of the house: the bundle carries its blobs.
    let (picture, thumb) = (b"the house".to_vec(), b"small".to_vec());
    let photo = Photo::new(BlobHash::of(&picture), BlobHash::of(&thumb), 5);
    a.command(Command::EditRecord {
        id: HouseholdId::from_random([1; 16]),
        edit: RecordEdit::AddPhoto(photo.clone()),
    });
    a.settle();
    assert_eq!(a.engine.photo_blobs().into_iter().collect::<Vec<_>>(), {
        let mut both = photo.blobs();
        both.sort();
        both
    });
    b.command(add("Vàng Thị Mai", 2));
    b.settle();
    let blobs = vec![
        (BlobHash::of(&picture), picture.clone()),
        (BlobHash::of(&thumb), thumb),
    ];
    let file = a.engine.export_bundle(blobs.clone()).unwrap();
    assert!(file.starts_with(bundle::MAGIC));

    let import = b.import(file.clone());
    assert_eq!(b.outcome(import), None, "not saved yet");
    b.settle();
    assert_eq!(b.outcome(import), Some(&Ok(())));
    assert_eq!(b.imported, [2]);
    assert_eq!(b.imported_photos, blobs, "the photos, to keep and upload");
    let mut stored = b.stored_households();
    stored.sort();
    assert_eq!(stored, ["Thào A Chứ", "Vàng Thị Mai"]);
    // Twice: nothing new, nothing written.
    let appended = b.store[&survey_id()].len();
    let again = b.import(file);
    b.settle();
    assert_eq!(b.outcome(again), Some(&Ok(())));
    assert_eq!(b.imported, [2, 0]);
    assert_eq!(b.store[&survey_id()].len(), appended);

    // Another commune's bundle, or any other file, is refused; nothing changes.
    let mut other = survey::demo_commune();
    other.document_id = DocumentId::from_bytes([9; 16]);
    other.name = "Xã Bản Hồ".into();
    let foreign = bundle::export(&other, &survey::genesis(&other), Vec::new());
    let refused = b.import(foreign);
    assert_eq!(
        b.outcome(refused),
        Some(&Err(EditError::Bundle(bundle::BundleError::OtherCommune {
            theirs: "Xã Bản Hồ".into(),
            ours: survey::demo_commune().name,
        })))
    );
    let garbage = b.import(b"PK\x03\x04 a zip".to_vec());
    assert_eq!(
        b.outcome(garbage),
        Some(&Err(EditError::Bundle(bundle::BundleError::NotABundle)))
    );
    let mut damaged = bundle::MAGIC.to_vec();
    damaged.extend_from_slice(&[0xa4, 0x00]);
    let damaged = b.import(damaged);
    assert!(matches!(
        b.outcome(damaged),
        Some(Err(EditError::Bundle(bundle::BundleError::Damaged(_))))
    ));
    // A photo whose bytes do not match its name: the whole bundle refused.
    let forged = bundle::export(
        &survey::demo_commune(),
        &survey::genesis(&survey::demo_commune()),
        vec![(BlobHash::of(&picture), b"something else".to_vec())],
    );
    let forged = b.import(forged);
    assert!(matches!(
        b.outcome(forged),
        Some(Err(EditError::Bundle(bundle::BundleError::Damaged(_))))
    ));
    assert!(b.pending.is_empty());
    assert_eq!(b.store[&survey_id()].len(), appended);
    // Only the two good imports handed over photos (the adapter keeps
    // what it lacks): nothing of the refused ones.
    assert_eq!(b.imported_photos.len(), 4);
}

#[test]
fn each_role_s_setup_follows_from_its_enrolment() {
    use crate::access::Enrolment;
    let enrolled = |role: &str, scope: &[&str]| Enrolment {
        device_id: "d".into(),
        token: "t".into(),
        role: role.into(),
        scope: scope.iter().map(|s| (*s).to_owned()).collect(),
        province: Some(crate::demo::PROVINCE_CODE.into()),
    };
    let registry = crate::registry::document::document_id(crate::demo::PROVINCE_CODE);
    let summary = crate::summary::document_id(crate::demo::PROVINCE_CODE);

    let tablet = Setup::of(Some(&enrolled("enumerator", &["ta-van"])));
    assert_eq!(
        tablet.commune.as_ref().map(|c| c.code.as_str()),
        Some("ta-van")
    );
    assert_eq!((tablet.registry, tablet.province_summary), (registry, None));
    assert_eq!(tablet.watching, None);

    let office = Setup::of(Some(&enrolled("office", &[])));
    assert_eq!(office.commune, None, "the office works on no commune");
    assert_eq!(
        (office.registry, office.province_summary),
        (registry, Some(summary))
    );
    assert_eq!(office.watching.as_deref(), Some("office"));
    assert!(office.departments.is_empty());

    let department = Setup::of(Some(&enrolled("department", &["so-xd"])));
    assert_eq!(department.commune, None);
    assert_eq!(department.departments, ["so-xd"]);

    // A development relay enrols no one: the demo commune.
    let development = Setup::of(None);
    assert_eq!(development.commune, Some(survey::demo_commune()));
    assert_eq!(development.province_summary, None);
}
