//! The GraphQL-over-HTTP transport: methods, content types, error codes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn malformed_requests_get_400_with_a_code() {
    for app in spawn_apps().await {
        for body in ["{not json", "[]", "{\"query\": 5}", ""] {
            let res = app
                .client
                .post(app.url("/graphql"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
            let json: Value = res.json().await.unwrap();
            assert_eq!(
                json["errors"][0]["extensions"]["code"], "BAD_REQUEST",
                "{body}: {json}"
            );
        }
    }
}

#[tokio::test]
async fn non_json_posts_are_refused() {
    for app in spawn_apps().await {
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let res = app
                .client
                .post(app.url("/graphql"))
                .header("content-type", content_type)
                .body(r#"{"query":"mutation { logout }"}"#)
                .send()
                .await
                .unwrap();
            // Multipart is for uploads, and refused without a preflight header (see files).
            let expected = if content_type.starts_with("multipart/") {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            };
            assert_eq!(res.status(), expected, "{content_type}");
            let json: Value = res.json().await.unwrap();
            assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        }
    }
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    for app in spawn_apps().await {
        app.register("nina").await;
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[
                (
                    "query",
                    "query($u: String!) { user(username: $u) { username } }",
                ),
                ("variables", r#"{"u":"nina"}"#),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["data"]["user"]["username"], "nina");

        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", "mutation { logout }")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(res.headers()["allow"], "POST");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
}

#[tokio::test]
async fn parse_and_validation_errors_have_codes() {
    for app in spawn_apps().await {
        let res = app.graphql("{ me { id ", json!({})).await;
        res.assert_error("GRAPHQL_PARSE_FAILED");
        let res = app.graphql("{ me { noSuchField } }", json!({})).await;
        res.assert_error("GRAPHQL_VALIDATION_FAILED");
        let res = app
            .graphql(
                "query($n: String!) { user(username: $n) { id } }",
                json!({"n": 5}),
            )
            .await;
        assert!(res.error_code().is_some(), "{}", res.body);

        // With the GraphQL response media type, request errors are 400.
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({"query": "{ me { noSuchField } }"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            res.headers()["content-type"],
            "application/graphql-response+json"
        );
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({"query": "{ user(username: \"x\") { id } }"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn graphiql_and_static_pages_are_served() {
    for app in spawn_apps().await {
        let res = app.client.get(app.url("/graphiql")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.text()
                .await
                .unwrap()
                .to_lowercase()
                .contains("graphiql")
        );
        let res = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("BlackRoad"));
    }
}

#[tokio::test]
async fn oversized_bodies_and_unknown_api_paths_are_coded() {
    for app in spawn_apps().await {
        let huge = format!(
            r#"{{"query":"{{ me {{ id }} }}","variables":{{"pad":"{}"}}}}"#,
            "x".repeat(2 * 1024 * 1024)
        );
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");

        let res = app.client.get(app.url("/api/nope")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "NOT_FOUND");
    }
}
