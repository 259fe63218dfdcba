//! Enrolment and per-commune access against the real relay
//! (enrolment is the default), over real WebSockets.

use std::time::Duration;

use automerge::Automerge;
use ntm_core::demo::PROVINCE_CODE;
use ntm_core::registry::CommuneDocuments;
use ntm_core::survey::{self, CommuneRef, HouseholdId};
use ntm_e2e::{relay::free_port, Device, Relay};

const T: Duration = Duration::from_secs(60);

fn survey_of(commune: &str) -> ntm_core::DocumentId {
    CommuneDocuments::derived(PROVINCE_CODE, commune)
        .survey_id()
        .expect("derived id")
}

#[tokio::test]
async fn a_device_of_one_commune_can_neither_read_nor_write_another() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(dir.path(), addr, None, &["--demo"]).await?;
    let url = relay.sync_url();

    // No token, a wrong code, a reused code, garbage: clear refusals.
    let mut anonymous = Device::with_demo_survey("anonymous");
    let refused = anonymous.connect(&url).await.unwrap_err();
    assert!(format!("{refused:#}").contains("401"), "{refused:#}");
    let (status, body) = relay
        .post_json("/enrol", &serde_json::json!({ "code": "AAAAA-BBBBB" }))
        .await?;
    assert_eq!(status, 403);
    assert!(body.contains("enrolment code is unknown"), "{body}");
    let (status, _) = relay
        .post_json("/enrol", &serde_json::json!({ "nonsense": true }))
        .await?;
    assert_eq!(status, 400);
    let ta_van = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let (status, _) = relay
        .post_json("/enrol", &serde_json::json!({ "code": ta_van.code }))
        .await?;
    assert_eq!(status, 403, "a code enrols one device only");

    // Another device's peer id with this token: refused.
    let mut impostor = Device::enrolled("impostor", &ta_van);
    let stolen =
        ntm_e2e::device::upgrade_request(&format!("{url}?peer=someone.1"), Some(&ta_van.token))?;
    assert!(tokio_tungstenite::connect_async(stolen).await.is_err());

    // Its own commune: read and write.
    let own = survey_of("sa-pa-ta-van");
    impostor.fetch(&url, own, T).await?;
    assert!(survey::households(impostor.doc(&own)).len() >= 300);
    let mine = HouseholdId::from_random(rand::random());
    impostor
        .edit(&own, |d| {
            survey::add_household(d, &mine, "Giàng A Dơ", 3, "Bản Hồ", 1_750_000_000)
        })
        .await??;
    impostor.sync(T).await?;

    // Another commune: not even its existence; and writing into it changes nothing.
    let other = survey_of("sa-pa-muong-hoa");
    let stranger_ref = CommuneRef {
        document_id: other,
        ..survey::demo_commune()
    };
    let intruder_household = HouseholdId::from_random(rand::random());
    let mut intruder = Device::enrolled(
        "intruder",
        &relay.enrol("enumerator", &["sa-pa-ta-van"]).await?,
    );
    intruder.track(other, Automerge::new());
    intruder.connect(&url).await?;
    intruder.run_until(T, |c| c.is_unavailable(&other)).await?;
    assert!(
        intruder.doc(&other).get_heads().is_empty(),
        "nothing of Mường Hoa leaked"
    );
    intruder.disconnect().await;
    let mut forged = Device::enrolled(
        "forger",
        &relay.enrol("enumerator", &["sa-pa-ta-van"]).await?,
    );
    forged.track(other, survey::genesis(&stranger_ref));
    forged
        .edit(&other, |d| {
            survey::add_household(d, &intruder_household, "Kẻ lạ", 1, "Bản Hồ", 1_750_000_000)
        })
        .await??;
    forged.connect(&url).await?;
    // Give the relay every chance to (wrongly) take the change.
    let _ = forged
        .run_until(Duration::from_secs(3), |c| c.unconfirmed_changes() == 0)
        .await;

    let office = relay.enrol("office", &[]).await?;
    let mut watcher = Device::enrolled("office", &office);
    watcher.fetch(&url, other, T).await?;
    let households = survey::households(watcher.doc(&other));
    assert!(households.len() >= 300, "the office reads every commune");
    assert!(
        households.iter().all(|h| h.id != intruder_household),
        "a device of Tả Van wrote into Mường Hoa"
    );
    watcher.fetch(&url, own, T).await?;
    assert!(survey::households(watcher.doc(&own))
        .iter()
        .any(|h| h.id == mine));

    // Revocation disconnects at once and refuses the token afterwards.
    relay.revoke(&ta_van.device_id).await?;
    let cut = impostor
        .run_until(Duration::from_secs(10), |_| false)
        .await
        .unwrap_err();
    // Closed or reset by the relay: anything but waiting out the 10 s.
    assert!(!format!("{cut:#}").contains("not reached"), "{cut:#}");
    impostor.disconnect().await;
    let again = impostor.connect(&url).await.unwrap_err();
    assert!(format!("{again:#}").contains("403"), "{again:#}");
    Ok(())
}

/// Browsers cannot put headers on a WebSocket upgrade, so the app trades its
/// token (in a header) for a single-use ticket; the token itself is refused
/// in any URL, where logs, proxies and a foreign server would see it.
#[tokio::test]
async fn tokens_never_travel_in_urls_and_a_ticket_opens_one_connection() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(dir.path(), addr, None, &[]).await?;
    let url = relay.sync_url();
    let tablet = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let other = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let peer = format!("{}.tab", tablet.device_id);

    let in_url = format!("{url}?token={}&peer={peer}", tablet.token);
    let refused = tokio_tungstenite::connect_async(&in_url).await.unwrap_err();
    assert!(refused.to_string().contains("400"), "{refused}");
    let blob = relay
        .request(
            "GET",
            &format!("/blobs/{}?token={}", "0".repeat(64), tablet.token),
            &[],
            vec![],
        )
        .await?;
    assert_eq!(blob.status, 400, "{}", blob.text());

    let no_token = relay.request("POST", "/sync/ticket", &[], vec![]).await?;
    assert_eq!(no_token.status, 401);
    let wrong = relay
        .request(
            "POST",
            "/sync/ticket",
            &[("authorization", "Bearer 00ff")],
            vec![],
        )
        .await?;
    assert_eq!(wrong.status, 401);

    let ticket = |token: String| {
        let relay = &relay;
        async move {
            let auth = format!("Bearer {token}");
            let reply = relay
                .request("POST", "/sync/ticket", &[("authorization", &auth)], vec![])
                .await?;
            anyhow::ensure!(
                reply.status == 200,
                "ticket: {} {}",
                reply.status,
                reply.text()
            );
            let ticket = reply.json()["ticket"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert_eq!(ticket.len(), 64);
            assert_ne!(ticket, token, "a ticket is not the token");
            anyhow::Ok(ticket)
        }
    };
    let first = ticket(tablet.token.clone()).await?;
    let (socket, _) =
        tokio_tungstenite::connect_async(format!("{url}?ticket={first}&peer={peer}")).await?;
    drop(socket);
    let reused = tokio_tungstenite::connect_async(format!("{url}?ticket={first}&peer={peer}"))
        .await
        .unwrap_err();
    assert!(
        reused.to_string().contains("401"),
        "a ticket opens once: {reused}"
    );

    // A ticket names its device: another device's peer id is refused.
    let second = ticket(tablet.token.clone()).await?;
    let foreign_peer = format!("{}.tab", other.device_id);
    let stolen =
        tokio_tungstenite::connect_async(format!("{url}?ticket={second}&peer={foreign_peer}"))
            .await
            .unwrap_err();
    assert!(stolen.to_string().contains("403"), "{stolen}");

    // A revoked device gets no more tickets.
    relay.revoke(&tablet.device_id).await?;
    let auth = format!("Bearer {}", tablet.token);
    let revoked = relay
        .request("POST", "/sync/ticket", &[("authorization", &auth)], vec![])
        .await?;
    assert_eq!(revoked.status, 403);
    Ok(())
}

/// Each change's actor belongs to the device that first sent it: a hostile
/// co-writer of the same commune can neither forge a colleague's changes
/// nor block them by taking their actor and next sequence number, nor
/// write as admin tooling.
#[tokio::test]
async fn a_device_can_neither_forge_nor_block_a_colleague_s_changes() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(dir.path(), addr, None, &["--demo"]).await?;
    let url = relay.sync_url();
    let own = survey_of("sa-pa-ta-van");
    let add = |name: &'static str, h: HouseholdId| {
        move |d: &mut Automerge| survey::add_household(d, &h, name, 2, "Bản Hồ", 1_750_000_000)
    };

    let mut colleague = Device::enrolled(
        "colleague",
        &relay.enrol("enumerator", &["sa-pa-ta-van"]).await?,
    );
    colleague.fetch(&url, own, T).await?;
    let first = HouseholdId::from_random(rand::random());
    colleague
        .edit(&own, add("Thào Thị Chi", first.clone()))
        .await??;
    colleague.sync(T).await?;
    let actor = colleague.doc(&own).get_actor().clone();

    // The squatter writes as the colleague's actor, with its next sequence number.
    let mut squatter = Device::enrolled(
        "squatter",
        &relay.enrol("enumerator", &["sa-pa-ta-van"]).await?,
    );
    squatter.fetch(&url, own, T).await?;
    let forged = HouseholdId::from_random(rand::random());
    squatter
        .edit(&own, |d| {
            d.set_actor(actor.clone());
            add("Hộ giả mạo", forged.clone())(d)
        })
        .await??;
    let refused = squatter.sync(Duration::from_secs(20)).await.unwrap_err();
    assert!(format!("{refused:#}").contains("closed"), "{refused:#}");

    // The colleague carries on with that same sequence number, unblocked.
    let second = HouseholdId::from_random(rand::random());
    colleague
        .edit(&own, add("Thào A Páo", second.clone()))
        .await??;
    colleague.sync(T).await?;

    // Nor can anyone write as admin tooling (the demo seed's actor).
    let mut impostor = Device::enrolled(
        "impostor",
        &relay.enrol("enumerator", &["sa-pa-ta-van"]).await?,
    );
    impostor.fetch(&url, own, T).await?;
    let seeded = HouseholdId::from_random(rand::random());
    impostor
        .edit(&own, |d| {
            d.set_actor(automerge::ActorId::from(&b"ntm-demo-seed:sa-pa-ta-van"[..]));
            add("Hộ của quản trị", seeded.clone())(d)
        })
        .await??;
    assert!(impostor.sync(Duration::from_secs(20)).await.is_err());

    let mut office = Device::enrolled("office", &relay.enrol("office", &[]).await?);
    office.fetch(&url, own, T).await?;
    let households = survey::households(office.doc(&own));
    let has = |id: &HouseholdId| households.iter().any(|h| h.id == *id);
    assert!(
        has(&first) && has(&second),
        "the colleague's work is all there"
    );
    assert!(!has(&forged), "a forged change reached the relay");
    assert!(!has(&seeded), "a device wrote as admin tooling");
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    assert!(
        metrics.contains("reason=\"actor_squatting\"")
            && metrics.contains("reason=\"reserved_actor\""),
        "{metrics}"
    );
    relay.terminate().await?;
    Ok(())
}

/// The document boundary is the permission boundary of the appraisal: a
/// department's device writes its own verdicts and nothing else of a
/// commune's appraisal; the dossier takes the commune's district (and the
/// office), not a department. What the client checks does not matter here:
/// the hostile device writes with the core's own functions, which accept
/// any verdict the document's department owns.
#[tokio::test]
async fn a_department_writes_only_its_own_verdicts_and_never_the_dossier() -> anyhow::Result<()> {
    use ntm_core::appraisal::{self, dossier, verdicts, DossierState, Happened, Verdict};
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(dir.path(), addr, None, &["--demo"]).await?;
    let url = relay.sync_url();
    // The old Tả Van (before 01/07/2025), appraised under 2021–2025.
    let ids = CommuneDocuments::derived_for(
        PROVINCE_CODE,
        "sa-pa-ta-van",
        ntm_core::demo::departments_2021(),
    )
    .appraisal_ids()
    .expect("derived ids");
    let catalogs = ntm_core::catalog::shipped();
    let ntm = &catalogs[0];
    let owned_by = |department: &str| {
        ntm.criteria
            .iter()
            .find(|c| c.owner == department)
            .expect("the department owns a criterion")
            .number
    };
    let (planning, transport_criterion) = (owned_by("so-xd"), owned_by("so-gtvt"));
    let ruling = |verdict: Verdict, at: i64| verdicts::Ruling {
        verdict,
        remark: "Đã kiểm tra tại xã".into(),
        at,
    };

    let mut construction = Device::enrolled(
        "construction",
        &relay.enrol("department", &["so-xd"]).await?,
    );
    // Its own verdicts: written and confirmed.
    construction.fetch(&url, ids.verdicts["so-xd"], T).await?;
    construction
        .edit(&ids.verdicts["so-xd"], |d| {
            verdicts::record_verdict(d, ntm, planning, &ruling(Verdict::NotMet, 1_750_000_000))
        })
        .await??;
    construction.sync(T).await?;
    // Transport's verdicts and the dossier: readable, but what it writes
    // there is never taken.
    for id in [ids.verdicts["so-gtvt"], ids.dossier] {
        construction.fetch(&url, id, T).await?;
    }
    construction
        .edit(&ids.verdicts["so-gtvt"], |d| {
            verdicts::record_verdict(
                d,
                ntm,
                transport_criterion,
                &ruling(Verdict::Met, 1_750_000_001),
            )
        })
        .await??;
    construction
        .edit(&ids.dossier, |d| {
            dossier::set_dossier(d, DossierState::Recognised, 1_750_000_002)
        })
        .await??;
    let _ = construction
        .run_until(Duration::from_secs(3), |c| c.unconfirmed_changes() == 0)
        .await;
    assert!(
        construction.client().unconfirmed_changes() >= 2,
        "the relay confirmed a write it does not take ({} unconfirmed)",
        construction.client().unconfirmed_changes()
    );

    // The district of Tả Van moves the dossier; another district cannot.
    let mut sa_pa = Device::enrolled("sa-pa", &relay.enrol("district", &["sa-pa"]).await?);
    sa_pa.fetch(&url, ids.dossier, T).await?;
    sa_pa
        .edit(&ids.dossier, |d| {
            dossier::set_dossier(d, DossierState::DistrictReviewed, 1_750_000_003)
        })
        .await??;
    sa_pa.sync(T).await?;
    let mut elsewhere = Device::enrolled("bat-xat", &relay.enrol("district", &["bat-xat"]).await?);
    elsewhere.track(ids.dossier, Automerge::new());
    elsewhere.connect(&url).await?;
    elsewhere
        .run_until(T, |c| c.is_unavailable(&ids.dossier))
        .await?;

    // What everyone reads: the construction verdict and the district's
    // move, nothing the construction device wrote elsewhere.
    let office_enrolment = relay.enrol("office", &[]).await?;
    let office_token = office_enrolment.token.clone();
    let mut office = Device::enrolled("office", &office_enrolment);
    for id in ids.verdicts.values().copied().chain([ids.dossier]) {
        office.fetch(&url, id, T).await?;
    }
    let read = appraisal::assemble(
        &catalogs,
        Some(office.doc(&ids.dossier)),
        ids.verdicts
            .iter()
            .map(|(d, id)| (d.as_str(), office.doc(id))),
    );
    let verdict = read
        .verdict(&ntm.id, planning)
        .expect("construction's verdict");
    assert_eq!(verdict.verdict, Verdict::NotMet);
    assert_eq!(
        verdict.author.actor,
        construction
            .doc(&ids.verdicts["so-xd"])
            .get_actor()
            .to_hex_string(),
        "the history names the writing actor"
    );
    // Any enrolled device can ask the relay who that actor is.
    let ask = |token: &str, actors: serde_json::Value| {
        let auth = format!("Bearer {token}");
        let body = serde_json::json!({ "actors": actors })
            .to_string()
            .into_bytes();
        let relay = &relay;
        async move {
            relay
                .request(
                    "POST",
                    "/api/writers",
                    &[
                        ("content-type", "application/json"),
                        ("authorization", &auth),
                    ],
                    body,
                )
                .await
        }
    };
    let unknown = "00".repeat(16);
    let answer = ask(
        &office_token,
        serde_json::json!([verdict.author.actor, unknown]),
    )
    .await?;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let mut expected = serde_json::Map::new();
    expected.insert(
        verdict.author.actor.clone(),
        serde_json::json!({ "name": "department", "role": "department" }),
    );
    assert_eq!(
        answer.json()["writers"],
        serde_json::Value::Object(expected),
        "one known actor, named as its device enrolled"
    );
    assert_eq!(
        ask("wrong", serde_json::json!([unknown])).await?.status,
        401
    );
    assert_eq!(
        ask(&office_token, serde_json::json!(["not hex"]))
            .await?
            .status,
        400
    );
    assert_ne!(
        read.verdict(&ntm.id, transport_criterion)
            .map(|d| (d.verdict, d.at)),
        Some((Verdict::Met, 1_750_000_001)),
        "a construction device wrote transport's verdict"
    );
    let intruder = construction.doc(&ids.dossier).get_actor().clone();
    for id in [ids.verdicts["so-gtvt"], ids.dossier] {
        assert!(
            office
                .doc(&id)
                .get_changes(&[])
                .iter()
                .all(|c| c.actor_id() != &intruder),
            "a construction change reached {id}"
        );
    }
    assert_eq!(read.dossier, Some(DossierState::DistrictReviewed));
    assert!(
        read.history
            .iter()
            .all(|h| h.what != Happened::Dossier(DossierState::Recognised)),
        "a department moved the dossier"
    );
    Ok(())
}

/// The relay keeps the province summary (`ntm_core::summary`): the office
/// receives it with the demo commune's entry, a household a tablet adds
/// is counted in it seconds after the relay has it, a commune's tablet may
/// not see it, and what the office writes into it is refused.
#[tokio::test]
async fn the_province_summary_follows_the_tablets_and_only_the_relay_writes_it(
) -> anyhow::Result<()> {
    use ntm_core::summary;
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(dir.path(), addr, None, &["--demo"]).await?;
    let url = relay.sync_url();
    let id = summary::document_id(PROVINCE_CODE);
    let code = survey::demo_commune().code;
    let entry = |c: &ntm_core::sync::SyncClient| {
        c.document(&id)
            .and_then(|d| summary::read_commune(d, &code).ok().flatten())
    };

    let office = relay.enrol("office", &[]).await?;
    let mut watcher = Device::enrolled("office", &office);
    watcher.fetch(&url, id, T).await?;
    watcher.run_until(T, |c| entry(c).is_some()).await?;
    let before = entry(watcher.client()).expect("Tả Van summarised");
    let province = summary::read(watcher.doc(&id))?;
    assert_eq!(province.len(), 99, "every unit of today, synthetic or not");
    assert_eq!(before.sources.len(), 32, "Tả Van from its documents");
    let households = survey::households(&{
        let mut reader = Device::enrolled("office-reader", &office);
        reader
            .fetch(&url, survey::demo_commune().document_id, T)
            .await?;
        reader.doc(&survey::demo_commune().document_id).clone()
    })
    .len() as u64;
    assert_eq!(before.households, households, "every household counted");
    let ntm = before
        .set(ntm_core::catalog::CriteriaSet::Ntm)
        .expect("the NTM set in force");
    assert_eq!((ntm.catalog_id.as_str(), ntm.total), ("ntm-2026-2030", 10));
    assert!(
        ntm.appraised().iter().flatten().count() > 0,
        "the departments' first verdicts show"
    );

    let tablet = relay.enrol("enumerator", &[&code]).await?;
    let mut enumerator = Device::enrolled("tablet", &tablet);
    let survey_id = survey::demo_commune().document_id;
    enumerator.fetch(&url, survey_id, T).await?;
    let new = HouseholdId::from_random(rand::random());
    enumerator
        .edit(&survey_id, |d| {
            survey::add_household(d, &new, "Lù Thị Mai", 4, "Bản Dền", 1_790_000_000)
        })
        .await??;
    enumerator.sync(T).await?;
    let acknowledged = std::time::Instant::now();
    watcher
        .run_until(T, |c| {
            entry(c).is_some_and(|e| e.households == households + 1)
        })
        .await?;
    // The goal is 5 s; the figure is reported, not asserted (noisy machines).
    eprintln!(
        "summary: a tablet's household counted {} ms after the relay acknowledged it",
        acknowledged.elapsed().as_millis()
    );

    // Not for a commune's devices.
    enumerator.track(id, Automerge::new());
    enumerator.connect(&url).await?;
    enumerator.run_until(T, |c| c.is_unavailable(&id)).await?;
    assert!(enumerator.doc(&id).get_heads().is_empty());

    // The office reads it but may not write it.
    let forged = summary::CommuneSummary {
        households: 1_000_000,
        ..entry(watcher.client()).expect("entry")
    };
    watcher
        .edit(&id, |d| {
            summary::write(
                d,
                &automerge::ActorId::random(),
                &code,
                &forged,
                1_790_000_000,
            )
        })
        .await??;
    let _ = watcher
        .run_until(Duration::from_secs(3), |c| c.unconfirmed_changes() == 0)
        .await;
    let mut other = Device::enrolled("office-2", &relay.enrol("office", &[]).await?);
    other.fetch(&url, id, T).await?;
    let seen = summary::read_commune(other.doc(&id), &code)?.expect("entry");
    assert_eq!(
        seen.households,
        households + 1,
        "the office's write was refused"
    );
    Ok(())
}

/// The office downloads the communes × criteria matrix as Excel and as CSV
/// (read back cell by cell); a commune's device may not, nor anyone
/// without a token.
#[tokio::test]
async fn the_office_exports_the_criteria_matrix_and_a_commune_device_may_not() -> anyhow::Result<()>
{
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(dir.path(), addr, None, &["--demo"]).await?;
    let office = relay.enrol("office", &[]).await?;
    let tablet = relay.enrol("enumerator", &["ta-van"]).await?;
    let path = "/api/export/matrix?catalog=ntm-2026-2030";
    let bearer = |token: &str| format!("Bearer {token}");

    let anonymous = relay.request("GET", path, &[], vec![]).await?;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text());
    let commune = relay
        .request(
            "GET",
            path,
            &[("authorization", &bearer(&tablet.token))],
            vec![],
        )
        .await?;
    assert_eq!(commune.status, 403, "{}", commune.text());

    // The summary is the relay's own work after it starts: ask until Tả
    // Van is scored in it.
    let started = std::time::Instant::now();
    let sheet = loop {
        let file = relay
            .request(
                "GET",
                path,
                &[("authorization", &bearer(&office.token))],
                vec![],
            )
            .await?;
        assert_eq!(file.status, 200, "{}", file.text());
        assert!(file.header("content-disposition").is_some_and(|d| {
            d.contains("ma-tran-tieu-chi-ntm-2026-2030-") && d.ends_with(".xlsx\"")
        }));
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(file.body))?;
        let sheet = book.worksheet_range("Ma trận tiêu chí")?;
        let scored = sheet.rows().any(|r| {
            r.first().is_some_and(|c| *c == "ta-van") && matches!(r.get(4), Some(Data::Float(_)))
        });
        if scored {
            break sheet;
        }
        assert!(started.elapsed() < T, "Tả Van never scored in the summary");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let text = |r: u32, c: u32| {
        sheet
            .get_value((r, c))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert!(text(0, 0).contains("ntm-2026-2030"), "{}", text(0, 0));
    let header: Vec<String> = (0..16).map(|c| text(2, c)).collect();
    assert_eq!(
        header[..7],
        [
            "Mã đơn vị",
            "Tên đơn vị",
            "Tình trạng công nhận",
            "Mục tiêu",
            "Số tiêu chí đạt",
            "Tổng số tiêu chí",
            "1. Quy hoạch"
        ]
    );
    // One row per unit of the province today; numbers are numbers.
    let rows: Vec<u32> = (3..sheet.height() as u32)
        .take_while(|&r| !text(r, 0).is_empty())
        .collect();
    assert_eq!(rows.len(), 99);
    let ta_van = *rows
        .iter()
        .find(|&&r| text(r, 0) == "ta-van")
        .expect("Tả Van's row");
    assert_eq!(text(ta_van, 1), "Xã Tả Van");
    assert_eq!(text(ta_van, 2), "Hình thành sau sáp nhập, cần đánh giá lại");
    assert_eq!(text(ta_van, 3), "NTM 2026");
    let Some(Data::Float(met)) = sheet.get_value((ta_van, 4)) else {
        panic!(
            "criteria met is not a number: {:?}",
            sheet.get_value((ta_van, 4))
        );
    };
    assert_eq!(sheet.get_value((ta_van, 5)), Some(&Data::Float(10.0)));
    let cells: Vec<String> = (6..16).map(|c| text(ta_van, c)).collect();
    assert_eq!(
        cells.iter().filter(|c| c.starts_with("Đạt")).count(),
        *met as usize,
        "{cells:?}"
    );
    // The seeded verdicts: criterion 1 met, criterion 3 more evidence needed.
    assert!(cells[0].ends_with("(thẩm định: đạt)"), "{}", cells[0]);
    assert!(
        cells[2].ends_with("(thẩm định: cần bổ sung minh chứng)"),
        "{}",
        cells[2]
    );
    let notes: Vec<String> = (rows.len() as u32 + 4..sheet.height() as u32)
        .map(|r| text(r, 0))
        .collect();
    assert!(
        notes.iter().any(|n| n.starts_with("Số liệu đến ngày ")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with("Ngưỡng minh họa")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with("Dữ liệu mẫu")),
        "{notes:?}"
    );

    // The same table as CSV that Excel opens as UTF-8; and in English.
    let csv = relay
        .request(
            "GET",
            &format!("{path}&format=csv&lang=en"),
            &[("authorization", &bearer(&office.token))],
            vec![],
        )
        .await?;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.starts_with(&[0xef, 0xbb, 0xbf]),
        "a byte-order mark"
    );
    let csv = csv.text();
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 99);
    assert!(lines[0]
        .trim_start_matches('\u{feff}')
        .starts_with("\"Unit code\",\"Unit\","));
    let ta_van_line = lines
        .iter()
        .find(|l| l.starts_with("\"ta-van\""))
        .expect("Tả Van");
    assert!(
        ta_van_line.contains(&format!("\"{met}\",\"10\"")),
        "{ta_van_line}"
    );
    let bad = relay
        .request(
            "GET",
            "/api/export/matrix?format=pdf",
            &[("authorization", &bearer(&office.token))],
            vec![],
        )
        .await?;
    assert_eq!(bad.status, 400);
    relay.terminate().await?;
    Ok(())
}
