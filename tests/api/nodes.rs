//! Every node type round-trips through `node(id:)`: a type added to the node registry without
//! a case here fails `every_node_type_is_covered`.

use std::collections::BTreeSet;

use blackroad_api::graphql::node::NodeType;
use serde_json::{Value, json};

use crate::helpers::*;

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

#[tokio::test]
async fn every_node_type_round_trips_through_node() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let tx = app.transfer(&alice, &bob.address, "5").await;
        let block = app.mine(&alice, None).await;
        let me = app
            .graphql_as(&alice.access, "{ me { primaryWallet { id } } }", json!({}))
            .await;
        let event = app
            .graphql_as(
                &root.access,
                "{ events(first: 1) { edges { node { id } } } }",
                json!({}),
            )
            .await;
        let notification = app
            .graphql_as(
                &bob.access,
                "{ notifications(first: 1) { edges { node { id } } } }",
                json!({}),
            )
            .await;
        let folder = crate::files::create_folder(&app, &alice.access, None, "docs").await;
        let file = crate::files::upload(&app, &alice.access, None, "a.txt", b"a").await;
        let post = app
            .graphql_as(
                &alice.access,
                "mutation { createPost(input: {body: \"hi\"}) { id } }",
                json!({}),
            )
            .await;
        let post_id = post.assert_ok()["createPost"]["id"].clone();
        let comment = app
            .graphql_as(
                &bob.access,
                "mutation($p: ID!) { addComment(input: {postId: $p, body: \"yo\"}) { id } }",
                json!({"p": post_id}),
            )
            .await;
        let video = app
            .graphql_as(
                &alice.access,
                "mutation { publishVideo(input: {title: \"t\", url: \"https://v.example/1\",
                    durationSeconds: 5, visibility: PRIVATE}) { id } }",
                json!({}),
            )
            .await;
        let mail = crate::mail::send_mail(&app, &alice, &["bob"], "Hello", None).await;
        let device = app
            .graphql_as(
                &alice.access,
                "mutation { registerDevice(input: {name: \"Laptop\", kind: \"laptop\"}) { id } }",
                json!({}),
            )
            .await;
        let job = app
            .graphql_as(
                &alice.access,
                "mutation { submitJob(input: {kind: CHAIN_VERIFY}) { id } }",
                json!({}),
            )
            .await;
        app.graphql_as(
            &alice.access,
            "mutation { sendChatMessage(input: {content: \"hi\"}) { id } }",
            json!({}),
        )
        .await
        .assert_ok();
        let chat = app
            .graphql_as(
                &alice.access,
                "{ conversations(first: 1) { edges { node { id messages(first: 1) { edges { node { id } } } } } } }",
                json!({}),
            )
            .await;
        let conversation = chat.assert_ok()["conversations"]["edges"][0]["node"].clone();
        let cases: Vec<(&str, Value, &TestUser)> = vec![
            ("User", json!(alice.id), &alice),
            (
                "Wallet",
                me.assert_ok()["me"]["primaryWallet"]["id"].clone(),
                &alice,
            ),
            (
                "Transaction",
                tx.assert_ok()["transfer"]["id"].clone(),
                &alice,
            ),
            (
                "Block",
                block.assert_ok()["mineBlock"]["id"].clone(),
                &alice,
            ),
            (
                "Event",
                event.assert_ok()["events"]["edges"][0]["node"]["id"].clone(),
                &root,
            ),
            (
                "Notification",
                notification.assert_ok()["notifications"]["edges"][0]["node"]["id"].clone(),
                &bob,
            ),
            ("Folder", folder["id"].clone(), &alice),
            ("File", file["id"].clone(), &alice),
            ("Post", post_id, &alice),
            (
                "Comment",
                comment.assert_ok()["addComment"]["id"].clone(),
                &alice,
            ),
            (
                "Video",
                video.assert_ok()["publishVideo"]["id"].clone(),
                &alice,
            ),
            (
                "Device",
                device.assert_ok()["registerDevice"]["id"].clone(),
                &alice,
            ),
            (
                "MailMessage",
                mail.assert_ok()["sendMail"]["id"].clone(),
                &alice,
            ),
            ("Job", job.assert_ok()["submitJob"]["id"].clone(), &alice),
            ("Conversation", conversation["id"].clone(), &alice),
            (
                "ChatMessage",
                conversation["messages"]["edges"][0]["node"]["id"].clone(),
                &alice,
            ),
        ];
        let covered: BTreeSet<&str> = cases.iter().map(|(t, _, _)| *t).collect();
        let registered: BTreeSet<&str> = NodeType::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(covered, registered, "every node type needs a case here");
        for (typename, id, viewer) in cases {
            assert!(id.is_string(), "{typename}: {id}");
            let res = app
                .graphql_as(&viewer.access, NODE, json!({"id": id}))
                .await;
            let node = &res.assert_ok()["node"];
            assert_eq!(node["__typename"], typename, "{res:?}");
            assert_eq!(node["id"], id);
        }
    }
}
