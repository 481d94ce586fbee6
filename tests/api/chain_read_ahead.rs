//! Lookahead-planned lists read only the columns their selection needs: whatever the
//! selection (fragments, aliases, private fields), they answer exactly as the loaders do.

use serde_json::{Value, json};

use crate::helpers::*;

const FRAGMENTS: &str = "
    fragment U on User { id username email fullName avatarUrl bio isVerified isAdmin createdAt lastLoginAt }
    fragment W on Wallet { id address label isPrimary balance createdAt pendingIncoming owner { ...U } }
    fragment T on Transaction { __typename id hash fromAddress toAddress amount fee message status
        createdAt confirmedAt block { index } fromWallet { ...W } toWallet { ...W } }";

fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .expect("a connection")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Two users, a block per transfer (each mined by bob), and one transfer still pending.
async fn ledger(app: &TestApp) -> (TestUser, TestUser) {
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    for amount in ["0.1", "0.2"] {
        app.transfer(&alice, &bob.address, amount).await.assert_ok();
        app.mine(&bob, Some(1)).await.assert_ok();
    }
    app.transfer(&bob, &alice.address, "0.3").await.assert_ok();
    (alice, bob)
}

#[tokio::test]
async fn planned_lists_answer_as_the_loaders_do() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.max_query_complexity = 1_000_000).await;
        let (alice, _bob) = ledger(&app).await;
        let planned = format!(
            "{{ blocks(first: 10) {{ edges {{ node {{ index miner {{ ...U }}
                transactions {{ edges {{ node {{ ...T }} }} }} }} }} }}
               transactions(first: 10) {{ edges {{ node {{ ...T }} }} }} }} {FRAGMENTS}"
        );
        let res = app.graphql_as(&alice.access, &planned, json!({})).await;
        let data = res.assert_ok();
        let blocks = nodes(&data["blocks"]);
        assert_eq!(blocks.len(), 3, "two mined blocks and the genesis block");
        let listed = nodes(&data["transactions"]);
        assert_eq!(listed.len(), 3, "two confirmed, one pending");

        // The same objects through the loaders: `block(index:)` and `transaction(hash:)` are
        // not planned.
        let single = format!(
            "query($i: Int!) {{ block(index: $i) {{ index miner {{ ...U }}
                transactions {{ edges {{ node {{ ...T }} }} }} }} }} {FRAGMENTS}"
        );
        for block in &blocks {
            let one = app
                .graphql_as(&alice.access, &single, json!({"i": block["index"]}))
                .await;
            assert_eq!(&one.assert_ok()["block"], block);
        }
        let by_hash =
            format!("query($h: String!) {{ transaction(hash: $h) {{ ...T }} }} {FRAGMENTS}");
        for tx in &listed {
            let one = app
                .graphql_as(&alice.access, &by_hash, json!({"h": tx["hash"]}))
                .await;
            assert_eq!(&one.assert_ok()["transaction"], tx);
        }

        // Private fields keep their rules: alice sees her own email and label, not bob's.
        let mined = &nodes(&blocks[0]["transactions"])[0];
        assert_eq!(mined["fromWallet"]["owner"]["email"], "alice@example.com");
        assert!(mined["toWallet"]["owner"]["email"].is_null());
        assert_eq!(mined["toWallet"]["owner"]["username"], "bob");
        assert!(!mined["fromWallet"]["balance"].as_str().unwrap().is_empty());
        assert_eq!(blocks[0]["miner"]["username"], "bob");
        assert!(blocks[0]["miner"]["email"].is_null());
        assert!(mined["hash"].as_str().is_some_and(|h| h.len() == 64));
    }
}

#[tokio::test]
async fn planned_lists_merge_aliases_and_fragments() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.max_query_complexity = 1_000_000).await;
        ledger(&app).await;
        // Two aliases of the same list with different fields, one behind an inline fragment:
        // the read covers both.
        let query = "{ blocks(first: 1) { edges { node {
            a: transactions(first: 1) { edges { node { hash fromWallet { address } } } }
            b: transactions { edges { node { ... on Transaction { fee amount status toWallet { balance owner { username } } } } } }
            m: miner { username } n: miner { ... on User { isAdmin createdAt } } } } } }";
        let res = app.graphql(query, json!({})).await;
        let block = &nodes(&res.assert_ok()["blocks"])[0];
        let loaded = app
            .graphql(
                &format!(
                    "{{ block(index: 2) {{ {} }} }}",
                    query
                        .trim_start_matches("{ blocks(first: 1) { edges { node {")
                        .trim_end_matches("} } } }")
                ),
                json!({}),
            )
            .await;
        assert_eq!(block, &loaded.assert_ok()["block"]);
        let a = nodes(&block["a"]);
        let b = nodes(&block["b"]);
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 1);
        assert!(
            a[0]["fromWallet"]["address"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert_eq!(b[0]["amount"], "0.2");
        assert_eq!(b[0]["status"], "CONFIRMED");
        assert_eq!(b[0]["toWallet"]["owner"]["username"], "bob");
        assert_eq!(block["m"]["username"], "bob");
        assert_eq!(block["n"]["isAdmin"], false);
        assert!(
            block["n"]["createdAt"]
                .as_str()
                .is_some_and(|s| s.starts_with("20"))
        );
    }
}
