//! What the Prism console needs from the API: making and unmaking admins (`setUserAdmin`),
//! the admin user list (`users`), and every user's jobs live (`jobUpdated(allUsers: true)`).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::{
    helpers::*,
    jobs::{spawn_worker_app, submit_ok},
    ws_client::{TRANSPORT_WS, Ws},
};

const SET_ADMIN: &str = "mutation($id: ID!, $admin: Boolean!) {
    setUserAdmin(input: {userId: $id, admin: $admin}) { id username isAdmin } }";
const IS_ADMIN: &str = "{ me { isAdmin } }";
const EVENTS: &str = "{ events(first: 1) { edges { node { action } } } }";
const AUDIT_LIVE: &str = "subscription { auditEvents { action } }";

/// A Relay id as the server makes them: base64url("Type:uuid").
fn global_id(kind: &str, id: uuid::Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

async fn set_admin(app: &TestApp, by: &TestUser, id: &str, admin: bool) -> Gql {
    app.graphql_as(&by.access, SET_ADMIN, json!({"id": id, "admin": admin}))
        .await
}

async fn is_admin(app: &TestApp, user: &TestUser) -> bool {
    app.graphql_as(&user.access, IS_ADMIN, json!({}))
        .await
        .assert_ok()["me"]["isAdmin"]
        .as_bool()
        .expect("isAdmin")
}

async fn admin_events(app: &TestApp) -> i64 {
    app.scalar(
        "SELECT COUNT(*) FROM events WHERE action IN ('user.grant_admin', 'user.revoke_admin')",
    )
    .await
}

#[tokio::test]
async fn an_admin_makes_and_unmakes_an_admin_with_immediate_effect_and_audit() {
    for app in spawn_apps().await {
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let bob = app.register("bob").await;
        let before = admin_events(&app).await;

        // Bob's token was issued before the grant: rights are read per request, not from it.
        app.graphql_as(&bob.access, EVENTS, json!({}))
            .await
            .assert_error("FORBIDDEN");
        let res = set_admin(&app, &root, &bob.id, true).await;
        let user = &res.assert_ok()["setUserAdmin"];
        assert_eq!(user["username"], "bob");
        assert_eq!(user["isAdmin"], true);
        assert!(is_admin(&app, &bob).await);
        app.graphql_as(&bob.access, EVENTS, json!({}))
            .await
            .assert_ok();

        let res = set_admin(&app, &root, &bob.id, false).await;
        assert_eq!(res.assert_ok()["setUserAdmin"]["isAdmin"], false);
        assert!(!is_admin(&app, &bob).await);
        app.graphql_as(&bob.access, EVENTS, json!({}))
            .await
            .assert_error("FORBIDDEN");

        // One audit event each, by the acting admin, naming the user.
        assert_eq!(admin_events(&app).await, before + 2);
        let log =
            "{ events(first: 2, actor: \"root\") { edges { node { action subjectType data } } } }";
        let res = app.graphql_as(&root.access, log, json!({})).await;
        let edges = res.assert_ok()["events"]["edges"]
            .as_array()
            .unwrap()
            .clone();
        let actions: Vec<&Value> = edges.iter().map(|e| &e["node"]["action"]).collect();
        assert_eq!(actions, ["user.revoke_admin", "user.grant_admin"]);
        assert_eq!(edges[0]["node"]["subjectType"], "User");
        assert_eq!(edges[0]["node"]["data"]["username"], "bob");

        // Setting what is already set changes and records nothing.
        let res = set_admin(&app, &root, &bob.id, false).await;
        assert_eq!(res.assert_ok()["setUserAdmin"]["isAdmin"], false);
        assert_eq!(admin_events(&app).await, before + 2);
    }
}

#[tokio::test]
async fn set_user_admin_refuses_bad_callers_and_input_and_changes_nothing() {
    for app in spawn_apps().await {
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;
        let before = admin_events(&app).await;

        // Not an admin: FORBIDDEN, even for themself; anonymous: UNAUTHENTICATED.
        set_admin(&app, &bob, &bob.id, true)
            .await
            .assert_error("FORBIDDEN");
        set_admin(&app, &bob, &root.id, false)
            .await
            .assert_error("FORBIDDEN");
        app.graphql(SET_ADMIN, json!({"id": carol.id, "admin": true}))
            .await
            .assert_error("UNAUTHENTICATED");

        // Nobody takes away their own rights, so the last admin cannot be removed.
        let res = set_admin(&app, &root, &root.id, false).await;
        res.assert_error("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("userId"));

        // An unknown user, an id of another type, something that is no id.
        let unknown = global_id("User", uuid::Uuid::now_v7());
        set_admin(&app, &root, &unknown, true)
            .await
            .assert_error("NOT_FOUND");
        let wallet = global_id("Wallet", uuid::Uuid::now_v7());
        for bad in [wallet.as_str(), "not-an-id", ""] {
            let res = set_admin(&app, &root, bad, true).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("userId"), "{bad}");
        }
        // Without `admin` the document does not validate.
        app.graphql_as(
            &root.access,
            "mutation($id: ID!) { setUserAdmin(input: {userId: $id}) { id } }",
            json!({"id": carol.id}),
        )
        .await
        .assert_error("GRAPHQL_VALIDATION_FAILED");

        assert!(is_admin(&app, &root).await);
        assert!(!is_admin(&app, &bob).await);
        assert!(!is_admin(&app, &carol).await);
        assert_eq!(admin_events(&app).await, before);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM users WHERE is_admin")
                .await,
            1
        );
    }
}

/// Two admins removing each other at the same moment: the row locks order them, and the
/// second finds it is no longer an admin. Without them both would succeed and no admin be left.
#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    for app in spawn_apps().await {
        let ann = app.register("ann").await;
        let ben = app.register("ben").await;
        for round in 0..5 {
            for user in [&ann, &ben] {
                if !is_admin(&app, user).await {
                    app.make_admin(user).await;
                }
            }
            let (a, b) = tokio::join!(
                set_admin(&app, &ann, &ben.id, false),
                set_admin(&app, &ben, &ann.id, false)
            );
            let codes = [a.error_code(), b.error_code()];
            assert!(
                codes.contains(&None) && codes.contains(&Some("FORBIDDEN")),
                "round {round}: {codes:?} {:?} {:?}",
                a.body,
                b.body
            );
            assert_eq!(
                app.scalar("SELECT COUNT(*) FROM users WHERE is_admin")
                    .await,
                1,
                "round {round}"
            );
        }
    }
}

#[tokio::test]
async fn a_change_of_rights_reaches_the_users_open_sockets() {
    for app in spawn_apps().await {
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let bob = app.register("bob").await;
        app.make_admin(&bob).await;

        // Bob follows the audit log; losing his rights closes the socket (4401, reconnect).
        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        ws.subscribe("audit", AUDIT_LIVE, json!({})).await;
        app.await_receivers::<blackroad_api::audit::AuditEvent>(1)
            .await;
        // Root's own socket stays open through it.
        let mut roots = Ws::connect_as(&app, TRANSPORT_WS, Some(&root.access)).await;
        roots.subscribe("audit", AUDIT_LIVE, json!({})).await;
        app.await_receivers::<blackroad_api::audit::AuditEvent>(2)
            .await;
        set_admin(&app, &root, &bob.id, false).await.assert_ok();
        let (code, reason) = loop {
            match ws.recv().await {
                crate::ws_client::Incoming::Closed(code, reason) => break (code, reason),
                // The revocation's own audit event may arrive first.
                crate::ws_client::Incoming::Json(v) => assert_eq!(v["type"], "next", "{v}"),
            }
        };
        assert_eq!(code, Some(4401), "{reason}");
        let data = roots.next_data("audit").await;
        assert_eq!(data["auditEvents"]["action"], "user.revoke_admin");

        // Reconnected with the same token: the audit log is now refused.
        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        ws.subscribe("audit", AUDIT_LIVE, json!({})).await;
        assert_eq!(ws.next_error_code("audit").await, "FORBIDDEN");

        // Granted again: the socket starts over too, and then may follow the log.
        set_admin(&app, &root, &bob.id, true).await.assert_ok();
        assert_eq!(ws.expect_close().await.0, Some(4401));
        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        ws.subscribe("audit", AUDIT_LIVE, json!({})).await;
        app.await_receivers::<blackroad_api::audit::AuditEvent>(2)
            .await;
        app.register("dave").await;
        let data = ws.next_data("audit").await;
        assert_eq!(data["auditEvents"]["action"], "auth.register");
    }
}

/// A change the bus never announced (made behind the server's back) reaches a socket at its
/// next token renewal: subscriptions started after the renewing `ping` run under it.
#[tokio::test]
async fn a_renewed_socket_runs_new_subscriptions_with_the_current_rights() {
    use sea_orm::ConnectionTrait;
    for app in spawn_apps().await {
        let bob = app.register("bob").await;
        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        app.state
            .db
            .execute_unprepared("UPDATE users SET is_admin = true WHERE username = 'bob'")
            .await
            .unwrap();
        ws.subscribe("before", AUDIT_LIVE, json!({})).await;
        assert_eq!(ws.next_error_code("before").await, "FORBIDDEN");

        let renewed = app.refresh(&bob.refresh).await;
        let token = renewed.assert_ok()["refreshToken"]["accessToken"]
            .as_str()
            .expect("a new access token")
            .to_owned();
        ws.send(json!({"type": "ping", "payload": {"Authorization": format!("Bearer {token}")}}))
            .await;
        assert_eq!(ws.next_json().await["type"], "pong");
        ws.subscribe("after", AUDIT_LIVE, json!({})).await;
        app.await_receivers::<blackroad_api::audit::AuditEvent>(1)
            .await;
        app.register("carol").await;
        let data = ws.next_data("after").await;
        assert_eq!(data["auditEvents"]["action"], "auth.register");
    }
}

const USERS: &str = "query($search: String, $admin: Boolean, $first: Int, $after: String) {
    users(search: $search, admin: $admin, first: $first, after: $after) {
        edges { cursor node { username isAdmin email } } pageInfo { hasNextPage endCursor } } }";

fn usernames(res: &Gql) -> Vec<String> {
    res.assert_ok()["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["username"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_search_users_by_name_email_and_role_in_pages() {
    for app in spawn_apps().await {
        let root = app.register("root").await;
        app.make_admin(&root).await;
        for name in ["alice", "alfred", "bob", "x_under"] {
            app.register(name).await;
        }
        let list = |vars: Value| app.graphql_as(&root.access, USERS, vars);

        let all = list(json!({})).await;
        assert_eq!(
            usernames(&all),
            ["alfred", "alice", "bob", "root", "x_under"]
        );
        // Admins see the private fields of the listed users.
        assert_eq!(
            all.assert_ok()["users"]["edges"][0]["node"]["email"],
            "alfred@example.com"
        );
        assert_eq!(
            usernames(&list(json!({"search": " AL "})).await),
            ["alfred", "alice"]
        );
        assert_eq!(
            usernames(&list(json!({"search": "bob@example"})).await),
            ["bob"]
        );
        assert_eq!(usernames(&list(json!({"admin": true})).await), ["root"]);
        assert_eq!(
            usernames(&list(json!({"admin": false, "search": "al"})).await),
            ["alfred", "alice"]
        );
        // LIKE's wildcards match only themselves.
        assert_eq!(usernames(&list(json!({"search": "_"})).await), ["x_under"]);
        assert!(usernames(&list(json!({"search": "%"})).await).is_empty());

        // Pages by username, without gaps or repeats.
        let first = list(json!({"first": 2})).await;
        assert_eq!(usernames(&first), ["alfred", "alice"]);
        let info = &first.assert_ok()["users"]["pageInfo"];
        assert_eq!(info["hasNextPage"], true);
        let next = list(json!({"first": 2, "after": info["endCursor"]})).await;
        assert_eq!(usernames(&next), ["bob", "root"]);
        let last =
            list(json!({"first": 2, "after": next.assert_ok()["users"]["pageInfo"]["endCursor"]}))
                .await;
        assert_eq!(usernames(&last), ["x_under"]);
        assert_eq!(last.assert_ok()["users"]["pageInfo"]["hasNextPage"], false);
    }
}

#[tokio::test]
async fn the_user_list_refuses_non_admins_and_bad_arguments() {
    for app in spawn_apps().await {
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let bob = app.register("bob").await;
        app.graphql_as(&bob.access, USERS, json!({}))
            .await
            .assert_error("FORBIDDEN");
        app.graphql(USERS, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");

        for (vars, field) in [
            (json!({"first": 101}), "first"),
            (json!({"first": -1}), "first"),
            (json!({"after": "bm9wZQ"}), "after"),
            (json!({"search": "a".repeat(101)}), "search"),
        ] {
            let res = app.graphql_as(&root.access, USERS, vars.clone()).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field), "{vars}");
        }
        // A cursor of another list is not a user cursor.
        let jobs_cursor = URL_SAFE_NO_PAD.encode(format!("job:{}", uuid::Uuid::now_v7()));
        let res = app
            .graphql_as(&root.access, USERS, json!({"after": jobs_cursor}))
            .await;
        assert_eq!(res.error_field(), Some("after"));
    }
}

#[tokio::test]
async fn admins_follow_every_users_jobs_live() {
    for backend in backends() {
        let app = spawn_worker_app(backend, 1).await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let alice = app.register("alice").await;

        let query =
            "subscription { jobUpdated(allUsers: true) { id status progress owner { username } } }";
        let mut alices = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        alices.subscribe("all", query, json!({})).await;
        assert_eq!(alices.next_error_code("all").await, "FORBIDDEN");
        let mut anon = Ws::connect_as(&app, TRANSPORT_WS, None).await;
        anon.subscribe("all", query, json!({})).await;
        assert_eq!(anon.next_error_code("all").await, "UNAUTHENTICATED");

        let mut roots = Ws::connect_as(&app, TRANSPORT_WS, Some(&root.access)).await;
        roots.subscribe("all", query, json!({})).await;
        // The idle worker listens too.
        app.await_receivers::<blackroad_api::jobs::JobUpdated>(2)
            .await;
        let id = submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        let mut seen = Vec::new();
        while seen.last().map(|(s, _): &(String, i64)| s.as_str()) != Some("SUCCEEDED") {
            let job = roots.next_data("all").await["jobUpdated"].clone();
            assert_eq!(job["id"], id);
            assert_eq!(job["owner"]["username"], "alice");
            seen.push((
                job["status"].as_str().unwrap().to_owned(),
                job["progress"].as_i64().unwrap_or_default(),
            ));
        }
        assert_eq!(seen.first().map(|s| s.0.as_str()), Some("QUEUED"));
        assert!(seen.iter().any(|s| s.0 == "RUNNING"), "{seen:?}");
    }
}
