//! Rate limits by class, their headers and metrics; nothing runs once a limit is reached.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    cache::{cache_apps, header},
    helpers::*,
};

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

#[tokio::test]
async fn each_login_in_a_document_counts() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.rate_limit_auth = 3).await;
    let many = "mutation { a: login(input: {login: \"x\", password: \"y\"}) { accessToken } b: login(input: {login: \"x\", password: \"y\"}) { accessToken } c: login(input: {login: \"x\", password: \"y\"}) { accessToken } d: login(input: {login: \"x\", password: \"y\"}) { accessToken } }";
    let res = app.post_graphql(None, json!({"query": many})).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}
