//! Devices: registered by their owner, online while their heartbeats are fresh, announced
//! offline by the server when they stop, and visible to their owner only.

use blackroad_api::devices::DeviceStatusChanged;
use serde_json::{Value, json};

use crate::{
    helpers::*,
    ws_client::{TRANSPORT_WS, Ws},
};

const FIELDS: &str = "id name kind platform online lastSeenAt status createdAt";

fn register_query() -> String {
    format!(
        "mutation($input: RegisterDeviceInput!) {{ registerDevice(input: $input) {{ {FIELDS} }} }}"
    )
}

fn heartbeat_query() -> String {
    format!(
        "mutation($input: DeviceHeartbeatInput!) {{ deviceHeartbeat(input: $input) {{ {FIELDS} }} }}"
    )
}

const REMOVE: &str = "mutation($input: RemoveDeviceInput!) { removeDevice(input: $input) }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename ... on Device { name } } }";

async fn register(app: &TestApp, user: &TestUser, name: &str) -> Value {
    let input = json!({"name": name, "kind": "laptop", "platform": "linux"});
    app.graphql_as(&user.access, &register_query(), json!({"input": input}))
        .await
        .assert_ok()["registerDevice"]
        .clone()
}

async fn heartbeat(app: &TestApp, user: &TestUser, id: &Value, status: Option<Value>) -> Gql {
    let mut input = json!({"id": id});
    if let Some(status) = status {
        input["status"] = status;
    }
    app.graphql_as(&user.access, &heartbeat_query(), json!({"input": input}))
        .await
}

async fn devices(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let res = app
        .graphql_as(
            &user.access,
            &format!("{{ devices {{ {FIELDS} }} }}"),
            json!({}),
        )
        .await;
    res.assert_ok()["devices"].as_array().unwrap().clone()
}

async fn online_count(app: &TestApp, user: &TestUser) -> u64 {
    let id = app.user_uuid(user).await;
    blackroad_api::devices::online_count(&app.state.db, &app.state.config.devices, id)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_device_is_online_after_a_heartbeat_and_keeps_its_status() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let device = register(&app, &alice, "Work laptop").await;
        assert_eq!(device["name"], "Work laptop");
        assert_eq!(device["kind"], "laptop");
        assert_eq!(device["platform"], "linux");
        assert_eq!(device["online"], false, "offline until its first heartbeat");
        assert_eq!(device["lastSeenAt"], Value::Null);
        assert_eq!(device["status"], Value::Null);
        assert_eq!(devices(&app, &alice).await, std::slice::from_ref(&device));
        assert_eq!(online_count(&app, &alice).await, 0);

        let status = json!({"battery": 87, "charging": true, "apps": ["mail"]});
        let res = heartbeat(&app, &alice, &device["id"], Some(status.clone())).await;
        let beat = res.assert_ok()["deviceHeartbeat"].clone();
        assert_eq!(beat["online"], true);
        assert!(beat["lastSeenAt"].is_string());
        assert_eq!(beat["status"], status);
        // Without a status the last one stays.
        let res = heartbeat(&app, &alice, &device["id"], None).await;
        assert_eq!(res.assert_ok()["deviceHeartbeat"]["status"], status);
        let listed = devices(&app, &alice).await;
        assert_eq!(listed[0]["online"], true);
        assert_eq!(online_count(&app, &alice).await, 1);

        let res = app
            .graphql_as(
                &alice.access,
                REMOVE,
                json!({"input": {"id": device["id"]}}),
            )
            .await;
        assert_eq!(res.assert_ok()["removeDevice"], true);
        assert!(devices(&app, &alice).await.is_empty());
        heartbeat(&app, &alice, &device["id"], None)
            .await
            .assert_error("NOT_FOUND");
        app.graphql_as(
            &alice.access,
            REMOVE,
            json!({"input": {"id": device["id"]}}),
        )
        .await
        .assert_error("NOT_FOUND");
    }
}

#[tokio::test]
async fn bad_device_input_is_refused_and_changes_nothing() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let ok = json!({"name": "Phone", "kind": "phone"});
        let with = |key: &str, value: Value| {
            let mut input = ok.clone();
            input[key] = value;
            input
        };
        for (input, field) in [
            (with("name", json!("  ")), "name"),
            (with("name", json!("x".repeat(65))), "name"),
            (with("name", json!("two\nlines")), "name"),
            (with("name", json!("evil\u{202E}gpj")), "name"),
            (with("kind", json!("")), "kind"),
            (with("kind", json!("x".repeat(33))), "kind"),
            (with("platform", json!("x".repeat(65))), "platform"),
        ] {
            let res = app
                .graphql_as(&alice.access, &register_query(), json!({"input": input}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field), "{res:?}");
        }
        assert!(devices(&app, &alice).await.is_empty());

        let device = register(&app, &alice, "Phone").await;
        let big = json!({"blob": "x".repeat(4096)});
        let res = heartbeat(&app, &alice, &device["id"], Some(big)).await;
        res.assert_error("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("status"));
        let exactly = json!("x".repeat(4094)); // 4096 bytes with its quotes
        heartbeat(&app, &alice, &device["id"], Some(exactly))
            .await
            .assert_ok();
        let before = devices(&app, &alice).await;
        for id in [json!("garbage"), json!(alice.id)] {
            let res = heartbeat(&app, &alice, &id, None).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("id"));
            let res = app
                .graphql_as(&alice.access, REMOVE, json!({"input": {"id": id}}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("id"));
        }
        assert_eq!(devices(&app, &alice).await, before);

        app.graphql(&register_query(), json!({"input": ok}))
            .await
            .assert_error("UNAUTHENTICATED");
        app.graphql("{ devices { id } }", json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
        heartbeat(&app, &alice, &device["id"], None)
            .await
            .assert_ok();
        let anonymous = app
            .graphql(&heartbeat_query(), json!({"input": {"id": device["id"]}}))
            .await;
        anonymous.assert_error("UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn a_user_may_register_a_bounded_number_of_devices() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        for i in 0..blackroad_api::devices::MAX_DEVICES_PER_USER {
            register(&app, &alice, &format!("Sensor {i}")).await;
        }
        let input = json!({"name": "One too many", "kind": "sensor"});
        let res = app
            .graphql_as(&alice.access, &register_query(), json!({"input": input}))
            .await;
        res.assert_error("CONFLICT");
        assert_eq!(
            devices(&app, &alice).await.len() as u64,
            blackroad_api::devices::MAX_DEVICES_PER_USER
        );
    }
}

#[tokio::test]
async fn a_device_is_visible_to_and_changed_by_its_owner_only() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let device = register(&app, &alice, "Desktop").await;
        let res = app
            .graphql_as(&alice.access, NODE, json!({"id": device["id"]}))
            .await;
        assert_eq!(res.assert_ok()["node"]["name"], "Desktop");
        for token in [Some(bob.access.as_str()), None] {
            let res = app
                .graphql_with(token, NODE, json!({"id": device["id"]}))
                .await;
            assert_eq!(res.assert_ok()["node"], Value::Null);
        }
        assert!(devices(&app, &bob).await.is_empty());
        heartbeat(&app, &bob, &device["id"], Some(json!({"x": 1})))
            .await
            .assert_error("NOT_FOUND");
        app.graphql_as(&bob.access, REMOVE, json!({"input": {"id": device["id"]}}))
            .await
            .assert_error("NOT_FOUND");
        assert_eq!(devices(&app, &alice).await, [device]);
    }
}

#[tokio::test]
async fn the_server_announces_a_device_going_offline() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.devices.device_online_secs = 1).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let device = register(&app, &alice, "Sensor").await;
        const LIVE: &str = "subscription { deviceStatusChanged { id name online status } }";
        let mut alices = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        alices.subscribe("d", LIVE, json!({})).await;
        let mut bobs = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        bobs.subscribe("d", LIVE, json!({})).await;
        // The two sockets and the server's own offline watcher.
        app.await_receivers::<DeviceStatusChanged>(3).await;

        for round in 0..2 {
            heartbeat(&app, &alice, &device["id"], Some(json!({"round": round})))
                .await
                .assert_ok();
            let online = alices.next_data("d").await;
            assert_eq!(online["deviceStatusChanged"]["id"], device["id"]);
            assert_eq!(online["deviceStatusChanged"]["online"], true);
            assert_eq!(online["deviceStatusChanged"]["status"]["round"], round);
            // No request is made: the server notices the silence by itself.
            let offline = alices.next_data("d").await;
            assert_eq!(offline["deviceStatusChanged"]["id"], device["id"]);
            assert_eq!(offline["deviceStatusChanged"]["online"], false);
            assert_eq!(devices(&app, &alice).await[0]["online"], false);
        }
        alices
            .expect_silence(std::time::Duration::from_millis(1500))
            .await;
        bobs.expect_silence(std::time::Duration::from_millis(100))
            .await;
        let mut anonymous = Ws::connect_as(&app, TRANSPORT_WS, None).await;
        anonymous.subscribe("d", LIVE, json!({})).await;
        assert_eq!(anonymous.next_error_code("d").await, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn regular_heartbeats_keep_a_device_online() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.devices.device_online_secs = 2).await;
        let alice = app.register("alice").await;
        let device = register(&app, &alice, "Server").await;
        let mut alices = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        alices
            .subscribe(
                "d",
                "subscription { deviceStatusChanged { online } }",
                json!({}),
            )
            .await;
        app.await_receivers::<DeviceStatusChanged>(2).await;
        for _ in 0..4 {
            heartbeat(&app, &alice, &device["id"], None)
                .await
                .assert_ok();
            let data = alices.next_data("d").await;
            assert_eq!(
                data["deviceStatusChanged"]["online"], true,
                "never offline between beats"
            );
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        }
        let offline = alices.next_data("d").await;
        assert_eq!(offline["deviceStatusChanged"]["online"], false);
    }
}

#[tokio::test]
async fn the_demo_seed_includes_mail_and_devices() {
    for app in spawn_apps().await {
        let plan = blackroad_api::seed::SeedPlan {
            users: 3,
            transactions: 2,
            blocks: 1,
            difficulty: 1,
            password: PASSWORD.to_owned(),
        };
        blackroad_api::seed::seed(&app.state.db, &app.state.wallet_cipher, &plan)
            .await
            .unwrap();
        // Two conversations of two messages, two copies each; two devices per user.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM mail_messages").await, 8);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM devices").await, 6);
        let login = app.login("demo00001", PASSWORD).await;
        let token = login.assert_ok()["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = app
            .graphql_as(
                &token,
                "{ mailbox { edges { node { subject thread { id } } } } devices { name online } }",
                json!({}),
            )
            .await;
        let data = res.assert_ok();
        let inbox = data["mailbox"]["edges"].as_array().unwrap();
        assert_eq!(
            inbox.len(),
            2,
            "a welcome from demo00000, a reply from demo00002"
        );
        assert_eq!(data["devices"].as_array().unwrap().len(), 2);
        assert_eq!(data["devices"][0]["online"], false);
    }
}
