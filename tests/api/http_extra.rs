//! Persisted queries, hostile input, CORS, compression, security headers, graceful shutdown.

use blackroad_api::{graphql::admission::persisted::sha256_hex, startup::Application};
use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn apq(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

#[tokio::test]
async fn automatic_persisted_queries_round_trip() {
    let query = "{ chainStats { height } }";
    let hash = sha256_hex(query);
    for app in spawn_apps().await {
        let res = app
            .post_graphql(None, json!({"extensions": apq(&hash)}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
            "{body}"
        );

        let wrong = app
            .post_graphql(
                None,
                json!({"query": query, "extensions": apq(&"0".repeat(64))}),
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);

        let res = app
            .post_graphql(None, json!({"query": query, "extensions": apq(&hash)}))
            .await;
        assert_eq!(
            res.json::<Value>().await.unwrap()["data"]["chainStats"]["height"],
            0
        );
        let res = app
            .post_graphql(None, json!({"extensions": apq(&hash)}))
            .await;
        assert_eq!(
            res.json::<Value>().await.unwrap()["data"]["chainStats"]["height"],
            0
        );
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("extensions", apq(&hash).to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.json::<Value>().await.unwrap()["data"]["chainStats"]["height"],
            0
        );
        let res = app
            .post_graphql(
                None,
                json!({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": hash}}}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn trusted_documents_only_run_registered_operations() {
    let registered = "{ chainStats { height } }";
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.json");
    let operations = json!({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": sha256_hex(registered), "name": "Stats", "type": "query", "body": registered}
    ]});
    std::fs::write(&manifest, operations.to_string()).unwrap();
    for backend in backends() {
        let path = manifest.clone();
        let app = spawn_app_with(backend, move |c| {
            c.persisted_queries_only = true;
            c.persisted_queries_manifest = Some(path);
        })
        .await;
        let by_id = app
            .post_graphql(None, json!({"extensions": apq(&sha256_hex(registered))}))
            .await;
        assert_eq!(
            by_id.json::<Value>().await.unwrap()["data"]["chainStats"]["height"],
            0
        );
        let by_text = app.graphql(registered, json!({})).await;
        by_text.assert_ok();
        let ad_hoc = app.graphql("{ blocks { totalCount } }", json!({})).await;
        ad_hoc.assert_error("FORBIDDEN");
        let other = "{ __typename }";
        let learn = app
            .post_graphql(
                None,
                json!({"query": other, "extensions": apq(&sha256_hex(other))}),
            )
            .await;
        assert_eq!(
            learn.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"],
            "FORBIDDEN"
        );
        let res = app
            .post_graphql(None, json!({"extensions": apq(&sha256_hex(other))}))
            .await;
        assert_eq!(
            res.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"],
            "PERSISTED_QUERY_NOT_FOUND"
        );
    }
    // A manifest whose ids do not match their documents is refused at start-up.
    std::fs::write(&manifest, json!({"deadbeef": registered}).to_string()).unwrap();
    let mut config = test_config();
    config.data_dir = dir.path().to_path_buf();
    config.database_url = Some(format!("sqlite://{}/x.db?mode=rwc", dir.path().display()));
    config.persisted_queries_only = true;
    config.persisted_queries_manifest = Some(manifest);
    let err = Application::build(config).await.err().expect("refused");
    assert!(
        format!("{err:#}").contains("PERSISTED_QUERIES_MANIFEST"),
        "{err:#}"
    );
}

/// Thousands of malformed, nested, alias-bombed, cyclic, unicode-heavy and oversized requests:
/// never a 5xx, always a coded answer, and the app stays healthy.
#[tokio::test]
async fn hostile_input_never_breaks_the_server() {
    let mut rng = StdRng::seed_from_u64(1234);
    let fixed: Vec<String> = vec![
        "{".repeat(10_000),
        format!("{{ {} }}", "a: __typename ".repeat(5_000)),
        "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }".into(),
        "{ __typename @skip(if: $undefined) }".into(),
        "query($x: [[[[Int]]]]) { __typename }".into(),
        format!("{{ user(username: \"{}\") {{ id }} }}", "𝔘".repeat(5_000)),
        "{ user(username: \"\\uD800\") { id } }".into(),
        "\u{0}\u{1}\u{2}".into(),
        "subscription { x }".into(),
        "mutation { register(input: {}) { accessToken } }".into(),
        "{ node(id: \"\u{202e}\") { id } }".into(),
        "{ blocks(first: 2147483647) { totalCount } }".into(),
        "{ blocks(first: -2147483648) { totalCount } }".into(),
        "query Q { __typename } query Q { __typename }".into(),
        format!("{{ {} }}", "__typename ".repeat(20_000)),
    ];
    let alphabet: Vec<char> = "{}()[]:$@!.,\"\\ abcdefghijklmnopqrstuvwxyz0123456789_=#\n\té𝔘\u{0}"
        .chars()
        .collect();
    for app in spawn_apps().await {
        let mut bodies: Vec<String> = fixed
            .iter()
            .map(|q| json!({"query": q}).to_string())
            .collect();
        for i in 0..1_500 {
            let len = rng.gen_range(0..200);
            let noise: String = (0..len)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            bodies.push(match i % 5 {
                0 => noise,
                1 => json!({"query": noise}).to_string(),
                2 => json!({"query": format!("{{ {noise} }}"), "variables": {"x": noise}}).to_string(),
                3 => json!({"query": "query($u: String!) { user(username: $u) { id } }", "variables": {"u": rng.gen_range(0..i64::MAX)}}).to_string(),
                _ => json!([{"query": noise}, {"query": "{ __typename }", "operationName": noise}]).to_string(),
            });
        }
        for body in bodies {
            let res = app
                .client
                .post(app.url("/graphql"))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = res.status();
            assert!(
                !status.is_server_error(),
                "{status} for {}",
                &body[..body.len().min(200)]
            );
            let json: Value = res.json().await.unwrap_or_else(|e| {
                panic!("non-JSON answer ({e}) for {}", &body[..body.len().min(200)])
            });
            let errors: Vec<&Value> = match &json {
                Value::Array(items) => items
                    .iter()
                    .flat_map(|i| i["errors"].as_array().into_iter().flatten())
                    .collect(),
                other => other["errors"].as_array().into_iter().flatten().collect(),
            };
            for error in errors {
                assert!(
                    error["extensions"]["code"].is_string(),
                    "uncoded error {error} for {}",
                    &body[..body.len().min(200)]
                );
                assert_ne!(error["extensions"]["code"], "INTERNAL", "{error}");
            }
        }
        let res = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        app.graphql("{ __typename }", json!({})).await.assert_ok();
    }
}

#[tokio::test]
async fn cors_allows_listed_origins_only() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.allowed_origins = "https://app.example.com".into()
        })
        .await;
        let preflight = |origin: &'static str| {
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/graphql"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,authorization",
                )
                .send()
        };
        let res = preflight("https://app.example.com").await.unwrap();
        assert_eq!(
            res.headers()["access-control-allow-origin"],
            "https://app.example.com"
        );
        assert_eq!(res.headers()["access-control-allow-credentials"], "true");
        let res = preflight("https://evil.example.net").await.unwrap();
        assert!(!res.headers().contains_key("access-control-allow-origin"));

        let open = spawn_app_with(backend, |c| c.allowed_origins = "*".into()).await;
        let res = open
            .client
            .post(open.url("/graphql"))
            .header("origin", "https://any.example")
            .json(&json!({"query": "{ __typename }"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["access-control-allow-origin"], "*");
        assert!(
            !res.headers()
                .contains_key("access-control-allow-credentials")
        );
    }
}

#[tokio::test]
async fn large_responses_are_compressed_and_pages_carry_security_headers() {
    for app in spawn_apps().await {
        let res = app
            .client
            .get(app.url("/vendor/graphiql@3.9.0/graphiql.min.js"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], "gzip");
        // GraphiQL is served from here, under the same strict policy as the desktop.
        let res = app.client.get(app.url("/graphiql")).send().await.unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("cdn"),
            "{csp}"
        );
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("accept-encoding", "br")
            .json(&json!({"query": "{ __typename }"}))
            .send()
            .await
            .unwrap();
        assert!(
            !res.headers().contains_key("content-encoding"),
            "tiny responses stay plain"
        );

        let res = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        assert!(
            res.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
    }
}

#[tokio::test]
async fn shutdown_drains_in_flight_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config.data_dir = dir.path().to_path_buf();
    config.database_url = Some(format!("sqlite://{}/s.db?mode=rwc", dir.path().display()));
    // One request slot: while the registration holds it, any other request is shed with a 503,
    // which tells the test, without a timing guess, that the registration is being served.
    config.max_concurrent_requests = 1;
    let app = Application::build(config).await.unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let probe = json!({"query": "{ __typename }"});
    let mut in_flight = None;
    // A registration spends tens of milliseconds hashing; should one finish before a probe saw
    // it in flight (a very busy machine), another one is started.
    for attempt in 0..20 {
        let request = tokio::spawn({
            let (client, url) = (client.clone(), format!("{url}/graphql"));
            async move {
                let body = json!({"query": REGISTER, "variables": {"input": {"username": format!("late{attempt}"), "email": format!("late{attempt}@example.com"), "password": PASSWORD}}});
                client.post(url).json(&body).send().await
            }
        });
        while !request.is_finished() {
            let res = client
                .post(format!("{url}/graphql"))
                .json(&probe)
                .send()
                .await
                .unwrap();
            if res.status() == StatusCode::SERVICE_UNAVAILABLE {
                in_flight = Some(request);
                break;
            }
        }
        if in_flight.is_some() {
            break;
        }
    }
    let in_flight = in_flight.expect("a registration was seen in flight");
    stop.send(()).unwrap();
    let res = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["data"]["register"]["accessToken"].is_string(),
        "{body}"
    );
    server.await.unwrap().unwrap();
    assert!(
        reqwest::Client::new()
            .get(format!("{url}/health"))
            .send()
            .await
            .is_err(),
        "no longer listening"
    );
}

/// GraphiQL is a development tool: off in production unless GRAPHIQL=true, on in development
/// unless GRAPHIQL=false.
#[tokio::test]
async fn graphiql_is_off_in_production_unless_asked_for() {
    use blackroad_api::platform::config::Environment;
    for (environment, graphiql, served) in [
        (Environment::Production, None, false),
        (Environment::Production, Some(true), true),
        (Environment::Development, None, true),
        (Environment::Development, Some(false), false),
    ] {
        let app = spawn_app_with(Backend::Sqlite, move |c| {
            c.environment = environment;
            c.graphiql = graphiql;
        })
        .await;
        for path in ["/graphiql", "/graphiql/graphiql.js"] {
            let status = app.client.get(app.url(path)).send().await.unwrap().status();
            let expected = if served {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(status, expected, "{environment:?} {graphiql:?} {path}");
        }
    }
}
