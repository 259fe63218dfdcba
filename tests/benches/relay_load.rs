//! Load benchmark: the same simulated devices against `ntm-relay` and
//! against the JS automerge-repo 2.x sync server, in one run.
//!
//! Devices come in pairs, one pair per commune document. Every device edits
//! its commune's document on a steady tick (one edit per tick, and never
//! more than one unacknowledged edit: a server that falls behind gets less
//! offered, as tablets waiting on it would), and watches its partner's
//! edits arrive. Reported: changes acknowledged per second, changes
//! delivered to the partner per second, the latency from an edit to its
//! arrival on the partner (p50, p99), and the server's peak RSS.
//!
//! The default tick, 50 ms, offers 4,000 changes/s from 200 devices: more
//! than either server takes on a 2-core machine, so the table measures the
//! servers and not the tick (at 100 ms the offer, 2,000/s, was what the
//! faster server reached, and it capped the ratio the table could show).
//!
//!   cargo xtask bench                     200 devices, 20 s per server
//!   cargo xtask bench --devices 1000      the long run
//!
//! Options (after `--` when run through cargo bench): `--devices N`,
//! `--seconds S`, `--tick-ms MS`, and `--only ntm|js` to run one server
//! (for profiling it; no ratios then).

use std::process::Stdio;
use std::time::{Duration, Instant};

use automerge::{transaction::Transactable, ReadDoc, ROOT};
use futures::{SinkExt, StreamExt};
use ntm_core::sync::{ClientEvent, ClientOutput, SyncClient};
use ntm_core::{DocumentId, PeerId};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

/// The generator shares the machine with the server under test: glibc's
/// allocator took a tenth of its CPU, which the server would have had.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

struct Options {
    devices: usize,
    seconds: u64,
    tick: Duration,
    /// Run only this server (`ntm` or `js`).
    only: Option<String>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Options {
        devices: value("--devices").unwrap_or(200) as usize & !1,
        seconds: value("--seconds").unwrap_or(20),
        tick: Duration::from_millis(value("--tick-ms").unwrap_or(50)),
        only: args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1))
            .cloned(),
    }
}

/// What one device saw.
#[derive(Default)]
struct DeviceStats {
    frames_in: u64,
    frames_out: u64,
    acknowledged: u64,
    delivered: u64,
    latencies_us: Vec<u64>,
}

/// One server's results.
struct Report {
    acknowledged_per_s: f64,
    delivered_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_rss_mib: f64,
    devices_failed: usize,
}

/// A server under test, started on a free port.
struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(
        mut command: Command,
        port: u16,
        dir: tempfile::TempDir,
    ) -> anyhow::Result<Self> {
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if line.contains("listening on") {
                    return Ok(());
                }
            }
            anyhow::bail!("server exited before listening")
        })
        .await??;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            url: format!("ws://127.0.0.1:{port}/sync"),
            _dir: dir,
        })
    }

    /// Peak resident memory of the server process (`VmHWM`), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let Some(pid) = self.child.id() else {
            return f64::NAN;
        };
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            })
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

/// The same first change on every device, so partners share a document
/// without fetching it.
fn genesis() -> automerge::Automerge {
    let mut doc = automerge::AutoCommit::new().with_actor(automerge::ActorId::from([7u8; 16]));
    doc.put(ROOT, "bench", "relay load")
        .expect("fresh document");
    doc.commit_with(automerge::transaction::CommitOptions::default().with_time(0));
    doc.document().clone()
}

/// Puts one commune document on the server, as the province's setup does
/// before tablets go out: connect, sync it, leave.
async fn seed(url: &str, doc_id: DocumentId) -> anyhow::Result<()> {
    let mut client = SyncClient::new(PeerId::for_device(rand::random()), None);
    let mut out = client.add_document(doc_id, genesis(), Vec::new());
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    out.extend(client.handle(ClientEvent::Connected)?);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        for o in out.drain(..) {
            if let ClientOutput::Send(bytes) = o {
                socket.send(Message::Binary(bytes.into())).await?;
            }
        }
        if client.status() == ntm_core::sync::SyncStatus::UpToDate {
            break;
        }
        let frame = tokio::time::timeout_at(deadline.into(), socket.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("server closed the connection while seeding"))??;
        if let Message::Binary(bytes) = frame {
            out = client.handle(ClientEvent::Received(&bytes))?;
        }
    }
    let _ = socket.close(None).await;
    Ok(())
}

/// The run's timing, shared by every device.
#[derive(Clone, Copy)]
struct Clock {
    /// Time zero for latencies.
    base: Instant,
    /// When edits start.
    start_at: Instant,
    /// When measuring stops.
    stop_at: Instant,
    /// The edit tick.
    tick: Duration,
}

/// One device: edits on each tick, counts its partner's edits arriving.
async fn device(
    url: String,
    doc_id: DocumentId,
    (me, partner): (usize, usize),
    clock: Clock,
) -> anyhow::Result<DeviceStats> {
    let Clock {
        base,
        start_at,
        stop_at,
        tick,
    } = clock;
    let mut stats = DeviceStats::default();
    let mut client = SyncClient::new(PeerId::for_device(rand::random()), None);
    let mut doc = genesis();
    // Each device writes as itself (the genesis actor wrote only the first change).
    doc.set_actor(automerge::ActorId::from(rand::random::<[u8; 16]>()));
    let mut out = client.add_document(doc_id, doc, Vec::new());
    // Devices arrive over the connect window, not all in one instant.
    tokio::time::sleep_until((base + Duration::from_millis(10 * me as u64)).into()).await;
    // tungstenite zeroes its 128 KiB default read buffer on every read: at
    // thousands of frames a second that costs the load generator a core's
    // tenth, which the server under test would otherwise have had.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(16 * 1024);
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(&url, Some(config), false).await?;
    out.extend(client.handle(ClientEvent::Connected)?);
    let mut next_seen = 0u64;
    let mut sent = 0u64;
    let mut unacked_since: Option<u64> = None;
    let mut ticker = tokio::time::interval_at(start_at.into(), tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let partner_key = |n: u64| format!("{partner}/{n}");
    loop {
        for o in out.drain(..) {
            if let ClientOutput::Send(bytes) = o {
                stats.frames_out += 1;
                socket.send(Message::Binary(bytes.into())).await?;
            }
        }
        tokio::select! {
            frame = socket.next() => {
                let Some(frame) = frame else { anyhow::bail!("server closed the connection") };
                if let Message::Binary(bytes) = frame? {
                    stats.frames_in += 1;
                    out = client.handle(ClientEvent::Received(&bytes))?;
                    let now = base.elapsed().as_micros() as u64;
                    if unacked_since.is_some() && client.unconfirmed_changes() == 0 {
                        unacked_since = None;
                        if Instant::now() < stop_at {
                            stats.acknowledged += 1;
                        }
                    }
                    let doc = client.document(&doc_id).expect("tracked");
                    while let Ok(Some((automerge::Value::Scalar(v), _))) =
                        doc.get(ROOT, partner_key(next_seen))
                    {
                        if let automerge::ScalarValue::Uint(t) = v.as_ref() {
                            if Instant::now() < stop_at {
                                stats.delivered += 1;
                                stats.latencies_us.push(now.saturating_sub(*t));
                            }
                        }
                        next_seen += 1;
                    }
                }
            }
            _ = ticker.tick() => {
                if Instant::now() >= stop_at {
                    break;
                }
                if unacked_since.is_none() {
                    let now = base.elapsed().as_micros() as u64;
                    let doc = client.document_mut(&doc_id).expect("tracked");
                    let mut tx = doc.transaction();
                    tx.put(ROOT, format!("{me}/{sent}"), automerge::ScalarValue::Uint(now))?;
                    tx.commit();
                    sent += 1;
                    unacked_since = Some(now);
                    out = client.handle(ClientEvent::LocalChange(doc_id))?;
                }
            }
        }
    }
    let _ = socket.close(None).await;
    Ok(stats)
}

async fn run(server: &Server, options: &Options) -> anyhow::Result<Report> {
    let pairs = options.devices / 2;
    let docs: Vec<DocumentId> = (0..pairs)
        .map(|_| DocumentId::from_bytes(rand::random()))
        .collect();
    // The documents exist on the server before the tablets connect, ten
    // seeded at a time.
    for batch in docs.chunks(10) {
        futures::future::try_join_all(batch.iter().map(|d| async move {
            // A server may drop a connection; seeding is not what is measured.
            let mut tries = 0;
            loop {
                tries += 1;
                match seed(&server.url, *d).await {
                    Ok(()) => return Ok(()),
                    Err(e) if tries >= 5 => return Err(e),
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        }))
        .await?;
    }
    let base = Instant::now();
    let connect_time = Duration::from_secs(5) + Duration::from_millis(10 * options.devices as u64);
    let start_at = base + connect_time;
    let stop_at = start_at + Duration::from_secs(options.seconds);
    let mut tasks = Vec::new();
    for (pair, doc_id) in docs.iter().copied().enumerate() {
        for side in 0..2 {
            let me = pair * 2 + side;
            let partner = pair * 2 + (1 - side);
            tasks.push(tokio::spawn(device(
                server.url.clone(),
                doc_id,
                (me, partner),
                Clock {
                    base,
                    start_at,
                    stop_at,
                    tick: options.tick,
                },
            )));
        }
    }
    let mut all = DeviceStats::default();
    let mut failed = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(s)) => {
                all.frames_in += s.frames_in;
                all.frames_out += s.frames_out;
                all.acknowledged += s.acknowledged;
                all.delivered += s.delivered;
                all.latencies_us.extend(s.latencies_us);
            }
            Ok(Err(e)) => {
                failed += 1;
                if failed <= 3 {
                    eprintln!("  a device failed: {e}");
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("  a device panicked: {e}");
            }
        }
    }
    all.latencies_us.sort_unstable();
    eprintln!(
        "  frames: {} to the server, {} from it, for {} changes",
        all.frames_out, all.frames_in, all.acknowledged
    );
    let percentile = |p: f64| {
        if all.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((all.latencies_us.len() - 1) as f64 * p).round() as usize;
        all.latencies_us[i] as f64 / 1000.0
    };
    let seconds = options.seconds as f64;
    Ok(Report {
        acknowledged_per_s: all.acknowledged as f64 / seconds,
        delivered_per_s: all.delivered as f64 / seconds,
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        peak_rss_mib: server.peak_rss_mib(),
        devices_failed: failed,
    })
}

/// Runs the devices against `server`, then stops it (its port and memory
/// are the next server's).
async fn measure(server: Server, options: &Options) -> anyhow::Result<Report> {
    let report = run(&server, options).await?;
    drop(server);
    Ok(report)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

async fn rust_relay() -> anyhow::Result<Server> {
    let port = free_port();
    let dir = tempfile::tempdir()?;
    let mut command = Command::new(ntm_e2e::workspace::relay_binary());
    command
        .args(["serve", "--open-access", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path())
        // Load from one address: the per-device limits are not under test.
        .args(["--max-documents-per-connection", "100000"])
        .env(
            "NTM_LOG",
            std::env::var("NTM_BENCH_LOG").unwrap_or_else(|_| "error".into()),
        );
    Server::start(command, port, dir).await
}

async fn js_server() -> anyhow::Result<Server> {
    let port = free_port();
    let dir = tempfile::tempdir()?;
    let mut command = Command::new("node");
    command
        .arg(ntm_e2e::workspace::js_dir().join("sync-server.mjs"))
        .arg(port.to_string())
        .arg(dir.path());
    Server::start(command, port, dir).await
}

fn main() -> anyhow::Result<()> {
    let options = options();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        println!(
            "relay load: {} devices ({} commune documents), one edit per {} ms per device at most, {} s per server",
            options.devices,
            options.devices / 2,
            options.tick.as_millis(),
            options.seconds
        );
        let only = options.only.as_deref();
        if let Some(name) = only.filter(|n| !["ntm", "js"].contains(n)) {
            anyhow::bail!("--only takes `ntm` or `js`, not `{name}`");
        }
        let ours = match only {
            Some("js") => None,
            _ => Some(measure(rust_relay().await?, &options).await?),
        };
        let theirs = match only {
            Some("ntm") => None,
            _ => Some(measure(js_server().await?, &options).await?),
        };
        match (ours, theirs) {
            (Some(ours), Some(theirs)) => print_table(&ours, &theirs),
            (Some(one), None) => print_one("ntm-relay", &one),
            (None, Some(one)) => print_one("JS sync server", &one),
            (None, None) => unreachable!("at least one server runs"),
        }
        Ok(())
    })
}

/// One server's figures, when only one ran.
fn print_one(name: &str, report: &Report) {
    println!();
    println!(
        "{name}: {:.1} changes acknowledged/s, {:.1} delivered/s, latency p50 {:.1} ms, p99 {:.1} ms, peak RSS {:.1} MiB, {} devices failed",
        report.acknowledged_per_s,
        report.delivered_per_s,
        report.p50_ms,
        report.p99_ms,
        report.peak_rss_mib,
        report.devices_failed
    );
}

fn print_table(ours: &Report, theirs: &Report) {
    let rows: [(&str, f64, f64, bool); 5] = [
        (
            "changes acknowledged/s",
            ours.acknowledged_per_s,
            theirs.acknowledged_per_s,
            true,
        ),
        (
            "changes delivered/s",
            ours.delivered_per_s,
            theirs.delivered_per_s,
            true,
        ),
        ("latency p50 (ms)", ours.p50_ms, theirs.p50_ms, false),
        ("latency p99 (ms)", ours.p99_ms, theirs.p99_ms, false),
        (
            "peak RSS (MiB)",
            ours.peak_rss_mib,
            theirs.peak_rss_mib,
            false,
        ),
    ];
    println!();
    println!(
        "{:<24} {:>12} {:>16} {:>10}",
        "", "ntm-relay", "JS sync server", "ratio"
    );
    for (name, a, b, _) in rows {
        println!("{name:<24} {a:>12.1} {b:>16.1} {:>9.2}×", a / b);
    }
    println!(
        "{:<24} {:>12} {:>16}",
        "devices failed", ours.devices_failed, theirs.devices_failed
    );
    let throughput = ours.delivered_per_s / theirs.delivered_per_s;
    let memory = ours.peak_rss_mib / theirs.peak_rss_mib;
    println!();
    println!(
        "goal ≥ 5× throughput: {throughput:.2}× ({}); goal ≤ ⅓ memory: {memory:.2}× ({})",
        if throughput >= 5.0 { "met" } else { "not met" },
        if memory <= 1.0 / 3.0 {
            "met"
        } else {
            "not met"
        },
    );
}
