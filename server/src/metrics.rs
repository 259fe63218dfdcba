//! `GET /metrics` in the Prometheus text format: connections, documents,
//! messages and bytes each way, refused connections, storage latency,
//! blobs stored.

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, &'static str)>;

/// The relay's metrics (cheap to clone; every clone counts into the same registry).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Open WebSocket connections.
    pub connections: Gauge,
    /// Documents with data in storage (set at each scrape).
    pub documents: Gauge,
    messages: Family<Labels, Counter>,
    bytes: Family<Labels, Counter>,
    refused: Family<Labels, Counter>,
    /// Seconds each storage write took to commit.
    pub storage_put_seconds: Histogram,
    blobs: Counter,
    blob_bytes: Counter,
    storage_failing: Family<Labels, Gauge>,
    dropped: Family<Labels, Counter>,
    storage_write_errors: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("ntm");
        let connections = Gauge::default();
        let documents = Gauge::default();
        let messages = Family::<Labels, Counter>::default();
        let bytes = Family::<Labels, Counter>::default();
        let refused = Family::<Labels, Counter>::default();
        // 100 µs … ~3 s: an fsync on a tablet-class disk to a stalled one.
        let storage_put_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "connections",
            "Open WebSocket connections",
            connections.clone(),
        );
        registry.register(
            "documents",
            "Documents with data in storage",
            documents.clone(),
        );
        registry.register(
            "messages",
            "Protocol messages, by direction",
            messages.clone(),
        );
        registry.register("bytes", "Protocol bytes, by direction", bytes.clone());
        registry.register(
            "refused_connections",
            "Connections refused, by reason",
            refused.clone(),
        );
        registry.register(
            "storage_put_seconds",
            "Time for a storage write to commit",
            storage_put_seconds.clone(),
        );
        let blobs = Counter::default();
        let blob_bytes = Counter::default();
        registry.register("blobs_stored", "Photos and files stored", blobs.clone());
        registry.register(
            "blob_bytes_stored",
            "Bytes of photos and files stored",
            blob_bytes.clone(),
        );
        let storage_failing = Family::<Labels, Gauge>::default();
        let storage_write_errors = Counter::default();
        registry.register(
            "storage_failing",
            "1 while storage cannot make writes durable, by reason (disk_full, error): nothing is acknowledged then",
            storage_failing.clone(),
        );
        registry.register(
            "storage_write_errors",
            "Storage commits that failed (each is retried)",
            storage_write_errors.clone(),
        );
        let dropped = Family::<Labels, Counter>::default();
        registry.register(
            "dropped_messages",
            "Messages from devices dropped unread, by kind (ephemeral: the product sends none)",
            dropped.clone(),
        );
        Self {
            registry: Arc::new(registry),
            dropped,
            storage_failing,
            storage_write_errors,
            connections,
            documents,
            messages,
            bytes,
            refused,
            storage_put_seconds,
            blobs,
            blob_bytes,
        }
    }

    /// Copies the store's health into the metrics (at each scrape).
    pub fn storage_health(&self, health: &crate::storage::StorageHealth) {
        let failure = health.failure();
        for reason in ["disk_full", "error"] {
            let on = failure.as_ref().is_some_and(|f| f.reason == reason);
            self.storage_failing
                .get_or_create(&vec![("reason", reason)])
                .set(i64::from(on));
        }
        let seen = self.storage_write_errors.get();
        self.storage_write_errors
            .inc_by(health.errors().saturating_sub(seen));
    }

    /// Counts a finished (verified) blob upload.
    pub fn blob_stored(&self, size: u64) {
        self.blobs.inc();
        self.blob_bytes.inc_by(size);
    }

    /// Counts one message of `len` bytes received from a device.
    pub fn received(&self, len: usize) {
        self.count("in", len);
    }

    /// Counts one message of `len` bytes sent to a device.
    pub fn sent(&self, len: usize) {
        self.count("out", len);
    }

    fn count(&self, direction: &'static str, len: usize) {
        let labels = vec![("direction", direction)];
        self.messages.get_or_create(&labels).inc();
        self.bytes.get_or_create(&labels).inc_by(len as u64);
    }

    /// Counts a message dropped without passing it on.
    pub fn dropped(&self, kind: &'static str) {
        self.dropped.get_or_create(&vec![("kind", kind)]).inc();
    }

    /// Counts a refused connection.
    pub fn refused(&self, reason: &'static str) {
        self.refused.get_or_create(&vec![("reason", reason)]).inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
