//! Simulated devices against the real relay binary over real WebSockets.

use std::time::Duration;

use automerge::ReadDoc;
use ntm_core::survey::{self, HouseholdEdit, HouseholdId};
use ntm_e2e::{Device, Relay};

const T: Duration = Duration::from_secs(30);

fn demo() -> ntm_core::DocumentId {
    survey::demo_commune().document_id
}

#[tokio::test]
async fn offline_edits_on_two_devices_converge_with_the_conflict_visible() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = Relay::start(dir.path()).await?;
    let url = relay.sync_url();
    let shared = HouseholdId::from_random(rand::random());

    // Both tablets start from a household recorded earlier.
    let mut a = Device::with_demo_survey("a");
    let mut b = Device::with_demo_survey("b");
    a.edit(&demo(), |d| {
        survey::add_household(d, &shared, "Giàng A Sử", 5, "Bản Hồ", 100)
    })
    .await??;
    a.connect(&url).await?;
    a.sync(T).await?;
    b.connect(&url).await?;
    b.sync(T).await?;
    assert_eq!(survey::households(b.doc(&demo())).len(), 1);
    a.disconnect().await;
    b.disconnect().await;

    // The relay goes down; both keep working.
    let addr = relay.addr();
    relay.kill9().await?;
    let (ha, hb) = (
        HouseholdId::from_random(rand::random()),
        HouseholdId::from_random(rand::random()),
    );
    a.edit(&demo(), |d| {
        survey::add_household(d, &ha, "Lý Thị Mai", 3, "Tả Van Mông", 200)
    })
    .await??;
    b.edit(&demo(), |d| {
        survey::add_household(d, &hb, "Vàng Văn Páo", 7, "Lao Chải", 200)
    })
    .await??;
    a.edit(&demo(), |d| {
        survey::edit_household(d, &shared, HouseholdEdit::Members(6), 300)
    })
    .await??;
    b.edit(&demo(), |d| {
        survey::edit_household(d, &shared, HouseholdEdit::Members(8), 300)
    })
    .await??;
    assert!(a.client().unconfirmed_changes() >= 2);

    let relay = Relay::start_on(dir.path(), addr, None).await?;
    a.connect(&url).await?;
    b.connect(&url).await?;
    // a pushes first; b's sync then pulls a's work and pushes its own; the
    // relay forwards b's work to a, still connected.
    a.sync(T).await?;
    b.sync(T).await?;
    let target = b.doc(&demo()).get_heads();
    a.run_until(T, |c| {
        c.document(&demo()).is_some_and(|d| d.get_heads() == target)
    })
    .await?;
    a.sync(T).await?;
    let (da, db) = (a.doc(&demo()), b.doc(&demo()));
    assert_eq!(da.get_heads(), db.get_heads(), "both devices converge");
    let households = survey::households(da);
    assert_eq!(households, survey::households(db));
    assert_eq!(
        households.len(),
        3,
        "every household from both devices is present"
    );
    let contested = households
        .iter()
        .find(|h| h.id == shared)
        .expect("shared household");
    let mut values: Vec<u32> = contested.members.conflicts.clone();
    values.extend(contested.members.value);
    values.sort();
    assert_eq!(values, vec![6, 8], "both concurrent values are kept");

    // The same, straight through Automerge's conflict API.
    let (_, households_obj) = da
        .get(automerge::ROOT, "households")?
        .expect("households map");
    let (_, record) = da
        .get(&households_obj, shared.as_str())?
        .expect("shared record");
    assert_eq!(da.get_all(&record, "members")?.len(), 2);
    // SIGTERM with devices still connected: a clean, prompt exit.
    let status = relay.terminate().await?;
    assert!(status.success(), "{status:?}");
    Ok(())
}

#[tokio::test]
async fn nothing_acknowledged_is_lost_when_the_relay_is_killed() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut relay = Relay::start(dir.path()).await?;
    let mut device = Device::with_demo_survey("writer");
    let mut ids = Vec::new();
    for round in 0..8 {
        device.connect(&relay.sync_url()).await?;
        // A burst of changes, enough to make samod compact some rounds.
        for i in 0..(3 + round * 2) {
            let id = HouseholdId::from_random(rand::random());
            device
                .edit(&demo(), |d| {
                    survey::add_household(
                        d,
                        &id,
                        &format!("Hộ {round}-{i}"),
                        1 + i as u32 % 9,
                        "Bản Hồ",
                        1_000 + i as i64,
                    )
                })
                .await??;
            ids.push(id);
        }
        // Acknowledged: the relay's heads include every change of ours…
        device.sync(T).await?;
        assert_eq!(device.client().unconfirmed_changes(), 0);
        // …and right then it dies.
        relay = relay.restart().await?;
        device.disconnect().await;

        let mut reader = Device::new(&format!("reader-{round}"));
        reader.fetch(&relay.sync_url(), demo(), T).await?;
        let doc = reader.doc(&demo());
        assert_eq!(
            doc.get_heads(),
            device.doc(&demo()).get_heads(),
            "round {round}: relay lost acknowledged changes"
        );
        let listed: Vec<HouseholdId> = survey::households(doc).into_iter().map(|h| h.id).collect();
        for id in &ids {
            assert!(listed.contains(id), "round {round}: household {id:?} lost");
        }
    }
    let status = relay.terminate().await?;
    assert!(status.success(), "clean shutdown on SIGTERM: {status:?}");
    Ok(())
}

#[tokio::test]
async fn health_check_and_bad_frames_do_not_disturb_other_devices() -> anyhow::Result<()> {
    use futures::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempfile::tempdir()?;
    let relay = Relay::start(dir.path()).await?;

    let mut http = tokio::net::TcpStream::connect(relay.addr()).await?;
    http.write_all(b"GET /healthz HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n")
        .await?;
    let mut response = String::new();
    http.read_to_string(&mut response).await?;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok\n"), "{response}");

    let mut good = Device::with_demo_survey("good");
    good.connect(&relay.sync_url()).await?;
    good.sync(T).await?;

    // The relay reports what it is doing, in the Prometheus text format.
    let mut http = tokio::net::TcpStream::connect(relay.addr()).await?;
    http.write_all(b"GET /metrics HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n")
        .await?;
    let mut metrics = String::new();
    http.read_to_string(&mut metrics).await?;
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{metrics}"))
    };
    assert_eq!(value("ntm_connections"), 1.0);
    assert_eq!(value("ntm_documents"), 1.0, "the demo survey is stored");
    assert!(value("ntm_messages_total{direction=\"in\"}") >= 2.0);
    assert!(value("ntm_bytes_total{direction=\"out\"}") > 0.0);
    assert!(value("ntm_storage_put_seconds_count") >= 1.0);

    // A client sending garbage and text frames gets cut off…
    let (mut bad, _) = tokio_tungstenite::connect_async(relay.sync_url()).await?;
    bad.send(Message::Binary(vec![0xff, 0x00, 0x13].into()))
        .await?;
    bad.send(Message::Text("hello".into())).await?;
    let closed = tokio::time::timeout(T, async {
        while let Some(frame) = bad.next().await {
            if frame.is_err() || matches!(frame, Ok(Message::Close(_))) {
                return;
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the relay keeps talking to a client that sent garbage"
    );

    // …and so does one sending a well-formed message over the 8 MiB limit,
    // while the same message at 1 KiB keeps its connection.
    use ntm_core::sync::WireMessage;
    // The client itself must not refuse the frame: lift its own limits.
    let unlimited = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let (mut big, _) =
        tokio_tungstenite::connect_async_with_config(relay.sync_url(), Some(unlimited), false)
            .await?;
    let me = ntm_core::PeerId::new("big-sender");
    big.send(Message::Binary(
        WireMessage::Join {
            sender_id: me.clone(),
            supported_protocol_versions: vec!["1".into()],
            metadata: None,
        }
        .encode()
        .into(),
    ))
    .await?;
    let peer = tokio::time::timeout(T, big.next()).await?;
    assert!(matches!(peer, Some(Ok(Message::Binary(_)))), "{peer:?}");
    let ephemeral = |size: usize| {
        Message::Binary(
            WireMessage::Ephemeral {
                document_id: demo(),
                sender_id: me.clone(),
                target_id: ntm_core::PeerId::new("ntm-relay"),
                count: size as u64,
                session_id: "s".into(),
                data: vec![7; size],
            }
            .encode()
            .into(),
        )
    };
    big.send(ephemeral(1024)).await?;
    let quiet = tokio::time::timeout(Duration::from_secs(1), big.next()).await;
    assert!(
        !matches!(quiet, Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_))))),
        "a 1 KiB message must not close the connection: {quiet:?}"
    );
    // Refused either while it is being sent (the relay resets the
    // connection) or right after: the connection must end, not carry on.
    let closed = match big.send(ephemeral(9 * 1024 * 1024)).await {
        Err(_) => Ok(()),
        Ok(()) => {
            tokio::time::timeout(Duration::from_secs(5), async {
                while let Some(frame) = big.next().await {
                    if frame.is_err() || matches!(frame, Ok(Message::Close(_))) {
                        return;
                    }
                }
            })
            .await
        }
    };
    assert!(
        closed.is_ok(),
        "the relay accepted a 9 MiB message (limit 8 MiB)"
    );

    // …and so does one flooding it with messages (well-formed, tiny).
    let (mut flood, _) = tokio_tungstenite::connect_async(relay.sync_url()).await?;
    let flooder = ntm_core::PeerId::new("flooder");
    flood
        .send(Message::Binary(
            WireMessage::Join {
                sender_id: flooder.clone(),
                supported_protocol_versions: vec!["1".into()],
                metadata: None,
            }
            .encode()
            .into(),
        ))
        .await?;
    let mut cut_off = false;
    for n in 0..5_000u64 {
        let frame = WireMessage::Ephemeral {
            document_id: demo(),
            sender_id: flooder.clone(),
            target_id: ntm_core::PeerId::new("ntm-relay"),
            count: n,
            session_id: "s".into(),
            data: vec![1],
        };
        if flood
            .send(Message::Binary(frame.encode().into()))
            .await
            .is_err()
        {
            cut_off = true;
            break;
        }
    }
    if !cut_off {
        cut_off = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(frame) = flood.next().await {
                if frame.is_err() || matches!(frame, Ok(Message::Close(_))) {
                    return;
                }
            }
        })
        .await
        .is_ok();
    }
    assert!(cut_off, "5,000 messages at once were all accepted");

    // …while the good device keeps syncing.
    let id = HouseholdId::from_random(rand::random());
    good.edit(&demo(), |d| {
        survey::add_household(d, &id, "Ma A Lử", 2, "Séo Mý Tỷ", 5)
    })
    .await??;
    good.sync(T).await?;
    relay.terminate().await?;
    Ok(())
}

#[tokio::test]
async fn catalog_check_accepts_shipped_catalogs_and_names_lines_of_bad_ones() -> anyhow::Result<()>
{
    let relay = ntm_e2e::workspace::relay_binary();
    let shipped = ntm_e2e::workspace::root().join("shared/catalogs/ntm-2021-2025.toml");
    let ok = std::process::Command::new(&relay)
        .args(["catalog", "check"])
        .arg(&shipped)
        .output()?;
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let summary = String::from_utf8(ok.stdout)?;
    assert!(
        summary.contains("19 criteria") && summary.contains("ILLUSTRATIVE"),
        "{summary}"
    );

    let dir = tempfile::tempdir()?;
    let bad = dir.path().join("tinh.toml");
    let text = std::fs::read_to_string(&shipped)?.replacen(
        "unit = \"percent\"",
        "unit = \"phần trăm\"",
        1,
    );
    let line = text[..text.find("phần trăm").unwrap()]
        .matches('\n')
        .count()
        + 1;
    std::fs::write(&bad, text)?;
    let out = std::process::Command::new(&relay)
        .args(["catalog", "check"])
        .arg(&bad)
        .output()?;
    assert!(!out.status.success());
    let errors = String::from_utf8(out.stderr)?;
    assert!(
        errors.contains(&format!(
            "tinh.toml:{line}: criterion 2 › indicator 2.1 › unit: unknown value \"phần trăm\""
        )),
        "{errors}"
    );
    Ok(())
}
