//! Subscriptions over WebSocket, as a client sees them: both protocols, auth, limits,
//! slow clients, and delivery across instances through Redis.

use std::time::Duration;

use blackroad_api::{
    audit::AuditEvent,
    auth::tokens::JwtKeys,
    chain::{BlockMined, TransferEvent},
};
use serde_json::json;

use crate::{
    helpers::{SECRET, backends, spawn_app_with, spawn_apps},
    ws_client::{Incoming, LEGACY_WS, PROTOCOLS, TRANSPORT_WS, Ws, try_connect},
};

const BLOCKS: &str =
    "subscription { blockMined { index hash transactionCount miner { username } } }";
const TX_ADDED: &str = "subscription($a: String) { transactionAdded(address: $a) { fromAddress toAddress amount status } }";
const WALLET: &str = "subscription($a: String!) { walletActivity(address: $a) { fromAddress toAddress amount status } }";
const AUDIT: &str = "subscription($action: String) { auditEvents(action: $action) { action actor { username } subjectType data } }";

#[tokio::test]
async fn block_mined_reaches_subscribers_of_both_protocols() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let mut sockets = Vec::new();
        for protocol in PROTOCOLS {
            let mut ws = Ws::connect_as(&app, protocol, None).await;
            ws.subscribe("blocks", BLOCKS, json!({})).await;
            sockets.push(ws);
        }
        app.await_receivers::<BlockMined>(2).await;
        app.mine(&alice, None).await.assert_ok();
        for ws in &mut sockets {
            let data = ws.next_data("blocks").await;
            assert_eq!(data["blockMined"]["index"], 1, "{}", ws.protocol);
            assert_eq!(data["blockMined"]["miner"]["username"], "alice");
        }
    }
}

#[tokio::test]
async fn transaction_added_filters_by_address() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        let mut all = Ws::connect_as(&app, TRANSPORT_WS, None).await;
        all.subscribe("t", TX_ADDED, json!({})).await;
        let mut bobs = Ws::connect_as(&app, LEGACY_WS, None).await;
        bobs.subscribe("t", TX_ADDED, json!({"a": bob.address}))
            .await;
        app.await_receivers::<TransferEvent>(2).await;
        app.transfer(&carol, &alice.address, "1").await.assert_ok();
        app.transfer(&alice, &bob.address, "2").await.assert_ok();
        let first = all.next_data("t").await;
        assert_eq!(
            first["transactionAdded"]["toAddress"],
            alice.address.as_str()
        );
        assert_eq!(first["transactionAdded"]["status"], "PENDING");
        let second = all.next_data("t").await;
        assert_eq!(
            second["transactionAdded"]["toAddress"],
            bob.address.as_str()
        );
        let only = bobs.next_data("t").await;
        assert_eq!(
            only["transactionAdded"]["fromAddress"],
            alice.address.as_str()
        );
        assert_eq!(only["transactionAdded"]["amount"], "2");
        bobs.expect_silence(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn wallet_activity_is_for_the_owner_and_admins() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        for protocol in PROTOCOLS {
            let mut anon = Ws::connect_as(&app, protocol, None).await;
            anon.subscribe("w", WALLET, json!({"a": alice.address}))
                .await;
            assert_eq!(anon.next_error_code("w").await, "UNAUTHENTICATED");
            let mut other = Ws::connect_as(&app, protocol, Some(&bob.access)).await;
            other
                .subscribe("w", WALLET, json!({"a": alice.address}))
                .await;
            assert_eq!(other.next_error_code("w").await, "FORBIDDEN");
        }
        let mut owner = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        owner
            .subscribe("w", WALLET, json!({"a": alice.address}))
            .await;
        let mut admin = Ws::connect_as(&app, LEGACY_WS, Some(&root.access)).await;
        admin
            .subscribe("w", WALLET, json!({"a": alice.address}))
            .await;
        app.await_receivers::<TransferEvent>(2).await;
        app.transfer(&alice, &bob.address, "5").await.assert_ok();
        app.mine(&bob, None).await.assert_ok();
        for ws in [&mut owner, &mut admin] {
            let debit = ws.next_data("w").await;
            assert_eq!(debit["walletActivity"]["status"], "PENDING");
            assert_eq!(debit["walletActivity"]["amount"], "5");
            let confirmed = ws.next_data("w").await;
            assert_eq!(confirmed["walletActivity"]["status"], "CONFIRMED");
        }
    }
}

#[tokio::test]
async fn audit_events_are_for_admins_only() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let mut anon = Ws::connect_as(&app, TRANSPORT_WS, None).await;
        anon.subscribe("a", AUDIT, json!({})).await;
        assert_eq!(anon.next_error_code("a").await, "UNAUTHENTICATED");
        let mut user = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        user.subscribe("a", AUDIT, json!({})).await;
        assert_eq!(user.next_error_code("a").await, "FORBIDDEN");

        let mut admin = Ws::connect_as(&app, LEGACY_WS, Some(&root.access)).await;
        admin
            .subscribe("a", AUDIT, json!({"action": "wallet.transfer"}))
            .await;
        app.await_receivers::<AuditEvent>(1).await;
        app.mine(&alice, None).await.assert_ok();
        app.transfer(&alice, &bob.address, "3").await.assert_ok();
        let event = admin.next_data("a").await;
        assert_eq!(event["auditEvents"]["action"], "wallet.transfer");
        assert_eq!(event["auditEvents"]["actor"]["username"], "alice");
        assert_eq!(event["auditEvents"]["subjectType"], "Transaction");
        admin.expect_silence(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = spawn_app_with(backends()[0], |_| {}).await;
    let alice = app.register("alice").await;
    for payload in [
        json!({"Authorization": "Bearer not-a-token"}),
        json!({"authToken": "not-a-token"}),
        // A refresh token is never an access token.
        json!({"authToken": alice.refresh}),
    ] {
        let mut ws = Ws::connect(&app, TRANSPORT_WS).await;
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        let (code, _) = ws.expect_close().await;
        assert_eq!(code, Some(4403), "{payload}");
    }
    let mut legacy = Ws::connect(&app, LEGACY_WS).await;
    legacy
        .send(json!({"type": "connection_init", "payload": {"authToken": "nope"}}))
        .await;
    let error = legacy.next_json().await;
    assert_eq!(error["type"], "connection_error", "{error}");
    // `authToken` works as well as `Authorization`.
    let mut ok = Ws::connect(&app, TRANSPORT_WS).await;
    ok.send(json!({"type": "connection_init", "payload": {"authToken": alice.access}}))
        .await;
    assert_eq!(ok.next_json().await["type"], "connection_ack");
    // Subscribing before connection_init is refused.
    let mut early = Ws::connect(&app, TRANSPORT_WS).await;
    early.subscribe("x", BLOCKS, json!({})).await;
    assert_eq!(early.expect_close().await.0, Some(4401));
}

#[tokio::test]
async fn complete_stops_delivery_and_frees_the_slot() {
    let app = spawn_app_with(backends()[0], |c| c.ws_max_subscriptions = 2).await;
    let alice = app.register("alice").await;
    for protocol in PROTOCOLS {
        let mut ws = Ws::connect_as(&app, protocol, None).await;
        ws.subscribe("a", BLOCKS, json!({})).await;
        ws.subscribe("b", BLOCKS, json!({})).await;
        ws.subscribe("c", BLOCKS, json!({})).await;
        assert_eq!(ws.next_error_code("c").await, "RATE_LIMITED");
        // Each step is waited for: a and b listen; a stops; d takes its place.
        app.await_receivers::<BlockMined>(2).await;
        ws.complete("a").await;
        if protocol == LEGACY_WS {
            assert_eq!(ws.next_json().await["type"], "complete");
        }
        app.await_receivers::<BlockMined>(1).await;
        ws.subscribe("d", BLOCKS, json!({})).await;
        app.await_receivers::<BlockMined>(2).await;
        app.mine(&alice, None).await.assert_ok();
        let mut ids = vec![
            ws.next_json().await["id"].as_str().unwrap().to_owned(),
            ws.next_json().await["id"].as_str().unwrap().to_owned(),
        ];
        ids.sort();
        assert_eq!(ids, ["b", "d"], "{protocol}");
        ws.expect_silence(Duration::from_millis(300)).await;
        // This socket's subscriptions must be gone before the next one is counted.
        drop(ws);
        app.await_receivers::<BlockMined>(0).await;
    }
}

#[tokio::test]
async fn connection_init_must_come_in_time() {
    let app = spawn_app_with(backends()[0], |c| c.ws_init_timeout_secs = 1).await;
    let mut ws = Ws::connect(&app, TRANSPORT_WS).await;
    assert_eq!(ws.expect_close().await.0, Some(4408));
}

#[tokio::test]
async fn socket_limits_per_instance_and_per_user() {
    let app = spawn_app_with(backends()[0], |c| {
        c.ws_max_connections = 2;
        c.ws_max_connections_per_user = 1;
    })
    .await;
    let alice = app.register("alice").await;
    let _first = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
    let mut second = Ws::connect(&app, TRANSPORT_WS).await;
    second
        .send(json!({"type": "connection_init", "payload": {"authToken": alice.access}}))
        .await;
    assert_eq!(second.expect_close().await.0, Some(4429));
    let _anon = Ws::connect_as(&app, TRANSPORT_WS, None).await;
    let refused = try_connect(&app, TRANSPORT_WS).await;
    assert!(
        matches!(&refused, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 503),
        "{:?}",
        refused.err()
    );
}

#[tokio::test]
async fn expired_token_closes_the_socket_unless_renewed() {
    let app = spawn_app_with(backends()[0], |_| {}).await;
    let alice = app.register("alice").await;
    let claims = app.state.jwt.verify_access(&alice.access).unwrap();
    let short = JwtKeys::new(SECRET.as_bytes(), 2)
        .issue_access(claims.sub, claims.sid)
        .unwrap();
    let mut expiring = Ws::connect_as(&app, TRANSPORT_WS, Some(&short)).await;
    let mut renewed = Ws::connect_as(&app, TRANSPORT_WS, Some(&short)).await;
    renewed
        .send(json!({"type": "ping", "payload": {"authToken": alice.access}}))
        .await;
    assert_eq!(renewed.next_json().await["type"], "pong");
    let mut legacy = Ws::connect_as(&app, LEGACY_WS, Some(&short)).await;
    legacy
        .send(json!({"type": "connection_init", "payload": {"authToken": alice.access}}))
        .await;
    assert_eq!(legacy.next_json().await["type"], "connection_ack");

    let (code, reason) = expiring.expect_close().await;
    assert_eq!(code, Some(4401), "{reason}");
    renewed.expect_silence(Duration::from_secs(2)).await;
    legacy.expect_silence(Duration::from_millis(100)).await;
    // A socket cannot be handed to someone else.
    let bob = app.register("bob").await;
    renewed
        .send(json!({"type": "ping", "payload": {"authToken": bob.access}}))
        .await;
    assert_eq!(renewed.expect_close().await.0, Some(4403));
}

fn fake_block(index: i64) -> BlockMined {
    BlockMined {
        id: uuid::Uuid::now_v7(),
        index,
        timestamp: chrono::Utc::now(),
        nonce: "0".into(),
        previous_hash: "0".repeat(64),
        hash: format!("{index:064}"),
        difficulty: 0,
        miner_id: None,
        reward: 0,
        transaction_count: 0,
    }
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_ended_without_slowing_others() {
    let app = spawn_app_with(backends()[0], |c| c.ws_subscription_buffer = 4).await;
    let alice = app.register("alice").await;
    const QUERY: &str = "subscription { blockMined { index } }";
    // A stalled client: subscribed, never reading.
    let mut stalled = Ws::connect_as(&app, TRANSPORT_WS, None).await;
    stalled.subscribe("s", QUERY, json!({})).await;
    let mut reader = Ws::connect_as(&app, TRANSPORT_WS, None).await;
    reader.subscribe("r", QUERY, json!({})).await;
    app.await_receivers::<BlockMined>(2).await;
    // Blocks mined one after another reach the reader promptly while the other stalls.
    for i in 1..=5 {
        let started = std::time::Instant::now();
        app.mine(&alice, None).await.assert_ok();
        assert_eq!(reader.next_data("r").await["blockMined"]["index"], i);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    drop(reader);
    app.await_receivers::<BlockMined>(1).await;
    // A burst far beyond the buffer, faster than any socket drains it.
    for i in 0..200 {
        app.state.bus.publish(fake_block(1000 + i));
    }
    // The stalled client finds its 5 blocks, then its subscription ended with an error.
    for _ in 0..5 {
        assert!(stalled.next_data("s").await["blockMined"]["index"].is_i64());
    }
    let mut code = None;
    while code.is_none() {
        let message = stalled.next_json().await;
        match message["type"].as_str() {
            Some("next") => continue,
            Some("error") => {
                code = message["payload"][0]["extensions"]["code"]
                    .as_str()
                    .map(str::to_owned)
            }
            _ => panic!("{message}"),
        }
    }
    assert_eq!(code.as_deref(), Some("SERVICE_UNAVAILABLE"));
    // The socket itself lives on and can subscribe again.
    stalled.subscribe("s2", QUERY, json!({})).await;
    app.await_receivers::<BlockMined>(1).await;
    app.mine(&alice, None).await.assert_ok();
    loop {
        match stalled.recv().await {
            Incoming::Json(m) if m["id"] == "s2" => break,
            Incoming::Json(_) => continue,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn shutdown_closes_sockets_with_going_away() {
    for mut app in spawn_apps().await {
        let mut sockets = Vec::new();
        for protocol in [TRANSPORT_WS, LEGACY_WS] {
            let mut ws = Ws::connect_as(&app, protocol, None).await;
            ws.subscribe("1", "subscription { blockMined { index } }", json!({}))
                .await;
            sockets.push(ws);
        }
        app.shut_down();
        for mut ws in sockets {
            let (code, reason) = ws.expect_close().await;
            assert_eq!(code, Some(1001), "{reason}");
        }
    }
}

#[tokio::test]
async fn sockets_carry_subscriptions_only() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        let transfer = format!(
            "mutation {{ transfer(input: {{toAddress: \"{}\", amount: \"1\"}}) {{ hash }} }}",
            bob.address
        );
        ws.subscribe("1", &transfer, json!({})).await;
        assert_eq!(ws.next_error_code("1").await, "BAD_REQUEST");
        ws.subscribe("2", "{ chainStats { height } }", json!({}))
            .await;
        assert_eq!(ws.next_error_code("2").await, "BAD_REQUEST");
        assert_eq!(app.balance(&alice.address).await, "100", "nothing ran");
    }
}

/// Sockets go through the same admission as HTTP: trusted documents only, and document limits
/// answered with the same code and `extensions.limit`.
#[tokio::test]
async fn sockets_share_the_http_admission_rules() {
    let registered = "subscription { blockMined { index } }";
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.json");
    let hash = blackroad_api::graphql::admission::persisted::sha256_hex(registered);
    std::fs::write(&manifest, json!({ hash.clone(): registered }).to_string()).unwrap();
    let app = spawn_app_with(backends()[0], move |c| {
        c.persisted_queries_only = true;
        c.persisted_queries_manifest = Some(manifest);
    })
    .await;
    for protocol in PROTOCOLS {
        let mut ws = Ws::connect_as(&app, protocol, None).await;
        ws.subscribe("ad-hoc", "subscription { blockMined { hash } }", json!({}))
            .await;
        assert_eq!(ws.next_error_code("ad-hoc").await, "FORBIDDEN");
        ws.subscribe("ok", registered, json!({})).await;
        app.await_receivers::<BlockMined>(1).await;
        ws.complete("ok").await;
        app.await_receivers::<BlockMined>(0).await;
    }

    let app = spawn_app_with(backends()[0], |c| c.max_aliases = 1).await;
    for protocol in PROTOCOLS {
        let mut ws = Ws::connect_as(&app, protocol, None).await;
        let aliased = "subscription { blockMined { a: index b: index } }";
        ws.subscribe("x", aliased, json!({})).await;
        let error = ws.next_error("x").await;
        assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(error["extensions"]["limit"], "aliases");
    }
}
