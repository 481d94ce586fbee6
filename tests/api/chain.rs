//! Blocks, mining, verification, statistics, pagination and the N+1 guard.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::*;

/// Registers `n` users and mines `blocks` blocks, each confirming one transfer.
async fn chain_with(app: &TestApp, blocks: usize) -> Vec<TestUser> {
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    for _ in 0..blocks {
        app.transfer(&alice, &bob.address, "0.1").await.assert_ok();
        app.mine(&bob, Some(1)).await.assert_ok();
    }
    vec![alice, bob]
}

fn indexes(res: &Gql, field: &str) -> Vec<i64> {
    res.assert_ok()[field]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["index"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn blocks_page_newest_first_both_ways() {
    for app in spawn_apps().await {
        chain_with(&app, 5).await;
        let q = "query($f: Int, $a: String, $l: Int, $b: String) { blocks(first: $f, after: $a, last: $l, before: $b) {
            totalCount edges { cursor node { index } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
        let page1 = app.graphql(q, json!({"f": 2})).await;
        assert_eq!(indexes(&page1, "blocks"), vec![5, 4]);
        let blocks = &page1.body["data"]["blocks"];
        assert_eq!(blocks["totalCount"], 6, "genesis included");
        assert_eq!(blocks["pageInfo"]["hasNextPage"], true);
        let end = blocks["pageInfo"]["endCursor"].clone();
        let page2 = app.graphql(q, json!({"f": 10, "a": end})).await;
        assert_eq!(indexes(&page2, "blocks"), vec![3, 2, 1, 0]);
        assert_eq!(
            page2.body["data"]["blocks"]["pageInfo"]["hasNextPage"],
            false
        );

        let last = app.graphql(q, json!({"l": 2})).await;
        assert_eq!(indexes(&last, "blocks"), vec![1, 0]);
        assert_eq!(
            last.body["data"]["blocks"]["pageInfo"]["hasPreviousPage"],
            true
        );
        let start = last.body["data"]["blocks"]["pageInfo"]["startCursor"].clone();
        let before = app.graphql(q, json!({"l": 2, "b": start})).await;
        assert_eq!(indexes(&before, "blocks"), vec![3, 2]);

        app.graphql(q, json!({"f": 101}))
            .await
            .assert_error("BAD_USER_INPUT");
        app.graphql(q, json!({"f": -1}))
            .await
            .assert_error("BAD_USER_INPUT");
        app.graphql(q, json!({"f": 1, "l": 1}))
            .await
            .assert_error("BAD_USER_INPUT");
        let res = app.graphql(q, json!({"a": "garbage"})).await;
        assert_eq!(res.error_field(), Some("after"));

        let by = "query($i: Int, $h: String) { block(index: $i, hash: $h) { index hash } }";
        let b3 = app.graphql(by, json!({"i": 3})).await;
        let hash = b3.assert_ok()["block"]["hash"].clone();
        assert_eq!(
            app.graphql(by, json!({"h": hash})).await.assert_ok()["block"]["index"],
            3
        );
        assert!(app.graphql(by, json!({"i": 99})).await.assert_ok()["block"].is_null());
        app.graphql(by, json!({}))
            .await
            .assert_error("BAD_USER_INPUT");
        app.graphql(by, json!({"i": 1, "h": hash}))
            .await
            .assert_error("BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn transaction_lists_filter_and_page() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        for amount in ["1", "2", "3"] {
            app.transfer(&alice, &bob.address, amount).await.assert_ok();
        }
        app.transfer(&bob, &carol.address, "4").await.assert_ok();
        app.mine(&carol, Some(2)).await.assert_ok();

        let q = "query($a: String, $s: TransactionStatus, $f: Int, $after: String) { transactions(address: $a, status: $s, first: $f, after: $after) {
            totalCount edges { node { amount status } } pageInfo { hasNextPage endCursor } } }";
        let amounts = |res: &Gql| -> Vec<String> {
            res.assert_ok()["transactions"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["amount"].as_str().unwrap().to_owned())
                .collect()
        };
        let all = app.graphql(q, json!({})).await;
        assert_eq!(amounts(&all), vec!["4", "3", "2", "1"], "newest first");
        assert_eq!(all.body["data"]["transactions"]["totalCount"], 4);
        let confirmed = app.graphql(q, json!({"s": "CONFIRMED"})).await;
        assert_eq!(amounts(&confirmed), vec!["2", "1"], "mined oldest first");
        let of_carol = app.graphql(q, json!({"a": carol.address})).await;
        assert_eq!(amounts(&of_carol), vec!["4"]);
        let page = app.graphql(q, json!({"f": 3})).await;
        let end = page.body["data"]["transactions"]["pageInfo"]["endCursor"].clone();
        assert_eq!(
            page.body["data"]["transactions"]["pageInfo"]["hasNextPage"],
            true
        );
        assert_eq!(
            amounts(&app.graphql(q, json!({"f": 3, "after": end})).await),
            vec!["1"]
        );

        let pending = app
            .graphql(
                "{ pendingTransactions { totalCount edges { node { amount } } } }",
                json!({}),
            )
            .await;
        let pending = &pending.assert_ok()["pendingTransactions"];
        assert_eq!(pending["totalCount"], 2);
        assert_eq!(pending["edges"][0]["node"]["amount"], "3", "oldest first");

        // The same through a wallet, with per-wallet paging and counts.
        let w = "query($a: String!, $s: TransactionStatus) { wallet(address: $a) { transactions(first: 2, status: $s) {
            totalCount edges { node { amount } } pageInfo { hasNextPage } } } }";
        let res = app.graphql(w, json!({"a": bob.address})).await;
        let txs = &res.assert_ok()["wallet"]["transactions"];
        assert_eq!(txs["totalCount"], 4);
        assert_eq!(txs["pageInfo"]["hasNextPage"], true);
        assert_eq!(txs["edges"][0]["node"]["amount"], "4");
        let res = app
            .graphql(w, json!({"a": bob.address, "s": "PENDING"}))
            .await;
        assert_eq!(res.assert_ok()["wallet"]["transactions"]["totalCount"], 2);

        let bt = "{ block(index: 1) { transactionCount transactions(first: 1) { totalCount edges { cursor node { amount } } pageInfo { hasNextPage endCursor } } } }";
        let res = app.graphql(bt, json!({})).await;
        let block = &res.assert_ok()["block"];
        assert_eq!(block["transactions"]["totalCount"], 2);
        assert_eq!(block["transactions"]["edges"][0]["node"]["amount"], "1");
        assert_eq!(block["transactions"]["pageInfo"]["hasNextPage"], true);
    }
}

#[tokio::test]
async fn verify_chain_finds_tampering() {
    let verify = "{ verifyChain { valid checkedBlocks firstInvalidIndex reason } }";
    for backend in backends() {
        // Tampering writes to the database behind the server's back, so no cache may hide it.
        let app = spawn_app_with(backend, |c| c.cache_enabled = false).await;
        chain_with(&app, 4).await;
        let ok = app.graphql(verify, json!({})).await;
        assert_eq!(
            ok.assert_ok()["verifyChain"],
            json!({"valid": true, "checkedBlocks": 5, "firstInvalidIndex": null, "reason": null})
        );

        let tamper = |sql: &'static str| {
            let db = app.state.db.clone();
            async move { db.execute_unprepared(sql).await.unwrap() }
        };
        // A changed amount breaks the transaction hash of block 2.
        tamper("UPDATE transactions SET amount = amount + 1 WHERE block_id = (SELECT id FROM blocks WHERE \"index\" = 2)").await;
        let res = app.graphql(verify, json!({})).await;
        let v = &res.assert_ok()["verifyChain"];
        assert_eq!(v["valid"], false);
        assert_eq!(v["firstInvalidIndex"], 2);
        assert_eq!(v["checkedBlocks"], 3);
        assert!(v["reason"].as_str().unwrap().contains("hash"), "{v}");
        tamper("UPDATE transactions SET amount = amount - 1 WHERE block_id = (SELECT id FROM blocks WHERE \"index\" = 2)").await;
        assert_eq!(
            app.graphql(verify, json!({})).await.assert_ok()["verifyChain"]["valid"],
            true
        );

        tamper("UPDATE blocks SET nonce = 'x' WHERE \"index\" = 3").await;
        let res = app.graphql(verify, json!({})).await;
        assert_eq!(res.assert_ok()["verifyChain"]["firstInvalidIndex"], 3);

        tamper("UPDATE transactions SET signature = NULL WHERE block_id = (SELECT id FROM blocks WHERE \"index\" = 1)").await;
        let res = app.graphql(verify, json!({})).await;
        let v = &res.assert_ok()["verifyChain"];
        assert_eq!(v["firstInvalidIndex"], 1);
        assert!(v["reason"].as_str().unwrap().contains("signature"), "{v}");
    }
}

#[tokio::test]
async fn stats_and_miner_stats() {
    for app in spawn_apps().await {
        let users = chain_with(&app, 3).await;
        let stats = app.graphql("{ chainStats { height totalTransactions pendingTransactions difficulty totalSupply averageBlockTimeSeconds } }", json!({})).await;
        let stats = &stats.assert_ok()["chainStats"];
        assert_eq!(stats["height"], 3);
        assert_eq!(stats["totalTransactions"], 3);
        assert_eq!(stats["pendingTransactions"], 0);
        assert_eq!(stats["difficulty"], 2);
        assert_eq!(stats["totalSupply"], "350", "2 × 100 + 3 × 50");
        assert!(stats["averageBlockTimeSeconds"].as_f64().unwrap() >= 0.0);

        let q = "query($u: String) { minerStats(username: $u) { user { username } blocksMined totalRewards lastBlockAt hashRate } }";
        let res = app.graphql(q, json!({"u": "bob"})).await;
        let bob = &res.assert_ok()["minerStats"];
        assert_eq!(bob["blocksMined"], 3);
        assert_eq!(bob["totalRewards"], "150");
        assert!(bob["lastBlockAt"].is_string());
        assert!((bob["hashRate"].as_f64().unwrap() - 3.0 * 256.0 / 86_400.0).abs() < 1e-9);
        let res = app.graphql_as(&users[0].access, q, json!({})).await;
        assert_eq!(res.assert_ok()["minerStats"]["blocksMined"], 0);
        assert!(res.body["data"]["minerStats"]["hashRate"].is_null());
        app.graphql(q, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
        app.graphql(q, json!({"u": "ghost"}))
            .await
            .assert_error("NOT_FOUND");

        let mined = app.graphql("{ user(username: \"bob\") { minerStats { blocksMined } blocksMined(first: 2) { totalCount edges { node { index } } pageInfo { hasNextPage endCursor } } } }", json!({})).await;
        let user = &mined.assert_ok()["user"];
        assert_eq!(user["minerStats"]["blocksMined"], 3);
        assert_eq!(user["blocksMined"]["totalCount"], 3);
        let idx: Vec<i64> = user["blocksMined"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["index"].as_i64().unwrap())
            .collect();
        assert_eq!(idx, vec![3, 2]);
    }
}

#[tokio::test]
async fn blocks_and_transactions_are_nodes() {
    for app in spawn_apps().await {
        chain_with(&app, 1).await;
        let res = app
            .graphql(
                "{ block(index: 1) { id transactions { edges { node { id hash } } } } }",
                json!({}),
            )
            .await;
        let block = res.assert_ok()["block"].clone();
        let q = "query($id: ID!) { node(id: $id) { __typename ... on Block { index } ... on Transaction { hash } } }";
        let node = app.graphql(q, json!({"id": block["id"]})).await;
        assert_eq!(
            node.assert_ok()["node"],
            json!({"__typename": "Block", "index": 1})
        );
        let tx = &block["transactions"]["edges"][0]["node"];
        let node = app.graphql(q, json!({"id": tx["id"]})).await;
        assert_eq!(node.assert_ok()["node"]["hash"], tx["hash"]);
    }
}

#[tokio::test]
async fn concurrent_mining_never_forks() {
    for app in spawn_apps().await {
        let miners = [
            app.register("miner1").await,
            app.register("miner2").await,
            app.register("miner3").await,
        ];
        for i in 0..6 {
            app.transfer(&miners[i % 3], &miners[(i + 1) % 3].address, "1")
                .await
                .assert_ok();
        }
        let mut tasks = Vec::new();
        for miner in miners.iter().chain(miners.iter()) {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/graphql"),
                miner.access.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"query": MINE, "variables": {"input": {"maxTransactions": 2}}}))
                    .send()
                    .await
                    .unwrap();
                assert!(!res.status().is_server_error());
                res.json::<Value>().await.unwrap()
            }));
        }
        let mut mined = 0;
        for task in tasks {
            let body = task.await.unwrap();
            match body["errors"][0]["extensions"]["code"].as_str() {
                None => mined += 1,
                Some(code) => assert_eq!(code, "CONFLICT", "{body}"),
            }
        }
        assert!(mined >= 1);
        let blocks = app.scalar("SELECT COUNT(*) FROM blocks").await;
        assert_eq!(blocks, mined + 1);
        assert_eq!(
            app.scalar("SELECT MAX(\"index\") FROM blocks").await,
            mined,
            "indexes are contiguous"
        );
        let v = app.graphql("{ verifyChain { valid } }", json!({})).await;
        assert_eq!(v.assert_ok()["verifyChain"]["valid"], true);
        app.assert_ledger_invariant().await;
    }
}

/// Blocks → transactions → wallets → owners: the statement count must not depend on how many
/// blocks are asked for.
#[tokio::test]
async fn nested_chain_query_is_n_plus_one_free() {
    let narrow =
        "query($n: Int!) { blocks(first: $n) { edges { node { index transactions { edges { node {
        hash fromWallet { owner { username } } toWallet { owner { username } } } } } } } } }";
    // The benchmark's shape: planned by lookahead, one statement per list level: the blocks
    // joined with their miners, the transactions joined with their wallets and owners.
    let planned = "query($n: Int!) { blocks(first: $n) { edges { node { index hash miner { username }
        transactions(first: 20) { edges { node { hash amount fromWallet { address owner { username } } } } } } } } }";
    // Every other batched relation of the ledger as well.
    let wide = "query($n: Int!) { blocks(first: $n) { totalCount edges { node { index miner { username minerStats { blocksMined }
        blocksMined(first: 2) { edges { node { index } } } } transactions(first: 20) { totalCount edges { node {
        hash amount block { index } fromWallet { address owner { username } transactions(first: 3) { totalCount edges { node { hash } } } }
        toWallet { balance pendingIncoming owner { username primaryWallet { address } } } } } } } } } }";
    for backend in backends() {
        // The wide query is deliberately far above the default complexity budget.
        let app = spawn_app_with(backend, |c| c.max_query_complexity = 1_000_000).await;
        chain_with(&app, 100).await;
        for (query, ceiling) in [(narrow, 2), (planned, 2), (wide, 16)] {
            let mut counts = Vec::new();
            for n in [5, 100] {
                let before = app.statements();
                let res = app.graphql(query, json!({"n": n})).await;
                let edges = res.assert_ok()["blocks"]["edges"]
                    .as_array()
                    .unwrap()
                    .clone();
                assert_eq!(edges.len(), n as usize);
                let first_tx = &edges[0]["node"]["transactions"]["edges"][0]["node"];
                assert_eq!(first_tx["fromWallet"]["owner"]["username"], "alice");
                counts.push(app.statements() - before);
            }
            assert_eq!(counts[0], counts[1], "{counts:?}");
            assert!(counts[1] <= ceiling, "{counts:?} > {ceiling}");
        }
    }
}
