//! Jobs and AI chat across instances sharing PostgreSQL (when configured) and Redis: a job
//! submitted on an instance without workers runs on another, and its owner's `jobUpdated`
//! on the first hears every step; a chat reply produced on one instance streams to a
//! `chatReply` subscriber on another. Runs when TEST_REDIS_URL is set (then an unreachable
//! Redis is a failure, not a skip).

use serde_json::{Value, json};

use crate::{
    ai::{conversations, send, settled_reply, spawn_provider},
    helpers::*,
    jobs::{job_reaches, submit_ok},
    ws_client::{TRANSPORT_WS, Ws},
};

/// Two instances on one database (PostgreSQL when configured) and one Redis; the second runs
/// a job worker and talks to `provider`.
async fn pair(provider: &str) -> (TestApp, TestApp) {
    let url = redis_url();
    assert_redis_reachable(&url).await;
    let prefix = unique_prefix();
    let backend = *backends().last().expect("a backend");
    let (redis, key_prefix) = (url.clone(), prefix.clone());
    let a = spawn_app_with(backend, move |c| {
        c.redis_url = Some(redis);
        c.redis_key_prefix = key_prefix;
    })
    .await;
    let shared = a.state.config.database_url.clone();
    let provider = provider.to_owned();
    let b = spawn_app_with(backend, move |c| {
        c.redis_url = Some(url);
        c.redis_key_prefix = prefix;
        c.database_url = shared;
        c.jobs.job_workers = 1;
        c.jobs.job_poll_ms = 50;
        c.openai_base_url = Some(provider);
    })
    .await;
    eventually("both instances on Redis", || async {
        a.state.bus.connected() && b.state.bus.connected()
    })
    .await;
    (a, b)
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn a_job_run_on_one_instance_streams_to_its_owner_on_another() {
    let (provider, _fake) = spawn_provider().await;
    // The second instance only runs the job.
    let (a, _b) = pair(&provider).await;
    let alice = a.register("alice").await;
    let mut ws = Ws::connect_as(&a, TRANSPORT_WS, Some(&alice.access)).await;
    ws.subscribe(
        "jobs",
        "subscription { jobUpdated { id status attempts } }",
        json!({}),
    )
    .await;
    a.await_receivers::<blackroad_api::jobs::JobUpdated>(1)
        .await;
    // Submitted where no worker runs: the Redis message wakes the other instance's worker.
    let id = submit_ok(&a, &alice, "CHAIN_VERIFY", json!({})).await;
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("SUCCEEDED") {
        let data = ws.next_data("jobs").await;
        assert_eq!(data["jobUpdated"]["id"], id);
        seen.push(data["jobUpdated"]["status"].as_str().unwrap().to_owned());
    }
    assert!(seen.contains(&"RUNNING".to_owned()), "{seen:?}");
    let done = job_reaches(&a, &alice, &id, "SUCCEEDED").await;
    assert_eq!(done["attempts"], 1);
    assert_eq!(done["result"]["valid"], true);
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn a_chat_reply_made_on_one_instance_streams_to_a_subscriber_on_another() {
    let (provider, _fake) = spawn_provider().await;
    let (a, b) = pair(&provider).await;
    let alice = a.register("alice").await;
    send(&b, &alice, None, "first").await.assert_ok();
    settled_reply(&b, &alice).await;
    let conversation = conversations(&a, &alice).await[0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ws = Ws::connect_as(&a, TRANSPORT_WS, Some(&alice.access)).await;
    ws.subscribe(
        "r",
        "subscription($c: ID!) { chatReply(conversationId: $c) { delta done errorCode } }",
        json!({"c": conversation}),
    )
    .await;
    a.await_receivers::<blackroad_api::ai::ChatChunk>(1).await;
    // Sent to (and answered by) the other instance.
    send(&b, &alice, Some(&conversation), "second")
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
    // The instance that did not answer reads the stored reply (no stale cache).
    let edges = conversations(&a, &alice).await;
    let messages = edges[0]["node"]["messages"]["edges"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[3]["node"]["status"], "complete");
    assert_eq!(messages[3]["node"]["content"], "Hello there!");
}
