//! The audit log: one event per mutation, written with it and announced only after it
//! commits; readable by admins only.

use std::time::Duration;

use blackroad_api::{audit::AuditEvent, chain::TransferEvent};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    helpers::{PASSWORD, TestApp, spawn_apps},
    ws_client::{TRANSPORT_WS, Ws},
};

async fn actions(app: &TestApp) -> Vec<String> {
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT action FROM events ORDER BY id",
        ))
        .await
        .expect("events");
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("action"))
        .collect()
}

const EVENTS: &str = "query($action: String, $actor: String, $first: Int, $after: String) {
    events(action: $action, actor: $actor, first: $first, after: $after) {
        edges { cursor node { id action actor { username } subjectType subjectId requestId ip data createdAt } }
        pageInfo { hasNextPage endCursor } } }";

#[tokio::test]
async fn every_mutation_writes_one_event_and_failures_write_none() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        app.login("alice", PASSWORD).await.assert_ok();
        app.login("alice", "wrong password!")
            .await
            .assert_error("UNAUTHENTICATED");
        app.login("nobody", "wrong password!")
            .await
            .assert_error("UNAUTHENTICATED");
        let refreshed = app.refresh(&alice.refresh).await;
        let access = refreshed.assert_ok()["refreshToken"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let as_alice = |q: &'static str, v: Value| {
            let access = access.clone();
            let app = &app;
            async move { app.graphql_as(&access, q, v).await.assert_ok().clone() }
        };
        as_alice(
            "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { bio } }",
            json!({"i": {"bio": "hello"}}),
        )
        .await;
        let wallet = as_alice(
            "mutation { createWallet(input: {label: \"savings\"}) { address } }",
            json!({}),
        )
        .await;
        let address = wallet["createWallet"]["address"]
            .as_str()
            .unwrap()
            .to_owned();
        as_alice(
            "mutation($i: SetPrimaryWalletInput!) { setPrimaryWallet(input: $i) { address } }",
            json!({"i": {"address": address}}),
        )
        .await;
        app.transfer(&bob, &alice.address, "1").await.assert_ok();
        app.mine(&bob, None).await.assert_ok();
        as_alice(
            "mutation($i: ChangePasswordInput!) { changePassword(input: $i) }",
            json!({"i": {"currentPassword": PASSWORD, "newPassword": "another long password"}}),
        )
        .await;
        as_alice("mutation { logout }", json!({})).await;

        // A mutation that fails inside its transaction writes (and announces) nothing.
        let mut watcher = {
            let root = app.register("root").await;
            app.make_admin(&root).await;
            let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&root.access)).await;
            ws.subscribe("a", "subscription { auditEvents { action } }", json!({}))
                .await;
            ws.subscribe(
                "t",
                "subscription { transactionAdded { amount } }",
                json!({}),
            )
            .await;
            ws
        };
        app.await_receivers::<AuditEvent>(1).await;
        app.await_receivers::<TransferEvent>(1).await;
        let before = actions(&app).await;
        app.transfer(&bob, &alice.address, "1000")
            .await
            .assert_error("INSUFFICIENT_FUNDS");
        assert_eq!(actions(&app).await, before);
        watcher.expect_silence(Duration::from_millis(300)).await;

        let expected = [
            "auth.register",
            "auth.register",
            "auth.login",
            "auth.login_failed",
            "auth.login_failed",
            "auth.refresh",
            "user.update_profile",
            "wallet.create",
            "wallet.set_primary",
            "wallet.transfer",
            "chain.mine_block",
            "auth.change_password",
            "auth.logout",
            "auth.register",
            "user.grant_admin",
        ];
        assert_eq!(before, expected);
        // Nothing secret ever lands in the log.
        let dump = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM events WHERE CAST(data AS TEXT) LIKE '%{PASSWORD}%' OR CAST(data AS TEXT) LIKE '%wrong password%' \
                 OR CAST(data AS TEXT) LIKE '%another long%' OR CAST(data AS TEXT) LIKE '%{}%' OR CAST(data AS TEXT) LIKE '%{}%'",
                alice.refresh, alice.access
            ))
            .await;
        assert_eq!(dump, 0);
    }
}

#[tokio::test]
async fn events_query_is_for_admins() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        app.transfer(&alice, &bob.address, "1").await.assert_ok();
        app.graphql(EVENTS, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
        app.graphql_as(&alice.access, EVENTS, json!({}))
            .await
            .assert_error("FORBIDDEN");

        let root = app.register("root").await;
        app.make_admin(&root).await;
        let res = app.graphql_as(&root.access, EVENTS, json!({})).await;
        let edges = res.assert_ok()["events"]["edges"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(edges.len(), 5);
        // Newest first; granting admin is audited too.
        assert_eq!(edges[0]["node"]["action"], "user.grant_admin");
        assert_eq!(edges[1]["node"]["action"], "auth.register");
        let transfer = &edges[2]["node"];
        assert_eq!(transfer["action"], "wallet.transfer");
        assert_eq!(transfer["actor"]["username"], "alice");
        assert_eq!(transfer["subjectType"], "Transaction");
        assert_eq!(transfer["ip"], "127.0.0.1");
        assert!(!transfer["requestId"].as_str().unwrap().is_empty());
        assert_eq!(transfer["data"]["amount"], 100_000_000);

        let filtered = app
            .graphql_as(
                &root.access,
                EVENTS,
                json!({"action": "auth.register", "actor": "bob"}),
            )
            .await;
        let edges = filtered.assert_ok()["events"]["edges"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(edges.len(), 1);
        assert_eq!(edges[0]["node"]["actor"]["username"], "bob");

        let page = app
            .graphql_as(&root.access, EVENTS, json!({"first": 3}))
            .await;
        let page = page.assert_ok()["events"].clone();
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        let rest = app
            .graphql_as(
                &root.access,
                EVENTS,
                json!({"after": page["pageInfo"]["endCursor"]}),
            )
            .await;
        let rest = rest.assert_ok()["events"]["edges"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(rest.len(), 2);
        assert_eq!(rest[0]["node"]["action"], "auth.register");

        // Through node(id:) too, an event exists only for admins.
        let id = transfer["id"].clone();
        let node = "query($id: ID!) { node(id: $id) { ... on Event { action } } }";
        let seen = app.graphql_as(&root.access, node, json!({"id": id})).await;
        assert_eq!(seen.assert_ok()["node"]["action"], "wallet.transfer");
        let hidden = app.graphql_as(&alice.access, node, json!({"id": id})).await;
        assert_eq!(hidden.assert_ok()["node"], Value::Null);
    }
}
