//! Instances sharing a database and Redis: a subscriber on one instance hears what another
//! instance commits, and an instance that loses Redis keeps serving its own subscribers and
//! resubscribes when Redis returns. Runs when TEST_REDIS_URL is set; then an unreachable
//! Redis is a failure, not a skip.

use std::time::Duration;

use blackroad_api::chain::BlockMined;
use serde_json::json;

use crate::{
    helpers::{
        TestApp, assert_redis_reachable, backends, redis_url, spawn_app_with, unique_prefix,
    },
    relay::{Relay, redis_upstream},
    ws_client::{LEGACY_WS, TRANSPORT_WS, Ws},
};

const BLOCKS: &str = "subscription { blockMined { index miner { username } } }";

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..100 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// An app on the first backend (PostgreSQL when configured), sharing `database_url` when
/// given, on Redis at `redis` under `prefix`.
async fn instance(redis: &str, prefix: &str, database_url: Option<String>) -> TestApp {
    let backend = *backends().last().expect("a backend");
    let (redis, prefix) = (redis.to_owned(), prefix.to_owned());
    spawn_app_with(backend, move |c| {
        c.redis_url = Some(redis);
        c.redis_key_prefix = prefix;
        if let Some(url) = database_url {
            c.database_url = Some(url);
        }
    })
    .await
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn a_block_mined_on_one_instance_reaches_subscribers_of_another() {
    let url = redis_url();
    assert_redis_reachable(&url).await;
    let prefix = unique_prefix();
    let a = instance(&url, &prefix, None).await;
    let b = instance(&url, &prefix, a.state.config.database_url.clone()).await;
    wait_for("both instances on Redis", || {
        a.state.bus.connected() && b.state.bus.connected()
    })
    .await;
    let alice = a.register("alice").await;
    let mut on_b = Ws::connect_as(&b, TRANSPORT_WS, None).await;
    on_b.subscribe("b", BLOCKS, json!({})).await;
    let mut on_a = Ws::connect_as(&a, LEGACY_WS, None).await;
    on_a.subscribe("a", BLOCKS, json!({})).await;
    a.await_receivers::<BlockMined>(1).await;
    b.await_receivers::<BlockMined>(1).await;
    a.mine(&alice, None).await.assert_ok();
    let data = on_b.next_data("b").await;
    assert_eq!(data["blockMined"]["index"], 1);
    assert_eq!(data["blockMined"]["miner"]["username"], "alice");
    // The publishing instance delivers once, not again when Redis echoes it back.
    assert_eq!(on_a.next_data("a").await["blockMined"]["index"], 1);
    on_a.expect_silence(Duration::from_millis(300)).await;
    on_b.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn losing_redis_keeps_local_subscribers_served_and_recovers() {
    let url = redis_url();
    assert_redis_reachable(&url).await;
    let upstream = redis_upstream(&url).await;
    let relay = Relay::start(upstream).await;
    let prefix = unique_prefix();
    let a = instance(&url, &prefix, None).await;
    let relayed = url.replacen(
        &format!("{}", upstream.port()),
        &relay.address.port().to_string(),
        1,
    );
    let relayed = relayed.replacen(&upstream.ip().to_string(), "127.0.0.1", 1);
    let b = instance(&relayed, &prefix, a.state.config.database_url.clone()).await;
    wait_for("both instances on Redis", || {
        a.state.bus.connected() && b.state.bus.connected()
    })
    .await;
    let alice = a.register("alice").await;
    let mut on_b = Ws::connect_as(&b, TRANSPORT_WS, None).await;
    on_b.subscribe("b", BLOCKS, json!({})).await;
    b.await_receivers::<BlockMined>(1).await;

    relay.cut();
    wait_for("instance B to notice the outage", || {
        !b.state.bus.connected()
    })
    .await;
    // B still serves its own subscribers.
    b.mine(&alice, None).await.assert_ok();
    assert_eq!(on_b.next_data("b").await["blockMined"]["index"], 1);

    relay.restore();
    wait_for("instance B to resubscribe", || b.state.bus.connected()).await;
    a.mine(&alice, None).await.assert_ok();
    assert_eq!(on_b.next_data("b").await["blockMined"]["index"], 2);
}
