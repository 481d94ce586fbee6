//! The parsed-document cache: a document sent again is not parsed again, yet every request
//! still gets its own answer (variables, `@skip`), a document that does not parse gets the
//! same error every time, and the cache stays within DOCUMENT_CACHE_BYTES.

use serde_json::json;

use crate::helpers::*;

const HIT: &str = r#"graphql_document_cache_total{result="hit"}"#;
const MISS: &str = r#"graphql_document_cache_total{result="miss"}"#;
const ENTRIES: &str = "graphql_document_cache_entries";

async fn counts(app: &TestApp) -> (f64, f64) {
    (
        app.metric(HIT).await.unwrap_or(0.0),
        app.metric(MISS).await.unwrap_or(0.0),
    )
}

#[tokio::test]
async fn a_repeated_document_is_parsed_once_and_answers_each_request() {
    for app in spawn_apps().await {
        app.register("ada").await;
        app.register("grace").await;
        let query = "query($u: String!) { user(username: $u) { username } }";
        let before = counts(&app).await;
        let first = app.graphql(query, json!({"u": "ada"})).await;
        assert_eq!(first.assert_ok()["user"]["username"], "ada");
        let second = app.graphql(query, json!({"u": "grace"})).await;
        assert_eq!(second.assert_ok()["user"]["username"], "grace");
        let third = app.graphql(query, json!({"u": "nobody"})).await;
        assert!(third.assert_ok()["user"].is_null());
        let after = counts(&app).await;
        assert_eq!(after.1 - before.1, 1.0, "parsed once");
        assert_eq!(after.0 - before.0, 2.0, "then taken from the cache");
    }
}

/// Execution prunes skipped fields from its copy of the document: the cached one must keep
/// them for the next request.
#[tokio::test]
async fn skipped_fields_do_not_leak_into_the_next_request() {
    for app in spawn_apps().await {
        // (async-graphql's validation does not see a directive on `__typename` itself.)
        let query =
            "query($s: Boolean!) { a: chainStats @skip(if: $s) { __typename } b: __typename }";
        let skipped = app.graphql(query, json!({"s": true})).await;
        assert_eq!(skipped.assert_ok(), &json!({"b": "Query"}));
        let kept = app.graphql(query, json!({"s": false})).await;
        assert_eq!(
            kept.assert_ok(),
            &json!({"a": {"__typename": "ChainStats"}, "b": "Query"})
        );
        let skipped = app.graphql(query, json!({"s": true})).await;
        assert_eq!(skipped.assert_ok(), &json!({"b": "Query"}));
    }
}

#[tokio::test]
async fn a_document_that_does_not_parse_fails_the_same_way_every_time() {
    for app in spawn_apps().await {
        let entries = app.metric(ENTRIES).await;
        let body = json!({"query": "{ __typename"});
        let mut answers = Vec::new();
        for _ in 0..3 {
            let res = app.post_graphql(None, body.clone()).await;
            let status = res.status();
            let json: serde_json::Value = res.json().await.unwrap();
            assert_eq!(
                json["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED",
                "{json}"
            );
            assert!(json["errors"][0]["locations"].is_array(), "{json}");
            answers.push((status, json));
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
        // Nothing was kept for it.
        assert_eq!(app.metric(ENTRIES).await, entries);
        // A valid document after it is still answered.
        let ok = app.graphql("{ __typename }", json!({})).await;
        assert_eq!(ok.assert_ok()["__typename"], "Query");
    }
}

#[tokio::test]
async fn the_cache_keeps_within_its_byte_budget() {
    let budget = 400;
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.document_cache_bytes = budget).await;
        // 40 distinct documents of 30 to 33 bytes each: about three times the budget.
        for i in 0..40 {
            let query = format!("{{ n{i:03}: __typename x: __typename }}");
            assert!(query.len() >= 30);
            let res = app.graphql(&query, json!({})).await;
            assert_eq!(res.assert_ok()[format!("n{i:03}")], "Query");
        }
        let entries = app.metric(ENTRIES).await.unwrap();
        assert!(entries >= 1.0, "nothing cached");
        assert!(entries * 30.0 <= budget as f64, "{entries} entries held");
    }
}

#[tokio::test]
async fn a_zero_budget_parses_every_time() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.document_cache_bytes = 0).await;
        for _ in 0..3 {
            let res = app.graphql("{ __typename }", json!({})).await;
            assert_eq!(res.assert_ok()["__typename"], "Query");
        }
        assert_eq!(counts(&app).await, (0.0, 3.0));
        assert_eq!(app.metric(ENTRIES).await, Some(0.0));
    }
}

/// Large documents (over 32 KiB) are parsed every time and never kept.
#[tokio::test]
async fn a_large_document_is_not_kept() {
    for app in spawn_apps().await {
        let query = format!("{{ __typename }}\n#{}", "x".repeat(40 * 1024));
        let entries = app.metric(ENTRIES).await;
        let before = counts(&app).await;
        for _ in 0..2 {
            let res = app.graphql(&query, json!({})).await;
            assert_eq!(res.assert_ok()["__typename"], "Query");
        }
        let after = counts(&app).await;
        assert_eq!((after.0 - before.0, after.1 - before.1), (0.0, 2.0));
        assert_eq!(app.metric(ENTRIES).await, entries);
    }
}
