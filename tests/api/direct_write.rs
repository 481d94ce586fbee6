//! Directly written lists (`GRAPHQL_DIRECT_WRITE`) answer exactly as the resolvers do: two
//! servers on one database, one writing directly and one not, get the same requests and must
//! give the same data and errors; a metric shows which answers were written and which declined.

use serde_json::{Value, json};

use crate::helpers::*;

/// Two users, a block per transfer (each mined by bob), and one transfer still pending.
async fn ledger(app: &TestApp) -> (TestUser, TestUser) {
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    for amount in ["0.1", "0.2", "0.3"] {
        app.transfer(&alice, &bob.address, amount).await.assert_ok();
        app.transfer(&bob, &alice.address, "0.05").await.assert_ok();
        app.mine(&bob, Some(2)).await.assert_ok();
    }
    app.transfer(&bob, &alice.address, "0.4").await.assert_ok();
    (alice, bob)
}

/// A server on `app`'s database whose lists always go through the resolvers.
async fn resolvers_only(app: &TestApp) -> TestApp {
    let url = app.state.config.database_url.clone();
    spawn_app_with(app.backend, move |c| {
        c.database_url = url;
        c.graphql_direct_write = false;
        c.max_query_complexity = 1_000_000;
        c.cache_enabled = false;
    })
    .await
}

const USER: &str = "fragment U on User { __typename id username fullName avatarUrl bio isVerified isAdmin createdAt }";
const WALLET: &str =
    "fragment W on Wallet { __typename id address isPrimary balance createdAt owner { ...U } }";

/// Selections the writers cover (they must be written) and ones they leave to the resolvers.
fn covered() -> Vec<(String, Value)> {
    let tx =
        "__typename id hash fromAddress toAddress amount fee message status createdAt confirmedAt
        fromWallet { ...W } toWallet { ... on Wallet { address owner { username } } }";
    vec![
        (
            "{ blocks(first: 50) { edges { node { index hash miner { username }
              transactions(first: 20) { edges { node { hash amount fromWallet { owner { username } } } } } } } } }"
                .into(),
            json!({}),
        ),
        (
            format!(
                "query($n: Int, $after: String) {{ blocks(first: $n, after: $after) {{ __typename
                  pageInfo {{ __typename hasNextPage hasPreviousPage startCursor endCursor }}
                  edges {{ __typename cursor node {{ ...B }} }} nodes {{ i: index }} }} }}
                 fragment B on Block {{ __typename id index hash previousHash nonce difficulty timestamp
                  reward transactionCount miner {{ ...U }}
                  first: transactions(first: 1) {{ totalCount pageInfo {{ hasNextPage endCursor }}
                    edges {{ cursor node {{ {tx} }} }} }}
                  rest: transactions(first: 5) {{ nodes {{ hash status }} }} }}
                 {USER} {WALLET}"
            ),
            json!({"n": 3}),
        ),
        (
            format!(
                "query($skip: Boolean!) {{ transactions(first: 10) {{ edges {{ node {{ {tx}
                  skipped: hash @skip(if: $skip) kept: fee @include(if: true) }} }} }}
                 pendingTransactions {{ nodes {{ hash fromWallet {{ address }} }} }} }}
                 {USER} {WALLET}"
            ),
            json!({"skip": true}),
        ),
        (
            "{ blocks(last: 2) { pageInfo { hasPreviousPage hasNextPage } edges { node { index } } } }"
                .into(),
            json!({}),
        ),
    ]
}

fn declined() -> Vec<(String, Value)> {
    vec![
        // Private fields, a field that needs a loader, counts, repeated keys.
        ("{ blocks { edges { node { miner { email } } } } }".into(), json!({})),
        (
            "{ transactions { edges { node { toWallet { label pendingIncoming } } } } }".into(),
            json!({}),
        ),
        ("{ transactions { edges { node { block { index } } } } }".into(), json!({})),
        ("{ blocks { totalCount } transactions { totalCount } }".into(), json!({})),
        ("{ blocks { edges { node { index index } } } }".into(), json!({})),
        // A selection emptied by @skip: the executor answers null, not an empty object.
        (
            "query($s: Boolean!) { blocks(first: 2) { nodes { index miner { username @skip(if: $s) } } } }"
                .into(),
            json!({"s": true}),
        ),
        // Arguments the resolvers reject, with the same errors and paths.
        (
            "{ blocks(first: 2) { edges { node { transactions(first: -1) { nodes { hash } } } } } }"
                .into(),
            json!({}),
        ),
        (
            "{ blocks(first: 2) { edges { node { transactions(after: \"nope\") { nodes { hash } } } } } }"
                .into(),
            json!({}),
        ),
    ]
}

fn answer(res: &Gql) -> Value {
    json!({ "data": res.body["data"], "errors": res.body["errors"] })
}

async fn written(app: &TestApp, result: &str) -> f64 {
    app.metric(&format!(
        "graphql_direct_writes_total{{result=\"{result}\"}}"
    ))
    .await
    .unwrap_or(0.0)
}

#[tokio::test]
async fn written_lists_answer_exactly_as_the_resolvers() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.max_query_complexity = 1_000_000;
            c.cache_enabled = false;
        })
        .await;
        let (alice, _bob) = ledger(&app).await;
        let plain = resolvers_only(&app).await;
        for (written_expected, cases) in [(true, covered()), (false, declined())] {
            for (query, variables) in cases {
                for token in [None, Some(alice.access.as_str())] {
                    let before = (
                        written(&app, "written").await,
                        written(&app, "declined").await,
                    );
                    let direct = app.graphql_with(token, &query, variables.clone()).await;
                    let after = (
                        written(&app, "written").await,
                        written(&app, "declined").await,
                    );
                    let resolved = plain.graphql_with(token, &query, variables.clone()).await;
                    assert_eq!(answer(&direct), answer(&resolved), "{backend:?}: {query}");
                    assert!(
                        direct.body["data"].is_object(),
                        "{backend:?}: {query}: {:?}",
                        direct.body
                    );
                    if written_expected {
                        assert!(after.0 > before.0, "{backend:?}: not written: {query}");
                        assert_eq!(after.1, before.1, "{backend:?}: declined: {query}");
                    } else {
                        assert!(after.1 > before.1, "{backend:?}: not declined: {query}");
                    }
                }
            }
        }
        assert_eq!(written(&plain, "written").await, 0.0);
        assert_eq!(written(&plain, "declined").await, 0.0);
    }
}

#[tokio::test]
async fn written_pages_follow_cursors_like_the_resolvers() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.cache_enabled = false).await;
        ledger(&app).await;
        let plain = resolvers_only(&app).await;
        let query = "query($after: String) { blocks(first: 2, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { index transactions(first: 1) { pageInfo { hasNextPage endCursor } nodes { hash } } } } }";
        let mut after = Value::Null;
        let mut pages = 0;
        loop {
            let vars = json!({ "after": after });
            let direct = app.graphql(query, vars.clone()).await;
            let resolved = plain.graphql(query, vars).await;
            assert_eq!(answer(&direct), answer(&resolved));
            let info = &direct.assert_ok()["blocks"]["pageInfo"];
            pages += 1;
            if info["hasNextPage"] != true {
                break;
            }
            after = info["endCursor"].clone();
        }
        assert_eq!(
            pages, 2,
            "three mined blocks and the genesis block, two per page"
        );
        // A nested page after a cursor: the second transaction of the newest block.
        let newest = app
            .graphql("{ blocks(first: 1) { nodes { transactions(first: 1) { pageInfo { endCursor } } } } }", json!({}))
            .await;
        let cursor =
            newest.assert_ok()["blocks"]["nodes"][0]["transactions"]["pageInfo"]["endCursor"]
                .clone();
        let second = "query($c: String) { blocks(first: 1) { nodes { transactions(first: 5, after: $c) {
            pageInfo { hasPreviousPage hasNextPage startCursor } edges { cursor node { hash amount } } } } } }";
        let direct = app.graphql(second, json!({ "c": cursor })).await;
        let resolved = plain.graphql(second, json!({ "c": cursor })).await;
        assert_eq!(answer(&direct), answer(&resolved));
        let page = &direct.assert_ok()["blocks"]["nodes"][0]["transactions"];
        assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(page["edges"].as_array().map(Vec::len), Some(1));
    }
}
