//! AI chat against a fake OpenAI-compatible provider running in the test process: streamed
//! replies, one retry before the first token, timeouts, garbled streams, the daily budget,
//! and no provider at all.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Json, Router, extract::State, http::StatusCode, response::IntoResponse, routing::post};
use serde_json::{Value, json};

use crate::{
    helpers::*,
    ws_client::{TRANSPORT_WS, Ws},
};

const SEND: &str = "mutation($input: SendChatMessageInput!) { sendChatMessage(input: $input) {
    id role content status } }";
const CONVERSATIONS: &str = "{ conversations(first: 10) { edges { node { id title
    messages(first: 20) { edges { node { role content status errorCode } } } } } } }";

#[derive(Default)]
pub struct Fake {
    requests: AtomicUsize,
    last_body: Mutex<Value>,
}

/// Speaks `/v1/chat/completions` with `stream: true`; the last user message picks the case.
async fn completions(State(fake): State<Arc<Fake>>, Json(body): Json<Value>) -> impl IntoResponse {
    let n = fake.requests.fetch_add(1, Ordering::SeqCst);
    *fake.last_body.lock().unwrap() = body.clone();
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_owned();
    let sse = |pieces: &[&str]| {
        let mut out = String::new();
        for p in pieces {
            let chunk = json!({"choices": [{"index": 0, "delta": {"content": p}}]});
            out.push_str(&format!("data: {chunk}\n\n"));
        }
        out.push_str("data: [DONE]\n\n");
        out
    };
    let ok = |text: String| {
        (
            StatusCode::OK,
            [("content-type", "text/event-stream")],
            text,
        )
    };
    let boom = (
        StatusCode::INTERNAL_SERVER_ERROR,
        [("content-type", "text/plain")],
        "provider exploded: secret internals".to_owned(),
    );
    if last.contains("fail-once") && n == 0 || last.contains("fail-always") {
        return boom;
    }
    if last.contains("garbled") {
        return ok("data: {\"choices\": [oops\n\n".to_owned());
    }
    if last.contains("slow") {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    ok(sse(&["Hello", " there", "!"]))
}

pub async fn spawn_provider() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
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

async fn spawn_ai_app(backend: Backend, provider: &str) -> TestApp {
    let provider = provider.to_owned();
    spawn_app_with(backend, move |c| {
        c.openai_base_url = Some(provider);
        c.openai_api_key = Some("test-key".into());
        c.ai.ai_first_token_timeout_ms = 1000;
        c.ai.ai_daily_messages = 5;
    })
    .await
}

pub async fn send(
    app: &TestApp,
    user: &TestUser,
    conversation: Option<&str>,
    content: &str,
) -> Gql {
    app.graphql_as(
        &user.access,
        SEND,
        json!({"input": {"conversationId": conversation, "content": content}}),
    )
    .await
}

pub async fn conversations(app: &TestApp, user: &TestUser) -> Value {
    app.graphql_as(&user.access, CONVERSATIONS, json!({}))
        .await
        .assert_ok()["conversations"]["edges"]
        .clone()
}

/// Waits until the latest conversation's last message is no longer streaming; that message.
pub async fn settled_reply(app: &TestApp, user: &TestUser) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let edges = conversations(app, user).await;
        let messages = edges[0]["node"]["messages"]["edges"]
            .as_array()
            .unwrap()
            .clone();
        let last = messages.last().unwrap()["node"].clone();
        if last["status"] != "streaming" {
            return last;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "reply never settled"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn without_a_provider_the_message_is_kept_and_answered_not_configured() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let res = send(&app, &alice, None, "hello?").await;
        let message = &res.assert_ok()["sendChatMessage"];
        assert_eq!(message["role"], "USER");
        assert_eq!(message["content"], "hello?");
        assert_eq!(message["status"], "complete");
        let reply = settled_reply(&app, &alice).await;
        assert_eq!(reply["role"], "ASSISTANT");
        assert_eq!(reply["status"], "failed");
        assert_eq!(reply["errorCode"], "AI_NOT_CONFIGURED");
    }
}

#[tokio::test]
async fn replies_stream_to_subscribers_and_are_stored_with_the_history_sent() {
    let (provider, fake) = spawn_provider().await;
    for backend in backends() {
        let app = spawn_ai_app(backend, &provider).await;
        let alice = app.register("alice").await;
        send(&app, &alice, None, "first").await.assert_ok();
        let reply = settled_reply(&app, &alice).await;
        assert_eq!(reply["content"], "Hello there!");
        assert_eq!(reply["status"], "complete");
        let edges = conversations(&app, &alice).await;
        let conversation = edges[0]["node"]["id"].as_str().unwrap().to_owned();
        // The first reply names the conversation.
        assert_eq!(edges[0]["node"]["title"], "Hello there!");

        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        ws.subscribe(
            "r",
            "subscription($c: ID!) { chatReply(conversationId: $c) { messageId delta done errorCode } }",
            json!({"c": conversation}),
        )
        .await;
        app.await_receivers::<blackroad_api::ai::ChatChunk>(1).await;
        send(&app, &alice, Some(&conversation), "second")
            .await
            .assert_ok();
        let mut text = String::new();
        loop {
            let chunk = ws.next_data("r").await["chatReply"].clone();
            if chunk["done"] == true {
                assert_eq!(chunk["errorCode"], Value::Null);
                break;
            }
            text.push_str(chunk["delta"].as_str().unwrap());
        }
        assert_eq!(text, "Hello there!");
        // The history went with the request: first, its reply, second.
        let body = fake.last_body.lock().unwrap().clone();
        assert_eq!(body["stream"], true);
        let roles: Vec<&str> = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["user", "assistant", "user"]);
    }
}

#[tokio::test]
async fn provider_failures_become_codes_and_a_5xx_is_retried_once() {
    let (provider, fake) = spawn_provider().await;
    for backend in backends() {
        let app = spawn_ai_app(backend, &provider).await;
        let alice = app.register("alice").await;
        for (content, status, code, requests) in [
            ("fail-once please", "complete", Value::Null, 2),
            ("fail-always please", "failed", json!("AI_UNAVAILABLE"), 2),
            ("garbled please", "failed", json!("AI_BAD_RESPONSE"), 1),
            ("slow please", "failed", json!("AI_TIMEOUT"), 1),
        ] {
            fake.requests.store(0, Ordering::SeqCst);
            send(&app, &alice, None, content).await.assert_ok();
            let reply = settled_reply(&app, &alice).await;
            assert_eq!(reply["status"], status, "{content}: {reply}");
            assert_eq!(reply["errorCode"], code, "{content}");
            assert_eq!(fake.requests.load(Ordering::SeqCst), requests, "{content}");
            // The provider's own words never reach the user.
            assert!(!reply.to_string().contains("exploded"));
        }
    }
}

#[tokio::test]
async fn the_daily_budget_and_bad_input_are_refused_changing_nothing() {
    let (provider, _fake) = spawn_provider().await;
    for backend in backends() {
        let app = spawn_ai_app(backend, &provider).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        for content in ["", "   ", &"x".repeat(8001)] {
            let res = send(&app, &alice, None, content).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("content"));
        }
        let res = send(&app, &alice, Some(&alice.id), "hi").await;
        res.assert_error("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("conversationId"));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM chat_messages").await, 0);

        send(&app, &alice, None, "one").await.assert_ok();
        let conversation = conversations(&app, &alice).await[0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Someone else's conversation does not exist for Bob, in any way.
        send(&app, &bob, Some(&conversation), "mine now")
            .await
            .assert_error("NOT_FOUND");
        let node = app
            .graphql_as(
                &bob.access,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": conversation}),
            )
            .await;
        assert!(node.assert_ok()["node"].is_null());
        assert_eq!(conversations(&app, &bob).await, json!([]));
        app.graphql_as(
            &bob.access,
            "mutation($id: ID!) { deleteConversation(input: {id: $id}) }",
            json!({"id": conversation}),
        )
        .await
        .assert_error("NOT_FOUND");

        for n in 0..4 {
            send(&app, &alice, Some(&conversation), &format!("more {n}"))
                .await
                .assert_ok();
        }
        let before = app.scalar("SELECT COUNT(*) FROM chat_messages").await;
        send(&app, &alice, Some(&conversation), "one too many")
            .await
            .assert_error("RATE_LIMITED");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM chat_messages").await,
            before
        );
        // Bob has his own budget.
        send(&app, &bob, None, "hello").await.assert_ok();

        let res = app
            .graphql_as(
                &alice.access,
                "mutation($id: ID!) { deleteConversation(input: {id: $id}) }",
                json!({"id": conversation}),
            )
            .await;
        assert_eq!(res.assert_ok()["deleteConversation"], true);
        assert_eq!(conversations(&app, &alice).await, json!([]));
    }
}

#[tokio::test]
async fn conversation_lists_load_messages_in_batches() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        for n in 0..6 {
            send(&app, &alice, None, &format!("topic {n}"))
                .await
                .assert_ok();
        }
        let query = "query($n: Int!) { conversations(first: $n) { edges { node { title
            messages(first: 5) { edges { node { role content } } } } } } }";
        let mut counts = Vec::new();
        for n in [2, 6] {
            let before = app.statements();
            let res = app.graphql_as(&alice.access, query, json!({"n": n})).await;
            let edges = res.assert_ok()["conversations"]["edges"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(edges.len(), n as usize);
            assert_eq!(
                edges[0]["node"]["messages"]["edges"]
                    .as_array()
                    .unwrap()
                    .len(),
                2
            );
            counts.push(app.statements() - before);
        }
        assert_eq!(counts[0], counts[1], "{counts:?}");
    }
}

#[tokio::test]
async fn the_history_sent_is_bounded_by_ai_context_messages() {
    let (provider, fake) = spawn_provider().await;
    for backend in backends() {
        let provider = provider.clone();
        let app = spawn_app_with(backend, move |c| {
            c.openai_base_url = Some(provider);
            c.ai.ai_context_messages = 3;
        })
        .await;
        let alice = app.register("alice").await;
        send(&app, &alice, None, "one").await.assert_ok();
        settled_reply(&app, &alice).await;
        let conversation = conversations(&app, &alice).await[0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for content in ["two", "three"] {
            send(&app, &alice, Some(&conversation), content)
                .await
                .assert_ok();
            settled_reply(&app, &alice).await;
        }
        // Five messages before the last reply; the latest three went with its request.
        let body = fake.last_body.lock().unwrap().clone();
        let sent: Vec<(String, String)> = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let text = |k: &str| m[k].as_str().unwrap().to_owned();
                (text("role"), text("content"))
            })
            .collect();
        let expected = [
            ("user", "two"),
            ("assistant", "Hello there!"),
            ("user", "three"),
        ];
        assert_eq!(sent, expected.map(|(r, c)| (r.to_owned(), c.to_owned())),);
    }
}
