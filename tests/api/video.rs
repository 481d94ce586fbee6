//! BlackStream: publishing, visibility (public, unlisted, private) through every path, owner
//! rules, views once per viewer per window and reactions, exact under concurrency.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::*;

const PUBLISH: &str = "mutation($input: PublishVideoInput!) { publishVideo(input: $input) {
    id title description url durationSeconds visibility viewCount likeCount dislikeCount
    viewerReaction owner { username } } }";
const UPDATE: &str = "mutation($input: UpdateVideoInput!) { updateVideo(input: $input) {
    id title description visibility } }";
const DELETE: &str = "mutation($input: DeleteVideoInput!) { deleteVideo(input: $input) }";
const VIEW: &str =
    "mutation($input: RecordViewInput!) { recordView(input: $input) { id viewCount } }";
const REACT: &str = "mutation($input: ReactToVideoInput!) { reactToVideo(input: $input) {
    id likeCount dislikeCount viewerReaction } }";
const VIDEO: &str = "query($id: ID!) { video(id: $id) { id title visibility viewCount } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { ... on Video { id title } } }";
const LIST: &str = "query($owner: String) { videos(first: 50, owner: $owner) {
    edges { node { title } } } }";

async fn publish(app: &TestApp, user: &TestUser, title: &str, visibility: &str) -> String {
    let input = json!({"title": title, "url": "https://videos.example.com/v.mp4",
        "durationSeconds": 60, "visibility": visibility});
    let res = app
        .graphql_as(&user.access, PUBLISH, json!({"input": input}))
        .await;
    res.assert_ok()["publishVideo"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn titles(app: &TestApp, token: Option<&str>, owner: Value) -> Vec<String> {
    let res = app.graphql_with(token, LIST, json!({"owner": owner})).await;
    res.assert_ok()["videos"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn videos(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM videos").await
}

#[tokio::test]
async fn publishing_checks_every_field_and_stores_nothing_bad() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let good =
            json!({"title": "Trip", "url": "https://v.example/1.mp4", "durationSeconds": 90});
        let res = app
            .graphql_as(&alice.access, PUBLISH, json!({"input": good}))
            .await;
        let video = &res.assert_ok()["publishVideo"];
        assert_eq!(video["visibility"], "PUBLIC", "the default");
        assert_eq!(video["owner"]["username"], "alice");
        assert_eq!(
            (
                video["viewCount"].clone(),
                video["likeCount"].clone(),
                video["dislikeCount"].clone()
            ),
            (json!(0), json!(0), json!(0))
        );
        assert_eq!(video["viewerReaction"], Value::Null);
        let with = |key: &str, value: Value| {
            let mut input = good.clone();
            input[key] = value;
            input
        };
        for (input, field) in [
            (with("title", json!("")), "title"),
            (with("title", json!("x".repeat(201))), "title"),
            (with("title", json!("two\nlines")), "title"),
            (with("description", json!("d".repeat(5001))), "description"),
            (with("url", json!("ftp://v.example/1")), "url"),
            (with("url", json!("not a url")), "url"),
            (with("url", json!("https://")), "url"),
            (with("url", json!("")), "url"),
            (with("durationSeconds", json!(0)), "durationSeconds"),
            (with("durationSeconds", json!(-5)), "durationSeconds"),
            (with("durationSeconds", json!(86_401)), "durationSeconds"),
        ] {
            let res = app
                .graphql_as(&alice.access, PUBLISH, json!({"input": input}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field), "{input}");
        }
        app.graphql(PUBLISH, json!({"input": good}))
            .await
            .assert_error("UNAUTHENTICATED");
        assert_eq!(videos(&app).await, 1);
    }
}

#[tokio::test]
async fn private_videos_exist_only_for_their_owner_on_every_path() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        publish(&app, &alice, "open", "PUBLIC").await;
        let unlisted = publish(&app, &alice, "link only", "UNLISTED").await;
        let private = publish(&app, &alice, "secret", "PRIVATE").await;

        assert_eq!(
            titles(&app, Some(&alice.access), Value::Null).await,
            ["secret", "link only", "open"]
        );
        assert_eq!(titles(&app, Some(&bob.access), Value::Null).await, ["open"]);
        assert_eq!(titles(&app, None, json!("alice")).await, ["open"]);
        assert_eq!(
            titles(&app, Some(&alice.access), json!("bob")).await,
            Vec::<String>::new()
        );
        assert_eq!(
            titles(&app, None, json!("nobody")).await,
            Vec::<String>::new()
        );

        for (id, title) in [(&unlisted, json!("link only")), (&private, Value::Null)] {
            for token in [Some(bob.access.as_str()), None] {
                let direct = app.graphql_with(token, VIDEO, json!({"id": id})).await;
                assert_eq!(direct.assert_ok()["video"]["title"], title);
                let node = app.graphql_with(token, NODE, json!({"id": id})).await;
                assert_eq!(node.assert_ok()["node"]["title"].clone(), title);
                let nodes = app
                    .graphql_with(
                        token,
                        "query($id: ID!) { nodes(ids: [$id]) { ... on Video { title } } }",
                        json!({"id": id}),
                    )
                    .await;
                assert_eq!(nodes.assert_ok()["nodes"][0]["title"].clone(), title);
            }
        }
        let own = app
            .graphql_as(&alice.access, VIDEO, json!({"id": private}))
            .await;
        assert_eq!(own.assert_ok()["video"]["visibility"], "PRIVATE");

        // Bob can neither see, view, react to, change nor delete the private one: it is not
        // found, exactly like a missing video, and nothing changes.
        for (query, input) in [
            (VIEW, json!({"videoId": private})),
            (REACT, json!({"videoId": private, "reaction": "LIKE"})),
            (UPDATE, json!({"id": private, "title": "mine now"})),
            (DELETE, json!({"id": private})),
        ] {
            app.graphql_as(&bob.access, query, json!({"input": input}))
                .await
                .assert_error("NOT_FOUND");
        }
        // The unlisted one he may watch, but not change or delete.
        app.graphql_as(
            &bob.access,
            UPDATE,
            json!({"input": {"id": unlisted, "title": "x"}}),
        )
        .await
        .assert_error("FORBIDDEN");
        app.graphql_as(&bob.access, DELETE, json!({"input": {"id": unlisted}}))
            .await
            .assert_error("FORBIDDEN");
        assert_eq!(videos(&app).await, 3);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM video_reactions").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM video_viewers").await, 0);

        // The owner changes it; making it public lists it for everyone.
        let res = app
            .graphql_as(&alice.access, UPDATE, json!({"input": {"id": private, "title": "revealed", "description": "now", "visibility": "PUBLIC"}}))
            .await;
        let video = &res.assert_ok()["updateVideo"];
        assert_eq!(
            (
                video["title"].clone(),
                video["description"].clone(),
                video["visibility"].clone()
            ),
            (json!("revealed"), json!("now"), json!("PUBLIC"))
        );
        let res = app
            .graphql_as(
                &alice.access,
                UPDATE,
                json!({"input": {"id": private, "description": null}}),
            )
            .await;
        assert_eq!(res.assert_ok()["updateVideo"]["description"], Value::Null);
        assert_eq!(res.assert_ok()["updateVideo"]["title"], "revealed");
        let bad = app
            .graphql_as(
                &alice.access,
                UPDATE,
                json!({"input": {"id": private, "title": ""}}),
            )
            .await;
        bad.assert_error("BAD_USER_INPUT");
        assert_eq!(bad.error_field(), Some("title"));
        assert_eq!(titles(&app, None, Value::Null).await, ["revealed", "open"]);

        // Deleting: the owner, or an admin.
        let root = app.register("root").await;
        app.make_admin(&root).await;
        app.graphql_as(&root.access, DELETE, json!({"input": {"id": unlisted}}))
            .await
            .assert_ok();
        let res = app
            .graphql_as(&alice.access, DELETE, json!({"input": {"id": private}}))
            .await;
        assert_eq!(res.assert_ok()["deleteVideo"], true);
        app.graphql_as(&alice.access, DELETE, json!({"input": {"id": private}}))
            .await
            .assert_error("NOT_FOUND");
        assert_eq!(videos(&app).await, 1);
        let wrong = app
            .graphql_as(&alice.access, DELETE, json!({"input": {"id": alice.id}}))
            .await;
        wrong.assert_error("BAD_USER_INPUT");
        assert_eq!(wrong.error_field(), Some("id"));
    }
}

#[tokio::test]
async fn views_count_once_per_viewer_per_window_even_concurrently() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.video.video_view_window_secs = 2).await;
        let alice = app.register("alice").await;
        let id = publish(&app, &alice, "clip", "UNLISTED").await;
        let names: Vec<String> = (0..10).map(|i| format!("viewer{i}")).collect();
        let viewers = join_all(names.iter().map(|n| app.register(n))).await;
        // Each viewer three times at once: ten views.
        let calls = viewers
            .iter()
            .cycle()
            .take(30)
            .map(|v| app.graphql_as(&v.access, VIEW, json!({"input": {"videoId": id}})));
        for res in join_all(calls).await {
            res.assert_ok();
        }
        let res = app.graphql(VIDEO, json!({"id": id})).await;
        assert_eq!(res.assert_ok()["video"]["viewCount"], 10);
        // After the window the same viewer counts again.
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let res = app
            .graphql_as(&viewers[0].access, VIEW, json!({"input": {"videoId": id}}))
            .await;
        assert_eq!(res.assert_ok()["recordView"]["viewCount"], 11);
        let res = app
            .graphql_as(&viewers[0].access, VIEW, json!({"input": {"videoId": id}}))
            .await;
        assert_eq!(res.assert_ok()["recordView"]["viewCount"], 11);
        app.graphql(VIEW, json!({"input": {"videoId": id}}))
            .await
            .assert_error("UNAUTHENTICATED");
        let bad = app
            .graphql_as(&alice.access, VIEW, json!({"input": {"videoId": "nope"}}))
            .await;
        bad.assert_error("BAD_USER_INPUT");
        assert_eq!(bad.error_field(), Some("videoId"));
    }
}

#[tokio::test]
async fn reactions_are_exact_and_switching_moves_one_count() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let id = publish(&app, &alice, "clip", "PUBLIC").await;
        let names: Vec<String> = (0..20).map(|i| format!("fan{i:02}")).collect();
        let fans = join_all(names.iter().map(|n| app.register(n))).await;
        let calls = fans.iter().chain(fans.iter()).enumerate().map(|(i, fan)| {
            let reaction = if i % 20 < 15 { "LIKE" } else { "DISLIKE" };
            app.graphql_as(
                &fan.access,
                REACT,
                json!({"input": {"videoId": id, "reaction": reaction}}),
            )
        });
        for res in join_all(calls).await {
            res.assert_ok();
        }
        let react = |who: &TestUser, reaction: Value| {
            let (token, id) = (who.access.clone(), id.clone());
            let app = &app;
            async move {
                let res = app
                    .graphql_as(
                        &token,
                        REACT,
                        json!({"input": {"videoId": id, "reaction": reaction}}),
                    )
                    .await;
                let v = res.assert_ok()["reactToVideo"].clone();
                (
                    v["likeCount"].as_i64().unwrap(),
                    v["dislikeCount"].as_i64().unwrap(),
                    v["viewerReaction"].clone(),
                )
            }
        };
        assert_eq!(react(&fans[0], json!("LIKE")).await, (15, 5, json!("LIKE")));
        assert_eq!(
            react(&fans[0], json!("DISLIKE")).await,
            (14, 6, json!("DISLIKE"))
        );
        assert_eq!(react(&fans[0], Value::Null).await, (14, 5, Value::Null));
        assert_eq!(react(&fans[0], Value::Null).await, (14, 5, Value::Null));
        assert_eq!(
            react(&alice, json!("DISLIKE")).await,
            (14, 6, json!("DISLIKE"))
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM video_reactions").await, 20);
        let bad = app
            .graphql_as(
                &alice.access,
                REACT,
                json!({"input": {"videoId": id, "reaction": "MEH"}}),
            )
            .await;
        assert!(bad.body["errors"].is_array());
        // Deleting the video takes its reactions and views along.
        app.graphql_as(&alice.access, VIEW, json!({"input": {"videoId": id}}))
            .await
            .assert_ok();
        app.graphql_as(&alice.access, DELETE, json!({"input": {"id": id}}))
            .await
            .assert_ok();
        assert_eq!(app.scalar("SELECT COUNT(*) FROM video_reactions").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM video_viewers").await, 0);
    }
}

#[tokio::test]
async fn a_video_page_costs_the_same_statements_whatever_its_size() {
    const WIDE: &str = "query($n: Int!) { videos(first: $n) { edges { node { id title viewCount
        likeCount dislikeCount viewerReaction owner { username followerCount } } } } }";
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        for i in 0..20 {
            let who = if i % 2 == 0 { &alice } else { &bob };
            let id = publish(&app, who, &format!("v{i}"), "PUBLIC").await;
            app.graphql_as(
                &alice.access,
                REACT,
                json!({"input": {"videoId": id, "reaction": "LIKE"}}),
            )
            .await
            .assert_ok();
        }
        let mut costs = Vec::new();
        for n in [3, 20] {
            let before = app.statements();
            let res = app.graphql_as(&alice.access, WIDE, json!({"n": n})).await;
            let edges = res.assert_ok()["videos"]["edges"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(edges.len(), n as usize);
            assert_eq!(edges[0]["node"]["likeCount"], 1);
            assert_eq!(edges[0]["node"]["viewerReaction"], "LIKE");
            costs.push(app.statements() - before);
        }
        assert_eq!(costs[0], costs[1], "{costs:?}");
    }
}

#[tokio::test]
async fn every_video_mutation_writes_its_audit_event() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let id = publish(&app, &alice, "clip", "PUBLIC").await;
        for (query, input) in [
            (UPDATE, json!({"id": id, "title": "renamed"})),
            (VIEW, json!({"videoId": id})),
            (VIEW, json!({"videoId": id})),
            (REACT, json!({"videoId": id, "reaction": "LIKE"})),
            (DELETE, json!({"id": id})),
        ] {
            app.graphql_as(&alice.access, query, json!({"input": input}))
                .await
                .assert_ok();
        }
        let actions = [
            "video.publish",
            "video.update",
            "video.view",
            "video.react",
            "video.delete",
        ];
        let mut counts = Vec::new();
        for action in actions {
            let sql = format!("SELECT COUNT(*) FROM events WHERE action = '{action}'");
            counts.push(app.scalar(&sql).await);
        }
        assert_eq!(counts, [1, 1, 2, 1, 1]);
    }
}
