//! The HTTP surface: `/sync` (WebSocket), `/healthz`, and the app at `/`.

use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::services::{ServeDir, ServeFile};

use crate::auth::{policy::ScopePolicy, Auth, AuthError};
use crate::cli::ServeArgs;
use crate::metrics::Metrics;
use crate::storage::{scale_out, Backend, Database, DurableStorage, SqlStorage};
use crate::sync_endpoint::{self, SyncState};

/// The app's files: precompressed (`.br`, `.gz` written by `cargo xtask
/// build-app`) when the browser accepts it, unknown paths answered with
/// `index.html`. Every response says `no-cache`: the names carry no build
/// hash, so a browser must revalidate (a cheap 304) to notice a new version;
/// working offline is the service worker's job, not the HTTP cache's.
fn app_files(app_dir: &std::path::Path) -> axum::routing::MethodRouter {
    use tower_http::set_header::SetResponseHeaderLayer;
    let index = ServeFile::new(app_dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(app_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    axum::routing::get_service(files).layer(SetResponseHeaderLayer::overriding(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    ))
}

/// `/enrol` attempts one address may make at once, then per second.
const ENROL_BURST: u32 = 10;
const ENROL_PER_SECOND: u32 = 1;

/// Longest wait for the next piece of a request body.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the relay until SIGINT or SIGTERM.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let listen = args.listen_config();
    // Refuse a bad listening setup before touching the database.
    listen.check()?;
    if args.open_access && !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing --open-access on {}: it lets anyone read and write every document; \
             it is for development on loopback (127.0.0.1) only",
            args.listen
        );
    }
    let db_url = args.store.url()?;
    let db = Database::open(&db_url).await?;
    let metrics = Metrics::new();
    // A fresh id per process: other relays on the same database skip the
    // change notifications a process sends itself.
    let instance = ntm_core::format::hex(&rand::random::<[u8; 8]>());
    let sqlite = SqlStorage::new(db.clone(), &instance)
        .with_put_latency(metrics.storage_put_seconds.clone());
    if args.demo {
        crate::admin::seed_demo(&sqlite, crate::unix_now()).await?;
    }
    let auth = Auth::new(&db);
    if args.demo && !args.open_access {
        // The demo needs no admin step: fresh one-time codes at every start.
        let now = crate::unix_now();
        let scope = [ntm_core::survey::demo_commune().code];
        let first = auth.issue_code("enumerator", &scope, now).await?;
        let second = auth.issue_code("enumerator", &scope, now).await?;
        let office = auth.issue_code("office", &[], now).await?;
        println!(
            "Demo enrolment codes (one-time): {first} and {second} (two enumerators of Xã Tả Van), {office} (Coordination Office)"
        );
    }
    let storage = DurableStorage::new(sqlite.clone());
    let ledger = storage.ledger();
    let written = storage.written();
    let builder = samod::Repo::build_tokio()
        .with_storage(storage)
        .with_peer_id(samod::PeerId::from("ntm-relay"));
    let repo = if !args.open_access {
        auth.watch_revocations();
        builder
            .with_share_policy(ScopePolicy::new(auth.clone()))
            .load()
            .await
    } else {
        tracing::warn!("--open-access: every device can read and write every document");
        // Devices get the documents they ask for; announcing every document
        // to every device would send each change to everyone connected.
        builder
            .with_share_policy(samod::ShareConfig::read_write().with_announce(false))
            .load()
            .await
    };
    if db.backend() == Backend::Postgres {
        scale_out::spawn(sqlite.clone(), repo.clone());
    } else {
        scale_out::poll_external_writes(sqlite.clone(), repo.clone());
    }
    let summarizer = crate::summaries::spawn(sqlite.clone(), auth.clone(), repo.clone(), written);
    let acceptor = repo.make_acceptor(url::Url::parse(&format!(
        "{}://{}/sync",
        if args.tls_cert.is_some() { "wss" } else { "ws" },
        args.listen
    ))?)?;

    let state_blobs = crate::storage::blobs::BlobStore::new(
        db.clone(),
        ntm_core::blobs::BlobLimits {
            max_blob_bytes: args.max_blob_bytes,
            max_in_flight_bytes: args.blob_quota_in_flight,
            max_daily_bytes: args.blob_quota_per_day,
            upload_lifetime_seconds: args.upload_lifetime_hours.max(1) as i64 * 3600,
            ..Default::default()
        },
    );
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/sync", get(sync_endpoint::upgrade))
        .route("/sync/ticket", post(sync_endpoint::ticket))
        .route("/enrol", post(enrol))
        .route("/metrics", get(metrics_text))
        .route("/api/relay", get(relay_info))
        .route("/api/writers", post(writers))
        .route("/api/export/matrix", get(crate::exports::matrix))
        .route(
            "/blobs/{hash}",
            get(crate::blobs::download)
                .post(crate::blobs::start)
                .patch(crate::blobs::append),
        )
        .route("/blobs/{hash}/upload", get(crate::blobs::upload_status))
        .with_state(SyncState {
            acceptor,
            ledger,
            auth: (!args.open_access).then(|| auth.clone()),
            enrolments: auth,
            metrics,
            storage: sqlite.clone(),
            blobs: state_blobs.clone(),
            limits: sync_endpoint::ConnectionLimits {
                max_documents: args.max_documents_per_connection,
                messages_per_second: args.max_messages_per_second,
                idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
                max_connections: args.max_connections.max(1),
                max_connections_per_device: args.max_connections_per_device.max(1),
            },
            slots: Default::default(),
            repo: repo.clone(),
            blob_refs: Default::default(),
            enrol_attempts: Default::default(),
            rates: Default::default(),
            started: std::time::Instant::now(),
            attribution: crate::auth::attribution::Attribution::new(db.pool().clone()),
            metrics_access: crate::security::MetricsAccess {
                loopback_trusted: !args.insecure_http,
                token: args.metrics_token.clone().filter(|t| !t.is_empty()),
            },
        });
    if let Some(app_dir) = &args.app_dir {
        router = router.fallback_service(app_files(app_dir));
    }

    // A request body that stops arriving is cut (a stalled photo upload
    // resumes from its offset later).
    router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        BODY_READ_TIMEOUT,
    ));
    router = if args.tls_cert.is_some() {
        router.layer(axum::middleware::from_fn(crate::security::headers_tls))
    } else {
        router.layer(axum::middleware::from_fn(crate::security::headers_plain))
    };

    // Abandoned uploads expire, freeing their bytes.
    let expiring = state_blobs.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(600)).await;
            if let Err(e) = expiring.expire(crate::unix_now()).await {
                tracing::warn!("cannot expire unfinished uploads: {e}");
            }
        }
    });

    // Open WebSockets would hold a graceful shutdown forever: stop the
    // repository first, which closes them and finishes pending writes.
    let stopping = repo.clone();
    let shutdown = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: closing connections and flushing storage");
        if tokio::time::timeout(Duration::from_secs(10), stopping.stop())
            .await
            .is_err()
        {
            tracing::warn!("repository did not stop within 10 s");
        }
    };
    let scheme = listen.scheme();
    crate::listen::serve(listen, router, shutdown, |address| {
        tracing::info!(%address, db = %crate::storage::redact(&db_url), "ntm-relay listening");
        println!("ntm-relay listening on {scheme}://{address}");
    })
    .await?;
    // Its queries would find the pool closed.
    summarizer.abort();
    let _ = summarizer.await;
    sqlite.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `GET /healthz`: 200 while storage makes writes durable, else 503 with
/// the reason's class (the database's own text stays in the log).
async fn healthz(State(state): State<SyncState>) -> Response {
    match state.storage.health().failure() {
        None => "ok\n".into_response(),
        Some(failure) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "storage failing ({}): nothing new is acknowledged until writes succeed again\n",
                failure.reason
            ),
        )
            .into_response(),
    }
}

/// `GET /api/relay`: whether devices must enrol, and the province served.
async fn relay_info(State(state): State<SyncState>) -> Response {
    match state.enrolments.province().await {
        Ok(province) => Json(ntm_core::access::RelayInfo {
            enrolment_required: state.auth.is_some(),
            province,
        })
        .into_response(),
        Err(e) => {
            tracing::error!("relay info: {}", e.detail());
            (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response()
        }
    }
}

/// `POST /api/writers`: who (device name, role) wrote with each actor, for
/// an enrolled device's history screens. The token goes in `Authorization`.
async fn writers(
    State(state): State<SyncState>,
    headers: axum::http::HeaderMap,
    body: Result<Json<ntm_core::access::WritersRequest>, JsonRejection>,
) -> Response {
    use ntm_core::access::{WriterInfo, WritersReply, WritersRequest};
    let Some(auth) = &state.auth else {
        return (
            StatusCode::NOT_FOUND,
            "this relay is open (--open-access): no devices, no attribution\n",
        )
            .into_response();
    };
    if let Err(e) = auth.device_of_token(sync_endpoint::bearer(&headers)).await {
        return (e.token_status(), format!("{e}\n")).into_response();
    }
    let Ok(Json(request)) = body else {
        return (
            StatusCode::BAD_REQUEST,
            "expected JSON {\"actors\": [\"<hex>\", …]}\n",
        )
            .into_response();
    };
    let valid = |a: &String| a.len() <= 128 && a.bytes().all(|b| b.is_ascii_hexdigit());
    if request.actors.len() > WritersRequest::MAX_ACTORS || !request.actors.iter().all(valid) {
        return (
            StatusCode::BAD_REQUEST,
            format!(
                "tối đa {} mã tác nhân dạng hex / at most {} hex actor ids\n",
                WritersRequest::MAX_ACTORS,
                WritersRequest::MAX_ACTORS
            ),
        )
            .into_response();
    }
    let mut reply = WritersReply::default();
    for actor in request.actors {
        match state.attribution.writer(&actor.to_ascii_lowercase()).await {
            Ok(Some(w)) => {
                reply.writers.insert(
                    actor,
                    WriterInfo {
                        name: w.name,
                        role: w.role,
                    },
                );
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!("writers: {}", e.detail());
                return (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response();
            }
        }
    }
    Json(reply).into_response()
}

/// `GET /metrics`: Prometheus text format, to loopback or `--metrics-token`.
async fn metrics_text(
    State(state): State<SyncState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
) -> Response {
    if !state
        .metrics_access
        .allows(peer.ip(), sync_endpoint::bearer(&headers))
    {
        return (
            StatusCode::FORBIDDEN,
            "/metrics answers on loopback, or with the --metrics-token bearer\n",
        )
            .into_response();
    }
    state.metrics.storage_health(&state.storage.health());
    match state.storage.document_count().await {
        Ok(n) => {
            state.metrics.documents.set(n);
        }
        Err(e) => tracing::warn!("cannot count documents for /metrics: {e}"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct EnrolRequest {
    code: String,
    #[serde(default)]
    name: String,
}

/// `POST /enrol {"code": "…", "name": "…"}` → the device's token, role and scope.
async fn enrol(
    State(state): State<SyncState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    body: Result<Json<EnrolRequest>, JsonRejection>,
) -> Response {
    // Codes are guessed one attempt at a time: a few at once per address,
    // then one every few seconds.
    let now_ms = state.started.elapsed().as_millis() as u64;
    let allowed = {
        let mut attempts = state.enrol_attempts.lock().expect("enrol lock");
        if attempts.len() > 10_000 {
            attempts.clear();
        }
        attempts
            .entry(peer.ip())
            .or_insert_with(|| ntm_core::limits::TokenBucket::new(ENROL_BURST, ENROL_PER_SECOND))
            .take(now_ms)
    };
    if !allowed {
        state.metrics.refused("enrol_rate");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, "5")],
            "quá nhiều lần thử đăng ký, hãy đợi vài giây / too many enrolment attempts: wait a few seconds\n",
        )
            .into_response();
    }
    let Ok(Json(request)) = body else {
        return (
            StatusCode::BAD_REQUEST,
            "expected JSON {\"code\": \"…\", \"name\": \"…\"}\n",
        )
            .into_response();
    };
    match state
        .enrolments
        .enrol(&request.code, &request.name, crate::unix_now())
        .await
    {
        Ok(enrolled) => {
            tracing::info!(device = %enrolled.device_id, role = %enrolled.role, "device enrolled");
            Json(enrolled).into_response()
        }
        Err(e @ AuthError::BadCode) => {
            tracing::warn!("enrolment refused: {e}");
            (StatusCode::FORBIDDEN, format!("{e}\n")).into_response()
        }
        Err(e) => {
            tracing::error!("enrolment failed: {}", e.detail());
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("SIGINT received"),
        _ = terminate => tracing::info!("SIGTERM received"),
    }
}
