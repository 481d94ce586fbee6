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
pub const UNFOLLOW: &str = "mutation($input: FollowInput!) { unfollow(input: $input) {
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

pub async fn feed_bodies(
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
