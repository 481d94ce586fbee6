//! RoadMail: every party keeps their own copy, only its owner sees it, changes to one copy
//! never touch another's; recipients are notified and receive it live.

use serde_json::{Value, json};

use crate::helpers::*;

pub(crate) const SEND: &str = "mutation($input: SendMailInput!) { sendMail(input: $input) {
    id subject body folder isRead from { username } to { username } inReplyTo { id } } }";
pub(crate) const MAILBOX: &str =
    "query($folder: MailFolder, $unread: Boolean, $search: String, $first: Int, $after: String) {
    mailbox(folder: $folder, unreadOnly: $unread, search: $search, first: $first, after: $after) {
      edges { cursor node { id subject body folder isRead from { username } to { username }
        inReplyTo { id } thread { id } } }
      pageInfo { hasNextPage endCursor } }
    unreadMailCount }";
pub(crate) const MARK: &str =
    "mutation($input: MarkMailReadInput!) { markMailRead(input: $input) { id isRead folder } }";
pub(crate) const MOVE: &str =
    "mutation($input: MoveMailInput!) { moveMail(input: $input) { id isRead folder } }";
pub(crate) const DELETE: &str = "mutation($input: DeleteMailInput!) { deleteMail(input: $input) }";
pub(crate) const NODE: &str =
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

pub(crate) async fn sent(app: &TestApp, from: &TestUser, to: &[&str], subject: &str) -> Value {
    send_mail(app, from, to, subject, None).await.assert_ok()["sendMail"].clone()
}

pub(crate) async fn mailbox(app: &TestApp, user: &TestUser, vars: Value) -> Value {
    app.graphql_as(&user.access, MAILBOX, vars)
        .await
        .assert_ok()
        .clone()
}

pub(crate) fn nodes(data: &Value) -> Vec<Value> {
    data["mailbox"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

pub(crate) async fn folder(app: &TestApp, user: &TestUser, folder: &str) -> Vec<Value> {
    nodes(&mailbox(app, user, json!({"folder": folder})).await)
}

pub(crate) async fn inbox_id(app: &TestApp, user: &TestUser) -> Value {
    folder(app, user, "INBOX").await[0]["id"].clone()
}

pub(crate) async fn mail_rows(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM mail_messages").await
}

pub(crate) async fn notification_kinds(app: &TestApp, user: &TestUser) -> Vec<Value> {
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
