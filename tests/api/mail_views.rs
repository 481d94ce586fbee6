//! RoadMail: threads of replies, search, live delivery, the cached unread count, and the
//! mailbox's statement count.

use blackroad_api::mail::MailReceived;
use serde_json::{Value, json};

use crate::{
    helpers::*,
    mail::*,
    ws_client::{TRANSPORT_WS, Ws},
};

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
