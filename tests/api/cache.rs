//! The response cache (in-process and Redis), rate limits, Redis degradation, /metrics.

use std::{process::Stdio, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Apps with each cache backend: in-process always, Redis when TEST_REDIS_URL is set.
pub async fn cache_apps(
    customize: impl Fn(&mut blackroad_api::config::Config) + Clone,
) -> Vec<TestApp> {
    let mut apps = vec![spawn_app_with(Backend::Sqlite, customize.clone()).await];
    if let Some(url) = test_redis() {
        let backend = *backends().last().unwrap_or(&Backend::Sqlite);
        let prefix = unique_prefix();
        apps.push(
            spawn_app_with(backend, move |c| {
                customize(c);
                c.redis_url = Some(url.clone());
                c.redis_key_prefix = prefix.clone();
            })
            .await,
        );
    }
    apps
}

async fn get(
    app: &TestApp,
    query: &str,
    token: Option<&str>,
    etag: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query)]);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.send().await.unwrap()
}

pub fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn public_queries_are_cached_with_http_semantics() {
    let query =
        "{ chainStats { height totalSupply } blocks(first: 5) { edges { node { index hash } } } }";
    for app in cache_apps(|_| {}).await {
        let first = get(&app, query, None, None).await;
        assert_eq!(header(&first, "x-cache"), "MISS");
        assert_eq!(header(&first, "cache-control"), "public, max-age=5");
        let etag = header(&first, "etag");
        assert!(etag.starts_with("W/\""), "{etag}");
        let body: Value = first.json().await.unwrap();

        let second = get(&app, query, None, None).await;
        assert_eq!(header(&second, "x-cache"), "HIT");
        assert_eq!(second.json::<Value>().await.unwrap(), body);
        // Reformatting the document does not change the key.
        let reformatted = query.replace(' ', "\n  ");
        assert_eq!(
            header(&get(&app, &reformatted, None, None).await, "x-cache"),
            "HIT"
        );

        let not_modified = get(&app, query, None, Some(&etag)).await;
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&not_modified, "etag"), etag);

        // POST shares the cache.
        let res = app.post_graphql(None, json!({"query": query})).await;
        assert_eq!(header(&res, "x-cache"), "HIT");
    }
}

#[tokio::test]
async fn writes_invalidate_before_the_response_returns() {
    let balance = "query($a: String!) { wallet(address: $a) { balance pendingIncoming } }";
    for app in cache_apps(|_| {}).await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let read = |app: &TestApp| {
            let (client, url, address) =
                (app.client.clone(), app.url("/graphql"), bob.address.clone());
            async move {
                let res = client
                    .post(url)
                    .json(&json!({"query": balance, "variables": {"a": address}}))
                    .send()
                    .await
                    .unwrap();
                let cache = header(&res, "x-cache");
                (
                    res.json::<Value>().await.unwrap()["data"]["wallet"].clone(),
                    cache,
                )
            }
        };
        assert_eq!(read(&app).await.0["balance"], "100");
        assert_eq!(read(&app).await.1, "HIT");
        // Wrapped in a fragment, the transfer must still drop what it wrote.
        let wrapped = "mutation($input: TransferInput!) { ...T } fragment T on Mutation { transfer(input: $input) { hash } }";
        app.graphql_as(
            &alice.access,
            wrapped,
            json!({"input": {"toAddress": bob.address, "amount": "7"}}),
        )
        .await
        .assert_ok();
        let (wallet, cache) = read(&app).await;
        assert_eq!(cache, "MISS", "the transfer dropped the entry");
        assert_eq!(wallet["pendingIncoming"], "7");
        app.mine(&alice, None).await.assert_ok();
        assert_eq!(read(&app).await.0["balance"], "107");
    }
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn a_second_instance_never_reads_the_first_ones_write_stale() {
    let url = redis_url();
    let backend = *backends().last().unwrap_or(&Backend::Sqlite);
    let prefix = unique_prefix();
    let (u1, p1) = (url.clone(), prefix.clone());
    let a = spawn_app_with(backend, move |c| {
        c.redis_url = Some(u1);
        c.redis_key_prefix = p1;
    })
    .await;
    // Instance B shares A's database (PostgreSQL; or A's SQLite file) and Redis.
    let shared_db = a.state.config.database_url.clone();
    let b = spawn_app_with(backend, move |c| {
        c.redis_url = Some(url);
        c.redis_key_prefix = prefix;
        c.database_url = shared_db;
    })
    .await;
    let alice = a.register("alice").await;
    let bob = a.register("bob").await;
    let q = format!("{{ wallet(address: \"{}\") {{ balance }} }}", bob.address);
    for app in [&a, &b, &b] {
        get(app, &q, None, None).await;
    }
    assert_eq!(
        header(&get(&b, &q, None, None).await, "x-cache"),
        "HIT",
        "B reads A's entry"
    );
    a.transfer(&alice, &bob.address, "5").await.assert_ok();
    a.mine(&alice, None).await.assert_ok();
    let res = get(&b, &q, None, None).await;
    assert_eq!(header(&res, "x-cache"), "MISS");
    assert_eq!(
        res.json::<Value>().await.unwrap()["data"]["wallet"]["balance"],
        "105"
    );
}

/// An instance cut off from Redis cannot drop what its writes made stale; once it reaches
/// Redis again (it probes every second) it retires every entry, so the other instance stops
/// serving the old answer within seconds, not at the entry's TTL.
#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn an_instance_that_missed_an_invalidation_retires_the_shared_entries() {
    let url = redis_url();
    let relay = crate::relay::Relay::start(crate::relay::redis_upstream(&url).await).await;
    let backend = *backends().last().unwrap_or(&Backend::Sqlite);
    let prefix = unique_prefix();
    let (relayed, p1) = (format!("redis://{}", relay.address), prefix.clone());
    let a = spawn_app_with(backend, move |c| {
        c.redis_url = Some(relayed);
        c.redis_key_prefix = p1;
        c.redis_timeout_ms = 200;
    })
    .await;
    let shared_db = a.state.config.database_url.clone();
    let b = spawn_app_with(backend, move |c| {
        c.redis_url = Some(url);
        c.redis_key_prefix = prefix;
        c.database_url = shared_db;
    })
    .await;
    let alice = a.register("alice").await;
    let bob = a.register("bob").await;
    // A long-lived entry: the test would pass by waiting out a short one.
    let q = "{ user(username: \"bob\") { username primaryWallet { balance } } }".to_string();
    async fn balance_at(app: &TestApp, q: &str) -> (Value, String) {
        let res = get(app, q, None, None).await;
        let cache = header(&res, "x-cache");
        let body = res.json::<Value>().await.unwrap();
        (
            body["data"]["user"]["primaryWallet"]["balance"].clone(),
            cache,
        )
    }
    let balance = |app| balance_at(app, &q);
    assert_eq!(balance(&b).await, (json!("100"), "MISS".into()));
    assert_eq!(balance(&b).await, (json!("100"), "HIT".into()));

    relay.cut();
    a.transfer(&alice, &bob.address, "5").await.assert_ok();
    a.mine(&alice, None).await.assert_ok();
    // A's invalidation could not reach Redis; B still has the entry. A itself answers fresh.
    assert_eq!(balance(&a).await.0, json!("105"));

    relay.restore();
    let started = std::time::Instant::now();
    eventually("B to stop serving the stale balance", || async {
        balance(&b).await.0 == json!("105")
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    // And the cache works again, for both.
    assert_eq!(balance(&b).await, (json!("105"), "HIT".into()));
    assert_eq!(balance(&a).await, (json!("105"), "HIT".into()));
}

#[tokio::test]
async fn private_errors_and_unhinted_responses_are_handled_safely() {
    for app in cache_apps(|_| {}).await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let me = "{ me { username email } }";
        let res = get(&app, me, Some(&alice.access), None).await;
        assert_eq!(header(&res, "cache-control"), "private, max-age=10");
        assert_eq!(
            header(&get(&app, me, Some(&alice.access), None).await, "x-cache"),
            "HIT"
        );
        let res = get(&app, me, Some(&bob.access), None).await;
        assert_eq!(
            header(&res, "x-cache"),
            "MISS",
            "never another viewer's entry"
        );
        assert_eq!(
            res.json::<Value>().await.unwrap()["data"]["me"]["username"],
            "bob"
        );

        // A public type with a private field is keyed by viewer.
        let profile = "{ user(username: \"alice\") { username email } }";
        let res = get(&app, profile, Some(&alice.access), None).await;
        assert_eq!(header(&res, "cache-control"), "private, max-age=30");
        let res = get(&app, profile, Some(&bob.access), None).await;
        assert!(res.json::<Value>().await.unwrap()["data"]["user"]["email"].is_null());

        // A private answer for nobody in particular is never cached (here: an error).
        for _ in 0..2 {
            let res = get(&app, me, None, None).await;
            assert_eq!(header(&res, "x-cache"), "BYPASS");
            assert_eq!(header(&res, "cache-control"), "no-store");
        }
        // A field without a hint (the audit log) makes the whole response uncacheable.
        app.state
            .db
            .execute_unprepared("UPDATE users SET is_admin = true WHERE username = 'alice'")
            .await
            .unwrap();
        let events = "{ events(first: 1) { edges { node { action } } } }";
        for _ in 0..2 {
            let res = get(&app, events, Some(&alice.access), None).await;
            assert_eq!(header(&res, "cache-control"), "no-store");
        }
        // Mutations are never cached.
        let res = app
            .post_graphql(Some(&alice.access), json!({"query": "mutation { logout }"}))
            .await;
        assert_eq!(header(&res, "cache-control"), "no-store");
    }
}

use sea_orm::ConnectionTrait;

#[tokio::test]
async fn rate_limits_by_class_with_headers_and_nothing_executed() {
    for app in cache_apps(|c| {
        c.rate_limit_auth = 3;
        c.rate_limit_query = 5;
        c.rate_limit_mutation = 2;
        c.trust_proxy = true;
    })
    .await
    {
        // Auth: 3 per minute per IP.
        for i in 0..3 {
            app.try_register(
                &format!("user{i}"),
                &format!("user{i}@example.com"),
                PASSWORD,
            )
            .await
            .assert_ok();
        }
        let res = app.post_graphql(None, json!({"query": REGISTER, "variables": {"input": {"username": "user9", "email": "u9@example.com", "password": PASSWORD}}})).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = header(&res, "retry-after").parse().unwrap();
        assert!((1..=60).contains(&retry));
        assert_eq!(header(&res, "ratelimit-limit"), "3");
        assert_eq!(header(&res, "ratelimit-remaining"), "0");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        assert_eq!(app.count_users().await, 3, "nothing executed");
        // The REST refresh is an auth attempt too.
        let res = app
            .client
            .post(app.url("/api/auth/refresh"))
            .json(&json!({"refresh_token": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        // An auth mutation hidden in a fragment is still an auth attempt.
        let hidden = "mutation { ... on Mutation { login(input: {login: \"user1\", password: \"nope nope\"}) { accessToken } } }";
        let res = app.post_graphql(None, json!({"query": hidden})).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

        // Per login name: other addresses guessing the same account are limited too.
        let login = |ip: &'static str| {
            let (client, url) = (app.client.clone(), app.url("/graphql"));
            async move {
                let body = json!({"query": LOGIN, "variables": {"input": {"login": "nobody", "password": "wrong password"}}});
                client
                    .post(url)
                    .header("x-forwarded-for", ip)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        let statuses = [
            login("10.0.0.1").await,
            login("10.0.0.2").await,
            login("10.0.0.3").await,
            login("10.0.0.4").await,
        ];
        assert_eq!(statuses[..3], [StatusCode::OK; 3]);
        assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);

        // Queries: 5 per minute per client.
        let query = |ip: &'static str| {
            let (client, url) = (app.client.clone(), app.url("/graphql"));
            async move {
                client
                    .post(url)
                    .header("x-forwarded-for", ip)
                    .json(&json!({"query": "{ __typename }"}))
                    .send()
                    .await
                    .unwrap()
            }
        };
        for _ in 0..5 {
            assert_eq!(query("10.9.9.9").await.status(), StatusCode::OK);
        }
        assert_eq!(
            query("10.9.9.9").await.status(),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            query("10.9.9.8").await.status(),
            StatusCode::OK,
            "another client is unaffected"
        );
    }
}

#[tokio::test]
async fn limits_of_zero_disable_and_metrics_report() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.rate_limit_query = 0).await;
    for _ in 0..30 {
        app.graphql("{ chainStats { height } }", json!({}))
            .await
            .assert_ok();
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for metric in [
        "graphql_requests_total{operation=\"query\",outcome=\"ok\"}",
        "graphql_requests_total{operation=\"query\",outcome=\"cache_hit\"}",
        "graphql_request_duration_seconds_bucket",
        "cache_hits_total",
        "cache_misses_total",
        "rate_limit_rejections_total",
        "db_pool_in_use",
        "websocket_connections",
    ] {
        assert!(text.contains(metric), "{metric} missing from:\n{text}");
    }
}

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

#[tokio::test]
async fn each_login_in_a_document_counts() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.rate_limit_auth = 3).await;
    let many = "mutation { a: login(input: {login: \"x\", password: \"y\"}) { accessToken } b: login(input: {login: \"x\", password: \"y\"}) { accessToken } c: login(input: {login: \"x\", password: \"y\"}) { accessToken } d: login(input: {login: \"x\", password: \"y\"}) { accessToken } }";
    let res = app.post_graphql(None, json!({"query": many})).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
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
