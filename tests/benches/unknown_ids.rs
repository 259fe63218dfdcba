//! Memory a hostile device can make the relay hold by asking for document
//! ids it may not see (issue 12, point 8): one enrolled enumerator asks for
//! `--ids N` (default 100,000) random ids, 10,000 per connection, and the
//! relay's resident memory is read before (the baseline, same run) and
//! after each batch. The relay answers each "unavailable" itself, without
//! a document actor, and remembers negative answers in a bounded cache.
//!
//! The relay runs with its message rate and per-connection document cap
//! raised, so the run measures the memory per id, not the limits (at the
//! default 100 messages/s the same probe would take 17 minutes, and each
//! connection would be cut after 4,096 documents).
//!
//!   cargo bench -p ntm-e2e --bench unknown_ids [-- --ids N]

use std::time::{Duration, Instant};

use ntm_core::DocumentId;
use ntm_e2e::{relay::free_port, Device, Relay};

const BATCH: usize = 10_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let ids: usize = args
        .iter()
        .position(|a| a == "--ids")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let relay = Relay::start_with(
        dir.path(),
        addr,
        None,
        &[
            "--max-messages-per-second",
            "1000000",
            "--max-documents-per-connection",
            "1000000",
        ],
    )
    .await?;
    let enrolment = relay.enrol("enumerator", &["sa-pa-ta-van"]).await?;
    // Baseline: the relay with this device connected once, nothing asked.
    let mut idle = Device::enrolled("probe", &enrolment);
    idle.connect(&relay.sync_url()).await?;
    idle.run_until(Duration::from_secs(2), |_| false).await.ok();
    idle.disconnect().await;
    let baseline = relay.rss_kib()?;
    println!("relay RSS, baseline (device connected, nothing asked): {baseline} KiB");
    println!(
        "{:>10} {:>12} {:>14} {:>10}",
        "ids asked", "RSS KiB", "vs baseline", "ids/s"
    );
    let started = Instant::now();
    let mut asked = 0;
    let mut peak = baseline;
    while asked < ids {
        let n = BATCH.min(ids - asked);
        let random: Vec<DocumentId> = (0..n)
            .map(|_| DocumentId::from_bytes(rand::random()))
            .collect();
        let mut probe = Device::enrolled("probe", &enrolment);
        for id in &random {
            probe.track(*id, automerge::Automerge::new());
        }
        probe.connect(&relay.sync_url()).await?;
        probe
            .run_until(Duration::from_secs(600), |c| {
                random.iter().all(|id| c.is_unavailable(id))
            })
            .await?;
        probe.disconnect().await;
        asked += n;
        let rss = relay.rss_kib()?;
        peak = peak.max(rss);
        println!(
            "{asked:>10} {rss:>12} {:>13.2}× {:>10.0}",
            rss as f64 / baseline as f64,
            asked as f64 / started.elapsed().as_secs_f64()
        );
    }
    let metrics = relay.request("GET", "/metrics", &[], vec![]).await?.text();
    let answered = metrics
        .lines()
        .find(|l| l.starts_with("ntm_dropped_messages_total{kind=\"not_visible\"}"))
        .unwrap_or("ntm_dropped_messages_total{kind=\"not_visible\"} 0");
    println!(
        "peak {peak} KiB = {:.2}× baseline, {:.1} bytes per id asked; relay: {answered}",
        peak as f64 / baseline as f64,
        (peak.saturating_sub(baseline) * 1024) as f64 / ids as f64
    );
    Ok(())
}
