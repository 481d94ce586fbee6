//! GraphQL multipart requests (the GraphQL multipart request spec): uploads. A multipart POST
//! is what a cross-site form can send, so one is accepted only with a header such a form
//! cannot set (`Apollo-Require-Preflight` or `X-Apollo-Operation-Name`, as Apollo's CSRF
//! prevention asks), and only from a signed-in user. Files are spooled to anonymous
//! temporary files under `DATA_DIR/files/tmp`; each is refused past MAX_UPLOAD_BYTES, and all
//! together past what is left of the user's quota, as the bytes arrive (nothing more is read
//! and nothing is kept). Then the call goes through the same stages as a JSON POST.

use std::{collections::HashMap, io::Seek, net::SocketAddr};

use async_graphql::{Request, UploadValue};
use axum::{body::Body, http::HeaderMap, response::Response};
use tokio::io::AsyncWriteExt;

use super::{
    http::{Call, GraphqlHttp},
    request::parse_body,
    response::{Framing, request_error},
    serve::serve,
};
use crate::{
    auth::Viewer,
    files::{self, ContentStore},
    graphql::admission::Transport,
    http::{authorization, request_id},
    platform::error::{AppError, DATABASE_UNAVAILABLE, Limit},
};

/// Files in one multipart request.
const MAX_FILES: usize = 10;

/// The headers that show the request was not sent by a plain HTML form.
const PREFLIGHT_HEADERS: &[&str] = &["apollo-require-preflight", "x-apollo-operation-name"];

pub(super) async fn post(
    http: GraphqlHttp,
    headers: HeaderMap,
    peer: SocketAddr,
    body: Body,
    framing: Framing,
    content_type: &str,
) -> Response {
    let rid = request_id(&headers);
    match read(&http, &headers, body, content_type).await {
        Ok((requests, is_batch)) => {
            let call = Call {
                headers,
                peer,
                requests,
                is_batch,
                transport: Transport::HttpPost,
                framing,
                executor: None,
            };
            serve(http, call).await
        }
        Err(err) => request_error(framing, err, &rid),
    }
}

fn preflighted(headers: &HeaderMap) -> bool {
    PREFLIGHT_HEADERS.iter().any(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty())
    })
}

fn malformed(err: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("invalid multipart request: {err}"))
}

fn io(err: std::io::Error) -> AppError {
    AppError::internal(anyhow::Error::new(err).context("spooling an upload"))
}

async fn read(
    http: &GraphqlHttp,
    headers: &HeaderMap,
    body: Body,
    content_type: &str,
) -> Result<(Vec<Request>, bool), AppError> {
    if !preflighted(headers) {
        return Err(AppError::BadRequest(
            "a multipart request needs an Apollo-Require-Preflight or X-Apollo-Operation-Name \
             header (CSRF protection)"
                .into(),
        ));
    }
    let boundary = multer::parse_boundary(content_type).map_err(malformed)?;
    let state = &http.state;
    if !state.db_health.is_up() {
        return Err(AppError::ServiceUnavailable(DATABASE_UNAVAILABLE));
    }
    // Whose quota the upload counts against, before a byte of it is read.
    let viewer = Viewer::from_authorization(state, authorization(headers)).await?;
    let user = viewer.require()?.user.id;
    let usage = files::storage_usage(state, &state.db, user).await?;
    let max_file = state.config.files.max_upload_bytes;
    let mut remaining = usage.remaining();
    let text_limit = state.config.body_limit_bytes;
    let store = ContentStore::new(&state.config.data_dir);

    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut operations: Option<Vec<u8>> = None;
    let mut map: Option<Vec<u8>> = None;
    let mut uploads: Vec<(String, UploadValue)> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "operations" || name == "map" {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if text.len() + chunk.len() > text_limit {
                    return Err(AppError::limit(
                        Limit::BodySize,
                        format!("the {name} part is larger than {text_limit} bytes"),
                    ));
                }
                text.extend_from_slice(&chunk);
            }
            if name == "operations" {
                operations = Some(text);
            } else {
                map = Some(text);
            }
            continue;
        }
        if operations.is_none() || map.is_none() {
            return Err(malformed("operations and map must come before the files"));
        }
        if uploads.len() >= MAX_FILES {
            return Err(malformed(format!("at most {MAX_FILES} files per request")));
        }
        let filename = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let mut file = tokio::fs::File::from_std(store.temp_file()?);
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            size += chunk.len() as u64;
            if size > max_file {
                return Err(files::too_large(max_file));
            }
            if size > remaining {
                return Err(files::quota_exceeded(usage.quota_bytes));
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        remaining -= size;
        file.flush().await.map_err(io)?;
        let mut content = file.into_std().await;
        content.rewind().map_err(io)?;
        uploads.push((
            name,
            UploadValue {
                filename,
                content_type,
                content,
            },
        ));
    }

    let operations = operations.ok_or_else(|| malformed("no operations part"))?;
    let map = map.ok_or_else(|| malformed("no map part"))?;
    let (mut requests, is_batch) = parse_body(&operations, state.config.max_batch_size)?;
    let mut map: HashMap<String, Vec<String>> =
        serde_json::from_slice(&map).map_err(|e| malformed(format!("map: {e}")))?;
    for (name, upload) in uploads {
        for path in map.remove(&name).unwrap_or_default() {
            let (request, path) = if is_batch {
                let (index, rest) = path
                    .split_once('.')
                    .ok_or_else(|| malformed(format!("map path {path} names no operation")))?;
                let index: usize = index
                    .parse()
                    .map_err(|_| malformed(format!("map path {path} names no operation")))?;
                let request = requests
                    .get_mut(index)
                    .ok_or_else(|| malformed(format!("map path {path} names no operation")))?;
                (request, rest.to_owned())
            } else {
                let request = requests
                    .first_mut()
                    .ok_or_else(|| malformed("no operation"))?;
                (request, path)
            };
            request.set_upload(&path, upload.try_clone().map_err(io)?);
        }
    }
    if let Some(missing) = map.keys().next() {
        return Err(malformed(format!(
            "the map names file {missing}, which was not sent"
        )));
    }
    Ok((requests, is_batch))
}
