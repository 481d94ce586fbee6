//! Many concurrent transfers while blocks are mined: the ledger stays exact.

use std::collections::HashSet;

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

use crate::helpers::*;

async fn transfers_under_mining(app: &TestApp, users: usize, transfers: usize) {
    let mut accounts = Vec::new();
    for i in 0..users {
        accounts.push(app.register(&format!("user{i:02}")).await);
    }
    let miner = accounts[0].clone();
    let mut rng = StdRng::seed_from_u64(7);
    let mut tasks = Vec::new();
    for _ in 0..transfers {
        let from = rng.gen_range(0..users);
        let mut to = rng.gen_range(0..users);
        if to == from {
            to = (to + 1) % users;
        }
        let amount = format!("{}.{:02}", rng.gen_range(1..40), rng.gen_range(0..100));
        let (client, url) = (app.client.clone(), app.url("/graphql"));
        let (token, to_address) = (accounts[from].access.clone(), accounts[to].address.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"query": TRANSFER, "variables": {"input": {"toAddress": to_address, "amount": amount, "fee": "0.01"}}});
            let res = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }));
    }
    // Mine while the transfers land.
    let mining = {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/graphql"),
            miner.access.clone(),
        );
        tokio::spawn(async move {
            let mut blocks = 0;
            for _ in 0..10 {
                let body = json!({"query": MINE, "variables": {"input": {"maxTransactions": 100}}});
                let res: Value = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert!(res.get("errors").is_none(), "{res}");
                blocks += 1;
            }
            blocks
        })
    };
    let mut accepted = HashSet::new();
    let mut refused = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert!(!status.is_server_error(), "{status} {body}");
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => {
                accepted.insert(
                    body["data"]["transfer"]["hash"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
            Some("INSUFFICIENT_FUNDS") => refused += 1,
            Some(other) => panic!("unexpected {other}: {body}"),
        }
    }
    mining.await.unwrap();
    assert!(refused > 0, "some transfers must fail for funds");
    assert!(!accepted.is_empty());
    app.assert_ledger_invariant().await;

    // Drain the pool.
    while app
        .scalar("SELECT COUNT(*) FROM transactions WHERE status = 'pending'")
        .await
        > 0
    {
        app.mine(&miner, Some(100)).await.assert_ok();
    }
    app.assert_ledger_invariant().await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM transactions").await,
        accepted.len() as i64
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM transactions WHERE status = 'confirmed' AND block_id IS NOT NULL"
        )
        .await,
        accepted.len() as i64
    );
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT hash) FROM transactions")
            .await,
        accepted.len() as i64
    );
    let in_blocks = app
        .scalar("SELECT CAST(COALESCE(SUM(transaction_count), 0) AS BIGINT) FROM blocks")
        .await;
    assert_eq!(
        in_blocks,
        accepted.len() as i64,
        "every accepted transfer in exactly one block"
    );
    let v = app
        .graphql("{ verifyChain { valid reason } }", json!({}))
        .await;
    assert_eq!(v.assert_ok()["verifyChain"]["valid"], true, "{}", v.body);
}

#[tokio::test]
async fn concurrent_transfers_keep_the_ledger_exact() {
    for backend in backends() {
        // All transfers at once, so nothing may be shed.
        // The test is about exactness, not latency: on a loaded machine a writer may wait long
        // for a pooled connection.
        let app = spawn_app_with(backend, |c| {
            c.max_concurrent_requests = 5_000;
            c.db_acquire_timeout_secs = 60;
            c.request_timeout_ms = 120_000;
        })
        .await;
        let transfers = match backend {
            Backend::Sqlite => 200,
            Backend::Postgres => 1_000,
        };
        transfers_under_mining(&app, 20, transfers).await;
    }
}
