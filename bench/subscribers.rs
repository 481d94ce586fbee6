//! Load client for subscriptions: opens N graphql-transport-ws sockets subscribed to
//! `blockMined`, mines one block, and prints the delivery latency and the server's memory per
//! socket. Driven by `bench/subscribers.sh`; settings come from the environment:
//!
//!   BENCH_URL     http://127.0.0.1:8000 (the server)
//!   BENCH_N       20000 sockets
//!   BENCH_PID     the server's pid, for VmRSS (optional)
//!   BENCH_BATCH   500 sockets opened at a time

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Barrier, mpsc};
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig,
};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kb(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

async fn graphql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = http
        .post(format!("{url}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// One subscriber: connects, subscribes, reports ready, then reports when the block arrives.
async fn subscriber(ws_url: String, ready: Arc<Barrier>, arrived: mpsc::UnboundedSender<Instant>) {
    let mut request = ws_url.into_client_request().expect("url");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let connected =
        tokio_tungstenite::connect_async_with_config(request, Some(config), false).await;
    let Ok((mut ws, _)) = connected else {
        eprintln!("connect failed: {:?}", connected.err());
        ready.wait().await;
        return;
    };
    let init = json!({"type": "connection_init", "payload": {}}).to_string();
    let subscribe = json!({"type": "subscribe", "id": "1", "payload": {"query": "subscription { blockMined { index hash } }"}}).to_string();
    let ok = ws.send(Message::Text(init.into())).await.is_ok()
        && matches!(ws.next().await, Some(Ok(Message::Text(t))) if t.contains("connection_ack"))
        && ws.send(Message::Text(subscribe.into())).await.is_ok();
    ready.wait().await;
    if !ok {
        eprintln!("handshake failed");
        return;
    }
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(text) = message {
            if text.contains("\"next\"") {
                let _ = arrived.send(Instant::now());
            } else if text.contains("\"ping\"") {
                let _ = ws
                    .send(Message::Text(json!({"type": "pong"}).to_string().into()))
                    .await;
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let url: String = env_or("BENCH_URL", "http://127.0.0.1:8000".to_owned());
    let n: usize = env_or("BENCH_N", 20_000);
    let batch: usize = env_or("BENCH_BATCH", 500);
    let pid: Option<u32> = std::env::var("BENCH_PID").ok().and_then(|p| p.parse().ok());
    let ws_url = format!("{}/graphql", url.replacen("http://", "ws://", 1));
    let http = reqwest::Client::new();

    let name = format!("bench{}", std::process::id());
    let register = "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }";
    let data = graphql(&http, &url, None, register, json!({"i": {"username": name, "email": format!("{name}@example.com"), "password": "benchmark password"}})).await;
    let token = data["register"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();

    let before = rss_kb(pid);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let opened = Instant::now();
    let mut handles = Vec::with_capacity(n);
    // RSS at the halfway mark too: the marginal cost of the second half is not flattered by
    // memory the allocator kept from start-up and registration (argon2 alone takes 19 MiB).
    let chunks = n.div_ceil(batch);
    let mut halfway = None;
    for chunk in 0..chunks {
        if chunk == chunks / 2 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            halfway = rss_kb(pid).map(|kb| (kb, chunk * batch));
        }
        let size = batch.min(n - chunk * batch);
        let ready = Arc::new(Barrier::new(size + 1));
        for _ in 0..size {
            handles.push(tokio::spawn(subscriber(
                ws_url.clone(),
                ready.clone(),
                tx.clone(),
            )));
        }
        ready.wait().await;
    }
    drop(tx);
    println!(
        "opened {n} sockets in {:.1} s",
        opened.elapsed().as_secs_f64()
    );
    // Let the last subscriptions register and the server settle before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kb(pid);
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "server RSS: {:.1} MB before, {:.1} MB with {n} idle subscribers = {:.1} KB per socket",
            b as f64 / 1024.0,
            a as f64 / 1024.0,
            (a.saturating_sub(b)) as f64 / n as f64
        );
    }
    if let (Some((h, at)), Some(a)) = (halfway, after) {
        println!(
            "marginal: {:.1} KB per socket from {at} to {n} sockets",
            (a.saturating_sub(h)) as f64 / (n - at).max(1) as f64
        );
    }

    let mine = "mutation { mineBlock { index } }";
    let triggered = Instant::now();
    graphql(&http, &url, Some(&token), mine, json!({})).await;
    let mined = triggered.elapsed();
    let mut latencies = Vec::with_capacity(n);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while latencies.len() < n {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(at)) => latencies.push(at.duration_since(triggered)),
            _ => break,
        }
    }
    latencies.sort();
    println!("mineBlock answered in {:.1} ms", mined.as_secs_f64() * 1e3);
    if latencies.is_empty() {
        println!("no deliveries");
    } else {
        println!(
            "delivered {}/{n}: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (from sending mineBlock)",
            latencies.len(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies[latencies.len() - 1].as_secs_f64() * 1e3,
        );
    }
    if let Some(peak) = rss_kb(pid) {
        println!("server RSS after delivery: {:.1} MB", peak as f64 / 1024.0);
    }
    for h in handles {
        h.abort();
    }
}
