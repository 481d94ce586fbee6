//! The dashboard: the viewer's figures from every domain in one round trip, a constant number
//! of statements, cached per viewer and fresh after the viewer's (or another user's) writes.

use serde_json::{Value, json};

use crate::helpers::*;

const DASHBOARD: &str = "{ dashboard { balance pendingIncoming unreadMail unreadNotifications
    followers following posts blocksMined devicesOnline storage { usedBytes quotaBytes }
    recentActivity(first: 3) { action } } }";

async fn dashboard(app: &TestApp, user: &TestUser) -> Value {
    app.graphql_as(&user.access, DASHBOARD, json!({}))
        .await
        .assert_ok()["dashboard"]
        .clone()
}

async fn ok(app: &TestApp, user: &TestUser, query: &str, variables: Value) {
    app.graphql_as(&user.access, query, variables)
        .await
        .assert_ok();
}

#[tokio::test]
async fn the_dashboard_adds_up_every_domain_for_the_viewer_only() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let empty = dashboard(&app, &alice).await;
        assert_eq!(empty["balance"], "100", "{empty}");
        assert_eq!(empty["pendingIncoming"], "0");
        for zero in [
            "unreadMail",
            "followers",
            "posts",
            "blocksMined",
            "devicesOnline",
        ] {
            assert_eq!(empty[zero], 0, "{zero}: {empty}");
        }

        // Other users' writes that concern alice: a follow, mail, a pending transfer.
        ok(
            &app,
            &bob,
            "mutation { follow(input: {username: \"alice\"}) { id } }",
            json!({}),
        )
        .await;
        let mail = json!({"input": {"to": ["alice"], "subject": "hi", "body": "there"}});
        ok(
            &app,
            &bob,
            "mutation($input: SendMailInput!) { sendMail(input: $input) { id } }",
            mail,
        )
        .await;
        app.transfer(&bob, &alice.address, "2.5").await.assert_ok();
        // Alice's own writes.
        ok(
            &app,
            &alice,
            "mutation { createPost(input: {body: \"first\"}) { id } }",
            json!({}),
        )
        .await;
        ok(
            &app,
            &alice,
            "mutation { follow(input: {username: \"bob\"}) { id } }",
            json!({}),
        )
        .await;
        let device = app
            .graphql_as(
                &alice.access,
                "mutation { registerDevice(input: {name: \"pi\", kind: \"board\"}) { id } }",
                json!({}),
            )
            .await;
        let id = device.assert_ok()["registerDevice"]["id"].clone();
        ok(
            &app,
            &alice,
            "mutation($id: ID!) { deviceHeartbeat(input: {id: $id}) { online } }",
            json!({"id": id}),
        )
        .await;
        crate::files::upload(&app, &alice.access, None, "a.txt", b"hello").await;

        let d = dashboard(&app, &alice).await;
        assert_eq!(d["balance"], "100", "{d}");
        assert_eq!(d["pendingIncoming"], "2.5", "{d}");
        assert_eq!(d["unreadMail"], 1, "{d}");
        assert_eq!(
            d["unreadNotifications"], 3,
            "a follower, a mail and a transfer: {d}"
        );
        assert_eq!(d["followers"], 1, "{d}");
        assert_eq!(d["following"], 1, "{d}");
        assert_eq!(d["posts"], 1, "{d}");
        assert_eq!(d["devicesOnline"], 1, "{d}");
        assert_eq!(d["storage"]["usedBytes"], 5, "{d}");
        let recent: Vec<&str> = d["recentActivity"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(recent.len(), 3, "{d}");
        assert!(recent[0].starts_with("file"), "newest first: {recent:?}");

        // Mining confirms the transfer and pays alice the reward.
        app.mine(&alice, None).await.assert_ok();
        let d = dashboard(&app, &alice).await;
        assert_eq!(d["pendingIncoming"], "0", "{d}");
        assert_eq!(d["blocksMined"], 1, "{d}");
        assert_ne!(d["balance"], "100", "{d}");

        // Bob's dashboard is his own.
        let b = dashboard(&app, &bob).await;
        assert_eq!(b["posts"], 0, "{b}");
        assert_eq!(b["followers"], 1, "{b}");
        assert_eq!(b["unreadMail"], 0, "{b}");
    }
}

#[tokio::test]
async fn the_dashboard_needs_a_viewer_and_bounds_recent_activity() {
    for app in spawn_apps().await {
        app.graphql(DASHBOARD, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
        let alice = app.register("alice").await;
        for first in [0, 51] {
            let res = app
                .graphql_as(
                    &alice.access,
                    "query($n: Int!) { dashboard { recentActivity(first: $n) { action } } }",
                    json!({"n": first}),
                )
                .await;
            assert!(res.error_code().is_some(), "first: {first}: {:?}", res);
        }
    }
}

/// Constant statements whatever the viewer holds; a repeat is served from the cache, and the
/// viewer's next write makes the one after it fresh.
#[tokio::test]
async fn the_dashboard_costs_constant_statements_and_is_cached_until_a_write() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let mut counts = Vec::new();
        for posts in [1, 6] {
            for i in 0..posts {
                let body = json!({"b": format!("post {posts}-{i}")});
                ok(
                    &app,
                    &alice,
                    "mutation($b: String!) { createPost(input: {body: $b}) { id } }",
                    body,
                )
                .await;
            }
            let before = app.statements();
            let d = dashboard(&app, &alice).await;
            counts.push(app.statements() - before);
            assert!(d["posts"].as_i64().unwrap() >= posts, "{d}");
        }
        assert_eq!(counts[0], counts[1], "{counts:?}");
        assert!(counts[1] <= 12, "{counts:?}");

        let before = app.statements();
        let res = app
            .post_graphql(Some(&alice.access), json!({"query": DASHBOARD}))
            .await;
        assert_eq!(
            res.headers()["x-cache"],
            "HIT",
            "a repeat comes from the cache"
        );
        let cached: Value = res.json().await.unwrap();
        let cached = cached["data"]["dashboard"].clone();
        // Only the bearer token's session and user are read.
        assert!(app.statements() - before < counts[1], "{counts:?}");
        ok(
            &app,
            &alice,
            "mutation { createPost(input: {body: \"one more\"}) { id } }",
            json!({}),
        )
        .await;
        let fresh = dashboard(&app, &alice).await;
        assert_eq!(
            fresh["posts"].as_i64().unwrap(),
            cached["posts"].as_i64().unwrap() + 1,
            "{fresh}"
        );
    }
}
