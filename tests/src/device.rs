//! A simulated device: `ntm-core`'s sync client over a real WebSocket
//! (tokio-tungstenite), holding its documents in memory.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use automerge::{ActorId, Automerge};
use futures::{SinkExt, StreamExt};
use ntm_core::survey;
use ntm_core::sync::{ClientEvent, ClientOutput, SyncClient, SyncStatus};
use ntm_core::{DocumentId, PeerId};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One simulated tablet.
pub struct Device {
    name: String,
    actor: ActorId,
    client: SyncClient,
    socket: Option<Socket>,
    /// Token and peer id of an enrolled device, sent at the upgrade.
    credentials: Option<(String, String)>,
    /// The roots to trust for `wss://` (a test's own certificate).
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl Device {
    /// A device with a random peer id and actor, tracking no documents yet.
    pub fn new(name: &str) -> Self {
        let actor = ActorId::from(rand::random::<[u8; 16]>());
        Self {
            name: name.to_owned(),
            actor,
            client: SyncClient::new(
                PeerId::for_device(rand::random()),
                Some(format!("sim-{name}")),
            ),
            socket: None,
            credentials: None,
            tls: None,
        }
    }

    /// An enrolled device: its peer id is `<device id>.<session>`, and it
    /// presents its token when it connects.
    pub fn enrolled(name: &str, enrolment: &crate::relay::Enrolment) -> Self {
        let peer = format!("{}.{}", enrolment.device_id, rand::random::<u32>());
        let mut device = Self::new(name);
        device.client = SyncClient::new(PeerId::new(peer.clone()), Some(format!("sim-{name}")));
        device.credentials = Some((enrolment.token.clone(), peer));
        device
    }

    /// Trusts `config`'s roots for `wss://` connections.
    pub fn with_tls(mut self, config: std::sync::Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// A device that has opened (created offline if need be) the demo commune's survey.
    pub fn with_demo_survey(name: &str) -> Self {
        let mut device = Self::new(name);
        let commune = survey::demo_commune();
        device.track(commune.document_id, survey::genesis(&commune));
        device
    }

    /// Starts tracking a document (an empty one is requested from the relay).
    pub fn track(&mut self, id: DocumentId, mut doc: Automerge) {
        doc.set_actor(self.actor.clone());
        let out = self.client.add_document(id, doc, Vec::new());
        assert!(
            out.is_empty() || self.socket.is_some(),
            "offline devices send nothing"
        );
    }

    /// A tracked document.
    pub fn doc(&self, id: &DocumentId) -> &Automerge {
        self.client
            .document(id)
            .unwrap_or_else(|| panic!("{} does not track {id}", self.name))
    }

    /// The sync client (status, unconfirmed changes…).
    pub fn client(&self) -> &SyncClient {
        &self.client
    }

    /// Edits a document locally and, if connected, offers the change.
    pub async fn edit<R>(
        &mut self,
        id: &DocumentId,
        f: impl FnOnce(&mut Automerge) -> R,
    ) -> anyhow::Result<R> {
        let doc = self
            .client
            .document_mut(id)
            .ok_or_else(|| anyhow!("{} does not track {id}", self.name))?;
        let result = f(doc);
        let out = self.client.handle(ClientEvent::LocalChange(*id))?;
        self.dispatch(out).await?;
        Ok(result)
    }

    /// Opens a WebSocket to the relay and starts the handshake.
    pub async fn connect(&mut self, url: &str) -> anyhow::Result<()> {
        // A native client sends its token in a header, never in the URL.
        let (url, token) = match &self.credentials {
            Some((token, peer)) => (format!("{url}?peer={peer}"), Some(token.as_str())),
            None => (url.to_owned(), None),
        };
        let connector = self.tls.clone().map(tokio_tungstenite::Connector::Rustls);
        let (socket, _) = tokio_tungstenite::connect_async_tls_with_config(
            upgrade_request(&url, token)?,
            None,
            false,
            connector,
        )
        .await
        .with_context(|| format!("connect {url}"))?;
        self.socket = Some(socket);
        let out = self.client.handle(ClientEvent::Connected)?;
        self.dispatch(out).await
    }

    /// Closes the WebSocket (as a tablet losing its network).
    pub async fn disconnect(&mut self) {
        if let Some(mut socket) = self.socket.take() {
            let _ = socket.close(None).await;
        }
        self.client
            .handle(ClientEvent::Disconnected)
            .expect("disconnect is always accepted");
    }

    async fn dispatch(&mut self, outputs: Vec<ClientOutput>) -> anyhow::Result<()> {
        for output in outputs {
            if let ClientOutput::Send(bytes) = output {
                let socket = self
                    .socket
                    .as_mut()
                    .ok_or_else(|| anyhow!("{}: not connected", self.name))?;
                socket.send(Message::Binary(bytes.into())).await?;
            }
        }
        Ok(())
    }

    /// Processes frames until `done` holds, or fails after `timeout`.
    pub async fn run_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&SyncClient) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(&self.client) {
            let socket = self
                .socket
                .as_mut()
                .ok_or_else(|| anyhow!("{}: not connected", self.name))?;
            let frame = match tokio::time::timeout_at(deadline, socket.next()).await {
                Err(_) => bail!(
                    "{}: condition not reached within {timeout:?} (status {:?}, {} unconfirmed)",
                    self.name,
                    self.client.status(),
                    self.client.unconfirmed_changes()
                ),
                Ok(None) => bail!("{}: relay closed the connection", self.name),
                Ok(Some(frame)) => frame?,
            };
            if let Message::Binary(bytes) = frame {
                let out = self.client.handle(ClientEvent::Received(&bytes))?;
                self.dispatch(out).await?;
            }
        }
        Ok(())
    }

    /// Syncs until the relay holds exactly this device's documents and has
    /// acknowledged every local change.
    pub async fn sync(&mut self, timeout: Duration) -> anyhow::Result<()> {
        self.run_until(timeout, |c| {
            c.status() == SyncStatus::UpToDate && c.unconfirmed_changes() == 0
        })
        .await
    }

    /// Fetches a document someone else created: requests it, reconnecting
    /// while the relay says it is unavailable (it may not have arrived yet).
    pub async fn fetch(
        &mut self,
        url: &str,
        id: DocumentId,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.track(id, Automerge::new());
            self.connect(url).await?;
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            self.run_until(left, |c| {
                c.is_unavailable(&id) || c.document(&id).is_some_and(|d| !d.get_heads().is_empty())
            })
            .await?;
            if !self.client.is_unavailable(&id) {
                return self.sync(left).await;
            }
            self.disconnect().await;
            if tokio::time::Instant::now() >= deadline {
                bail!(
                    "{}: document {id} still unavailable after {timeout:?}",
                    self.name
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A WebSocket upgrade request to `url`, with `Authorization: Bearer` when
/// a token is given.
pub fn upgrade_request(
    url: &str,
    token: Option<&str>,
) -> anyhow::Result<tokio_tungstenite::tungstenite::handshake::client::Request> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request()?;
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
    }
    Ok(request)
}
