//! The relay's limits over real sockets: silent connections are closed
//! while live ones (answering pings) stay, a connection may sync only so
//! many documents, and a device's message rate counts over all its
//! connections.

use std::net::SocketAddr;
use std::time::Duration;

use automerge::Automerge;
use futures::{SinkExt, StreamExt};
use ntm_core::sync::WireMessage;
use ntm_core::{DocumentId, PeerId};
use ntm_e2e::relay::free_port;
use ntm_e2e::{Device, Relay};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn relay(dir: &std::path::Path, flags: &[&str]) -> anyhow::Result<Relay> {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    Relay::start_with(dir, addr, None, flags).await
}

async fn join(url: &str, token: Option<&str>, peer: &str) -> anyhow::Result<Socket> {
    let (mut socket, _) =
        tokio_tungstenite::connect_async(ntm_e2e::device::upgrade_request(url, token)?).await?;
    socket
        .send(Message::Binary(
            WireMessage::Join {
                sender_id: PeerId::new(peer),
                supported_protocol_versions: vec!["1".into()],
                metadata: None,
            }
            .encode()
            .into(),
        ))
        .await?;
    Ok(socket)
}

/// Whether the relay ends the connection within `within` (frames before
/// the end are read and dropped).
async fn ends_within(socket: &mut Socket, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        while let Some(frame) = socket.next().await {
            if frame.is_err() || matches!(frame, Ok(Message::Close(_))) {
                return;
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_silent_connection_is_closed_and_a_live_one_stays() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = relay(dir.path(), &["--open-access", "--idle-timeout", "2"]).await?;

    // A live device: its client answers the relay's pings while it waits.
    let mut live = Device::with_demo_survey("live");
    live.connect(&relay.sync_url()).await?;
    live.sync(Duration::from_secs(10)).await?;
    let waited = live.run_until(Duration::from_secs(6), |_| false).await;
    let error = waited.expect_err("the condition never holds").to_string();
    assert!(
        error.contains("not reached"),
        "a device answering pings was disconnected: {error}"
    );

    // A peer that stops reading (so it answers no ping) is closed.
    let mut silent = join(&relay.sync_url(), None, "silent").await?;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        ends_within(&mut silent, Duration::from_secs(5)).await,
        "a silent connection was kept past the 2 s idle timeout"
    );
    Ok(())
}

#[tokio::test]
async fn a_connection_may_sync_only_so_many_documents() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = relay(
        dir.path(),
        &["--open-access", "--max-documents-per-connection", "3"],
    )
    .await?;
    let ids: Vec<DocumentId> = (0..4)
        .map(|_| DocumentId::from_bytes(rand::random()))
        .collect();

    let mut within = Device::new("three");
    for id in &ids[..3] {
        within.track(*id, Automerge::new());
    }
    within.connect(&relay.sync_url()).await?;
    within
        .run_until(Duration::from_secs(10), |c| {
            ids[..3].iter().all(|id| c.is_unavailable(id))
        })
        .await?;

    let mut over = Device::new("four");
    for id in &ids {
        over.track(*id, Automerge::new());
    }
    over.connect(&relay.sync_url()).await?;
    let error = over
        .run_until(Duration::from_secs(10), |c| {
            ids.iter().all(|id| c.is_unavailable(id))
        })
        .await
        .expect_err("a fourth document must end the connection")
        .to_string();
    assert!(error.contains("closed"), "{error}");
    Ok(())
}

#[tokio::test]
async fn a_device_rate_counts_over_all_its_connections() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = relay(dir.path(), &[]).await?;
    let device = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let url = |session: &str| format!("{}?peer={}.{session}", relay.sync_url(), device.device_id);
    let (pa, pb) = (
        format!("{}.a", device.device_id),
        format!("{}.b", device.device_id),
    );
    let mut a = join(&url("a"), Some(&device.token), &pa).await?;
    let mut b = join(&url("b"), Some(&device.token), &pb).await?;
    let doc = ntm_core::survey::demo_commune().document_id;
    let frame = |sender: &str, n: u64| {
        Message::Binary(
            WireMessage::Ephemeral {
                document_id: doc,
                sender_id: PeerId::new(sender),
                target_id: PeerId::new("ntm-relay"),
                count: n,
                session_id: "s".into(),
                data: vec![1],
            }
            .encode()
            .into(),
        )
    };
    // 350 each: under the burst of 400 for one connection, over it for two.
    let (mut a_open, mut b_open) = (true, true);
    for n in 0..350u64 {
        a_open = a_open && a.send(frame(&pa, n)).await.is_ok();
        b_open = b_open && b.send(frame(&pb, n)).await.is_ok();
    }
    let a_cut = !a_open || ends_within(&mut a, Duration::from_secs(5)).await;
    let b_cut = !b_open || ends_within(&mut b, Duration::from_secs(5)).await;
    assert!(
        a_cut || b_cut,
        "700 messages from one device over two connections were all accepted"
    );
    Ok(())
}

/// A device asking for documents it may not see (here 150 random ids) gets
/// "unavailable" for each from the relay itself, which keeps no document
/// for them; its own commune still syncs on the same connection.
#[tokio::test]
async fn requests_for_documents_a_device_may_not_see_are_answered_unavailable() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let relay = relay(dir.path(), &["--demo"]).await?;
    let device = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let mut probe = ntm_e2e::Device::enrolled("probe", &device);
    let random: Vec<DocumentId> = (0..150)
        .map(|_| DocumentId::from_bytes(rand::random()))
        .collect();
    for id in &random {
        probe.track(*id, automerge::Automerge::new());
    }
    probe.connect(&relay.sync_url()).await?;
    probe
        .run_until(Duration::from_secs(60), |c| {
            random.iter().all(|id| c.is_unavailable(id))
        })
        .await?;
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    assert!(
        metrics.contains("ntm_dropped_messages_total{kind=\"not_visible\"} 150"),
        "{metrics}"
    );
    let own = ntm_core::registry::CommuneDocuments::derived(
        ntm_core::demo::PROVINCE_CODE,
        "sa-pa-ta-van",
    )
    .survey_id()
    .expect("derived id");
    probe.disconnect().await;
    probe
        .fetch(&relay.sync_url(), own, Duration::from_secs(60))
        .await?;
    assert!(ntm_core::survey::households(probe.doc(&own)).len() >= 300);
    Ok(())
}

/// One device cannot hold all of the relay's sockets, and enrolment codes
/// cannot be guessed at speed.
#[tokio::test]
async fn connections_per_device_and_enrolment_attempts_are_capped() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let relay = relay(dir.path(), &["--max-connections-per-device", "2"]).await?;
    let device = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    let url = |session: &str| format!("{}?peer={}.{session}", relay.sync_url(), device.device_id);
    let open = |session: &'static str| {
        let url = url(session);
        let token = device.token.clone();
        async move {
            tokio_tungstenite::connect_async(ntm_e2e::device::upgrade_request(&url, Some(&token))?)
                .await
                .map(|(socket, _)| socket)
                .map_err(anyhow::Error::from)
        }
    };
    let first = open("a").await?;
    let _second = open("b").await?;
    let third = open("c").await.unwrap_err();
    assert!(format!("{third:#}").contains("429"), "{third:#}");
    drop(first);
    // Its slot comes back once the relay sees the close.
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(socket) = open("d").await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "a freed slot is usable again");

    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, _) = relay
            .post_json("/enrol", &serde_json::json!({ "code": "AAAAA-BBBBB" }))
            .await?;
        statuses.push(status);
    }
    assert!(statuses[..9].iter().all(|&s| s == 403), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    Ok(())
}
