//! RoadMail: every party keeps their own copy, only its owner sees it, changes to one copy
//! never touch another's; recipients are notified and receive it live.

use blackroad_api::mail::MailReceived;
use serde_json::{Value, json};

use crate::{
    helpers::*,
    ws_client::{TRANSPORT_WS, Ws},
};

const SEND: &str = "mutation($input: SendMailInput!) { sendMail(input: $input) {
    id subject body folder isRead from { username } to { username } inReplyTo { id } } }";
const MAILBOX: &str =
    "query($folder: MailFolder, $unread: Boolean, $search: String, $first: Int, $after: String) {
    mailbox(folder: $folder, unreadOnly: $unread, search: $search, first: $first, after: $after) {
      edges { cursor node { id subject body folder isRead from { username } to { username }
        inReplyTo { id } thread { id } } }
      pageInfo { hasNextPage endCursor } }
    unreadMailCount }";
const MARK: &str =
    "mutation($input: MarkMailReadInput!) { markMailRead(input: $input) { id isRead folder } }";
const MOVE: &str =
    "mutation($input: MoveMailInput!) { moveMail(input: $input) { id isRead folder } }";
const DELETE: &str = "mutation($input: DeleteMailInput!) { deleteMail(input: $input) }";
const NODE: &str =
    "query($id: ID!) { node(id: $id) { __typename ... on MailMessage { subject } } }";

pub async fn send_mail(
    app: &TestApp,
    from: &TestUser,
    to: &[&str],
    subject: &str,
    reply_to: Option<&Value>,
) -> Gql {
    let input = json!({"to": to, "subject": subject, "body": format!("Body of {subject}"),
        "inReplyToId": reply_to});
    app.graphql_as(&from.access, SEND, json!({"input": input}))
        .await
}

async fn sent(app: &TestApp, from: &TestUser, to: &[&str], subject: &str) -> Value {
    send_mail(app, from, to, subject, None).await.assert_ok()["sendMail"].clone()
}

async fn mailbox(app: &TestApp, user: &TestUser, vars: Value) -> Value {
    app.graphql_as(&user.access, MAILBOX, vars)
        .await
        .assert_ok()
        .clone()
}

fn nodes(data: &Value) -> Vec<Value> {
    data["mailbox"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn folder(app: &TestApp, user: &TestUser, folder: &str) -> Vec<Value> {
    nodes(&mailbox(app, user, json!({"folder": folder})).await)
}

async fn inbox_id(app: &TestApp, user: &TestUser) -> Value {
    folder(app, user, "INBOX").await[0]["id"].clone()
}

async fn mail_rows(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM mail_messages").await
}

async fn notification_kinds(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let res = app
        .graphql_as(
            &user.access,
            "{ notifications(first: 20) { edges { node { kind subject { __typename id } } } } }",
            json!({}),
        )
        .await;
    res.assert_ok()["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn sending_gives_the_sender_and_each_recipient_their_own_copy() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        let mine = sent(&app, &alice, &["bob", "Carol", "bob"], "Lunch?").await;
        assert_eq!(mine["folder"], "SENT");
        assert_eq!(mine["isRead"], true);
        assert_eq!(mine["from"]["username"], "alice");
        assert_eq!(
            mine["to"],
            json!([{"username": "bob"}, {"username": "carol"}])
        );

        let sent_box = folder(&app, &alice, "SENT").await;
        assert_eq!(sent_box.len(), 1);
        assert_eq!(sent_box[0]["id"], mine["id"]);
        assert!(folder(&app, &alice, "INBOX").await.is_empty());
        for user in [&bob, &carol] {
            let data = mailbox(&app, user, json!({})).await;
            let inbox = nodes(&data);
            assert_eq!(inbox.len(), 1, "INBOX is the default folder");
            assert_ne!(inbox[0]["id"], mine["id"], "each copy has its own id");
            assert_eq!(inbox[0]["folder"], "INBOX");
            assert_eq!(inbox[0]["isRead"], false);
            assert_eq!(inbox[0]["subject"], "Lunch?");
            assert_eq!(inbox[0]["body"], "Body of Lunch?");
            assert_eq!(inbox[0]["from"]["username"], "alice");
            assert_eq!(data["unreadMailCount"], 1);
            let notes = notification_kinds(&app, user).await;
            assert_eq!(notes.len(), 1);
            assert_eq!(notes[0]["kind"], "MAIL_RECEIVED");
            assert_eq!(notes[0]["subject"]["__typename"], "MailMessage");
            assert_eq!(notes[0]["subject"]["id"], inbox[0]["id"]);
        }
        assert_eq!(mailbox(&app, &alice, json!({})).await["unreadMailCount"], 0);
        assert!(notification_kinds(&app, &alice).await.is_empty());
        assert_eq!(mail_rows(&app).await, 3);
    }
}

#[tokio::test]
async fn mailing_yourself_files_both_copies_without_a_notification() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        sent(&app, &alice, &["alice"], "Note to self").await;
        assert_eq!(folder(&app, &alice, "SENT").await.len(), 1);
        let data = mailbox(&app, &alice, json!({})).await;
        assert_eq!(nodes(&data).len(), 1);
        assert_eq!(data["unreadMailCount"], 1);
        assert!(notification_kinds(&app, &alice).await.is_empty());
    }
}

#[tokio::test]
async fn an_unknown_recipient_sends_nothing_to_anyone() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let res = send_mail(&app, &alice, &["bob", "nobody"], "Hi", None).await;
        res.assert_error("NOT_FOUND");
        assert_eq!(res.error_field(), Some("to"));
        assert!(res.error_message().unwrap().contains("nobody"), "{res:?}");
        assert_eq!(mail_rows(&app).await, 0);
        assert!(folder(&app, &bob, "INBOX").await.is_empty());
        assert!(folder(&app, &alice, "SENT").await.is_empty());
        assert!(notification_kinds(&app, &bob).await.is_empty());
    }
}

#[tokio::test]
async fn bad_send_input_is_refused_and_changes_nothing() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        sent(&app, &bob, &["alice"], "Hello").await;
        let bobs_copy = folder(&app, &bob, "SENT").await[0]["id"].clone();
        let before = mail_rows(&app).await;
        let ok = json!({"to": ["bob"], "subject": "s", "body": "b"});
        let with = |key: &str, value: Value| {
            let mut input = ok.clone();
            input[key] = value;
            input
        };
        let names: Vec<String> = (0..51).map(|i| format!("user{i}")).collect();
        for (input, field) in [
            (with("to", json!([])), "to"),
            (with("to", json!(names)), "to"),
            (with("to", json!(["  "])), "to"),
            (with("subject", json!("  ")), "subject"),
            (with("subject", json!("x".repeat(201))), "subject"),
            (with("subject", json!("two\nlines")), "subject"),
            (with("body", json!("")), "body"),
            (with("body", json!("x".repeat(20_001))), "body"),
            (with("body", json!("bell\u{7}")), "body"),
            (with("inReplyToId", json!("garbage")), "inReplyToId"),
            (with("inReplyToId", alice.id.clone().into()), "inReplyToId"),
        ] {
            let res = app
                .graphql_as(&alice.access, SEND, json!({"input": input}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field), "{res:?}");
        }
        // Replying to someone else's copy: it does not exist for you.
        let res = app
            .graphql_as(
                &alice.access,
                SEND,
                json!({"input": with("inReplyToId", bobs_copy)}),
            )
            .await;
        res.assert_error("NOT_FOUND");
        assert_eq!(mail_rows(&app).await, before);
        assert!(folder(&app, &alice, "SENT").await.is_empty());
        app.graphql(SEND, json!({"input": ok}))
            .await
            .assert_error("UNAUTHENTICATED");
        assert_eq!(mail_rows(&app).await, before);
    }
}

#[tokio::test]
async fn reading_moving_and_deleting_touch_only_the_owners_copy() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        let mine = sent(&app, &alice, &["bob", "carol"], "Plans").await;
        let bobs = inbox_id(&app, &bob).await;

        let res = app
            .graphql_as(&bob.access, MARK, json!({"input": {"ids": [bobs]}}))
            .await;
        assert_eq!(
            res.assert_ok()["markMailRead"],
            json!([{"id": bobs, "isRead": true, "folder": "INBOX"}])
        );
        assert_eq!(mailbox(&app, &bob, json!({})).await["unreadMailCount"], 0);
        assert_eq!(mailbox(&app, &carol, json!({})).await["unreadMailCount"], 1);
        let unread = nodes(&mailbox(&app, &bob, json!({"unread": true})).await);
        assert!(unread.is_empty());
        let res = app
            .graphql_as(
                &bob.access,
                MARK,
                json!({"input": {"ids": [bobs], "read": false}}),
            )
            .await;
        assert_eq!(res.assert_ok()["markMailRead"][0]["isRead"], false);
        assert_eq!(mailbox(&app, &bob, json!({})).await["unreadMailCount"], 1);

        let res = app
            .graphql_as(
                &bob.access,
                MOVE,
                json!({"input": {"ids": [bobs], "folder": "ARCHIVE"}}),
            )
            .await;
        assert_eq!(res.assert_ok()["moveMail"][0]["folder"], "ARCHIVE");
        assert!(folder(&app, &bob, "INBOX").await.is_empty());
        assert_eq!(folder(&app, &bob, "ARCHIVE").await.len(), 1);
        assert_eq!(folder(&app, &carol, "INBOX").await.len(), 1);
        assert_eq!(folder(&app, &alice, "SENT").await.len(), 1);

        // Delete: to TRASH, then from TRASH for good.
        let delete = |ids: Value| {
            let token = bob.access.clone();
            let app = &app;
            async move {
                app.graphql_as(&token, DELETE, json!({"input": {"ids": ids}}))
                    .await
            }
        };
        assert_eq!(delete(json!([bobs])).await.assert_ok()["deleteMail"], 1);
        assert_eq!(folder(&app, &bob, "TRASH").await.len(), 1);
        assert_eq!(delete(json!([bobs])).await.assert_ok()["deleteMail"], 1);
        assert!(folder(&app, &bob, "TRASH").await.is_empty());
        delete(json!([bobs])).await.assert_error("NOT_FOUND");
        assert_eq!(mail_rows(&app).await, 2);
        assert_eq!(folder(&app, &alice, "SENT").await[0]["id"], mine["id"]);
        assert_eq!(folder(&app, &carol, "INBOX").await[0]["isRead"], false);
    }
}

#[tokio::test]
async fn bad_ids_and_folders_are_refused_and_change_nothing() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let mine = sent(&app, &alice, &["bob"], "One").await;
        let bobs = inbox_id(&app, &bob).await;
        let ids_cases = [
            json!([]),
            json!(vec![bobs.clone(); 101]),
            json!(["garbage"]),
            json!([bob.id]),
        ];
        for ids in &ids_cases {
            for (query, input) in [
                (MARK, json!({"ids": ids})),
                (MOVE, json!({"ids": ids, "folder": "ARCHIVE"})),
                (DELETE, json!({"ids": ids})),
            ] {
                let res = app
                    .graphql_as(&bob.access, query, json!({"input": input}))
                    .await;
                res.assert_error("BAD_USER_INPUT");
                assert_eq!(res.error_field(), Some("ids"), "{res:?}");
            }
        }
        // Another's copy, even next to one's own, is NOT_FOUND and nothing changes.
        for (query, input) in [
            (MARK, json!({"ids": [bobs, mine["id"]]})),
            (
                MOVE,
                json!({"ids": [bobs, mine["id"]], "folder": "ARCHIVE"}),
            ),
            (DELETE, json!({"ids": [bobs, mine["id"]]})),
        ] {
            let res = app
                .graphql_as(&bob.access, query, json!({"input": input}))
                .await;
            res.assert_error("NOT_FOUND");
        }
        // Received mail never goes to SENT, sent mail never to INBOX.
        let res = app
            .graphql_as(
                &bob.access,
                MOVE,
                json!({"input": {"ids": [bobs], "folder": "SENT"}}),
            )
            .await;
        res.assert_error("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("folder"));
        let res = app
            .graphql_as(
                &alice.access,
                MOVE,
                json!({"input": {"ids": [mine["id"]], "folder": "INBOX"}}),
            )
            .await;
        assert_eq!(res.error_field(), Some("folder"));
        for query in [MARK, DELETE] {
            app.graphql(query, json!({"input": {"ids": [bobs]}}))
                .await
                .assert_error("UNAUTHENTICATED");
        }
        let inbox = folder(&app, &bob, "INBOX").await;
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0]["isRead"], false);
        let sent_box = folder(&app, &alice, "SENT").await;
        assert_eq!(sent_box[0]["folder"], "SENT");
        assert_eq!(mail_rows(&app).await, 2);
    }
}

#[tokio::test]
async fn a_copy_is_visible_to_its_owner_only() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        sent(&app, &alice, &["bob"], "Private").await;
        let bobs = inbox_id(&app, &bob).await;
        let res = app.graphql_as(&bob.access, NODE, json!({"id": bobs})).await;
        assert_eq!(res.assert_ok()["node"]["subject"], "Private");
        for token in [
            Some(alice.access.as_str()),
            Some(root.access.as_str()),
            None,
        ] {
            let res = app.graphql_with(token, NODE, json!({"id": bobs})).await;
            assert_eq!(res.assert_ok()["node"], Value::Null);
        }
        let res = app
            .graphql_with(
                Some(&alice.access),
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({"ids": [bobs]}),
            )
            .await;
        assert_eq!(res.assert_ok()["nodes"], json!([null]));
        app.graphql(MAILBOX, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
        app.graphql("{ unreadMailCount }", json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn replies_form_a_thread_each_viewer_sees_in_their_own_copies() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        let first = sent(&app, &alice, &["bob", "carol"], "Kickoff").await;
        let bobs = inbox_id(&app, &bob).await;
        let reply = send_mail(&app, &bob, &["alice"], "Re: Kickoff", Some(&bobs)).await;
        let reply = reply.assert_ok()["sendMail"].clone();
        assert_eq!(reply["inReplyTo"]["id"], bobs, "the replier's own copy");

        // Alice: her reply copy points at her SENT copy; the thread is her two copies.
        let inbox = folder(&app, &alice, "INBOX").await;
        assert_eq!(inbox[0]["inReplyTo"]["id"], first["id"]);
        let thread: Vec<Value> = inbox[0]["thread"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].clone())
            .collect();
        assert_eq!(thread, [first["id"].clone(), inbox[0]["id"].clone()]);
        // Bob's thread: his received copy, then his sent reply.
        let bob_thread = &folder(&app, &bob, "SENT").await[0]["thread"];
        assert_eq!(bob_thread[0]["id"], bobs);
        assert_eq!(bob_thread[1]["id"], reply["id"]);
        // Carol was not on the reply: her thread is the first message only.
        let carols = &folder(&app, &carol, "INBOX").await[0];
        assert_eq!(carols["thread"].as_array().unwrap().len(), 1);
        assert_eq!(carols["inReplyTo"], Value::Null);

        // A reply to a reply stays in the thread; after Alice deletes her first copy for good
        // her latest copy's inReplyTo still resolves, the first is gone from her thread.
        let alices_reply = inbox[0]["id"].clone();
        send_mail(
            &app,
            &alice,
            &["bob"],
            "Re: Re: Kickoff",
            Some(&alices_reply),
        )
        .await
        .assert_ok();
        for _ in 0..2 {
            app.graphql_as(
                &alice.access,
                DELETE,
                json!({"input": {"ids": [first["id"]]}}),
            )
            .await
            .assert_ok();
        }
        let bob_inbox = folder(&app, &bob, "INBOX").await;
        assert_eq!(bob_inbox[0]["subject"], "Re: Re: Kickoff");
        assert_eq!(bob_inbox[0]["inReplyTo"]["id"], reply["id"]);
        assert_eq!(bob_inbox[0]["thread"].as_array().unwrap().len(), 3);
        let alice_sent = folder(&app, &alice, "SENT").await;
        assert_eq!(alice_sent.len(), 1);
        assert_eq!(alice_sent[0]["thread"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn search_matches_subject_and_body_ignoring_case() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        for subject in [
            "Quarterly REPORT",
            "Grüße aus MÜNCHEN",
            "100% done",
            "Lunch",
        ] {
            sent(&app, &alice, &["bob"], subject).await;
        }
        let subjects = |data: &Value| -> Vec<String> {
            nodes(data)
                .iter()
                .map(|n| n["subject"].as_str().unwrap().to_owned())
                .collect()
        };
        for (search, expected) in [
            ("report", vec!["Quarterly REPORT"]),
            ("münchen", vec!["Grüße aus MÜNCHEN"]),
            ("GRÜSSE", vec![]),
            ("grüße", vec!["Grüße aus MÜNCHEN"]),
            ("%", vec!["100% done"]),
            ("_", vec![]),
            ("body of lunch", vec!["Lunch"]),
            (
                "  ",
                vec![
                    "Lunch",
                    "100% done",
                    "Grüße aus MÜNCHEN",
                    "Quarterly REPORT",
                ],
            ),
        ] {
            let data = mailbox(&app, &bob, json!({"search": search})).await;
            assert_eq!(subjects(&data), expected, "search {search:?}");
        }
        let res = app
            .graphql_as(&bob.access, MAILBOX, json!({"search": "x".repeat(201)}))
            .await;
        res.assert_error("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("search"));

        // Paging: newest first, two at a time.
        let page1 = mailbox(&app, &bob, json!({"first": 2})).await;
        assert_eq!(subjects(&page1), ["Lunch", "100% done"]);
        assert_eq!(page1["mailbox"]["pageInfo"]["hasNextPage"], true);
        let after = page1["mailbox"]["pageInfo"]["endCursor"].clone();
        let page2 = mailbox(&app, &bob, json!({"first": 2, "after": after})).await;
        assert_eq!(subjects(&page2), ["Grüße aus MÜNCHEN", "Quarterly REPORT"]);
        assert_eq!(page2["mailbox"]["pageInfo"]["hasNextPage"], false);
    }
}

#[tokio::test]
async fn mail_arrives_live_for_its_recipients_only() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        const LIVE: &str =
            "subscription { mailReceived { id subject folder isRead from { username } } }";
        let mut bobs = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        bobs.subscribe("m", LIVE, json!({})).await;
        let mut alices = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        alices.subscribe("m", LIVE, json!({})).await;
        app.await_receivers::<MailReceived>(2).await;
        sent(&app, &alice, &["bob"], "Live").await;
        let data = bobs.next_data("m").await;
        assert_eq!(data["mailReceived"]["subject"], "Live");
        assert_eq!(data["mailReceived"]["folder"], "INBOX");
        assert_eq!(data["mailReceived"]["isRead"], false);
        assert_eq!(data["mailReceived"]["from"]["username"], "alice");
        assert_eq!(data["mailReceived"]["id"], inbox_id(&app, &bob).await);
        alices
            .expect_silence(std::time::Duration::from_millis(300))
            .await;
        let mut anonymous = Ws::connect_as(&app, TRANSPORT_WS, None).await;
        anonymous.subscribe("m", LIVE, json!({})).await;
        assert_eq!(anonymous.next_error_code("m").await, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn the_cached_unread_count_follows_new_mail() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let count = || async {
            let res = app
                .client
                .get(app.url("/graphql"))
                .query(&[("query", "{ unreadMailCount }")])
                .bearer_auth(&bob.access)
                .send()
                .await
                .unwrap();
            let cache = res.headers()["x-cache"].to_str().unwrap().to_owned();
            let body: Value = res.json().await.unwrap();
            (body["data"]["unreadMailCount"].clone(), cache)
        };
        assert_eq!(count().await, (json!(0), "MISS".into()));
        assert_eq!(count().await, (json!(0), "HIT".into()));
        sent(&app, &alice, &["bob"], "Ping").await;
        assert_eq!(count().await, (json!(1), "MISS".into()));
    }
}

#[tokio::test]
async fn the_mailbox_runs_as_many_statements_for_8_messages_as_for_2() {
    for app in spawn_apps().await {
        let reader = app.register("reader").await;
        let mut senders = Vec::new();
        for i in 0..8 {
            senders.push(app.register(&format!("sender{i}")).await);
        }
        let mut counts = Vec::new();
        for (round, n) in [2usize, 8].into_iter().enumerate() {
            let tag = format!("round{round}");
            for sender in &senders[..n] {
                let first = sent(&app, sender, &["reader", "sender0"], &tag).await;
                // A reply in each conversation, so inReplyTo and thread have something to load.
                send_mail(&app, sender, &["reader"], &tag, Some(&first["id"]))
                    .await
                    .assert_ok();
            }
            let before = app.statements();
            let data = mailbox(&app, &reader, json!({"search": tag, "first": 100})).await;
            counts.push(app.statements() - before);
            let rows = nodes(&data);
            assert_eq!(rows.len(), 2 * n);
            assert!(
                rows.iter()
                    .all(|m| m["thread"].as_array().unwrap().len() == 2)
            );
            assert!(rows.iter().all(|m| m["from"]["username"].is_string()));
        }
        assert_eq!(counts[0], counts[1], "statements for 2 vs 8: {counts:?}");
    }
}
