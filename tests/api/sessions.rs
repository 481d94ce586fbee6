//! Access tokens, refresh-token rotation and reuse detection, logout, password changes.

use blackroad_api::auth::tokens::AccessClaims;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;

use crate::helpers::*;

fn forge(secret: &str, exp_offset_secs: i64, typ: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = AccessClaims {
        sub: uuid::Uuid::new_v4(),
        exp: now + exp_offset_secs,
        iat: now - 60,
        jti: uuid::Uuid::new_v4(),
        typ: typ.into(),
        sid: uuid::Uuid::new_v4(),
    };
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn me_requires_a_valid_access_token() {
    for app in spawn_apps().await {
        let user = app.register("frank").await;
        app.graphql("{ me { id } }", json!({}))
            .await
            .assert_error("UNAUTHENTICATED");

        let expired = forge(SECRET, -10, "access");
        app.me(&expired).await.assert_error("UNAUTHENTICATED");

        // One character changed in the payload breaks the signature.
        let mut parts: Vec<String> = user.access.split('.').map(str::to_owned).collect();
        let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
        parts[1].pop();
        parts[1].push(flipped);
        app.me(&parts.join("."))
            .await
            .assert_error("UNAUTHENTICATED");

        app.me(&forge(
            "some other secret of sufficient length!!",
            600,
            "access",
        ))
        .await
        .assert_error("UNAUTHENTICATED");
        app.me(&forge(SECRET, 600, "refresh"))
            .await
            .assert_error("UNAUTHENTICATED");
        // The refresh token itself is never an access token.
        app.me(&user.refresh).await.assert_error("UNAUTHENTICATED");
        // Nor is an access token a refresh token.
        app.refresh(&user.access)
            .await
            .assert_error("UNAUTHENTICATED");

        let malformed = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", "Token abc")
            .json(&json!({"query": "{ me { id } }"}))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = malformed.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

        app.me(&user.access).await.assert_ok();
    }
}

#[tokio::test]
async fn public_fields_still_answer_with_a_bad_token() {
    for app in spawn_apps().await {
        app.register("gina").await;
        let res = app
            .graphql_as(
                "garbage",
                "{ user(username: \"gina\") { username } }",
                json!({}),
            )
            .await;
        assert_eq!(res.assert_ok()["user"]["username"], "gina");
    }
}

#[tokio::test]
async fn refresh_rotates_the_pair() {
    for app in spawn_apps().await {
        let user = app.register("hank").await;
        let res = app.refresh(&user.refresh).await;
        let payload = &res.assert_ok()["refreshToken"];
        let (access2, refresh2) = (
            payload["accessToken"].as_str().unwrap(),
            payload["refreshToken"].as_str().unwrap(),
        );
        assert_ne!(refresh2, user.refresh);
        app.me(access2).await.assert_ok();
        let res = app.refresh(refresh2).await;
        res.assert_ok();
    }
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_family() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.auth.refresh_reuse_grace_secs = 1).await;
        let user = app.register("ivy").await;
        let rotated = app.refresh(&user.refresh).await;
        let payload = &rotated.assert_ok()["refreshToken"];
        let newer_refresh = payload["refreshToken"].as_str().unwrap().to_owned();
        let newer_access = payload["accessToken"].as_str().unwrap().to_owned();

        // After the grace window an attacker replays the old token: refused, and the
        // family dies. (The wait is the window itself, not a guess at timing.)
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        app.refresh(&user.refresh)
            .await
            .assert_error("UNAUTHENTICATED");
        app.refresh(&newer_refresh)
            .await
            .assert_error("UNAUTHENTICATED");
        app.me(&newer_access).await.assert_error("UNAUTHENTICATED");

        // Other sessions of the same user are untouched.
        let other = app.login("ivy", PASSWORD).await;
        let other_access = other.assert_ok()["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        app.me(&other_access).await.assert_ok();
    }
}

#[tokio::test]
async fn logout_revokes_one_session_or_all() {
    for app in spawn_apps().await {
        let user = app.register("jack").await;
        let second = app.login("jack", PASSWORD).await;
        let second = &second.assert_ok()["login"];
        let (access2, refresh2) = (
            second["accessToken"].as_str().unwrap().to_owned(),
            second["refreshToken"].as_str().unwrap().to_owned(),
        );

        let logout = "mutation($input: LogoutInput) { logout(input: $input) }";
        let res = app
            .graphql(logout, json!({"input": {"refreshToken": user.refresh}}))
            .await;
        assert_eq!(res.assert_ok()["logout"], true);
        app.refresh(&user.refresh)
            .await
            .assert_error("UNAUTHENTICATED");
        app.me(&user.access).await.assert_error("UNAUTHENTICATED");
        app.me(&access2).await.assert_ok();

        // Unknown token: refused; no token and no viewer: refused.
        app.graphql(logout, json!({"input": {"refreshToken": "rt_nope"}}))
            .await
            .assert_error("UNAUTHENTICATED");
        app.graphql(logout, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");

        // Without a token: every session of the viewer.
        let third = app.login("jack", PASSWORD).await;
        let refresh3 = third.assert_ok()["login"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.graphql_as(&access2, logout, json!({}))
                .await
                .assert_ok()["logout"],
            true
        );
        app.me(&access2).await.assert_error("UNAUTHENTICATED");
        app.refresh(&refresh2).await.assert_error("UNAUTHENTICATED");
        app.refresh(&refresh3).await.assert_error("UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn change_password_revokes_every_other_session() {
    const CHANGE: &str = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) }";
    for app in spawn_apps().await {
        let user = app.register("kate").await;
        let other = app.login("kate", PASSWORD).await;
        let other = &other.assert_ok()["login"];
        let (other_access, other_refresh) = (
            other["accessToken"].as_str().unwrap().to_owned(),
            other["refreshToken"].as_str().unwrap().to_owned(),
        );

        let wrong = app
            .graphql_as(&user.access, CHANGE, json!({"input": {"currentPassword": "not it at all", "newPassword": "new password 1"}}))
            .await;
        wrong.assert_error("BAD_USER_INPUT");
        assert_eq!(wrong.error_field(), Some("currentPassword"));
        let short = app
            .graphql_as(
                &user.access,
                CHANGE,
                json!({"input": {"currentPassword": PASSWORD, "newPassword": "short"}}),
            )
            .await;
        assert_eq!(short.error_field(), Some("newPassword"));
        app.me(&other_access).await.assert_ok();
        app.graphql(
            CHANGE,
            json!({"input": {"currentPassword": PASSWORD, "newPassword": "new password 1"}}),
        )
        .await
        .assert_error("UNAUTHENTICATED");

        let res = app
            .graphql_as(
                &user.access,
                CHANGE,
                json!({"input": {"currentPassword": PASSWORD, "newPassword": "new password 1"}}),
            )
            .await;
        assert_eq!(res.assert_ok()["changePassword"], true);

        app.me(&user.access).await.assert_ok();
        app.refresh(&user.refresh).await.assert_ok();
        app.me(&other_access).await.assert_error("UNAUTHENTICATED");
        app.refresh(&other_refresh)
            .await
            .assert_error("UNAUTHENTICATED");
        app.login("kate", PASSWORD)
            .await
            .assert_error("UNAUTHENTICATED");
        app.login("kate", "new password 1").await.assert_ok();
    }
}

/// Two tabs refreshing with the same token at once: both succeed with the same successor
/// (REFRESH_REUSE_GRACE_SECS), and the session lives on.
#[tokio::test]
async fn concurrent_refreshes_share_one_successor() {
    for app in spawn_apps().await {
        let user = app.register("tabs").await;
        let (a, b) = tokio::join!(app.refresh(&user.refresh), app.refresh(&user.refresh));
        let (a, b) = (
            a.assert_ok()["refreshToken"].clone(),
            b.assert_ok()["refreshToken"].clone(),
        );
        assert_eq!(a["refreshToken"], b["refreshToken"], "one successor");
        assert_ne!(a["refreshToken"], json!(user.refresh));
        for access in [&a["accessToken"], &b["accessToken"]] {
            app.me(access.as_str().unwrap()).await.assert_ok();
        }
        // A third, sequential late-comer within the window gets it too.
        let late = app.refresh(&user.refresh).await;
        assert_eq!(
            late.assert_ok()["refreshToken"]["refreshToken"],
            a["refreshToken"]
        );
        // And the successor rotates normally.
        let next = app.refresh(a["refreshToken"].as_str().unwrap()).await;
        next.assert_ok();
        // Each refresh was audited; the late ones are marked concurrent.
        let events = app
            .scalar("SELECT COUNT(*) FROM events WHERE action = 'auth.refresh'")
            .await;
        assert_eq!(events, 4);
    }
}
