//! Responses answer in the order the query asked (GraphQL spec, "Serialized Map Ordering"),
//! on every transport and from the cache. The checks read the raw text: a parsed JSON object
//! would hide the order.

use serde_json::json;

use crate::{
    helpers::*,
    ws_client::{PROTOCOLS, Ws},
};

const ASKED: &str =
    "{ chainStats { totalTransactions height difficulty } zed: __typename alpha: __typename }";

/// Where each needle first appears in `text`; the needles must appear in this order.
#[track_caller]
fn assert_in_order(text: &str, needles: &[&str]) {
    let positions: Vec<usize> = needles
        .iter()
        .map(|n| {
            text.find(n)
                .unwrap_or_else(|| panic!("{n} missing from {text}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "expected {needles:?} in that order: {text}"
    );
}

const KEYS: [&str; 6] = [
    "\"chainStats\"",
    "\"totalTransactions\"",
    "\"height\"",
    "\"difficulty\"",
    "\"zed\"",
    "\"alpha\"",
];

#[tokio::test]
async fn http_answers_follow_the_query_order() {
    for app in spawn_apps().await {
        let post = app.post_graphql(None, json!({"query": ASKED})).await;
        assert_in_order(&post.text().await.unwrap(), &KEYS);
        let get = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", ASKED)])
            .send()
            .await
            .unwrap();
        assert_in_order(&get.text().await.unwrap(), &KEYS);
        let batch = app
            .post_graphql(
                None,
                json!([{"query": ASKED}, {"query": "{ b: __typename a: __typename }"}]),
            )
            .await;
        let text = batch.text().await.unwrap();
        assert_in_order(&text, &KEYS);
        assert_in_order(&text, &["\"alpha\"", "\"b\"", "\"a\""]);
    }
}

#[tokio::test]
async fn a_cache_hit_returns_the_bytes_of_the_miss() {
    for app in spawn_apps().await {
        let fetch = || async {
            let res = app
                .client
                .get(app.url("/graphql"))
                .query(&[("query", "{ chainStats { totalTransactions height } blocks(first: 1) { edges { node { index hash } } } }")])
                .send()
                .await
                .unwrap();
            let cache = res.headers()["x-cache"].to_str().unwrap().to_owned();
            (cache, res.text().await.unwrap())
        };
        let (miss, first) = fetch().await;
        let (hit, second) = fetch().await;
        assert_eq!((miss.as_str(), hit.as_str()), ("MISS", "HIT"));
        assert_eq!(first, second);
        assert_in_order(
            &second,
            &[
                "\"chainStats\"",
                "\"totalTransactions\"",
                "\"height\"",
                "\"blocks\"",
            ],
        );
    }
}

#[tokio::test]
async fn error_paths_name_the_fields_as_asked() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        app.register("bob").await;
        let res = app
            .post_graphql(
                Some(&alice.access),
                json!({"query": "{ zeta: user(username: \"bob\") { username wallets { address } } }"}),
            )
            .await;
        let text = res.text().await.unwrap();
        assert!(text.contains("\"path\":[\"zeta\",\"wallets\"]"), "{text}");
        assert_in_order(&text, &["\"data\"", "\"errors\""]);
    }
}

#[tokio::test]
async fn both_socket_protocols_answer_in_the_query_order() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let mut sockets = Vec::new();
        for protocol in PROTOCOLS {
            let mut ws = Ws::connect_as(&app, protocol, None).await;
            ws.subscribe(
                "s",
                "subscription { blockMined { transactionCount index hash } }",
                json!({}),
            )
            .await;
            sockets.push(ws);
        }
        app.await_receivers::<blackroad_api::chain::BlockMined>(2)
            .await;
        app.mine(&alice, None).await.assert_ok();
        for ws in &mut sockets {
            ws.next_data("s").await;
            assert_in_order(
                &ws.last_text,
                &["\"transactionCount\"", "\"index\"", "\"hash\""],
            );
        }
    }
}
