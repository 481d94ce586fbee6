//! GraphQL-over-HTTP compliance: the graphql-http audit, content negotiation, CSRF, limits,
//! persisted queries, CORS, compression, security headers, graceful shutdown.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const AUDIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/http-audit");

/// The graphql-http project's server audit: every MUST and SHOULD check must pass.
#[tokio::test]
#[cfg_attr(not(test_node), ignore = "needs Node.js")]
async fn graphql_http_audit_passes() {
    if !std::path::Path::new(AUDIT_DIR)
        .join("node_modules/graphql-http")
        .exists()
    {
        let install = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(AUDIT_DIR)
            .output()
            .unwrap();
        assert!(
            install.status.success(),
            "npm ci failed: {}",
            String::from_utf8_lossy(&install.stderr)
        );
    }
    for app in spawn_apps().await {
        let url = app.url("/graphql");
        let output = tokio::process::Command::new("node")
            .arg(format!("{AUDIT_DIR}/audit.mjs"))
            .arg(&url)
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines = String::from_utf8_lossy(&output.stdout).into_owned();
        let results: Vec<Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            results.len() > 40,
            "audit ran only {} checks",
            results.len()
        );
        let failures: Vec<&Value> = results
            .iter()
            .filter(|r| r["status"] == "error" || r["status"] == "warn")
            .collect();
        assert!(failures.is_empty(), "MUST/SHOULD failures: {failures:#?}");
    }
}

async fn post_raw(
    app: &TestApp,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: String,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/graphql")).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn content_negotiation_and_methods() {
    for app in spawn_apps().await {
        let body = json!({"query": "{ __typename }"}).to_string();
        for (accept, expected) in [
            (None, Some("application/json")),
            (Some("*/*"), Some("application/json")),
            (Some("application/json"), Some("application/json")),
            (
                Some("application/graphql-response+json"),
                Some("application/graphql-response+json"),
            ),
            (
                Some("application/json;q=0.5, application/graphql-response+json"),
                Some("application/graphql-response+json"),
            ),
            (
                Some("application/graphql-response+json;q=0, application/json"),
                Some("application/json"),
            ),
            (Some("text/html"), None),
            (Some("application/xml, text/plain"), None),
        ] {
            let res = post_raw(&app, Some("application/json"), accept, body.clone()).await;
            match expected {
                Some(ct) => {
                    assert_eq!(res.status(), StatusCode::OK, "{accept:?}");
                    assert_eq!(res.headers()["content-type"], ct, "{accept:?}");
                }
                None => {
                    assert_eq!(res.status(), StatusCode::NOT_ACCEPTABLE, "{accept:?}");
                    let json: Value = res.json().await.unwrap();
                    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_REQUEST");
                }
            }
        }
        for method in [
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::PATCH,
        ] {
            let res = app
                .client
                .request(method.clone(), app.url("/graphql"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
            let allow = res.headers()["allow"].to_str().unwrap().to_owned();
            assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
        }
    }
}

#[tokio::test]
async fn mutations_never_run_from_csrf_able_requests() {
    let mutation = r#"mutation { register(input: {username: "victim", email: "v@example.com", password: "password123"}) { accessToken } }"#;
    for app in spawn_apps().await {
        let body = json!({"query": mutation}).to_string();
        for content_type in [
            None,
            Some("text/plain"),
            Some("text/plain;charset=UTF-8"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=xyz"),
        ] {
            let res = post_raw(&app, content_type, None, body.clone()).await;
            // Multipart is for uploads, and refused without a preflight header (see files).
            let expected = if content_type.is_some_and(|c| c.starts_with("multipart/")) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            };
            assert_eq!(res.status(), expected, "{content_type:?}");
        }
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", mutation)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(res.headers()["allow"], "POST");
        let named = "query Q { __typename } mutation M { logout }";
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", named), ("operationName", "M")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", named), ("operationName", "Q")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(app.count_users().await, 0, "nothing ran");
    }
}

fn limit_of(body: &Value) -> (&str, &str) {
    let ext = &body["errors"][0]["extensions"];
    (
        ext["code"].as_str().unwrap_or(""),
        ext["limit"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn document_limits_are_enforced_with_codes() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.max_root_fields = 3;
            c.max_query_tokens = 2_000;
        })
        .await;
        let nested = format!(
            "{{ me {} id {} }}",
            "{ primaryWallet { owner ".repeat(8),
            "} } ".repeat(8)
        );
        let aliases: String = (0..51).map(|i| format!("a{i}: height ")).collect();
        let cases = [
            (nested, "GRAPHQL_VALIDATION_FAILED", "depth"),
            ("{ blocks(first: 100) { edges { node { transactions(first: 100) { edges { node { hash amount } } } } } } }".to_owned(), "GRAPHQL_VALIDATION_FAILED", "complexity"),
            (format!("{{ chainStats {{ {aliases} }} }}"), "GRAPHQL_VALIDATION_FAILED", "aliases"),
            ("{ chainStats { height } blocks { totalCount } pendingTransactions { totalCount } transactions { totalCount } }".to_owned(), "GRAPHQL_VALIDATION_FAILED", "rootFields"),
            (format!("{{ {} }}", "__typename ".repeat(2_001)), "GRAPHQL_VALIDATION_FAILED", "tokens"),
        ];
        for (query, code, limit) in cases {
            for accept in ["application/json", "application/graphql-response+json"] {
                let res = post_raw(
                    &app,
                    Some("application/json"),
                    Some(accept),
                    json!({"query": query}).to_string(),
                )
                .await;
                let status = res.status();
                let body: Value = res.json().await.unwrap();
                assert_eq!(limit_of(&body), (code, limit), "{limit}: {body}");
                assert!(body.get("data").is_none(), "{body}");
                let expected = if accept == "application/json" {
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                };
                assert_eq!(status, expected, "{limit} {accept}");
            }
        }
        // Directives have their own ceiling.
        let app = spawn_app_with(backend, |c| c.max_directives = 2).await;
        let res = app.graphql("{ a: __typename @include(if: true) b: __typename @skip(if: false) c: __typename @include(if: true) }", json!({})).await;
        assert_eq!(
            limit_of(&res.body),
            ("GRAPHQL_VALIDATION_FAILED", "directives")
        );
    }
}

#[tokio::test]
async fn batches_bodies_timeouts_and_load_are_limited() {
    for backend in backends() {
        let app = spawn_app_with(backend, |_| {}).await;
        let op = json!({"query": "{ __typename }"});
        let ok = post_raw(
            &app,
            Some("application/json"),
            None,
            Value::Array(vec![op.clone(); 10]).to_string(),
        )
        .await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(
            ok.json::<Value>().await.unwrap().as_array().unwrap().len(),
            10
        );
        let res = post_raw(
            &app,
            Some("application/json"),
            None,
            Value::Array(vec![op.clone(); 11]).to_string(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            limit_of(&res.json().await.unwrap()),
            ("BAD_REQUEST", "batchSize")
        );
        let huge = json!({"query": "{ __typename }", "variables": {"pad": "x".repeat(1_100_000)}})
            .to_string();
        let res = post_raw(&app, Some("application/json"), None, huge).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            limit_of(&res.json().await.unwrap()),
            ("BAD_REQUEST", "bodySize")
        );

        let no_batches = spawn_app_with(backend, |c| c.max_batch_size = 0).await;
        let res = post_raw(
            &no_batches,
            Some("application/json"),
            None,
            Value::Array(vec![op.clone()]).to_string(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);

        // A 1 ms budget cannot cover a registration, which spends tens of milliseconds
        // hashing the password (a fast read can now finish within 1 ms); nothing is created.
        let hurried = spawn_app_with(backend, |c| c.request_timeout_ms = 1).await;
        let res = hurried
            .post_graphql(
                None,
                json!({"query": REGISTER, "variables": {"input": {"username": "hurried", "email": "hurried@example.com", "password": PASSWORD}}}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key("retry-after"));
        assert_eq!(
            limit_of(&res.json().await.unwrap()),
            ("SERVICE_UNAVAILABLE", "timeout")
        );
        assert_eq!(hurried.count_users().await, 0);
        assert_eq!(
            hurried
                .client
                .get(hurried.url("/health"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );

        // One slot: concurrent registrations (each an argon2 hash) overflow it.
        let narrow = spawn_app_with(backend, |c| c.max_concurrent_requests = 1).await;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (client, url) = (narrow.client.clone(), narrow.url("/graphql"));
            tasks.push(tokio::spawn(async move {
                let body = json!({"query": REGISTER, "variables": {"input": {"username": format!("load{i}"), "email": format!("load{i}@example.com"), "password": PASSWORD}}});
                let res = client.post(url).json(&body).send().await.unwrap();
                (res.status(), res.headers().get("retry-after").is_some(), res.json::<Value>().await.unwrap())
            }));
        }
        let mut shed = 0;
        for task in tasks {
            let (status, retry_after, body) = task.await.unwrap();
            if status == StatusCode::SERVICE_UNAVAILABLE {
                shed += 1;
                assert!(retry_after);
                assert_eq!(limit_of(&body), ("SERVICE_UNAVAILABLE", "concurrency"));
            } else {
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }
        assert!(shed >= 1, "nothing was shed");
        assert_eq!(narrow.count_users().await, 8 - shed);
    }
}

#[tokio::test]
async fn production_hides_introspection_and_suggestions() {
    for backend in backends() {
        let dev = spawn_app_with(backend, |_| {}).await;
        dev.graphql("{ __schema { queryType { name } } }", json!({}))
            .await
            .assert_ok();
        let res = dev.graphql("{ chainStat { height } }", json!({})).await;
        assert!(
            res.error_message().unwrap().contains("Did you mean"),
            "{}",
            res.body
        );

        let prod = spawn_app_with(backend, |c| {
            c.environment = blackroad_api::config::Environment::Production
        })
        .await;
        for query in [
            "{ __schema { queryType { name } } }",
            "{ __type(name: \"User\") { name } }",
            "{ ...F } fragment F on Query { __schema { queryType { name } } }",
        ] {
            let res = prod.graphql(query, json!({})).await;
            assert_eq!(
                limit_of(&res.body),
                ("GRAPHQL_VALIDATION_FAILED", "introspection"),
                "{}",
                res.body
            );
        }
        prod.graphql("{ __typename }", json!({})).await.assert_ok();
        let res = prod.graphql("{ chainStat { height } }", json!({})).await;
        assert!(
            !res.error_message().unwrap().contains("Did you mean"),
            "{}",
            res.body
        );
        assert_eq!(res.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));

        // Each is its own switch.
        let opened = spawn_app_with(backend, |c| {
            c.environment = blackroad_api::config::Environment::Production;
            c.introspection = Some(true);
        })
        .await;
        opened
            .graphql("{ __schema { queryType { name } } }", json!({}))
            .await
            .assert_ok();
    }
}
