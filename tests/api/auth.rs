//! Registration, validation and login.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn register_creates_user_with_funded_primary_wallet() {
    for app in spawn_apps().await {
        let res = app
            .try_register("Alice", "Alice@Example.com", PASSWORD)
            .await;
        let payload = &res.assert_ok()["register"];
        assert_eq!(payload["tokenType"], "Bearer");
        assert_eq!(payload["expiresIn"], 1800);
        let user = &payload["user"];
        assert_eq!(user["username"], "alice", "usernames are case-folded");
        assert_eq!(
            user["email"], "alice@example.com",
            "the new user sees their own email"
        );
        assert_eq!(user["isAdmin"], false);
        let wallet = &user["primaryWallet"];
        assert_eq!(wallet["balance"], "100");
        assert_eq!(wallet["isPrimary"], true);
        let address = wallet["address"].as_str().unwrap();
        assert!(
            address.starts_with("RD") && address.len() == 40,
            "{address}"
        );
        assert_eq!(user["wallets"].as_array().unwrap().len(), 1);

        // The private key is stored, encrypted, never in the clear; and the audit log has it.
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM wallets WHERE encrypted_private_key LIKE 'v1:%'")
                .await,
            1
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM events WHERE action = 'auth.register'")
                .await,
            1
        );

        let me = app.me(payload["accessToken"].as_str().unwrap()).await;
        assert_eq!(me.assert_ok()["me"]["username"], "alice");
    }
}

#[tokio::test]
async fn duplicate_username_or_email_is_a_conflict() {
    for app in spawn_apps().await {
        app.register("bob").await;
        let res = app.try_register("BOB", "other@example.com", PASSWORD).await;
        res.assert_error("CONFLICT");
        assert_eq!(res.error_field(), Some("username"));

        let res = app.try_register("bobby", "BOB@example.com", PASSWORD).await;
        res.assert_error("CONFLICT");
        assert_eq!(res.error_field(), Some("email"));
        assert_eq!(app.count_users().await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM wallets").await, 1);
    }
}

#[tokio::test]
async fn every_validation_rule_names_its_field_and_changes_nothing() {
    let long_password = "x".repeat(129);
    let long_name = "a".repeat(33);
    let cases = [
        ("ab", "ok@example.com", PASSWORD, "username"),
        (long_name.as_str(), "ok@example.com", PASSWORD, "username"),
        ("bad-name", "ok@example.com", PASSWORD, "username"),
        ("with space", "ok@example.com", PASSWORD, "username"),
        ("émile", "ok@example.com", PASSWORD, "username"),
        ("carol", "not-an-email", PASSWORD, "email"),
        ("carol", "carol@", PASSWORD, "email"),
        ("carol", "carol@localhost", PASSWORD, "email"),
        ("carol", "carol@example.com", "short", "password"),
        (
            "carol",
            "carol@example.com",
            long_password.as_str(),
            "password",
        ),
    ];
    for app in spawn_apps().await {
        for (username, email, password, field) in cases {
            let res = app.try_register(username, email, password).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(
                res.error_field(),
                Some(field),
                "{username} {email}: {}",
                res.body
            );
            assert!(res.data().is_null(), "no payload on error");
        }
        assert_eq!(app.count_users().await, 0);
        // Boundary values are accepted.
        app.try_register("abc", "abc@example.com", "12345678")
            .await
            .assert_ok();
        app.try_register(&"z".repeat(32), "z@example.com", &"p".repeat(128))
            .await
            .assert_ok();
    }
}

#[tokio::test]
async fn login_by_username_or_email() {
    for app in spawn_apps().await {
        app.register("dave").await;
        for login in ["dave", "DAVE", "dave@example.com", "Dave@Example.com"] {
            let res = app.login(login, PASSWORD).await;
            let payload = &res.assert_ok()["login"];
            assert_eq!(payload["user"]["username"], "dave");
            assert!(payload["user"]["lastLoginAt"].is_string());
            app.me(payload["accessToken"].as_str().unwrap())
                .await
                .assert_ok();
        }
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    for app in spawn_apps().await {
        app.register("erin").await;
        let wrong = app.login("erin", "wrong password!").await;
        let unknown = app.login("nobody", "wrong password!").await;
        wrong.assert_error("UNAUTHENTICATED");
        unknown.assert_error("UNAUTHENTICATED");
        assert_eq!(wrong.error_message(), unknown.error_message());
        assert_eq!(
            wrong.body["errors"][0]["extensions"],
            unknown.body["errors"][0]["extensions"]
        );
    }
}

#[tokio::test]
async fn concurrent_registrations_of_one_name_admit_exactly_one() {
    for app in spawn_apps().await {
        let mut tasks = Vec::new();
        for i in 0..50 {
            let client = app.client.clone();
            let url = app.url("/graphql");
            tasks.push(tokio::spawn(async move {
                let body = json!({"query": REGISTER, "variables": {"input": {
                    "username": "racer", "email": format!("racer{i}@example.com"), "password": PASSWORD}}});
                let res = client.post(url).json(&body).send().await.unwrap();
                let status = res.status();
                let body: serde_json::Value = res.json().await.unwrap();
                (status, body)
            }));
        }
        let mut ok = 0;
        for task in tasks {
            let (status, body) = task.await.unwrap();
            assert!(!status.is_server_error(), "{status} {body}");
            match body["errors"][0]["extensions"]["code"].as_str() {
                None => ok += 1,
                Some(code) => assert_eq!(code, "CONFLICT", "{body}"),
            }
        }
        assert_eq!(ok, 1, "{:?}", app.backend);
        assert_eq!(app.count_users().await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM wallets").await, 1);
    }
}
