//! `GET /files/{id}`: a file's content, for its owner only (bearer token). Everyone else gets
//! 404, as for an id that does not exist, so ids reveal nothing. Ranges (206/416) and
//! `Last-Modified` come from tower-http's `ServeFile`; the ETag is the content's sha256, with
//! `If-None-Match` (304) and `If-Range` handled here.

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{
        Extensions, HeaderMap, HeaderValue, StatusCode, Version,
        header::{self, HeaderName},
    },
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::{ContentStore, NodeModel, repo};
use crate::{
    auth::Viewer,
    graphql::{ids, node::NodeType},
    http::authorization,
    platform::error::{AppError, AppResult, DATABASE_UNAVAILABLE},
    state::AppState,
};

/// Marks a response the compression layer must leave alone: a download keeps its
/// `Content-Length` and byte ranges.
#[derive(Debug, Clone, Copy)]
pub struct Uncompressed;

/// The compression predicate's part: not for downloads.
pub fn compressible(_: StatusCode, _: Version, _: &HeaderMap, extensions: &Extensions) -> bool {
    extensions.get::<Uncompressed>().is_none()
}

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    match serve(&state, &id, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn owned_file(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<NodeModel> {
    let me = viewer.require()?.user.id;
    let uuid = match ids::decode(id, "id") {
        Ok((NodeType::File, uuid)) => uuid,
        _ => return Err(AppError::NotFound("file")),
    };
    repo::by_id(&state.db, uuid)
        .await?
        .filter(|n| n.owner_id == me && !n.is_folder && n.sha256.is_some())
        .ok_or(AppError::NotFound("file"))
}

fn matches_etag(value: Option<&HeaderValue>, etag: &str) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag || tag.strip_prefix("W/").is_some_and(|t| t == etag))
}

/// `attachment; filename*=UTF-8''…`: uploaded content is never rendered as a page of ours.
fn disposition(name: &str) -> HeaderValue {
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn serve(state: &AppState, id: &str, mut request: Request) -> AppResult<Response> {
    if !state.db_health.is_up() {
        return Err(AppError::ServiceUnavailable(DATABASE_UNAVAILABLE));
    }
    let viewer = Viewer::from_authorization(state, authorization(request.headers())).await?;
    let file = owned_file(state, &viewer, id).await?;
    let sha256 = file.sha256.clone().unwrap_or_default();
    let etag = format!("\"{sha256}\"");
    let etag_value = HeaderValue::from_str(&etag).map_err(AppError::internal)?;
    let private = HeaderValue::from_static("private, no-cache");

    if matches_etag(request.headers().get(header::IF_NONE_MATCH), &etag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, etag_value);
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, private);
        response.extensions_mut().insert(Uncompressed);
        return Ok(response);
    }
    // A range is only for the version the client holds; any other gets the whole file.
    if request.headers().contains_key(header::IF_RANGE)
        && !matches_etag(request.headers().get(header::IF_RANGE), &etag)
    {
        request.headers_mut().remove(header::RANGE);
    }
    // The content's freshness is the ETag's business; the blob's mtime says nothing about
    // this file.
    request.headers_mut().remove(header::IF_MODIFIED_SINCE);
    request.headers_mut().remove(header::IF_UNMODIFIED_SINCE);

    let path = ContentStore::new(&state.config.data_dir).blob_path(&sha256);
    let served = match ServeFile::new(path).oneshot(request).await {
        Ok(served) => served,
        Err(never) => match never {},
    };
    if served.status() == StatusCode::NOT_FOUND {
        return Err(AppError::internal(anyhow::anyhow!(
            "content {sha256} of file {} is missing",
            file.id
        )));
    }
    let mut response = served.map(Body::new);
    let headers = response.headers_mut();
    if let Some(mime) = file
        .mime_type
        .as_deref()
        .and_then(|m| HeaderValue::from_str(m).ok())
    {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.remove(header::LAST_MODIFIED);
    headers.insert(header::ETAG, etag_value);
    headers.insert(header::CACHE_CONTROL, private);
    headers.insert(header::CONTENT_DISPOSITION, disposition(&file.name));
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response.extensions_mut().insert(Uncompressed);
    Ok(response)
}
