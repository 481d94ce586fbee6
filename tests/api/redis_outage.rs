//! Losing Redis degrades the service and it recovers without a restart; persisted queries
//! are shared through Redis.

use std::{process::Stdio, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    cache::{get, header},
    helpers::*,
};

/// A redis-server of the test's own, on a free port, that can be killed and restarted.
struct OwnRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    fn start_on(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        Self {
            port,
            child: Some(child),
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn wait_until_up(url: &str) {
    let client = redis::Client::open(url).unwrap();
    for _ in 0..100 {
        if let Ok(mut c) = client.get_multiplexed_async_connection().await
            && redis::cmd("PING")
                .query_async::<String>(&mut c)
                .await
                .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("redis-server did not start");
}

#[tokio::test]
async fn losing_redis_degrades_and_recovers_without_a_restart() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = OwnRedis::start_on(port);
    wait_until_up(&redis.url()).await;
    let url = redis.url();
    let app = spawn_app_with(Backend::Sqlite, move |c| {
        c.redis_url = Some(url);
        c.redis_key_prefix = "own:".into();
        c.redis_timeout_ms = 200;
        c.rate_limit_query = 40;
    })
    .await;
    let q = "{ chainStats { height } }";
    get(&app, q, None, None).await;
    assert_eq!(header(&get(&app, q, None, None).await, "x-cache"), "HIT");
    let ready: Value = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["redis"], "ok");

    redis.kill();
    // Still answering from the database, promptly, with local rate limits.
    let started = std::time::Instant::now();
    for _ in 0..10 {
        let res = get(&app, q, None, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "x-cache"), "MISS");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "requests waited on a dead Redis"
    );
    let res = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap()["checks"]["redis"],
        "degraded"
    );
    let mut limited = false;
    for _ in 0..40 {
        if get(&app, q, None, None).await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "in-process counters took over");

    let _redis = OwnRedis::start_on(port);
    wait_until_up(&format!("redis://127.0.0.1:{port}")).await;
    let mut recovered = false;
    for _ in 0..60 {
        let ready: Value = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ready["checks"]["redis"] == "ok" {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "Redis was not used again");
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn persisted_queries_are_shared_through_redis() {
    let url = redis_url();
    let prefix = unique_prefix();
    let instance = |url: String, prefix: String| {
        spawn_app_with(Backend::Sqlite, move |c| {
            c.redis_url = Some(url);
            c.redis_key_prefix = prefix;
        })
    };
    let a = instance(url.clone(), prefix.clone()).await;
    let b = instance(url, prefix).await;
    let query = "{ chainStats { height } }";
    let hash = blackroad_api::graphql::admission::persisted::sha256_hex(query);
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let res = b.post_graphql(None, json!({"extensions": ext})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    a.post_graphql(None, json!({"query": query, "extensions": ext}))
        .await;
    let mut found = false;
    for _ in 0..50 {
        let body: Value = b
            .post_graphql(None, json!({"extensions": ext}))
            .await
            .json()
            .await
            .unwrap();
        if body["data"]["chainStats"]["height"] == 0 {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(found, "instance B never learned A's document");
}

/// A Redis that is down at start-up is a degraded state, not a failure; `REDIS_REQUIRED`
/// turns it into "not ready".
#[tokio::test]
async fn starting_without_redis_serves_and_reports() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for required in [false, true] {
        let app = spawn_app_with(Backend::Sqlite, move |c| {
            c.redis_url = Some(format!("redis://127.0.0.1:{port}"));
            c.redis_timeout_ms = 100;
            c.redis_required = required;
        })
        .await;
        let alice = app.register("alice").await;
        app.me(&alice.access).await.assert_ok();
        let res = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .unwrap();
        let expected = if required {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        assert_eq!(res.status(), expected);
        assert_eq!(
            res.json::<Value>().await.unwrap()["checks"]["redis"],
            "degraded"
        );
    }
}

/// Shared rate limits (and the cache) resume within about a second of Redis's return, with no
/// request needed to notice it: the link probes in the background.
#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn redis_is_noticed_back_within_seconds_without_requests() {
    let url = redis_url();
    let relay = crate::relay::Relay::start(crate::relay::redis_upstream(&url).await).await;
    let relayed = format!("redis://{}", relay.address);
    let app = spawn_app_with(Backend::Sqlite, move |c| {
        c.redis_url = Some(relayed);
        c.redis_key_prefix = unique_prefix();
        c.redis_timeout_ms = 200;
        c.rate_limit_query = 1_000;
    })
    .await;
    let link = app.state.redis.clone().expect("Redis configured");
    get(&app, "{ __typename }", None, None).await;
    assert!(!link.is_degraded());
    relay.cut();
    let app = &app;
    eventually("the outage to be noticed", || {
        let link = link.clone();
        async move {
            get(app, "{ __typename }", None, None).await;
            link.is_degraded()
        }
    })
    .await;
    relay.restore();
    let restored = std::time::Instant::now();
    eventually("Redis noticed back with no request", || {
        let link = link.clone();
        async move { !link.is_degraded() }
    })
    .await;
    assert!(
        restored.elapsed() < Duration::from_secs(3),
        "{:?}",
        restored.elapsed()
    );
}
