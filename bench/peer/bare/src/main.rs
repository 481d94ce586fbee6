//! `bare PORT`: POST /graphql answers `{"data":{"__typename":"Query"}}` whatever the body;
//! GET /health answers 200. A multi-threaded tokio runtime, like blackroad-api's.

use axum::{
    Router,
    body::Bytes,
    http::header,
    response::IntoResponse,
    routing::{get, post},
};

const BODY: &str = r#"{"data":{"__typename":"Query"}}"#;

async fn graphql(_body: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], BODY)
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: bare PORT");
    let app = Router::new()
        .route("/graphql", post(graphql))
        .route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
