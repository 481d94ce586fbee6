//! Profiles, privacy of other users' data, Relay nodes, and N+1 guards.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn another_users_email_and_wallets_are_hidden() {
    for backend in backends() {
        // An admin is made by a direct UPDATE, which no cache invalidation can see.
        let app = spawn_app_with(backend, |c| c.cache_enabled = false).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let query = "query($u: String!) { user(username: $u) { username email lastLoginAt primaryWallet { address balance } } }";
        let res = app
            .graphql_as(&bob.access, query, json!({"u": "alice"}))
            .await;
        let seen = &res.assert_ok()["user"];
        assert!(seen["email"].is_null());
        assert!(seen["lastLoginAt"].is_null());
        assert_eq!(
            seen["primaryWallet"]["address"],
            alice.address.as_str(),
            "address is public"
        );
        assert_eq!(seen["primaryWallet"]["balance"], "100", "balance is public");

        let wallets = "query($u: String!) { user(username: $u) { wallets { address } } }";
        app.graphql_as(&bob.access, wallets, json!({"u": "alice"}))
            .await
            .assert_error("FORBIDDEN");
        app.graphql(wallets, json!({"u": "alice"}))
            .await
            .assert_error("UNAUTHENTICATED");
        let own = app
            .graphql_as(&alice.access, wallets, json!({"u": "alice"}))
            .await;
        assert_eq!(
            own.assert_ok()["user"]["wallets"][0]["address"],
            alice.address.as_str()
        );

        // The same through node(id:).
        let node = "query($id: ID!) { node(id: $id) { ... on User { username email } } }";
        let res = app
            .graphql_as(&bob.access, node, json!({"id": alice.id}))
            .await;
        assert!(res.assert_ok()["node"]["email"].is_null());
        let res = app
            .graphql_as(&alice.access, node, json!({"id": alice.id}))
            .await;
        assert_eq!(res.assert_ok()["node"]["email"], "alice@example.com");

        // An admin sees everything.
        app.state
            .db
            .execute_unprepared("UPDATE users SET is_admin = true WHERE username = 'bob'")
            .await
            .unwrap();
        let res = app
            .graphql_as(&bob.access, query, json!({"u": "alice"}))
            .await;
        assert_eq!(res.assert_ok()["user"]["email"], "alice@example.com");
        app.graphql_as(&bob.access, wallets, json!({"u": "alice"}))
            .await
            .assert_ok();
    }
}

use sea_orm::ConnectionTrait;

#[tokio::test]
async fn node_round_trip_and_garbage_ids() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let q = "query($id: ID!) { node(id: $id) { id __typename ... on User { username } ... on Wallet { address owner { username } } } }";
        let res = app.graphql(q, json!({"id": alice.id})).await;
        let node = &res.assert_ok()["node"];
        assert_eq!(node["id"], alice.id.as_str());
        assert_eq!(node["__typename"], "User");

        let wallet_id = app
            .graphql(
                "{ user(username: \"alice\") { primaryWallet { id } } }",
                json!({}),
            )
            .await
            .assert_ok()["user"]["primaryWallet"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = app.graphql(q, json!({"id": wallet_id})).await;
        let node = &res.assert_ok()["node"];
        assert_eq!(node["__typename"], "Wallet");
        assert_eq!(node["address"], alice.address.as_str());
        assert_eq!(node["owner"]["username"], "alice");

        // Well-formed but unknown: null. Malformed: BAD_USER_INPUT naming the argument.
        let unknown = URL_SAFE_NO_PAD.encode(format!("User:{}", uuid::Uuid::new_v4()));
        assert!(app.graphql(q, json!({"id": unknown})).await.assert_ok()["node"].is_null());
        for garbage in [
            "",
            "not-base64!!",
            "VXNlcjo",
            &URL_SAFE_NO_PAD.encode("User:123"),
            &URL_SAFE_NO_PAD.encode(format!("Secret:{}", uuid::Uuid::new_v4())),
        ] {
            let res = app.graphql(q, json!({"id": garbage})).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("id"));
        }

        let many = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
        let res = app
            .graphql(many, json!({"ids": [wallet_id, unknown, alice.id]}))
            .await;
        let nodes = res.assert_ok()["nodes"].as_array().unwrap().clone();
        assert_eq!(nodes[0]["id"], wallet_id.as_str());
        assert!(nodes[1].is_null());
        assert_eq!(nodes[2]["id"], alice.id.as_str());
        app.graphql(many, json!({"ids": ["junk"]}))
            .await
            .assert_error("BAD_USER_INPUT");
        let too_many: Vec<String> = (0..101).map(|_| alice.id.clone()).collect();
        app.graphql(many, json!({"ids": too_many}))
            .await
            .assert_error("BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn update_profile_validates_and_saves() {
    const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { fullName avatarUrl bio } }";
    for app in spawn_apps().await {
        let user = app.register("lena").await;
        app.graphql(UPDATE, json!({"input": {"bio": "hi"}}))
            .await
            .assert_error("UNAUTHENTICATED");
        let bad = [
            (json!({"avatarUrl": "javascript:alert(1)"}), "avatarUrl"),
            (json!({"fullName": "x".repeat(101)}), "fullName"),
            (json!({"bio": "y".repeat(501)}), "bio"),
        ];
        for (input, field) in bad {
            let res = app
                .graphql_as(&user.access, UPDATE, json!({"input": input}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field));
        }
        let res = app
            .graphql_as(&user.access, UPDATE, json!({"input": {"fullName": " Lena L ", "avatarUrl": "https://example.com/a.png", "bio": "Builder"}}))
            .await;
        assert_eq!(
            res.assert_ok()["updateProfile"],
            json!({"fullName": "Lena L", "avatarUrl": "https://example.com/a.png", "bio": "Builder"})
        );
        // Omitted fields are kept; null clears.
        let res = app
            .graphql_as(&user.access, UPDATE, json!({"input": {"bio": null}}))
            .await;
        assert_eq!(
            res.assert_ok()["updateProfile"],
            json!({"fullName": "Lena L", "avatarUrl": "https://example.com/a.png", "bio": null})
        );
    }
}

/// Relations are batched: the statement count of a query must not grow with its row count.
#[tokio::test]
async fn relations_load_without_n_plus_one() {
    for app in spawn_apps().await {
        let mut users = Vec::new();
        for i in 0..8 {
            users.push(app.register(&format!("user{i}")).await);
        }
        // An admin viewer, so that every private relation is loaded too.
        app.state
            .db
            .execute_unprepared("UPDATE users SET is_admin = true WHERE username = 'user0'")
            .await
            .unwrap();
        let deep = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Wallet { address owner { username primaryWallet { balance owner { username wallets { address } } } } } } }";
        let mut counts = Vec::new();
        for n in [2, 8] {
            let ids = wallet_ids(&app, n).await;
            let token = users[0].access.clone();
            let before = app.statements();
            let res = app.graphql_as(&token, deep, json!({"ids": ids})).await;
            let nodes = res.assert_ok()["nodes"].as_array().unwrap().clone();
            assert_eq!(nodes.len(), n);
            assert!(nodes.iter().all(|w| {
                w["owner"]["primaryWallet"]["owner"]["wallets"][0]["address"].is_string()
            }));
            counts.push(app.statements() - before);
        }
        assert_eq!(
            counts[0], counts[1],
            "statements for 2 vs 8 rows: {counts:?}"
        );
    }
}

async fn wallet_ids(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let q = format!("{{ user(username: \"user{i}\") {{ primaryWallet {{ id }} }} }}");
        let res = app.graphql(&q, json!({})).await;
        ids.push(
            res.assert_ok()["user"]["primaryWallet"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ids
}
