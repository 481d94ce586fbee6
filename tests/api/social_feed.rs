//! The social graph and the feed: follows and their counts and lists, the feed's order and
//! stable paging, and its statement count.

use serde_json::{Value, json};

use crate::{
    helpers::*,
    social::{COMMENT, FEED, FOLLOW, LIKE, UNFOLLOW, feed_bodies, follow, post},
};

#[tokio::test]
async fn the_feed_is_own_and_followed_posts_newest_first_and_pages_stably() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        follow(&app, &alice, "bob").await.assert_ok();
        for (who, body) in [
            (&bob, "b1"),
            (&carol, "c1"),
            (&alice, "a1"),
            (&bob, "b2"),
            (&alice, "a2"),
            (&bob, "b3"),
        ] {
            post(&app, who, body).await;
        }
        let (all, _) = feed_bodies(&app, &alice, 20, Value::Null).await;
        assert_eq!(all, ["b3", "a2", "b2", "a1", "b1"]);
        // Carol sees only her own; anonymous callers have no feed.
        assert_eq!(feed_bodies(&app, &carol, 20, Value::Null).await.0, ["c1"]);
        app.graphql(FEED, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");

        // New posts between pages neither shift nor repeat what follows the cursor.
        let (page1, cursor) = feed_bodies(&app, &alice, 2, Value::Null).await;
        assert_eq!(page1, ["b3", "a2"]);
        post(&app, &bob, "b4").await;
        post(&app, &alice, "a3").await;
        let (page2, cursor) = feed_bodies(&app, &alice, 2, cursor).await;
        assert_eq!(page2, ["b2", "a1"]);
        let (page3, _) = feed_bodies(&app, &alice, 2, cursor).await;
        assert_eq!(page3, ["b1"]);
        let (fresh, _) = feed_bodies(&app, &alice, 2, Value::Null).await;
        assert_eq!(fresh, ["a3", "b4"]);

        for (first, after, field) in [
            (json!(101), Value::Null, "first"),
            (json!(-1), Value::Null, "first"),
            (json!(5), json!("nonsense"), "after"),
        ] {
            let res = app
                .graphql_as(&alice.access, FEED, json!({"first": first, "after": after}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field));
        }
    }
}

#[tokio::test]
async fn follows_count_list_and_refuse_yourself() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        for _ in 0..2 {
            let res = follow(&app, &alice, "bob").await;
            let user = &res.assert_ok()["follow"];
            assert_eq!(
                (
                    user["followerCount"].clone(),
                    user["viewerIsFollowing"].clone()
                ),
                (json!(1), json!(true))
            );
        }
        follow(&app, &carol, "BOB").await.assert_ok();
        follow(&app, &alice, "carol").await.assert_ok();
        let me_myself = follow(&app, &alice, "alice").await;
        me_myself.assert_error("BAD_USER_INPUT");
        assert_eq!(me_myself.error_field(), Some("username"));
        follow(&app, &alice, "nobody")
            .await
            .assert_error("NOT_FOUND");
        follow(&app, &alice, " ")
            .await
            .assert_error("BAD_USER_INPUT");
        app.graphql(FOLLOW, json!({"input": {"username": "bob"}}))
            .await
            .assert_error("UNAUTHENTICATED");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM follows").await, 3);

        let q = "query($u: String!) { user(username: $u) { followerCount followingCount viewerIsFollowing
            followers(first: 1) { pageInfo { hasNextPage endCursor } edges { node { username } } }
            following(first: 5) { edges { node { username } } } } }";
        let bobs = app.graphql_as(&alice.access, q, json!({"u": "bob"})).await;
        let user = &bobs.assert_ok()["user"];
        assert_eq!(
            (
                user["followerCount"].clone(),
                user["followingCount"].clone()
            ),
            (json!(2), json!(0))
        );
        assert_eq!(user["viewerIsFollowing"], true);
        assert_eq!(
            user["followers"]["edges"][0]["node"]["username"], "carol",
            "newest first"
        );
        assert_eq!(user["followers"]["pageInfo"]["hasNextPage"], true);
        let cursor = user["followers"]["pageInfo"]["endCursor"].clone();
        let next = app
            .graphql(
                "query($c: String) { user(username: \"bob\") { followers(first: 5, after: $c) { edges { node { username } } } } }",
                json!({"c": cursor}),
            )
            .await;
        assert_eq!(
            next.assert_ok()["user"]["followers"]["edges"][0]["node"]["username"],
            "alice"
        );
        let alices = app.graphql(q, json!({"u": "alice"})).await;
        let user = &alices.assert_ok()["user"];
        assert_eq!(user["viewerIsFollowing"], false, "anonymous");
        let following: Vec<&str> = user["following"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["username"].as_str().unwrap())
            .collect();
        assert_eq!(following, ["carol", "bob"]);

        for _ in 0..2 {
            let res = app
                .graphql_as(
                    &alice.access,
                    UNFOLLOW,
                    json!({"input": {"username": "bob"}}),
                )
                .await;
            let user = &res.assert_ok()["unfollow"];
            assert_eq!(
                (
                    user["followerCount"].clone(),
                    user["viewerIsFollowing"].clone()
                ),
                (json!(1), json!(false))
            );
        }
        let _ = bob;
    }
}

#[tokio::test]
async fn a_feed_page_costs_the_same_statements_whatever_its_size() {
    const WIDE: &str =
        "query($n: Int!) { feed(first: $n) { edges { node { id body likeCount commentCount
        viewerHasLiked author { username followerCount viewerIsFollowing }
        comments(first: 3) { edges { node { body author { username } } } } } } } }";
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        follow(&app, &alice, "bob").await.assert_ok();
        follow(&app, &alice, "carol").await.assert_ok();
        let mut ids = Vec::new();
        for i in 0..24 {
            let who = [&alice, &bob, &carol][i % 3];
            ids.push(post(&app, who, &format!("post {i}")).await);
        }
        for (i, id) in ids.iter().enumerate() {
            let fan = [&bob, &carol][i % 2];
            app.graphql_as(&fan.access, LIKE, json!({"input": {"postId": id}}))
                .await
                .assert_ok();
            for body in ["one", "two", "three", "four"] {
                app.graphql_as(
                    &fan.access,
                    COMMENT,
                    json!({"input": {"postId": id, "body": body}}),
                )
                .await
                .assert_ok();
            }
        }
        let mut costs = Vec::new();
        for n in [4, 20] {
            let before = app.statements();
            let res = app.graphql_as(&alice.access, WIDE, json!({"n": n})).await;
            let edges = res.assert_ok()["feed"]["edges"].as_array().unwrap().clone();
            assert_eq!(edges.len(), n as usize);
            let first = &edges[0]["node"];
            assert_eq!(first["likeCount"], 1);
            assert_eq!(first["commentCount"], 4);
            assert_eq!(first["comments"]["edges"].as_array().unwrap().len(), 3);
            assert!(first["comments"]["edges"][0]["node"]["author"]["username"].is_string());
            costs.push(app.statements() - before);
        }
        assert_eq!(costs[0], costs[1], "{costs:?}");
        assert!(costs[1] <= 14, "{costs:?}");
    }
}

#[tokio::test]
async fn paging_the_feed_while_posts_pour_in_never_skips_or_repeats() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        follow(&app, &alice, "bob").await.assert_ok();
        let mut before = Vec::new();
        for i in 0..12 {
            before.push(format!("old {i}"));
            post(&app, if i % 2 == 0 { &alice } else { &bob }, &before[i]).await;
        }
        let writer = async {
            for i in 0..12 {
                post(
                    &app,
                    if i % 2 == 0 { &bob } else { &alice },
                    &format!("new {i}"),
                )
                .await;
            }
        };
        let reader = async {
            let mut seen = Vec::new();
            let mut cursor = Value::Null;
            loop {
                let res = app
                    .graphql_as(&alice.access, FEED, json!({"first": 3, "after": cursor}))
                    .await;
                let feed = res.assert_ok()["feed"].clone();
                for edge in feed["edges"].as_array().unwrap() {
                    seen.push(edge["node"]["body"].as_str().unwrap().to_owned());
                }
                if feed["pageInfo"]["hasNextPage"] != true {
                    return seen;
                }
                cursor = feed["pageInfo"]["endCursor"].clone();
            }
        };
        let ((), seen) = tokio::join!(writer, reader);
        let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "repeated: {seen:?}");
        let old: Vec<&String> = seen.iter().filter(|b| b.starts_with("old")).collect();
        let expected: Vec<&String> = before.iter().rev().collect();
        assert_eq!(old, expected, "every older post once, newest first");
    }
}

#[tokio::test]
async fn comments_page_with_cursors() {
    const PAGE: &str = "query($id: ID!, $after: String) { post(id: $id) {
        comments(first: 2, after: $after) { pageInfo { hasNextPage endCursor }
        edges { node { body } } } } }";
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let id = post(&app, &alice, "thread").await;
        for body in ["1", "2", "3", "4", "5"] {
            app.graphql_as(
                &alice.access,
                COMMENT,
                json!({"input": {"postId": id, "body": body}}),
            )
            .await
            .assert_ok();
        }
        let mut cursor = Value::Null;
        let mut bodies = Vec::new();
        loop {
            let res = app.graphql(PAGE, json!({"id": id, "after": cursor})).await;
            let page = res.assert_ok()["post"]["comments"].clone();
            for edge in page["edges"].as_array().unwrap() {
                bodies.push(edge["node"]["body"].as_str().unwrap().to_owned());
            }
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            cursor = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(bodies, ["1", "2", "3", "4", "5"]);
        let bad = app
            .graphql(PAGE, json!({"id": id, "after": "bm9wZQ"}))
            .await;
        bad.assert_error("BAD_USER_INPUT");
        assert_eq!(bad.error_field(), Some("after"));
    }
}
