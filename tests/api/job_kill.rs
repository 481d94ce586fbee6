//! A worker really dies: a server process running a job is killed with SIGKILL (no shutdown,
//! no hand-back), and a second process on the same database takes the job over once the dead
//! one's lease has run out, and completes it. On PostgreSQL when TEST_DATABASE_URL is set, and
//! on a SQLite file always.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_blackroad-api");
/// Short, so the takeover comes within seconds.
const LEASE_SECS: u64 = 2;

/// A server process of the test's own, on a database shared with the other.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(database_url: &str, data_dir: &std::path::Path, difficulty: u32) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = if std::env::var("TEST_LOG").is_ok() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let child = Command::new(BIN)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("AUTO_MIGRATE", "true")
            .env("DATA_DIR", data_dir)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("SECRET_KEY", SECRET)
            .env("WALLET_MASTER_KEY", MASTER_KEY)
            .env("RUST_LOG", "warn")
            .env("CHAIN_DIFFICULTY", difficulty.to_string())
            .env("JOB_WORKERS", "1")
            .env("JOB_POLL_MS", "100")
            .env("JOB_LEASE_SECS", LEASE_SECS.to_string())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let health = client.get(format!("{}/health", server.url)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the server never started"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", self.url))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(body["errors"].is_null(), "{body}");
        body["data"].clone()
    }

    async fn job(&self, token: &str, id: &str) -> Value {
        self.graphql(
            Some(token),
            "query($id: ID!) { job(id: $id) { status attempts result error startedAt } }",
            json!({"id": id}),
        )
        .await["job"]
            .clone()
    }

    /// Waits (up to `within`) until the job is in `status`; the job then.
    async fn job_reaches(&self, token: &str, id: &str, status: &str, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let job = self.job(token, id).await;
            if job["status"] == status {
                return job;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the job never reached {status}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One row's integer column, read straight from the shared database.
async fn column(database_url: &str, sql: &str) -> i64 {
    let db = Database::connect(database_url).await.unwrap();
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .expect("a row");
    let value = row.try_get_by_index::<i64>(0).unwrap();
    let _ = db.close().await;
    value
}

#[tokio::test]
async fn a_killed_server_process_s_job_completes_on_another_after_the_lease() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (database_url, _pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}/jobs.db?mode=rwc", dir.path().display()),
                None,
            ),
            Backend::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL").unwrap();
                let (url, guard) = fresh_pg_database(&admin).await;
                (url, Some(guard))
            }
        };
        // The first process mines at a difficulty it cannot finish in the test's time
        // (16^8 hashes expected): the job is certainly running when the process dies.
        let mut first = Server::start(&database_url, &dir.path().join("a"), 8).await;
        let registered = first
            .graphql(
                None,
                REGISTER,
                json!({"input": {"username": "alice", "email": "alice@example.com", "password": PASSWORD}}),
            )
            .await;
        let token = registered["register"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let address = registered["register"]["user"]["primaryWallet"]["address"]
            .as_str()
            .unwrap()
            .to_owned();
        let submitted = first
            .graphql(
                Some(&token),
                "mutation { submitJob(input: {kind: MINE_BLOCK, payload: {}}) { id } }",
                json!({}),
            )
            .await;
        let id = submitted["submitJob"]["id"].as_str().unwrap().to_owned();
        let running = first
            .job_reaches(&token, &id, "RUNNING", Duration::from_secs(20))
            .await;
        assert_eq!(running["attempts"], 1);
        // Let a heartbeat renew the lease, so the takeover has to wait for a live lease.
        tokio::time::sleep(Duration::from_millis(800)).await;

        // SIGKILL: no graceful shutdown, nothing handed back.
        first.child.kill().unwrap();
        first.child.wait().unwrap();
        let lease_until = column(
            &database_url,
            "SELECT lease_until_ms FROM jobs WHERE status = 'running' AND attempts = 1",
        )
        .await;
        assert!(lease_until > chrono::Utc::now().timestamp_millis() - 1000);

        // The second process mines easily; it may claim the job only once the lease is over.
        let second = Server::start(&database_url, &dir.path().join("b"), 2).await;
        let done = second
            .job_reaches(&token, &id, "SUCCEEDED", Duration::from_secs(30))
            .await;
        assert_eq!(done["attempts"], 2, "{done}");
        assert_eq!(done["result"]["index"], 1);
        assert_eq!(done["error"], Value::Null);
        // Taken over only once the dead process's lease had run out.
        let restarted = chrono::DateTime::parse_from_rfc3339(done["startedAt"].as_str().unwrap())
            .unwrap()
            .timestamp_millis();
        assert!(
            restarted >= lease_until,
            "claimed again at {restarted}, before the lease ran out at {lease_until}"
        );
        // The owner mined the block: the reward is hers.
        let wallet = second
            .graphql(
                None,
                "query($a: String!) { wallet(address: $a) { balance } }",
                json!({"a": address}),
            )
            .await;
        assert_eq!(wallet["wallet"]["balance"], "150");
        assert_eq!(
            column(
                &database_url,
                "SELECT COUNT(*) FROM blocks WHERE \"index\" = 1"
            )
            .await,
            1
        );
    }
}
