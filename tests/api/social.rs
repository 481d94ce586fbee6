//! BlackRoad Social: posts, comments, likes, follows and the feed; bad input, permissions,
//! exact counts under concurrency and the feed's statement count.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::*;

pub const CREATE_POST: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) {
    id body mediaUrl likeCount commentCount viewerHasLiked author { username } } }";
pub const LIKE: &str =
    "mutation($input: LikePostInput!) { likePost(input: $input) { id likeCount viewerHasLiked } }";
const UNLIKE: &str = "mutation($input: LikePostInput!) { unlikePost(input: $input) { id likeCount viewerHasLiked } }";
pub const COMMENT: &str = "mutation($input: AddCommentInput!) { addComment(input: $input) {
    id body author { username } post { id commentCount } } }";
const DELETE_COMMENT: &str =
    "mutation($input: DeleteCommentInput!) { deleteComment(input: $input) }";
const DELETE_POST: &str = "mutation($input: DeletePostInput!) { deletePost(input: $input) }";
pub const FOLLOW: &str = "mutation($input: FollowInput!) { follow(input: $input) {
    username followerCount viewerIsFollowing } }";
const UNFOLLOW: &str = "mutation($input: FollowInput!) { unfollow(input: $input) {
    username followerCount viewerIsFollowing } }";
pub const FEED: &str = "query($first: Int, $after: String) { feed(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { id body author { username } } } } }";
const POST: &str = "query($id: ID!) { post(id: $id) { id body likeCount commentCount viewerHasLiked
    author { username } comments(first: 10) { edges { node { id body author { username } } } } } }";

pub async fn post(app: &TestApp, user: &TestUser, body: &str) -> String {
    let res = app
        .graphql_as(&user.access, CREATE_POST, json!({"input": {"body": body}}))
        .await;
    res.assert_ok()["createPost"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn follow(app: &TestApp, who: &TestUser, username: &str) -> Gql {
    app.graphql_as(
        &who.access,
        FOLLOW,
        json!({"input": {"username": username}}),
    )
    .await
}

async fn feed_bodies(
    app: &TestApp,
    user: &TestUser,
    first: i32,
    after: Value,
) -> (Vec<String>, Value) {
    let res = app
        .graphql_as(&user.access, FEED, json!({"first": first, "after": after}))
        .await;
    let feed = res.assert_ok()["feed"].clone();
    let bodies = feed["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["body"].as_str().unwrap().to_owned())
        .collect();
    (bodies, feed["pageInfo"]["endCursor"].clone())
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.scalar("SELECT COUNT(*) FROM posts").await,
        app.scalar("SELECT COUNT(*) FROM post_comments").await,
        app.scalar("SELECT COUNT(*) FROM post_likes").await,
    )
}

#[tokio::test]
async fn a_post_is_stored_as_written_and_readable_by_id_node_and_author() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let body = "<script>alert('x')</script> & \"quotes\"";
        let res = app
            .graphql_as(
                &alice.access,
                CREATE_POST,
                json!({"input": {"body": format!("  {body}  "), "mediaUrl": "https://cdn.example.com/a.png"}}),
            )
            .await;
        let created = res.assert_ok()["createPost"].clone();
        assert_eq!(created["body"], body, "trimmed, otherwise verbatim");
        assert_eq!(created["mediaUrl"], "https://cdn.example.com/a.png");
        assert_eq!(created["author"]["username"], "alice");
        assert_eq!(
            (
                created["likeCount"].clone(),
                created["commentCount"].clone()
            ),
            (json!(0), json!(0))
        );
        let id = created["id"].clone();
        // Anyone reads a post, by id or as a node.
        let anonymous = app.graphql(POST, json!({"id": id})).await;
        assert_eq!(anonymous.assert_ok()["post"]["body"], body);
        assert_eq!(anonymous.assert_ok()["post"]["viewerHasLiked"], false);
        let node = app
            .graphql(
                "query($id: ID!) { node(id: $id) { __typename ... on Post { body } } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(node.assert_ok()["node"]["__typename"], "Post");
        let posts = app
            .graphql(
                "{ user(username: \"alice\") { posts(first: 5) { edges { node { id body } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            posts.assert_ok()["user"]["posts"]["edges"][0]["node"]["id"],
            id
        );
        // A wallet id is not a post id.
        let bob = app.register("bob").await;
        let wrong = app.graphql(POST, json!({"id": bob.id})).await;
        wrong.assert_error("BAD_USER_INPUT");
        assert_eq!(wrong.error_field(), Some("id"));
        let anonymous = app
            .graphql(CREATE_POST, json!({"input": {"body": "hi"}}))
            .await;
        anonymous.assert_error("UNAUTHENTICATED");
        assert_eq!(counts(&app).await, (1, 0, 0));
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_stores_nothing() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let long = "x".repeat(501);
        for (input, field) in [
            (json!({"body": ""}), "body"),
            (json!({"body": "   "}), "body"),
            (json!({"body": long}), "body"),
            (json!({"body": "bell\u{7}"}), "body"),
            (
                json!({"body": "ok", "mediaUrl": "ftp://example.com/a"}),
                "mediaUrl",
            ),
            (
                json!({"body": "ok", "mediaUrl": "example.com/a.png"}),
                "mediaUrl",
            ),
            (json!({"body": "ok", "mediaUrl": "https://"}), "mediaUrl"),
            (json!({"body": "ok", "mediaUrl": " "}), "mediaUrl"),
            (
                json!({"body": "ok", "mediaUrl": "javascript:alert(1)"}),
                "mediaUrl",
            ),
        ] {
            let res = app
                .graphql_as(&alice.access, CREATE_POST, json!({"input": input}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field), "{input}");
        }
        let ok = app
            .graphql_as(
                &alice.access,
                CREATE_POST,
                json!({"input": {"body": "x".repeat(500)}}),
            )
            .await;
        ok.assert_ok();
        let id = ok.data()["createPost"]["id"].clone();
        for (input, field, code) in [
            (
                json!({"postId": id, "body": ""}),
                Some("body"),
                "BAD_USER_INPUT",
            ),
            (
                json!({"postId": id, "body": long}),
                Some("body"),
                "BAD_USER_INPUT",
            ),
            (
                json!({"postId": "garbage", "body": "hi"}),
                Some("postId"),
                "BAD_USER_INPUT",
            ),
            (
                json!({"postId": alice.id, "body": "hi"}),
                Some("postId"),
                "BAD_USER_INPUT",
            ),
        ] {
            let res = app
                .graphql_as(&alice.access, COMMENT, json!({"input": input}))
                .await;
            res.assert_error(code);
            assert_eq!(res.error_field(), field, "{input}");
        }
        for (query, input) in [
            (LIKE, json!({"postId": "garbage"})),
            (DELETE_POST, json!({"id": alice.id})),
            (DELETE_COMMENT, json!({"id": id})),
        ] {
            let res = app
                .graphql_as(&alice.access, query, json!({"input": input}))
                .await;
            res.assert_error("BAD_USER_INPUT");
        }
        assert_eq!(counts(&app).await, (1, 0, 0));
    }
}

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
async fn likes_and_comments_count_once_and_follow_the_rules_of_who_may_delete() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let id = post(&app, &alice, "hello").await;
        let like = |who: &TestUser, q: &'static str| {
            let token = who.access.clone();
            let id = id.clone();
            let app = &app;
            async move {
                app.graphql_as(&token, q, json!({"input": {"postId": id}}))
                    .await
            }
        };
        for _ in 0..2 {
            let liked = like(&bob, LIKE).await;
            assert_eq!(liked.assert_ok()["likePost"]["likeCount"], 1, "idempotent");
            assert_eq!(liked.assert_ok()["likePost"]["viewerHasLiked"], true);
        }
        let res = app.graphql_as(&alice.access, POST, json!({"id": id})).await;
        assert_eq!(
            res.assert_ok()["post"]["viewerHasLiked"],
            false,
            "alice did not like it"
        );
        for _ in 0..2 {
            let unliked = like(&bob, UNLIKE).await;
            assert_eq!(unliked.assert_ok()["unlikePost"]["likeCount"], 0);
            assert_eq!(unliked.assert_ok()["unlikePost"]["viewerHasLiked"], false);
        }
        like(&bob, LIKE).await.assert_ok();
        like(&alice, LIKE).await.assert_ok();

        let comment = |who: &TestUser, body: &str| {
            let (token, id, body) = (who.access.clone(), id.clone(), body.to_owned());
            let app = &app;
            async move {
                let res = app
                    .graphql_as(
                        &token,
                        COMMENT,
                        json!({"input": {"postId": id, "body": body}}),
                    )
                    .await;
                res.assert_ok()["addComment"].clone()
            }
        };
        let by_bob = comment(&bob, "first!").await;
        assert_eq!(by_bob["post"]["commentCount"], 1);
        let by_carol = comment(&carol, "second").await;
        let by_carol2 = comment(&carol, "third").await;
        let data = app.graphql(POST, json!({"id": id})).await;
        let data = &data.assert_ok()["post"];
        assert_eq!(
            (data["likeCount"].clone(), data["commentCount"].clone()),
            (json!(2), json!(3))
        );
        let bodies: Vec<&str> = data["comments"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, ["first!", "second", "third"], "oldest first");

        // Comments: their author, the post's author or an admin; nobody else.
        let delete_comment = |who: &TestUser, c: &Value| {
            let (token, cid) = (who.access.clone(), c["id"].clone());
            let app = &app;
            async move {
                app.graphql_as(&token, DELETE_COMMENT, json!({"input": {"id": cid}}))
                    .await
            }
        };
        delete_comment(&carol, &by_bob)
            .await
            .assert_error("FORBIDDEN");
        assert_eq!(counts(&app).await, (1, 3, 2));
        assert_eq!(
            delete_comment(&bob, &by_bob).await.assert_ok()["deleteComment"],
            true
        );
        delete_comment(&bob, &by_bob)
            .await
            .assert_error("NOT_FOUND");
        delete_comment(&alice, &by_carol).await.assert_ok();
        delete_comment(&root, &by_carol2).await.assert_ok();
        assert_eq!(counts(&app).await, (1, 0, 2));

        // Posts: their author or an admin; deleting takes comments and likes along.
        comment(&bob, "again").await;
        let delete = |who: &TestUser, pid: &str| {
            let (token, pid) = (who.access.clone(), pid.to_owned());
            let app = &app;
            async move {
                app.graphql_as(&token, DELETE_POST, json!({"input": {"id": pid}}))
                    .await
            }
        };
        delete(&bob, &id).await.assert_error("FORBIDDEN");
        assert_eq!(counts(&app).await, (1, 1, 2));
        assert_eq!(delete(&alice, &id).await.assert_ok()["deletePost"], true);
        assert_eq!(counts(&app).await, (0, 0, 0));
        delete(&alice, &id).await.assert_error("NOT_FOUND");
        like(&bob, LIKE).await.assert_error("NOT_FOUND");
        assert_eq!(
            app.graphql(POST, json!({"id": id})).await.assert_ok()["post"],
            Value::Null
        );
        let other = post(&app, &bob, "bob's").await;
        delete(&root, &other).await.assert_ok();
        assert_eq!(counts(&app).await, (0, 0, 0));
    }
}

#[tokio::test]
async fn fifty_concurrent_likes_by_fifty_users_count_fifty() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let id = post(&app, &alice, "like me").await;
        let names: Vec<String> = (0..50).map(|i| format!("fan{i:02}")).collect();
        let fans = join_all(names.iter().map(|n| app.register(n))).await;
        let results = join_all(
            fans.iter()
                .chain(fans.iter().take(10))
                .map(|fan| app.graphql_as(&fan.access, LIKE, json!({"input": {"postId": id}}))),
        )
        .await;
        for res in &results {
            res.assert_ok();
        }
        let res = app.graphql(POST, json!({"id": id})).await;
        assert_eq!(res.assert_ok()["post"]["likeCount"], 50);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM post_likes").await, 50);
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
