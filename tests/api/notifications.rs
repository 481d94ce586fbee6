//! Notifications: created with what causes them, only for their recipient, never for one's
//! own action on one's own things; read, counted, marked read and delivered live.

use blackroad_api::notifications::NotificationAdded;
use serde_json::json;

use crate::{
    helpers::*,
    ws_client::{TRANSPORT_WS, Ws},
};

const LIST: &str = "query($unread: Boolean) { notifications(unreadOnly: $unread, first: 10) {
    edges { node { id kind title body isRead subject { __typename id } } } }
    unreadNotificationCount }";
const MARK: &str =
    "mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) }";

async fn list(app: &TestApp, user: &TestUser, unread_only: bool) -> serde_json::Value {
    app.graphql_as(&user.access, LIST, json!({"unread": unread_only}))
        .await
        .assert_ok()
        .clone()
}

fn kinds(data: &serde_json::Value) -> Vec<String> {
    data["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn transfers_notify_the_recipient_and_never_the_sender() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let tx = app.transfer(&alice, &bob.address, "5").await;
        let tx_id = tx.assert_ok()["transfer"]["id"].clone();
        let data = list(&app, &bob, false).await;
        assert_eq!(kinds(&data), ["TRANSFER_RECEIVED"]);
        assert_eq!(data["unreadNotificationCount"], 1);
        let node = &data["notifications"]["edges"][0]["node"];
        assert_eq!(node["subject"]["__typename"], "Transaction");
        assert_eq!(node["subject"]["id"], tx_id);
        assert_eq!(node["title"], "Incoming transfer of 5 RC");
        // The sender hears nothing about their own transfer.
        assert_eq!(
            kinds(&list(&app, &alice, false).await),
            Vec::<String>::new()
        );

        // Bob mines: confirming his own incoming transfer is his own action on his own
        // things; Alice's transfer to Bob mined by Carol notifies Bob.
        app.mine(&bob, None).await.assert_ok();
        assert_eq!(kinds(&list(&app, &bob, false).await), ["TRANSFER_RECEIVED"]);
        let carol = app.register("carol").await;
        app.transfer(&alice, &bob.address, "1").await.assert_ok();
        app.mine(&carol, None).await.assert_ok();
        assert_eq!(
            kinds(&list(&app, &bob, false).await),
            [
                "TRANSFER_CONFIRMED",
                "TRANSFER_RECEIVED",
                "TRANSFER_RECEIVED"
            ]
        );
    }
}

#[tokio::test]
async fn mark_read_counts_and_touches_only_the_viewers_notifications() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        for _ in 0..3 {
            app.transfer(&alice, &bob.address, "1").await.assert_ok();
        }
        app.transfer(&bob, &alice.address, "1").await.assert_ok();
        let data = list(&app, &bob, true).await;
        let ids: Vec<serde_json::Value> = data["notifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect();
        assert_eq!(ids.len(), 3);
        let alices =
            list(&app, &alice, true).await["notifications"]["edges"][0]["node"]["id"].clone();

        // Bad input changes nothing.
        for (ids, field) in [
            (json!(["garbage"]), "ids"),
            (json!([alice.id]), "ids"),
            (json!(vec!["x"; 101]), "ids"),
        ] {
            let res = app
                .graphql_as(&bob.access, MARK, json!({"input": {"ids": ids}}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field));
        }
        assert_eq!(list(&app, &bob, true).await["unreadNotificationCount"], 3);
        let anonymous = app.graphql(MARK, json!({"input": {}})).await;
        anonymous.assert_error("UNAUTHENTICATED");

        // Someone else's id is not an error; it changes nothing.
        let res = app
            .graphql_as(
                &bob.access,
                MARK,
                json!({"input": {"ids": [ids[0], alices]}}),
            )
            .await;
        assert_eq!(res.assert_ok()["markNotificationsRead"], 1);
        assert_eq!(list(&app, &alice, true).await["unreadNotificationCount"], 1);
        let data = list(&app, &bob, true).await;
        assert_eq!(data["unreadNotificationCount"], 2);
        assert_eq!(kinds(&data).len(), 2);
        // Omitted ids: all of them.
        let res = app
            .graphql_as(&bob.access, MARK, json!({"input": {}}))
            .await;
        assert_eq!(res.assert_ok()["markNotificationsRead"], 2);
        let data = list(&app, &bob, false).await;
        assert_eq!(data["unreadNotificationCount"], 0);
        assert_eq!(kinds(&data).len(), 3, "read ones are still listed");
    }
}

#[tokio::test]
async fn a_notification_is_visible_to_its_recipient_only() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        app.transfer(&alice, &bob.address, "2").await.assert_ok();
        let id = list(&app, &bob, false).await["notifications"]["edges"][0]["node"]["id"].clone();
        let query =
            "query($id: ID!) { node(id: $id) { __typename ... on Notification { title } } }";
        let mine = app.graphql_as(&bob.access, query, json!({"id": id})).await;
        assert_eq!(mine.assert_ok()["node"]["__typename"], "Notification");
        let theirs = app
            .graphql_as(&alice.access, query, json!({"id": id}))
            .await;
        assert_eq!(theirs.assert_ok()["node"], serde_json::Value::Null);
        let anonymous = app.graphql(query, json!({"id": id})).await;
        assert_eq!(anonymous.assert_ok()["node"], serde_json::Value::Null);
        app.graphql(LIST, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn new_notifications_arrive_live_for_their_recipient() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        const LIVE: &str = "subscription { notificationAdded { kind title isRead } }";
        let mut bobs = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        bobs.subscribe("n", LIVE, json!({})).await;
        let mut alices = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        alices.subscribe("n", LIVE, json!({})).await;
        app.await_receivers::<NotificationAdded>(2).await;
        app.transfer(&alice, &bob.address, "3").await.assert_ok();
        let data = bobs.next_data("n").await;
        assert_eq!(data["notificationAdded"]["kind"], "TRANSFER_RECEIVED");
        assert_eq!(data["notificationAdded"]["isRead"], false);
        alices
            .expect_silence(std::time::Duration::from_millis(300))
            .await;
        let mut anonymous = Ws::connect_as(&app, TRANSPORT_WS, None).await;
        anonymous.subscribe("n", LIVE, json!({})).await;
        assert_eq!(anonymous.next_error_code("n").await, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn the_cached_unread_count_follows_new_notifications() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let count = || async {
            let res = app
                .client
                .get(app.url("/graphql"))
                .query(&[("query", "{ unreadNotificationCount }")])
                .bearer_auth(&bob.access)
                .send()
                .await
                .unwrap();
            let cache = res.headers()["x-cache"].to_str().unwrap().to_owned();
            let body: serde_json::Value = res.json().await.unwrap();
            (body["data"]["unreadNotificationCount"].clone(), cache)
        };
        assert_eq!(count().await, (json!(0), "MISS".into()));
        assert_eq!(count().await, (json!(0), "HIT".into()));
        app.transfer(&alice, &bob.address, "1").await.assert_ok();
        assert_eq!(count().await, (json!(1), "MISS".into()));
    }
}
