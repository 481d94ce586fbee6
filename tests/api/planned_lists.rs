//! Lookahead-planned lists (issue 17): every top-level list reads its page's to-one relations
//! and per-row figures with a fixed number of statements, whatever the page size, and answers
//! exactly what the unplanned path (the same objects through `nodes(ids:)`, loaders only) does.

use serde_json::{Value, json};

use crate::{
    helpers::*,
    jobs::submit_ok,
    mail::send_mail,
    social::{COMMENT, LIKE, follow, post},
};

/// The statements a page of `n` took and its nodes, after checking that the same nodes read
/// through `nodes(ids:)` (no plan) are identical. `list` is the root field with its arguments
/// up to `first`; `fields` is the selection of a node of type `kind`.
async fn planned_page(
    app: &TestApp,
    token: &str,
    list: &str,
    kind: &str,
    fields: &str,
    n: usize,
) -> (u64, Vec<Value>) {
    let root = list.split('(').next().unwrap_or(list);
    let query =
        format!("query($n: Int!) {{ {list} first: $n) {{ edges {{ node {{ id {fields} }} }} }} }}");
    let before = app.statements();
    let res = app.graphql_as(token, &query, json!({"n": n})).await;
    let cost = app.statements() - before;
    let nodes: Vec<Value> = res.assert_ok()[root]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(nodes.len(), n, "{list}");
    let ids: Vec<&Value> = nodes.iter().map(|node| &node["id"]).collect();
    let unplanned =
        format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on {kind} {{ id {fields} }} }} }}");
    let res = app.graphql_as(token, &unplanned, json!({"ids": ids})).await;
    assert_eq!(
        res.assert_ok()["nodes"].as_array().unwrap(),
        &nodes,
        "{list}: planned and unplanned answers differ"
    );
    (cost, nodes)
}

/// Pages of 5 and 40 cost the same, and no more than `ceiling` beyond what any request with
/// this token costs (reading the viewer).
async fn assert_constant(
    app: &TestApp,
    token: &str,
    (list, kind, fields): (&str, &str, &str),
    ceiling: u64,
) -> Vec<Value> {
    let before = app.statements();
    app.graphql_as(token, "{ __typename }", json!({}))
        .await
        .assert_ok();
    let viewer = app.statements() - before;
    let (small, _) = planned_page(app, token, list, kind, fields, 5).await;
    let (large, nodes) = planned_page(app, token, list, kind, fields, 40).await;
    assert_eq!(small, large, "{list}: 5 vs 40 rows");
    assert!(
        large - viewer <= ceiling,
        "{list}: {large} statements, {viewer} of them for the viewer, > {ceiling}"
    );
    nodes
}

#[tokio::test]
async fn a_feed_page_reads_authors_counts_and_likes_in_one_statement() {
    const POST: &str = "body createdAt likeCount commentCount viewerHasLiked
        author { id username fullName }";
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        follow(&app, &alice, "bob").await.assert_ok();
        for i in 0..40 {
            let who = if i % 2 == 0 { &alice } else { &bob };
            let id = post(&app, who, &format!("post {i}")).await;
            if i % 3 == 0 {
                app.graphql_as(&alice.access, LIKE, json!({"input": {"postId": id}}))
                    .await
                    .assert_ok();
            }
            if i % 4 == 0 {
                let input = json!({"input": {"postId": id, "body": "nice"}});
                app.graphql_as(&bob.access, COMMENT, input)
                    .await
                    .assert_ok();
            }
        }
        // The page, then one read-ahead statement (it was five: page, authors, likes,
        // comments, the viewer's likes).
        let nodes = assert_constant(&app, &alice.access, ("feed(", "Post", POST), 2).await;
        let liked = nodes.iter().filter(|p| p["viewerHasLiked"] == true).count();
        assert_eq!(liked, 14);
        assert!(nodes.iter().any(|p| p["commentCount"] == 1));
        assert!(nodes.iter().any(|p| p["author"]["username"] == "bob"));
        // `nodes { … }` is planned like `edges { node { … } }`, through fragments too.
        let before = app.statements();
        let query = "{ feed(first: 40) { nodes { ...P } } } fragment P on Post { id likeCount
            author { username } }";
        let res = app.graphql_as(&alice.access, query, json!({})).await;
        let cost = app.statements() - before;
        let listed = res.assert_ok()["feed"]["nodes"].as_array().unwrap();
        assert_eq!(listed.len(), 40);
        for (node, full) in listed.iter().zip(&nodes) {
            assert_eq!(node["author"]["username"], full["author"]["username"]);
        }
        let before = app.statements();
        app.graphql_as(&alice.access, "{ __typename }", json!({}))
            .await;
        assert!(
            cost - (app.statements() - before) <= 2,
            "nodes: {cost} statements"
        );
        // Bob liked nothing: the flag is per viewer, never another viewer's primed value.
        let (_, bobs) = planned_page(&app, &bob.access, "feed(", "Post", POST, 20).await;
        assert!(bobs.iter().all(|p| p["viewerHasLiked"] == false));
    }
}

#[tokio::test]
async fn a_user_s_posts_and_a_post_s_comments_reuse_their_parent() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let id = post(&app, &alice, "hello").await;
        for body in ["one", "two", "three"] {
            let input = json!({"input": {"postId": id, "body": body}});
            app.graphql_as(&alice.access, COMMENT, input)
                .await
                .assert_ok();
        }
        let query = "query($id: ID!) { post(id: $id) { id body author { username posts(first: 5) {
            edges { node { body author { username } comments(first: 5) { edges { node { body
            post { id body } author { username } } } } } } } } } }";
        let res = app
            .graphql_as(&alice.access, query, json!({"id": id}))
            .await;
        let author = &res.assert_ok()["post"]["author"];
        let posts = &author["posts"]["edges"];
        assert_eq!(posts[0]["node"]["author"]["username"], "alice");
        let comments = posts[0]["node"]["comments"]["edges"].as_array().unwrap();
        assert_eq!(comments.len(), 3);
        assert!(
            comments
                .iter()
                .all(|c| c["node"]["post"]["id"] == id.as_str())
        );
    }
}

#[tokio::test]
async fn a_mailbox_page_reads_senders_and_recipients_ahead() {
    const MAIL: &str = "subject isRead from { id username } to { id username }";
    for app in spawn_apps().await {
        let reader = app.register("reader").await;
        let others = [
            app.register("ann").await,
            app.register("ben").await,
            app.register("cat").await,
        ];
        for i in 0..40 {
            let from = &others[i % 3];
            let to: &[&str] = if i % 2 == 0 {
                &["reader"]
            } else {
                &["reader", "cat", "ann"]
            };
            send_mail(&app, from, to, &format!("mail {i}"), None)
                .await
                .assert_ok();
        }
        // The page, the senders and the recipients (with their users), read together.
        let list = ("mailbox(", "MailMessage", MAIL);
        let nodes = assert_constant(&app, &reader.access, list, 3).await;
        assert!(nodes.iter().any(|m| m["to"].as_array().unwrap().len() == 3));
        assert_eq!(nodes[0]["to"][0]["username"], "reader");
    }
}

#[tokio::test]
async fn a_file_search_page_reads_the_folders_ahead() {
    for app in spawn_apps().await {
        let user = app.register("filer").await;
        let mut folders = Vec::new();
        for name in ["docs", "photos"] {
            let folder = crate::files::create_folder(&app, &user.access, None, name).await;
            folders.push(folder["id"].as_str().unwrap().to_owned());
        }
        for i in 0..40 {
            let folder = (i % 3 < 2).then(|| folders[i % 3].as_str());
            let name = format!("report{i}.txt");
            crate::files::upload(&app, &user.access, folder, &name, name.as_bytes()).await;
        }
        let list = (
            "fileSearch(name: \"report\",",
            "File",
            "name size folder { id name }",
        );
        let nodes = assert_constant(&app, &user.access, list, 2).await;
        assert!(nodes.iter().any(|f| f["folder"]["name"] == "photos"));
        assert!(nodes.iter().any(|f| f["folder"]["name"] == ""), "the root");
    }
}

#[tokio::test]
async fn a_video_page_reads_owners_reactions_and_counts_ahead() {
    const PUBLISH: &str =
        "mutation($input: PublishVideoInput!) { publishVideo(input: $input) { id } }";
    const REACT: &str =
        "mutation($input: ReactToVideoInput!) { reactToVideo(input: $input) { id } }";
    const VIDEO: &str = "title likeCount dislikeCount viewerReaction owner { id username }";
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        for i in 0..40 {
            let who = if i % 2 == 0 { &alice } else { &bob };
            let input = json!({"title": format!("v{i}"), "url": "https://v.example/v.mp4",
                "durationSeconds": 60});
            let res = app
                .graphql_as(&who.access, PUBLISH, json!({"input": input}))
                .await;
            let id = res.assert_ok()["publishVideo"]["id"].clone();
            // Some liked, some disliked, some untouched: a missing reaction is primed too.
            let reaction = match i % 3 {
                0 => "LIKE",
                1 => "DISLIKE",
                _ => continue,
            };
            let input = json!({"input": {"videoId": id, "reaction": reaction}});
            app.graphql_as(&alice.access, REACT, input)
                .await
                .assert_ok();
        }
        let nodes = assert_constant(&app, &alice.access, ("videos(", "Video", VIDEO), 2).await;
        assert!(nodes.iter().any(|v| v["viewerReaction"].is_null()));
        assert!(nodes.iter().any(|v| v["dislikeCount"] == 1));
        // Anonymous viewers have no reaction and get the same owners and counts.
        let anonymous = app
            .graphql(
                &format!("{{ videos(first: 40) {{ edges {{ node {{ id {VIDEO} }} }} }} }}"),
                json!({}),
            )
            .await;
        let edges = anonymous.assert_ok()["videos"]["edges"].as_array().unwrap();
        for (edge, node) in edges.iter().zip(&nodes) {
            assert!(edge["node"]["viewerReaction"].is_null());
            assert_eq!(edge["node"]["owner"], node["owner"]);
            assert_eq!(edge["node"]["likeCount"], node["likeCount"]);
        }
    }
}

#[tokio::test]
async fn job_and_event_pages_read_owners_and_actors_ahead() {
    for app in spawn_apps().await {
        let root = app.register("root").await;
        app.make_admin(&root).await;
        for n in 0..8 {
            let user = app.register(&format!("user{n}")).await;
            for _ in 0..5 {
                submit_ok(&app, &user, "CHAIN_VERIFY", json!({})).await;
            }
        }
        let jobs = ("jobs(", "Job", "status owner { id username }");
        let nodes = assert_constant(&app, &root.access, jobs, 2).await;
        assert!(nodes.iter().all(|j| j["owner"]["username"].is_string()));
        let events = ("events(", "Event", "action actor { id username }");
        let nodes = assert_constant(&app, &root.access, events, 2).await;
        assert!(nodes.iter().any(|e| e["actor"]["username"] == "user3"));
    }
}
