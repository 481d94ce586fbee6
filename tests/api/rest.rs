//! Health probes, the REST refresh shim, request ids.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_is_ok_without_io() {
    for app in spawn_apps().await {
        assert_eq!(
            app.get_json("/health").await,
            (StatusCode::OK, json!({"status": "ok"}))
        );
        assert_eq!(
            app.get_json("/health/ready").await,
            (
                StatusCode::OK,
                json!({"status": "ok", "checks": {"database": "ok"}})
            )
        );
    }
}

#[tokio::test]
async fn readiness_fails_and_errors_stay_opaque_when_the_database_is_gone() {
    for app in spawn_apps().await {
        app.state.db.close_by_ref().await.unwrap();
        let res = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["checks"]["database"], "unavailable");
        assert_eq!(body["status"], "unavailable");
        // Liveness does no I/O, so it stays up.
        let res = app.client.get(app.url("/health")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);

        // A query that needs the database: SERVICE_UNAVAILABLE, and no driver text.
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("x-request-id", "req-db-down-1")
            .json(&json!({"query": "{ user(username: \"x\") { id } }"}))
            .send()
            .await
            .unwrap();
        let res_request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        let body: Value = res.json().await.unwrap();
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "SERVICE_UNAVAILABLE", "{body}");
        assert_eq!(res_request_id, "req-db-down-1");
        assert_eq!(
            error["message"],
            "the database is unavailable; retry shortly"
        );
        let text = body.to_string().to_lowercase();
        for leak in ["pool", "sqlx", "sqlite", "postgres", "closed", "select"] {
            assert!(!text.contains(leak), "leaked {leak}: {body}");
        }
    }
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    for app in spawn_apps().await {
        let res = app
            .client
            .get(app.url("/health"))
            .header("x-request-id", "abc-123")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-request-id"], "abc-123");
        let res = app.client.get(app.url("/health")).send().await.unwrap();
        let generated = res.headers()["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
        let res = app
            .post_graphql(None, json!({"query": "{ me { id } }"}))
            .await;
        assert!(res.headers().contains_key("x-request-id"));
    }
}

#[tokio::test]
async fn rest_refresh_by_body_and_by_cookie() {
    for backend in backends() {
        // No grace window: a rotated token is dead at once (the window has its own test).
        let app = spawn_app_with(backend, |c| c.auth.refresh_reuse_grace_secs = 0).await;
        let user = app.register("mona").await;
        let res = app
            .client
            .post(app.url("/api/auth/refresh"))
            .json(&json!({"refresh_token": user.refresh}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 1800);
        let access = body["access_token"].as_str().unwrap();
        assert_ne!(body["refresh_token"], user.refresh.as_str());
        app.me(access).await.assert_ok();

        // The rotated token is dead.
        let res = app
            .client
            .post(app.url("/api/auth/refresh"))
            .json(&json!({"refresh_token": user.refresh}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "UNAUTHENTICATED");
        assert!(body["error"]["message"].is_string());

        // Reuse revoked the family; start a new session and use the cookie path.
        let login = app.login("mona", PASSWORD).await;
        let refresh = login.assert_ok()["login"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = reqwest::Client::new()
            .post(app.url("/api/auth/refresh"))
            .header("cookie", format!("refresh_token={refresh}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        app.me(body["access_token"].as_str().unwrap())
            .await
            .assert_ok();
    }
}

#[tokio::test]
async fn rest_refresh_rejects_bad_requests() {
    for app in spawn_apps().await {
        let post = |body: &'static str, content_type: &'static str| {
            let client = reqwest::Client::new();
            let url = app.url("/api/auth/refresh");
            async move {
                let res = client
                    .post(url)
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                (status, res.json::<Value>().await.unwrap())
            }
        };
        let (status, body) = post("", "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "BAD_USER_INPUT");
        assert_eq!(body["error"]["field"], "refresh_token");
        let (status, body) = post("{not json", "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "BAD_REQUEST");
        let (status, body) = post("refresh_token=abc", "application/x-www-form-urlencoded").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "BAD_REQUEST");
        let (status, body) = post(r#"{"refresh_token": "rt_forged"}"#, "application/json").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "UNAUTHENTICATED");
    }
}

/// Behind a trusted proxy the audit log records the client the proxy saw, on REST as on
/// GraphQL; without TRUST_PROXY a client cannot choose the address it is recorded under.
#[tokio::test]
async fn audit_ips_honour_trust_proxy() {
    for trust in [false, true] {
        let app = spawn_app_with(backends()[0], move |c| c.trust_proxy = trust).await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let user = app.register("mona").await;
        let res = app
            .client
            .post(app.url("/api/auth/refresh"))
            .header("x-forwarded-for", "6.6.6.6, 198.51.100.7")
            .json(&json!({"refresh_token": user.refresh}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let login = app
            .client
            .post(app.url("/graphql"))
            .header("x-forwarded-for", "198.51.100.8")
            .json(&json!({"query": LOGIN, "variables": {"input": {"login": "mona", "password": PASSWORD}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK);
        let events = app
            .graphql_as(
                &root.access,
                "{ events(first: 5) { edges { node { action ip } } } }",
                json!({}),
            )
            .await;
        let ip_of = |action: &str| {
            events.data()["events"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["node"]["action"] == action)
                .map(|e| e["node"]["ip"].clone())
                .unwrap_or_else(|| panic!("no {action} in {:?}", events.body))
        };
        let (refresh, login) = if trust {
            ("198.51.100.7", "198.51.100.8")
        } else {
            ("127.0.0.1", "127.0.0.1")
        };
        assert_eq!(ip_of("auth.refresh"), refresh);
        assert_eq!(ip_of("auth.login"), login);
    }
}
