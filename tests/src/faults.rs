//! A bad network between a device and the relay, over real sockets.
//!
//! - [`CutProxy`]: a TCP proxy that drops some connections after a random
//!   number of bytes, in the middle of whatever message is under way.
//! - [`ShuffleProxy`]: a WebSocket proxy that duplicates some messages and
//!   swaps some neighbours (after the handshake), in both directions.

use std::net::SocketAddr;

use futures::{SinkExt, StreamExt};
use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// A running proxy; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    faults: Faults,
}

type Faults = std::sync::Arc<std::sync::atomic::AtomicUsize>;

fn count(faults: &Faults) {
    faults.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

impl Proxy {
    /// `ws://<proxy>/sync`.
    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// How many faults it has made (cuts; duplicated or swapped messages).
    pub fn faults(&self) -> usize {
        self.faults.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Listens on a free loopback port and hands each connection, with the
/// fault counter, to `serve`.
async fn spawn_proxy<F, Fut>(serve: F) -> anyhow::Result<Proxy>
where
    F: Fn(TcpStream, Faults) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let faults = Faults::default();
    let counter = faults.clone();
    let task = tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(serve(client, counter.clone()));
        }
    });
    Ok(Proxy { addr, task, faults })
}

/// Cuts connections mid-stream.
pub struct CutProxy;

impl CutProxy {
    /// Proxies to `upstream`; each connection is cut, with probability
    /// `cut_chance`, after a random number of bytes below `max_bytes`
    /// (counted in both directions).
    pub async fn start(
        upstream: SocketAddr,
        cut_chance: f64,
        max_bytes: usize,
    ) -> anyhow::Result<Proxy> {
        spawn_proxy(move |client, faults| async move {
            let budget = rand::rng()
                .random_bool(cut_chance)
                .then(|| rand::rng().random_range(1..max_bytes));
            if let Ok(server) = TcpStream::connect(upstream).await {
                if cut_pipe(client, server, budget).await {
                    count(&faults);
                }
            }
        })
        .await
    }
}

/// Copies both ways until either side closes or `budget` bytes have passed;
/// then both sockets are dropped (a reset, mid-message). Returns whether
/// it cut.
async fn cut_pipe(mut client: TcpStream, mut server: TcpStream, budget: Option<usize>) -> bool {
    let mut left = budget.unwrap_or(usize::MAX);
    let (mut a, mut b) = ([0u8; 4096], [0u8; 4096]);
    loop {
        let (n, from_client) = tokio::select! {
            r = client.read(&mut a) => match r { Ok(0) | Err(_) => return false, Ok(n) => (n, true) },
            r = server.read(&mut b) => match r { Ok(0) | Err(_) => return false, Ok(n) => (n, false) },
        };
        let pass = n.min(left);
        let written = if from_client {
            server.write_all(&a[..pass]).await
        } else {
            client.write_all(&b[..pass]).await
        };
        left -= pass;
        if written.is_err() || left == 0 {
            // Linger 0 turns the drop into a reset, as a lost network does.
            let _ = client.set_zero_linger();
            let _ = server.set_zero_linger();
            return left == 0;
        }
    }
}

/// Duplicates and reorders WebSocket messages.
pub struct ShuffleProxy;

impl ShuffleProxy {
    /// Proxies `ws://<proxy>/…` to `ws://<upstream>/…` (same path and
    /// query). After each side's first message, each message is sent twice
    /// with probability `duplicate`, and held back to go after the next one
    /// with probability `swap`.
    pub async fn start(upstream: SocketAddr, duplicate: f64, swap: f64) -> anyhow::Result<Proxy> {
        spawn_proxy(move |client, faults| async move {
            let _ = shuffle_connection(client, upstream, duplicate, swap, faults).await;
        })
        .await
    }
}

// The handshake callback's error type is tungstenite's, not ours.
#[allow(clippy::result_large_err)]
async fn shuffle_connection(
    client: TcpStream,
    upstream: SocketAddr,
    duplicate: f64,
    swap: f64,
    faults: Faults,
) -> anyhow::Result<()> {
    let path = std::sync::Arc::new(std::sync::Mutex::new(String::from("/sync")));
    let seen = path.clone();
    let client = tokio_tungstenite::accept_hdr_async(
        client,
        move |request: &tokio_tungstenite::tungstenite::handshake::server::Request, response| {
            if let Some(pq) = request.uri().path_and_query() {
                *seen.lock().expect("path lock") = pq.to_string();
            }
            Ok(response)
        },
    )
    .await?;
    let url = format!("ws://{upstream}{}", path.lock().expect("path lock"));
    let (server, _) = tokio_tungstenite::connect_async(&url).await?;
    let (client_tx, client_rx) = client.split();
    let (server_tx, server_rx) = server.split();
    tokio::select! {
        _ = shuffle(client_rx, server_tx, duplicate, swap, &faults) => {}
        _ = shuffle(server_rx, client_tx, duplicate, swap, &faults) => {}
    }
    Ok(())
}

async fn shuffle<S, K>(mut from: S, mut to: K, duplicate: f64, swap: f64, faults: &Faults)
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
    K: futures::Sink<Message> + Unpin,
{
    let mut first = true;
    let mut held: Option<Message> = None;
    loop {
        // A held message waits for the next one, or 200 ms at most.
        let next = match held.take() {
            Some(h) => {
                match tokio::time::timeout(std::time::Duration::from_millis(200), from.next()).await
                {
                    Ok(next) => {
                        held = Some(h);
                        next
                    }
                    Err(_) => {
                        if to.send(h).await.is_err() {
                            return;
                        }
                        continue;
                    }
                }
            }
            None => from.next().await,
        };
        let Some(Ok(message)) = next else {
            break;
        };
        if !message.is_binary() {
            if message.is_close() {
                break;
            }
            continue;
        }
        if first {
            first = false;
            if to.send(message).await.is_err() {
                return;
            }
            continue;
        }
        let (dup, hold) = {
            let mut rng = rand::rng();
            (rng.random_bool(duplicate), rng.random_bool(swap))
        };
        if hold && held.is_none() {
            count(faults);
            held = Some(message);
            continue;
        }
        let mut out = vec![message.clone()];
        if dup {
            count(faults);
            out.push(message);
        }
        if let Some(h) = held.take() {
            out.push(h);
        }
        for m in out {
            if to.send(m).await.is_err() {
                return;
            }
        }
    }
    if let Some(h) = held {
        let _ = to.send(h).await;
    }
}
