//! Command-line interface; every flag also reads an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

/// NTM Survey relay.
#[derive(Debug, clap::Parser)]
#[command(name = "ntm-relay", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Serve the sync endpoint, the health check and the app.
    Serve(ServeArgs),
    /// Criteria catalogs: check a province's own version before importing it.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Devices: enrolment codes, the enrolled devices, revocation.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Documents: who changed what, and undoing a destructive change.
    #[command(subcommand)]
    Document(DocumentCommand),
    /// Communes: merging predecessors' surveys into the unit they formed.
    #[command(subcommand)]
    Commune(CommuneCommand),
}

/// `ntm-relay commune …`.
#[derive(Debug, clap::Subcommand)]
pub enum CommuneCommand {
    /// Make a merged unit's survey the union of its predecessors'
    /// (households and infrastructure, ids kept), as the province registry
    /// lists them, and mark each predecessor with where its data went.
    /// Safe to run again: it brings over late edits and writes nothing when
    /// nothing changed.
    Merge {
        /// The new unit's code (e.g. `ta-van`).
        code: String,
        /// The province code of the registry.
        #[arg(long, env = "NTM_PROVINCE")]
        province: String,
        /// Where the relay's data is.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `ntm-relay document …`.
#[derive(Debug, clap::Subcommand)]
pub enum DocumentCommand {
    /// Every change of a document, oldest first: hash, time, device (name,
    /// role), and the entries it added (+), removed (−) and changed (~).
    History {
        /// The document id (as the registry lists it).
        id: String,
        /// Where the relay's data is.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a new change that puts back every entry one change touched, as
    /// it was before it (deleted households return with their records);
    /// it syncs to every device like any other change.
    Revert {
        /// The document id.
        id: String,
        /// The change to undo: its hash, or the first 8+ characters of it.
        change: String,
        /// Where the relay's data is.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `ntm-relay device …`.
#[derive(Debug, clap::Subcommand)]
pub enum DeviceCommand {
    /// Print a one-time enrolment code (valid 7 days) for a role and scope.
    Enrol {
        /// enumerator | officer | district | department | office | admin.
        #[arg(long)]
        role: String,
        /// Unit codes, comma-separated: communes for enumerators and
        /// officers, districts for a district, the department's catalog
        /// code (e.g. `so-xd`) for a department.
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// Where the relay's data is.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List enrolled devices.
    List {
        /// Where the relay's data is.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a device: relays disconnect it within a second.
    Revoke {
        /// The device id (from `device list`).
        id: String,
        /// Where the relay's data is.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `ntm-relay catalog …`.
#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// Validate a catalog TOML file; every problem is printed as file:line: field: message.
    Check {
        /// The catalog file.
        file: PathBuf,
    },
    /// Validate a catalog file and store it as a new catalog version that
    /// every device receives. Refused if the file is invalid or the version
    /// (its `id`) is already imported.
    Import {
        /// The catalog file.
        file: PathBuf,
        /// Where the relay's data is.
        #[command(flatten)]
        store: StoreArgs,
        /// Who imports it (recorded in the document).
        #[arg(long, env = "NTM_ADMIN", default_value = "admin")]
        by: String,
    },
}

/// Flags of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "NTM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where the relay's data is.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Directory of the built web app, served at `/`.
    #[arg(long, env = "NTM_APP_DIR")]
    pub app_dir: Option<PathBuf>,
    /// Store the synthetic demo province (registry, catalogs, Sa Pa's
    /// surveys and appraisals) if it is not stored yet.
    #[arg(long, env = "NTM_DEMO")]
    pub demo: bool,
    /// PEM certificate chain: serve HTTPS (and WSS) with it.
    #[arg(long, env = "NTM_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert`.
    #[arg(long, env = "NTM_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other machines can reach. Only
    /// behind a proxy that terminates HTTPS: without TLS, plain HTTP is
    /// served on loopback only.
    #[arg(long, env = "NTM_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// Seconds a new connection may take to finish its TLS handshake and
    /// send its first request before it is cut.
    #[arg(long, env = "NTM_FIRST_REQUEST_TIMEOUT", default_value_t = 15)]
    pub first_request_timeout: u64,
    /// Distinct documents one connection may sync (a tablet syncs a few,
    /// the office some hundreds); more closes the connection.
    #[arg(long, env = "NTM_MAX_DOCUMENTS_PER_CONNECTION", default_value_t = 4096)]
    pub max_documents_per_connection: usize,
    /// Sync messages one enrolled device may send per second on average,
    /// over all its connections (bursts of four seconds' worth); more
    /// closes the connection. Far above what a tablet's edits and sync
    /// rounds need, far below a flood.
    #[arg(long, env = "NTM_MAX_MESSAGES_PER_SECOND", default_value_t = 100)]
    pub max_messages_per_second: u32,
    /// Seconds of silence (no message, no answer to the relay's pings)
    /// after which a connection is closed; also how long one message may
    /// wait for a device that stopped reading.
    #[arg(long, env = "NTM_IDLE_TIMEOUT", default_value_t = 90)]
    pub idle_timeout: u64,
    /// Open WebSocket connections in all; more are refused with 429.
    #[arg(long, env = "NTM_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Open WebSocket connections of one enrolled device.
    #[arg(long, env = "NTM_MAX_CONNECTIONS_PER_DEVICE", default_value_t = 8)]
    pub max_connections_per_device: usize,
    /// Largest photo or file accepted, in bytes (larger: 413 naming the limit).
    #[arg(long, env = "NTM_MAX_BLOB_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_blob_bytes: u64,
    /// Bytes of unfinished uploads one device may have at once (more: 429).
    #[arg(long, env = "NTM_BLOB_QUOTA_IN_FLIGHT", default_value_t = 100 * 1024 * 1024)]
    pub blob_quota_in_flight: u64,
    /// Bytes of photos and files one device may store per 24 hours (more: 429).
    #[arg(long, env = "NTM_BLOB_QUOTA_PER_DAY", default_value_t = 1024 * 1024 * 1024)]
    pub blob_quota_per_day: u64,
    /// Hours after which an unfinished upload is dropped, freeing its bytes.
    #[arg(long, env = "NTM_UPLOAD_LIFETIME_HOURS", default_value_t = 24)]
    pub upload_lifetime_hours: u64,
    /// Let any device read and write every document, without enrolment.
    /// For development and tests only: by default only enrolled devices may
    /// connect, each seeing only what its role and scope allow.
    /// Refused on any address but loopback.
    #[arg(long, env = "NTM_OPEN_ACCESS")]
    pub open_access: bool,
    /// A bearer token that opens `/metrics` to a monitoring system on
    /// another machine. Without it, `/metrics` answers only on loopback
    /// (and not at all behind a proxy, `--insecure-http`).
    #[arg(long, env = "NTM_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
}

/// Where the relay keeps its data.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Directory for the relay's data (`relay.db`, the embedded SQLite
    /// database, unless `--database` is given).
    #[arg(long, env = "NTM_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL database shared by several relay processes
    /// (`postgres://user:password@host/db`) instead of the embedded SQLite.
    #[arg(long, env = "NTM_DATABASE")]
    pub database: Option<String>,
}

impl StoreArgs {
    /// The database URL these flags name.
    pub fn url(&self) -> anyhow::Result<String> {
        crate::storage::url_for(self.database.as_deref(), &self.data_dir)
    }
}

impl ServeArgs {
    /// The listener's part of the flags.
    pub fn listen_config(&self) -> crate::listen::ListenConfig {
        crate::listen::ListenConfig {
            addr: self.listen,
            tls: self.tls_cert.clone().zip(self.tls_key.clone()),
            insecure_http: self.insecure_http,
            first_request_timeout: std::time::Duration::from_secs(self.first_request_timeout),
        }
    }
}
