//! A database outage, on a throwaway PostgreSQL cluster of the test's own (initdb, pg_ctl):
//! requests are answered SERVICE_UNAVAILABLE fast with Retry-After once the database is known
//! down, never INTERNAL; the server recovers by itself; nothing acknowledged is lost.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root).
fn pg(bin: &Path, tool: &str, args: &[&str]) {
    let program = bin.join(tool);
    let status = if nix_is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&program)
            .args(args)
            .status()
    } else {
        Command::new(&program).args(args).status()
    }
    .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(status.success(), "{tool} {args:?} failed");
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    fn init() -> Cluster {
        let bin = PathBuf::from(
            String::from_utf8(
                Command::new("pg_config")
                    .arg("--bindir")
                    .output()
                    .expect("pg_config (PostgreSQL's server tools) is installed")
                    .stdout,
            )
            .unwrap()
            .trim(),
        );
        let dir = tempfile::tempdir().unwrap();
        if nix_is_root() {
            assert!(
                Command::new("chown")
                    .args(["-R", "postgres"])
                    .arg(dir.path())
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let data = dir.path().join("data");
        pg(
            &bin,
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster { dir, port, bin };
        cluster.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        pg(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        pg(
            &self.bin,
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

#[tokio::test]
#[cfg_attr(
    not(test_postgres),
    ignore = "needs PostgreSQL (initdb, pg_ctl; TEST_DATABASE_URL)"
)]
async fn a_database_outage_is_answered_fast_and_recovered_from() {
    let cluster = Cluster::init();
    let url = cluster.url();
    let app = spawn_app_with(Backend::Sqlite, move |c| {
        c.database_url = Some(url);
        c.db_acquire_timeout_secs = 5;
    })
    .await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        let res = app.transfer(&alice, &bob.address, "1").await;
        acknowledged.push(res.assert_ok()["transfer"]["hash"].clone());
    }

    cluster.stop();
    // Writes while it goes: each answer is either done or SERVICE_UNAVAILABLE, never INTERNAL.
    for _ in 0..5 {
        let res = app.transfer(&alice, &bob.address, "1").await;
        match res.error_code() {
            None => acknowledged.push(res.data()["transfer"]["hash"].clone()),
            Some(code) => assert_eq!(code, "SERVICE_UNAVAILABLE", "{}", res.body),
        }
    }
    eventually("the outage to be noticed", || async {
        app.get_json("/health/ready").await.0 == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    // Known down: answered at once, with a code and Retry-After, whatever the request.
    for request in [
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&alice.access)
            .json(&json!({"query": "{ me { username } }"})),
        app.client
            .post(app.url("/graphql"))
            .json(&json!({"query": "{ blocks(first: 1) { edges { node { index } } } }"})),
        app.client
            .post(app.url("/api/auth/refresh"))
            .json(&json!({"refresh_token": alice.refresh})),
    ] {
        let started = Instant::now();
        let res = request.send().await.unwrap();
        let elapsed = started.elapsed();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()["retry-after"], "1");
        let body: Value = res.json().await.unwrap();
        let code = body["errors"][0]["extensions"]["code"]
            .as_str()
            .or(body["error"]["code"].as_str());
        assert_eq!(code, Some("SERVICE_UNAVAILABLE"), "{body}");
        assert!(elapsed < Duration::from_millis(500), "took {elapsed:?}");
    }
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("database_up 0"), "{metrics}");

    cluster.start();
    eventually("the server to recover by itself", || async {
        app.me(&alice.access).await.error_code().is_none()
    })
    .await;
    for hash in &acknowledged {
        let res = app
            .graphql(
                "query($h: String!) { transaction(hash: $h) { hash } }",
                json!({"h": hash}),
            )
            .await;
        assert_eq!(
            &res.assert_ok()["transaction"]["hash"],
            hash,
            "acknowledged, then lost"
        );
    }
    app.assert_ledger_invariant().await;
}
