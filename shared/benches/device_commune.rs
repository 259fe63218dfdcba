//! `cargo bench -p ntm-core --bench device_commune`: the device engine on
//! the demo commune (the new xã Tả Van, about 2,700 households), natively:
//! the steps behind the field app's cold open (load the stored snapshot,
//! read the survey, compute the view) and behind an edit (apply, save the
//! increment, compute the view again). Each step is printed beside a
//! baseline from the same run: one bare pass over the document's
//! households (`Automerge::keys`), so figures compare as ratios.

use std::time::Instant;

use automerge::ActorId;
use ntm_core::date::Date;
use ntm_core::demo::{generate, seed_documents, DemoParams};
use ntm_core::device::{
    documents_for, load_chunks, Command, DeviceEngine, EditId, Effect, Env, Event, Start,
    StartDocument, StoredChunks,
};
use ntm_core::ids::PeerId;
use ntm_core::survey::{self, HouseholdId};

fn ms(from: Instant) -> f64 {
    from.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let province = generate(DemoParams::default());
    let documents = seed_documents(&province, &["ta-van"], 2026, 1_780_000_000);
    let commune = survey::demo_commune();
    let stored: std::collections::BTreeMap<_, _> =
        documents.iter().map(|d| (d.id, d.doc.save())).collect();
    let survey_bytes = stored[&commune.document_id].len();

    let start = |kept_view: Option<Vec<u8>>| {
        let start_docs: Vec<StartDocument> =
            documents_for(Some(&commune), commune.registry_id, None)
                .into_iter()
                .map(|(id, kind)| {
                    let bytes = stored.get(&id).cloned().into_iter().collect::<Vec<_>>();
                    let chunks = StoredChunks {
                        keys: (0..bytes.len()).map(|i| format!("k{i}")).collect(),
                        bytes,
                    };
                    StartDocument {
                        id,
                        kind,
                        loaded: load_chunks(&chunks),
                        confirmed: Vec::new(),
                    }
                })
                .collect();
        DeviceEngine::start(Start {
            commune: Some(commune.clone()),
            peer: PeerId::new("bench".to_owned()),
            storage_id: "bench".into(),
            actor: ActorId::from(vec![7; 16]),
            departments: Vec::new(),
            create_survey: false,
            documents: start_docs,
            kept_view,
            build: "bench".into(),
        })
        .0
    };
    let t = Instant::now();
    let mut engine = start(None);
    let load = ms(t);
    let today = Date::new(2026, 6, 1).unwrap();
    let doc = engine.durable(&commune.document_id).unwrap().into_owned();
    let t = Instant::now();
    let households = ntm_core::survey::households(&doc).len();
    let baseline = ms(t);
    let t = Instant::now();
    let view = engine.view(today).expect("first view");
    let first_view = ms(t);
    assert_eq!(view.listing.len(), households);
    let t = Instant::now();
    let kept = engine.view_to_keep(0).expect("a whole commune read");
    let keep = ms(t);
    let t = Instant::now();
    let mut reopened = start(Some(kept.clone()));
    let view = reopened.view(today).expect("first view");
    let kept_view = ms(t);
    assert_eq!(view.listing.len(), households);

    // Catching up after a sync brought the commune: a reader at the
    // survey's genesis reads what the changes since wrote.
    let genesis = survey::genesis(&commune);
    let mut reader = ntm_core::survey::listing::SurveyReader::default();
    reader.read(&genesis, 2026);
    let t = Instant::now();
    let caught_up = reader.read(&doc, 2026);
    let catch_up = ms(t);
    assert_eq!(caught_up.listing.len(), households);
    let changes = doc.get_changes(&genesis.get_heads()).len();

    let env = Env {
        now: 1_780_000_100,
        random: 0.5,
    };
    let mut edits = Vec::new();
    for i in 0..20u8 {
        let t0 = Instant::now();
        let effects = engine.handle(
            Event::Command(
                EditId(u64::from(i)),
                Command::AddHousehold {
                    id: HouseholdId::from_random([i; 16]),
                    head: format!("Đo Thử {i}"),
                    members: 3,
                    village: "Bản Hồ".into(),
                },
            ),
            env,
        );
        let applied = ms(t0);
        let doc = effects
            .iter()
            .find_map(|e| match e {
                Effect::Append { doc, .. } => Some(*doc),
                _ => None,
            })
            .expect("an append");
        let t1 = Instant::now();
        engine.handle(
            Event::Appended {
                doc,
                key: format!("e{i}"),
            },
            env,
        );
        let stored = ms(t1);
        let t2 = Instant::now();
        let view = engine.view(today).expect("a new view");
        let viewed = ms(t2);
        assert_eq!(view.listing.len(), households + 1 + usize::from(i));
        edits.push((applied, stored, viewed));
    }
    edits.sort_by(|a, b| (a.0 + a.1 + a.2).total_cmp(&(b.0 + b.1 + b.2)));
    let (a, s, v) = edits[edits.len() / 2];
    println!(
        "\nDevice engine, demo Tả Van: {households} households, survey snapshot {} KiB",
        survey_bytes / 1024
    );
    println!("| step | time | baseline: households listed |");
    println!("|---|---|---|");
    println!("| load every stored document | {load:.1} ms | {baseline:.1} ms |");
    println!("| first view (read all, evaluate) | {first_view:.1} ms | {baseline:.1} ms |");
    println!(
        "| keep the view ({} KiB) | {keep:.1} ms | |",
        kept.len() / 1024
    );
    println!("| start again from the kept view: load + first view | {kept_view:.1} ms | {:.1} ms without it |", load + first_view);
    println!("| read after a sync from genesis ({changes} changes) | {catch_up:.1} ms | {first_view:.1} ms: first view |");
    println!("| edit: command → append (p50) | {a:.1} ms | |");
    println!("| edit: appended → saved | {s:.1} ms | |");
    println!("| edit: view again | {v:.1} ms | |");
}
