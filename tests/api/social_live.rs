//! Social side effects: notifications created with the action (never for one's own), live
//! `postAdded`, and the response cache seeing a new post, like or follow at once, on this
//! instance and on another one sharing Redis.

use std::time::Duration;

use blackroad_api::social::PostAdded;
use serde_json::{Value, json};

use crate::{
    helpers::*,
    social::{COMMENT, LIKE, follow, post},
    ws_client::{TRANSPORT_WS, Ws},
};

const NOTIFICATIONS: &str = "{ notifications(first: 20) { edges { node { kind title
    subject { __typename id } } } } }";

async fn kinds(app: &TestApp, user: &TestUser) -> Vec<(String, String)> {
    let res = app.graphql_as(&user.access, NOTIFICATIONS, json!({})).await;
    res.assert_ok()["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["kind"].as_str().unwrap().to_owned(),
                e["node"]["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(kind: &str, title: &str) -> (String, String) {
    (kind.to_owned(), title.to_owned())
}

#[tokio::test]
async fn follows_likes_and_comments_notify_the_other_user_never_oneself() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let id = post(&app, &alice, "hello").await;
        // Alice's own like and comment on her own post: nothing.
        app.graphql_as(&alice.access, LIKE, json!({"input": {"postId": id}}))
            .await
            .assert_ok();
        app.graphql_as(
            &alice.access,
            COMMENT,
            json!({"input": {"postId": id, "body": "me too"}}),
        )
        .await
        .assert_ok();
        assert_eq!(kinds(&app, &alice).await, Vec::<(String, String)>::new());

        // Bob's: one each; liking again or following again adds none.
        for _ in 0..2 {
            follow(&app, &bob, "alice").await.assert_ok();
            app.graphql_as(&bob.access, LIKE, json!({"input": {"postId": id}}))
                .await
                .assert_ok();
        }
        app.graphql_as(
            &bob.access,
            COMMENT,
            json!({"input": {"postId": id, "body": "nice"}}),
        )
        .await
        .assert_ok();
        assert_eq!(
            kinds(&app, &alice).await,
            [
                pair("POST_COMMENTED", "bob commented on your post"),
                pair("POST_LIKED", "bob liked your post"),
                pair("NEW_FOLLOWER", "bob followed you"),
            ]
        );
        assert_eq!(kinds(&app, &bob).await, Vec::<(String, String)>::new());
        let res = app
            .graphql_as(&alice.access, NOTIFICATIONS, json!({}))
            .await;
        let edges = res.assert_ok()["notifications"]["edges"].clone();
        assert_eq!(edges[0]["node"]["subject"]["__typename"], "Post");
        assert_eq!(edges[0]["node"]["subject"]["id"], json!(id));
        assert_eq!(edges[2]["node"]["subject"]["id"], json!(bob.id));
        // Unliking and liking again is a new like.
        app.graphql_as(
            &bob.access,
            "mutation($input: LikePostInput!) { unlikePost(input: $input) { id } }",
            json!({"input": {"postId": id}}),
        )
        .await
        .assert_ok();
        app.graphql_as(&bob.access, LIKE, json!({"input": {"postId": id}}))
            .await
            .assert_ok();
        assert_eq!(kinds(&app, &alice).await.len(), 4);
    }
}

#[tokio::test]
async fn post_added_reaches_the_author_and_their_followers_only() {
    const LIVE: &str = "subscription { postAdded { id body author { username } likeCount } }";
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        follow(&app, &bob, "alice").await.assert_ok();
        let mut sockets = Vec::new();
        for user in [&alice, &bob, &carol] {
            let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&user.access)).await;
            ws.subscribe("p", LIVE, json!({})).await;
            sockets.push(ws);
        }
        app.await_receivers::<PostAdded>(3).await;
        let id = post(&app, &alice, "live!").await;
        for ws in &mut sockets[..2] {
            let data = ws.next_data("p").await;
            assert_eq!(data["postAdded"]["id"], json!(id));
            assert_eq!(data["postAdded"]["author"]["username"], "alice");
            assert_eq!(data["postAdded"]["likeCount"], 0);
        }
        sockets[2].expect_silence(Duration::from_millis(300)).await;
        // Following while subscribed counts from the next post.
        follow(&app, &carol, "alice").await.assert_ok();
        post(&app, &alice, "again").await;
        let data = sockets[2].next_data("p").await;
        assert_eq!(data["postAdded"]["body"], "again");
        // Carol's own post reaches her; Alice does not follow her.
        post(&app, &carol, "mine").await;
        let data = sockets[2].next_data("p").await;
        assert_eq!(data["postAdded"]["body"], "mine");
        sockets[1].next_data("p").await; // Bob's copy of "again"
        sockets[0].next_data("p").await; // Alice's copy of "again"
        sockets[0].expect_silence(Duration::from_millis(300)).await;
        let mut anonymous = Ws::connect_as(&app, TRANSPORT_WS, None).await;
        anonymous.subscribe("p", LIVE, json!({})).await;
        assert_eq!(anonymous.next_error_code("p").await, "UNAUTHENTICATED");
    }
}

/// A GET of a query as `token`: the data and the X-Cache header.
async fn get(app: &TestApp, token: &str, query: &str) -> (Value, String) {
    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let cache = res
        .headers()
        .get("x-cache")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body: Value = res.json().await.unwrap();
    (body["data"].clone(), cache)
}

const CACHED_FEED: &str = "{ feed(first: 5) { edges { node { body likeCount } } } }";
const CACHED_USER: &str = "{ user(username: \"bob\") { followerCount } }";

/// Reads each query on `readers` until cached, then lets `write` act on `writer` and checks
/// every reader sees the change at once.
async fn writes_are_seen_at_once(writer: &TestApp, readers: &[&TestApp]) {
    let alice = writer.register("alice").await;
    let bob = writer.register("bob").await;
    let id = post(writer, &alice, "first").await;
    for app in readers {
        get(app, &alice.access, CACHED_FEED).await;
        get(app, &alice.access, CACHED_USER).await;
    }
    for app in readers {
        assert_eq!(get(app, &alice.access, CACHED_FEED).await.1, "HIT");
        assert_eq!(get(app, &alice.access, CACHED_USER).await.1, "HIT");
    }
    writer
        .graphql_as(&bob.access, LIKE, json!({"input": {"postId": id}}))
        .await
        .assert_ok();
    for app in readers {
        let (data, _) = get(app, &alice.access, CACHED_FEED).await;
        assert_eq!(data["feed"]["edges"][0]["node"]["likeCount"], 1);
    }
    post(writer, &alice, "second").await;
    for app in readers {
        let (data, _) = get(app, &alice.access, CACHED_FEED).await;
        assert_eq!(data["feed"]["edges"][0]["node"]["body"], "second");
    }
    // Following Bob changes his count and puts his posts in Alice's feed.
    post(writer, &bob, "from bob").await;
    follow(writer, &alice, "bob").await.assert_ok();
    for app in readers {
        let (data, _) = get(app, &alice.access, CACHED_USER).await;
        assert_eq!(data["user"]["followerCount"], 1);
        let (data, _) = get(app, &alice.access, CACHED_FEED).await;
        assert_eq!(data["feed"]["edges"][0]["node"]["body"], "from bob");
    }
}

#[tokio::test]
async fn a_new_post_like_or_follow_is_never_served_stale() {
    for app in spawn_apps().await {
        writes_are_seen_at_once(&app, &[&app]).await;
    }
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn a_second_instance_sees_a_new_post_like_or_follow_at_once() {
    let url = redis_url();
    let backend = *backends().last().unwrap_or(&Backend::Sqlite);
    let prefix = unique_prefix();
    let (u1, p1) = (url.clone(), prefix.clone());
    let a = spawn_app_with(backend, move |c| {
        c.redis_url = Some(u1);
        c.redis_key_prefix = p1;
    })
    .await;
    let shared_db = a.state.config.database_url.clone();
    let b = spawn_app_with(backend, move |c| {
        c.redis_url = Some(url);
        c.redis_key_prefix = prefix;
        c.database_url = shared_db;
    })
    .await;
    writes_are_seen_at_once(&a, &[&a, &b]).await;
}

#[tokio::test]
async fn seed_creates_demo_posts_follows_likes_and_videos() {
    for app in spawn_apps().await {
        let plan = blackroad_api::seed::SeedPlan {
            users: 12,
            transactions: 10,
            blocks: 2,
            difficulty: 1,
            password: PASSWORD.into(),
        };
        blackroad_api::seed::seed(&app.state.db, &app.state.wallet_cipher, &plan)
            .await
            .expect("seeded");
        for table in ["posts", "follows", "post_likes", "videos"] {
            let n = app.scalar(&format!("SELECT COUNT(*) FROM {table}")).await;
            assert!(n > 0, "{table}: {n}");
        }
        let login = app.login("demo00000", PASSWORD).await;
        let token = login.assert_ok()["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = app
            .graphql_as(
                &token,
                "{ feed(first: 50) { edges { node { author { username } likeCount } } }
                   me { followingCount } videos(first: 50) { edges { node { title } } } }",
                json!({}),
            )
            .await;
        let data = res.assert_ok();
        assert!(data["me"]["followingCount"].as_i64().unwrap() > 0);
        assert!(data["feed"]["edges"].as_array().unwrap().len() > 1);
        assert!(!data["videos"]["edges"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn every_social_mutation_writes_its_audit_event() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let id = post(&app, &alice, "audited").await;
        follow(&app, &bob, "alice").await.assert_ok();
        let like = json!({"input": {"postId": id}});
        app.graphql_as(&bob.access, LIKE, like.clone())
            .await
            .assert_ok();
        app.graphql_as(
            &bob.access,
            "mutation($input: LikePostInput!) { unlikePost(input: $input) { id } }",
            like,
        )
        .await
        .assert_ok();
        let comment = app
            .graphql_as(
                &bob.access,
                COMMENT,
                json!({"input": {"postId": id, "body": "hi"}}),
            )
            .await;
        let comment_id = comment.assert_ok()["addComment"]["id"].clone();
        for (query, input) in [
            (
                "mutation($input: DeleteCommentInput!) { deleteComment(input: $input) }",
                json!({"id": comment_id}),
            ),
            (
                "mutation($input: FollowInput!) { unfollow(input: $input) { id } }",
                json!({"username": "alice"}),
            ),
        ] {
            app.graphql_as(&bob.access, query, json!({"input": input}))
                .await
                .assert_ok();
        }
        app.graphql_as(
            &alice.access,
            "mutation($input: DeletePostInput!) { deletePost(input: $input) }",
            json!({"input": {"id": id}}),
        )
        .await
        .assert_ok();
        let mut actions = Vec::new();
        for action in [
            "social.post.create",
            "social.follow",
            "social.post.like",
            "social.post.unlike",
            "social.comment.add",
            "social.comment.delete",
            "social.unfollow",
            "social.post.delete",
        ] {
            let sql = format!("SELECT COUNT(*) FROM events WHERE action = '{action}'");
            actions.push((action, app.scalar(&sql).await));
        }
        assert!(actions.iter().all(|(_, n)| *n == 1), "{actions:?}");
    }
}
