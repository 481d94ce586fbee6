//! The binary: schema printing and checking, configuration refusals, migration policy.

use std::process::Command;

use blackroad_api::{graphql::schema, startup::Application};
use serde_json::json;

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_blackroad-api");

#[test]
fn committed_schema_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        committed == schema::sdl(),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn schema_check_detects_a_stale_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.graphql");
    std::fs::write(&path, schema::sdl()).unwrap();
    let ok = Command::new(BIN)
        .args(["schema", "--check", "--path"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    std::fs::write(&path, schema::sdl().replace("username", "userName")).unwrap();
    let stale = Command::new(BIN)
        .args(["schema", "--check", "--path"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(stale.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(
        stderr.contains("stale") && stderr.contains("blackroad-api schema"),
        "{stderr}"
    );

    let printed = Command::new(BIN).arg("schema").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&printed.stdout), schema::sdl());
}

fn serve_with(vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in vars {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn production_refuses_to_start_without_secrets() {
    let long = "s".repeat(40);
    let (code, stderr) = serve_with(&[("ENVIRONMENT", "production"), ("WALLET_MASTER_KEY", &long)]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("SECRET_KEY"), "{stderr}");
    let (code, stderr) = serve_with(&[("ENVIRONMENT", "production"), ("SECRET_KEY", &long)]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("WALLET_MASTER_KEY"), "{stderr}");
    let (code, stderr) = serve_with(&[
        ("ENVIRONMENT", "production"),
        ("SECRET_KEY", "short"),
        ("WALLET_MASTER_KEY", &long),
    ]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("SECRET_KEY"), "{stderr}");
}

#[test]
fn a_bad_value_names_the_variable() {
    for (var, value) in [
        ("PORT", "eighty"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "-5"),
        ("LOG_FORMAT", "xml"),
        ("DATABASE_URL", "mysql://x"),
    ] {
        let (code, stderr) = serve_with(&[(var, value)]);
        assert_eq!(code, Some(1), "{var}");
        assert!(stderr.contains(var), "{var}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// PostgreSQL is never migrated behind the operator's back.
#[tokio::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL")]
async fn postgres_refuses_pending_migrations_without_auto_migrate() {
    let admin = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let (url, _guard) = fresh_pg_database(&admin).await;
    let mut config = test_config();
    let dir = tempfile::tempdir().unwrap();
    config.data_dir = dir.path().to_path_buf();
    config.database_url = Some(url.clone());
    config.auto_migrate = false;
    let err = Application::build(config.clone())
        .await
        .err()
        .expect("refuses to start");
    assert!(
        format!("{err:#}").contains("blackroad-api migrate up"),
        "{err:#}"
    );

    let status = Command::new(BIN)
        .args(["migrate", "up"])
        .env("DATABASE_URL", &url)
        .env("DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let status = Command::new(BIN)
        .args(["migrate", "status"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains("applied"));
    Application::build(config)
        .await
        .expect("starts once migrated");
}

/// `migrate` needs no serving secrets, even in production.
#[test]
fn migrate_runs_in_production_without_serving_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["migrate", "status"])
        .current_dir(dir.path())
        .env_clear()
        .env("ENVIRONMENT", "production")
        .env("DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("m20261125_000001_initial"));
}

/// `blackroad-api admin grant|revoke` changes the flag through the audited write path; an
/// unknown name is an error and changes nothing.
#[tokio::test]
async fn admin_grant_and_revoke_from_the_command_line() {
    for app in spawn_apps().await {
        let bob = app.register("bob").await;
        let run = |args: &[&str]| {
            let mut command = Command::new(BIN);
            command
                .args(args)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env(
                    "DATABASE_URL",
                    app.state.config.database_url.clone().unwrap(),
                )
                .env("SECRET_KEY", SECRET)
                .env("WALLET_MASTER_KEY", MASTER_KEY)
                .env("AUTO_MIGRATE", "true")
                .env("RUST_LOG", "warn");
            command.output().unwrap()
        };
        let is_admin = || async {
            app.graphql_as(&bob.access, "{ me { isAdmin } }", json!({}))
                .await
                .assert_ok()["me"]["isAdmin"]
                .clone()
        };
        let missing = run(&["admin", "grant", "nobody"]);
        assert_eq!(missing.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&missing.stderr).contains("no user named nobody"));

        let granted = run(&["admin", "grant", "bob"]);
        assert!(granted.status.success(), "{granted:?}");
        assert!(String::from_utf8_lossy(&granted.stdout).contains("bob is now an admin"));
        assert_eq!(is_admin().await, true);
        // The grant is audited: bob, now an admin, can read it.
        let events = app
            .graphql_as(
                &bob.access,
                "{ events(action: \"user.grant_admin\") { edges { node { requestId data } } } }",
                json!({}),
            )
            .await;
        let edges = events.assert_ok()["events"]["edges"].clone();
        assert_eq!(edges[0]["node"]["requestId"], "cli");
        assert_eq!(edges[0]["node"]["data"]["username"], "bob");

        let revoked = run(&["admin", "revoke", "bob"]);
        assert!(revoked.status.success(), "{revoked:?}");
        assert_eq!(is_admin().await, false);
    }
}

/// ADMIN_USERNAMES: a listed user is an admin from the moment they sign up (and an existing
/// one from the next start), audited either way; nobody else is.
#[tokio::test]
async fn admin_usernames_make_the_first_admin() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.users.admin_usernames = " Root , ops".into()).await;
        let root = app.register("root").await;
        let alice = app.register("alice").await;
        let flag = |user: &TestUser| {
            let token = user.access.clone();
            let app = &app;
            async move {
                app.graphql_as(&token, "{ me { isAdmin } }", json!({}))
                    .await
                    .assert_ok()["me"]["isAdmin"]
                    .clone()
            }
        };
        assert_eq!(flag(&root).await, true);
        assert_eq!(flag(&alice).await, false);
        let events = app
            .graphql_as(
                &root.access,
                "{ events(action: \"user.grant_admin\") { edges { node { actor { username } data } } } }",
                json!({}),
            )
            .await;
        let edges = events.assert_ok()["events"]["edges"].clone();
        assert_eq!(edges.as_array().unwrap().len(), 1);
        assert_eq!(edges[0]["node"]["data"]["via"], "ADMIN_USERNAMES");
    }
}
