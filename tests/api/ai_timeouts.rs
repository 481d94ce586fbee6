//! AI chat timeouts, each against a provider inside the test process: a connection that never
//! completes its handshake (AI_CONNECT_TIMEOUT_MS), a stream that opens but sends no token
//! (AI_FIRST_TOKEN_TIMEOUT_MS), and one that keeps trickling past AI_TOTAL_TIMEOUT_MS. Each
//! reply ends `failed` with a code, shows nothing of the provider's, and the user's message
//! stays. Also: a connection dropped before the first token is retried once.

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::State,
    response::Response,
    routing::post,
};
use serde_json::{Value, json};

use crate::helpers::*;

const SEND: &str = "mutation($input: SendChatMessageInput!) { sendChatMessage(input: $input) {
    id role content status } }";
const MESSAGES: &str = "{ conversations(first: 1) { edges { node {
    messages(first: 10) { edges { node { role content status errorCode } } } } } } }";

fn chunk(delta: Value) -> Bytes {
    let chunk = json!({"choices": [{"index": 0, "delta": delta}]});
    Bytes::from(format!("data: {chunk}\n\n"))
}

/// How the fake provider answers.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Opens the stream with the assistant's role, then sends nothing.
    Silent,
    /// A word every 100 ms, for 30 s.
    Trickle,
}

struct Fake {
    behaviour: Behaviour,
    requests: AtomicUsize,
}

async fn completions(State(fake): State<Arc<Fake>>) -> Response {
    fake.requests.fetch_add(1, Ordering::SeqCst);
    let behaviour = fake.behaviour;
    let stream = futures_util::stream::unfold(0u32, move |n| async move {
        let piece = match (behaviour, n) {
            (_, 0) => chunk(json!({"role": "assistant"})),
            (Behaviour::Silent, _) => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                return None;
            }
            (Behaviour::Trickle, 300..) => return None,
            (Behaviour::Trickle, _) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                chunk(json!({"content": "provider-words "}))
            }
        };
        Some((Ok::<_, Infallible>(piece), n + 1))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

async fn spawn_fake(behaviour: Behaviour) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        behaviour,
        requests: AtomicUsize::new(0),
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (address, fake)
}

/// Sends `content` in a new conversation and waits for the reply to settle; the
/// conversation's messages then, and how long the reply took.
async fn send_and_settle(app: &TestApp, user: &TestUser, content: &str) -> (Vec<Value>, Duration) {
    let started = Instant::now();
    app.graphql_as(&user.access, SEND, json!({"input": {"content": content}}))
        .await
        .assert_ok();
    loop {
        let res = app.graphql_as(&user.access, MESSAGES, json!({})).await;
        let messages: Vec<Value> = res.assert_ok()["conversations"]["edges"][0]["node"]["messages"]
            ["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        if messages.last().is_some_and(|m| m["status"] != "streaming") {
            return (messages, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the reply never settled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The user's message kept, the reply failed with `code` and nothing of the provider's.
fn assert_failed(messages: &[Value], content: &str, code: &str) {
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["role"], "USER");
    assert_eq!(messages[0]["content"], content);
    assert_eq!(messages[0]["status"], "complete");
    assert_eq!(messages[1]["role"], "ASSISTANT");
    assert_eq!(messages[1]["status"], "failed");
    assert_eq!(messages[1]["errorCode"], code);
    assert_eq!(messages[1]["content"], "");
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so a connection
/// attempt hangs in the handshake until the client gives up. Checked here, so the test
/// fails loudly if this machine's network stack behaves otherwise.
async fn unanswered_address() -> (String, tokio::net::TcpListener, std::net::TcpStream) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let address = listener.local_addr().unwrap();
    // Never accepted: it fills the queue (a backlog of 0 holds one connection).
    let filler = std::net::TcpStream::connect(address).unwrap();
    let probe = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect(address),
    )
    .await;
    assert!(
        probe.is_err(),
        "a connection to a listener with a full accept queue completed: {probe:?}"
    );
    (format!("http://{address}"), listener, filler)
}

#[tokio::test]
async fn a_provider_that_never_accepts_the_connection_fails_at_the_connect_timeout() {
    let (provider, _listener, _filler) = unanswered_address().await;
    for backend in backends() {
        let provider = provider.clone();
        let app = spawn_app_with(backend, move |c| {
            c.openai_base_url = Some(provider);
            c.ai.ai_connect_timeout_ms = 300;
            // Far later: only the connect timeout can end this reply soon.
            c.ai.ai_first_token_timeout_ms = 15_000;
            c.ai.ai_total_timeout_ms = 15_000;
        })
        .await;
        let alice = app.register("alice").await;
        let (messages, took) = send_and_settle(&app, &alice, "anyone there?").await;
        // Unreachable: two connection attempts (one retry), each given up after 300 ms.
        assert_failed(&messages, "anyone there?", "AI_UNAVAILABLE");
        assert!(
            took >= Duration::from_millis(600) && took < Duration::from_secs(5),
            "took {took:?}"
        );
    }
}

#[tokio::test]
async fn a_stream_without_a_first_token_fails_at_the_first_token_timeout() {
    let (provider, fake) = spawn_fake(Behaviour::Silent).await;
    for backend in backends() {
        let provider = provider.clone();
        let app = spawn_app_with(backend, move |c| {
            c.openai_base_url = Some(provider);
            c.ai.ai_first_token_timeout_ms = 500;
            c.ai.ai_total_timeout_ms = 15_000;
        })
        .await;
        let alice = app.register("alice").await;
        fake.requests.store(0, Ordering::SeqCst);
        let (messages, took) = send_and_settle(&app, &alice, "hello?").await;
        assert_failed(&messages, "hello?", "AI_TIMEOUT");
        assert!(
            took >= Duration::from_millis(500) && took < Duration::from_secs(5),
            "took {took:?}"
        );
        // A timeout is not retried.
        assert_eq!(fake.requests.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn a_reply_still_streaming_past_the_total_timeout_fails() {
    let (provider, fake) = spawn_fake(Behaviour::Trickle).await;
    for backend in backends() {
        let provider = provider.clone();
        let app = spawn_app_with(backend, move |c| {
            c.openai_base_url = Some(provider);
            // The first word comes in time; the whole reply does not.
            c.ai.ai_first_token_timeout_ms = 1_000;
            c.ai.ai_total_timeout_ms = 1_500;
        })
        .await;
        let alice = app.register("alice").await;
        fake.requests.store(0, Ordering::SeqCst);
        let (messages, took) = send_and_settle(&app, &alice, "tell me everything").await;
        assert_failed(&messages, "tell me everything", "AI_TIMEOUT");
        assert!(
            !messages[1].to_string().contains("provider-words"),
            "{messages:?}"
        );
        assert!(
            took >= Duration::from_millis(1_500) && took < Duration::from_secs(6),
            "took {took:?}"
        );
        assert_eq!(fake.requests.load(Ordering::SeqCst), 1);
    }
}

/// A provider at the TCP level: it reads each request whole, closes the first `drop` connections
/// without a word, and answers the rest with a short stream. The number of connections so far.
async fn spawn_dropping_provider(drop: usize) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                // Read the head and the body (by Content-Length), so closing sends no reset.
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let Ok(read) = socket.read(&mut buf).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..read]);
                    let text = String::from_utf8_lossy(&request).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                if n < drop {
                    return;
                }
                let mut response = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n".to_vec();
                response.extend_from_slice(&chunk(json!({"content": "Back again"})));
                response.extend_from_slice(b"data: [DONE]\n\n");
                let _ = socket.write_all(&response).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (address, connections)
}

#[tokio::test]
async fn a_connection_dropped_before_the_first_token_is_retried_once() {
    for backend in backends() {
        for (drop, status, code, content) in [
            (1, "complete", Value::Null, "Back again"),
            (usize::MAX, "failed", json!("AI_UNAVAILABLE"), ""),
        ] {
            let (provider, connections) = spawn_dropping_provider(drop).await;
            let app = spawn_app_with(backend, move |c| c.openai_base_url = Some(provider)).await;
            let alice = app.register("alice").await;
            let (messages, _) = send_and_settle(&app, &alice, "are you there?").await;
            assert_eq!(messages[0]["content"], "are you there?");
            assert_eq!(messages[1]["status"], status, "{messages:?}");
            assert_eq!(messages[1]["errorCode"], code);
            assert_eq!(messages[1]["content"], content);
            // One try, and one more: never a third.
            assert_eq!(connections.load(Ordering::SeqCst), 2);
        }
    }
}
