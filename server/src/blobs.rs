//! `/blobs/<sha256>`: photos and files over HTTP, content-addressed,
//! uploaded in resumable chunks, scoped like the documents that refer to
//! them.
//!
//! - `POST /blobs/<hash>?document=<id>&size=<bytes>` starts (or joins, or
//!   finds finished) an upload; the device needs write access to the
//!   document. A size over the limit is refused with 413 naming it.
//! - `PATCH /blobs/<hash>?offset=<n>` sends the next chunk; a chunk at the
//!   wrong offset gets 409 with the offset to resume from.
//! - `GET /blobs/<hash>/upload` tells where an upload stands.
//! - `GET /blobs/<hash>` downloads (with `Range` for resuming); any device
//!   that may read a referring document may read it; others get 404, as
//!   if it did not exist.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use ntm_core::access::{Access, Grant};
use ntm_core::blobs::{BlobError, BlobHash};

use crate::auth::AuthError;
use crate::storage::blobs::BlobStoreError;
use crate::sync_endpoint::SyncState;

/// A refused request: a status and a JSON body `{"error": …}`.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    body: serde_json::Value,
    /// Seconds for `Retry-After` (quotas).
    retry_after: Option<u64>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

fn refuse(status: StatusCode, message: impl std::fmt::Display) -> Refusal {
    Refusal {
        status,
        body: serde_json::json!({ "error": message.to_string() }),
        retry_after: None,
    }
}

impl From<BlobStoreError> for Refusal {
    fn from(e: BlobStoreError) -> Self {
        match e {
            BlobStoreError::Refused(refusal) => {
                let status = match &refusal {
                    BlobError::TooLarge { .. } | BlobError::ChunkTooLarge { .. } => {
                        StatusCode::PAYLOAD_TOO_LARGE
                    }
                    BlobError::WrongOffset { expected, .. } => {
                        return Refusal {
                            retry_after: None,
                            status: StatusCode::CONFLICT,
                            body: serde_json::json!({
                                "error": refusal.to_string(),
                                "received": expected,
                            }),
                        }
                    }
                    BlobError::OverQuota { kind, .. } => {
                        let mut refusal = refuse(StatusCode::TOO_MANY_REQUESTS, &refusal);
                        refusal.retry_after = Some(match kind {
                            ntm_core::blobs::QuotaKind::InFlight => 60,
                            ntm_core::blobs::QuotaKind::Daily => 3600,
                        });
                        return refusal;
                    }
                    BlobError::UploadedElsewhere => StatusCode::CONFLICT,
                    BlobError::HashMismatch => StatusCode::UNPROCESSABLE_ENTITY,
                    BlobError::BadHash(_) | BlobError::PastEnd { .. } => StatusCode::BAD_REQUEST,
                    BlobError::SizeChanged { .. } => StatusCode::CONFLICT,
                };
                refuse(status, refusal)
            }
            BlobStoreError::NotFound => refuse(StatusCode::NOT_FOUND, e),
            BlobStoreError::Database(db) => {
                tracing::error!("blob store: {db}");
                refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
            }
        }
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        BlobStoreError::Database(e).into()
    }
}

/// The caller: its device id and grant (`None` with `--open-access`, where
/// everyone may do everything and counts as one device), from its token.
async fn caller(
    state: &SyncState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(String, Option<Grant>), Refusal> {
    let Some(auth) = &state.auth else {
        return Ok((OPEN_ACCESS_DEVICE.to_owned(), None));
    };
    if params.contains_key("token") {
        state.metrics.refused("token_in_url");
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "mã thiết bị không được gửi trong địa chỉ / a device token never goes in a URL: use Authorization: Bearer",
        ));
    }
    match auth
        .device_of_token(crate::sync_endpoint::bearer(headers))
        .await
    {
        Ok((device, grant)) => Ok((device, Some(grant))),
        Err(e) => {
            state.metrics.refused(match e {
                AuthError::Revoked => "revoked",
                _ => "bad_token",
            });
            Err(refuse(e.token_status(), e))
        }
    }
}

/// Who uploads under `--open-access`.
const OPEN_ACCESS_DEVICE: &str = "open-access";

/// The caller's access to one document.
async fn access(state: &SyncState, grant: &Option<Grant>, document: &str) -> Access {
    let Some(grant) = grant else {
        return Access::ReadWrite;
    };
    match state.enrolments.document(document).await {
        Ok(info) => grant.access(info.as_ref()),
        Err(e) => {
            tracing::error!("document table: {e}");
            Access::None
        }
    }
}

/// The best access the caller has to a document that refers to the blob in
/// its content (naming a document at upload grants nothing by itself).
async fn blob_access(state: &SyncState, grant: &Option<Grant>, hash: &BlobHash) -> Access {
    if grant.is_none() {
        // `--open-access` (loopback development): everyone may do everything.
        return Access::ReadWrite;
    }
    let documents = match state.blobs.documents(hash).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("blob store: {e}");
            return Access::None;
        }
    };
    let mut best = Access::None;
    for d in documents {
        let access = access(state, grant, &d).await;
        if access == Access::None || !refers_to(state, &d, hash).await {
            continue;
        }
        match access {
            Access::ReadWrite => return Access::ReadWrite,
            Access::ReadOnly => best = Access::ReadOnly,
            Access::None => {}
        }
    }
    best
}

/// Whether document `id`'s content names the blob (its set of referenced
/// blobs is cached per document heads).
async fn refers_to(state: &SyncState, id: &str, hash: &BlobHash) -> bool {
    let Ok(doc_id) = id.parse::<samod::DocumentId>() else {
        return false;
    };
    let Ok(Some(handle)) = state.repo.find(doc_id).await else {
        return false;
    };
    let cached = state.blob_refs.lock().expect("refs lock").get(id).cloned();
    let refs = handle
        .with_document_async(move |doc| {
            let heads = doc.get_heads();
            match cached {
                Some((at, refs)) if at == heads => (heads, refs),
                _ => (
                    heads,
                    std::sync::Arc::new(ntm_core::blobs::referenced_blobs(doc)),
                ),
            }
        })
        .await;
    let Ok((heads, refs)) = refs else {
        return false;
    };
    let found = refs.contains(hash);
    let mut cache = state.blob_refs.lock().expect("refs lock");
    if cache.len() > 4096 {
        cache.clear();
    }
    cache.insert(id.to_owned(), (heads, refs));
    found
}

/// The blob named `text`, if the caller may read it; anything else is a 404
/// (or the caller's own 400/401), so nobody learns what exists elsewhere.
async fn readable(
    state: &SyncState,
    text: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<BlobHash, Refusal> {
    let hash = parse_hash(text)?;
    let (_, grant) = caller(state, headers, params).await?;
    if blob_access(state, &grant, &hash).await == Access::None {
        return Err(BlobStoreError::NotFound.into());
    }
    Ok(hash)
}

fn parse_hash(text: &str) -> Result<BlobHash, Refusal> {
    text.parse()
        .map_err(|e: BlobError| refuse(StatusCode::BAD_REQUEST, e))
}

fn number(params: &HashMap<String, String>, name: &str) -> Result<u64, Refusal> {
    params
        .get(name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                format!("thiếu hoặc sai tham số {name} / missing or invalid ?{name}="),
            )
        })
}

/// `POST /blobs/<hash>?document=…&size=…`.
pub async fn start(
    State(state): State<SyncState>,
    Path(hash): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let hash = parse_hash(&hash)?;
    let (device, grant) = caller(&state, &headers, &params).await?;
    let size = number(&params, "size")?;
    let Some(document) = params.get("document") else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "thiếu tài liệu (?document=) / missing ?document=",
        ));
    };
    if access(&state, &grant, document).await != Access::ReadWrite {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "thiết bị không được ghi vào tài liệu này / this device may not write to that document",
        ));
    }
    let status = state
        .blobs
        .start(&hash, size, document, &device, crate::unix_now())
        .await?;
    Ok(Json(status).into_response())
}

/// `PATCH /blobs/<hash>?offset=…` with the chunk as the body.
pub async fn append(
    State(state): State<SyncState>,
    Path(hash): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let hash = parse_hash(&hash)?;
    let (device, _) = caller(&state, &headers, &params).await?;
    let offset = number(&params, "offset")?;
    let limit = state.blobs.limits().max_chunk_bytes;
    // Read one byte past the limit, so an oversized chunk is told apart.
    let chunk: Bytes = match axum::body::to_bytes(body, limit as usize + 1).await {
        Ok(b) if b.len() as u64 <= limit => b,
        _ => {
            return Err(BlobStoreError::from(BlobError::ChunkTooLarge {
                len: limit + 1,
                limit,
            })
            .into())
        }
    };
    let appended = state
        .blobs
        .append(&hash, offset, &chunk, &device, crate::unix_now())
        .await?;
    if appended.finished {
        state.metrics.blob_stored(appended.status.size);
    }
    Ok(Json(appended.status).into_response())
}

/// `GET /blobs/<hash>/upload`: for the device uploading it, or any device
/// that may read it.
pub async fn upload_status(
    State(state): State<SyncState>,
    Path(hash): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let hash = parse_hash(&hash)?;
    let (device, grant) = caller(&state, &headers, &params).await?;
    let own = state.blobs.uploader(&hash).await?.as_deref() == Some(device.as_str());
    if !own && blob_access(&state, &grant, &hash).await == Access::None {
        return Err(BlobStoreError::NotFound.into());
    }
    match state.blobs.status(&hash).await? {
        Some(status) => Ok(Json(status).into_response()),
        None => Err(BlobStoreError::NotFound.into()),
    }
}

/// `GET /blobs/<hash>`, whole or a `Range`.
pub async fn download(
    State(state): State<SyncState>,
    Path(hash): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let hash = readable(&state, &hash, &headers, &params).await?;
    let size = match state.blobs.status(&hash).await? {
        Some(s) if s.complete => s.size,
        _ => return Err(BlobStoreError::NotFound.into()),
    };
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(text) => {
            let ranges = http_range_header::parse_range_header(text)
                .and_then(|r| r.validate(size))
                .ok()
                .filter(|r| r.len() == 1);
            match ranges {
                Some(r) => Some(r[0].clone()),
                None => {
                    return Ok((
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        [(header::CONTENT_RANGE, format!("bytes */{size}"))],
                    )
                        .into_response())
                }
            }
        }
    };
    let (from, to) = range
        .clone()
        .map_or((0, size.saturating_sub(1)), |r| (*r.start(), *r.end()));
    // Streamed one stored chunk (≤ 1 MiB) at a time: a 20 MiB photo is
    // never held whole, however many devices download at once.
    let starts = state.blobs.chunk_starts(&hash, from).await?;
    let store = state.blobs.clone();
    let body = futures::stream::iter(starts)
        .then(move |start| {
            let store = store.clone();
            async move { store.chunk(&hash, start).await.map(|data| (start, data)) }
        })
        .map(move |read| {
            let (start, data) = read.map_err(std::io::Error::other)?;
            let end = start + data.len() as u64; // exclusive
            let (lo, hi) = (from.max(start), (to + 1).min(end));
            Ok::<_, std::io::Error>(if lo < hi {
                Bytes::copy_from_slice(&data[(lo - start) as usize..(hi - start) as usize])
            } else {
                Bytes::new()
            })
        });
    let mut response = Response::new(Body::from_stream(body));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_LENGTH,
        header::HeaderValue::from(to + 1 - from),
    );
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::ACCEPT_RANGES,
        header::HeaderValue::from_static("bytes"),
    );
    // Content-addressed: the bytes behind a name never change.
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if let Ok(etag) = header::HeaderValue::from_str(&format!("\"{hash}\"")) {
        h.insert(header::ETAG, etag);
    }
    if range.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = header::HeaderValue::from_str(&format!("bytes {from}-{to}/{size}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}
