//! The static UI from `STATIC_DIR`: the Pocket OS desktop at `/`, the admin console at
//! `/prism/`, GraphiQL at `/graphiql` (off in production unless `GRAPHIQL=true`).
//!
//! Navigation paths (no file extension) fall back to `index.html`; a missing asset is a 404,
//! not the index page. Assets requested with a content-hash `?v=` (and everything under
//! `/vendor/`, versioned by path) are cached for a year; everything else revalidates, with an
//! `ETag`, so a deploy is seen at once.

use std::{
    convert::Infallible,
    hash::{DefaultHasher, Hash, Hasher},
    path::Path,
};

use axum::{
    Router,
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{any_service, get_service},
};
use tower::{ServiceExt, service_fn};
use tower_http::{
    compression::{CompressionLayer, CompressionLevel},
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

/// The UI loads only its own files: no third-party origin, no inline script.
const STATIC_CSP: &str = "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Whether the last path segment names a file (`app.js`, `favicon.ico`).
fn is_asset(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// `Cache-Control` by kind of asset, and a weak `ETag` (size and modification time) answered
/// with 304 when the client already has it.
async fn caching(request: Request, next: Next) -> Response {
    let versioned = request.uri().path().starts_with("/vendor/")
        || request
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p.starts_with("v=")));
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let headers = response.headers_mut();
    let control = if versioned { IMMUTABLE } else { REVALIDATE };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(control));
    let (Some(length), Some(modified)) = (
        headers.get(header::CONTENT_LENGTH),
        headers.get(header::LAST_MODIFIED),
    ) else {
        return response;
    };
    let mut hasher = DefaultHasher::new();
    modified.as_bytes().hash(&mut hasher);
    let etag = format!(
        "W/\"{}-{:x}\"",
        length.to_str().unwrap_or(""),
        hasher.finish()
    );
    let Ok(etag) = HeaderValue::from_str(&etag) else {
        return response;
    };
    let matches = if_none_match
        .and_then(|v| v.to_str().map(str::to_owned).ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        not_modified.headers_mut().insert(header::ETAG, etag);
        not_modified
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(control));
        return not_modified;
    }
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// The static routes, for the router's fallback.
pub fn routes(static_dir: &Path, graphiql: bool) -> Router {
    if !static_dir.is_dir() {
        tracing::warn!(
            path = %static_dir.display(),
            "STATIC_DIR does not exist: the desktop, /prism and /graphiql will answer 404"
        );
    }
    let mut router = Router::new();
    let graphiql_dir = static_dir.join("graphiql");
    if graphiql {
        let page = ServeFile::new(graphiql_dir.join("index.html"));
        router = router
            .route_service("/graphiql", get_service(page))
            .nest_service("/graphiql/", ServeDir::new(&graphiql_dir));
    } else {
        let off = any_service(service_fn(|_: Request| async {
            Ok::<_, Infallible>(not_found())
        }));
        router = router
            .route_service("/graphiql", off.clone())
            .route_service("/graphiql/{*rest}", off);
    }
    // A navigation path that names no file gets the index page (a client-side route).
    let index = ServeFile::new(static_dir.join("index.html"));
    let fallback = service_fn(move |request: Request| {
        let index = index.clone();
        async move {
            if is_asset(request.uri().path()) {
                return Ok::<_, Infallible>(not_found());
            }
            Ok(index
                .oneshot(request)
                .await
                .map(IntoResponse::into_response)
                .unwrap_or_else(|e| match e {}))
        }
    });
    router
        .fallback_service(ServeDir::new(static_dir).fallback(fallback))
        .layer(middleware::from_fn(caching))
        // Assets are cached long by the browser, so they are worth the default levels; the
        // outer layer (level 1, for API answers) leaves what is already encoded alone.
        .layer(CompressionLayer::new().quality(CompressionLevel::Default))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STATIC_CSP),
        ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn assets_are_told_from_navigation() {
        assert!(super::is_asset("/favicon.ico"));
        assert!(super::is_asset("/app/main.js"));
        assert!(!super::is_asset("/"));
        assert!(!super::is_asset("/wallet"));
        assert!(!super::is_asset("/prism/"));
    }
}
