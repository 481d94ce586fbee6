//! The response cache (in-process and Redis), rate limits, Redis degradation, /metrics.

use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
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

pub async fn get(
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
