//! Test harness: each test spawns the real app on port 0 with its own database (a temporary
//! SQLite file always, plus a fresh PostgreSQL database when TEST_DATABASE_URL is set) and
//! talks to it over HTTP.

use std::{net::IpAddr, sync::atomic::Ordering};

use blackroad_api::{
    auth::AuthConfig, chain::ChainConfig, config::Config, jobs::JobsConfig, startup::Application,
    state::AppState, wallet::WalletConfig,
};
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tempfile::TempDir;

pub const SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";
pub const MASTER_KEY: &str = "test-wallet-master-key-long-enough-0123456789";
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Drops the per-test PostgreSQL database when the test ends, even if it panicked.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; a fresh thread gets its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(db) = Database::connect(&admin_url).await {
                    let _ = db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            });
        })
        .join();
    }
}

pub enum DbGuard {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres(#[allow(dead_code)] PgDatabase, #[allow(dead_code)] TempDir),
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    /// Dropping (or sending on) it shuts the server down gracefully.
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _guard: DbGuard,
}

/// A test's Redis keys go with it (its own prefix), so runs leave nothing behind.
impl Drop for TestApp {
    fn drop(&mut self) {
        let config = &self.state.config;
        let (Some(url), prefix) = (config.redis_url.clone(), config.redis_key_prefix.clone())
        else {
            return;
        };
        if prefix.is_empty() || config.redis_tls_ca_file.is_some() {
            return;
        }
        let _ = std::thread::spawn(move || {
            let Ok(client) = redis::Client::open(url) else {
                return;
            };
            let Ok(mut conn) =
                client.get_connection_with_timeout(std::time::Duration::from_secs(1))
            else {
                return;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}*"))
                .query(&mut conn)
                .unwrap_or_default();
            for chunk in keys.chunks(500) {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(chunk).query(&mut conn);
            }
        })
        .join();
    }
}

/// A registered user as a client holds it.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub access: String,
    pub refresh: String,
    pub address: String,
}

/// A GraphQL answer: HTTP status plus body.
#[derive(Debug)]
pub struct Gql {
    pub status: StatusCode,
    pub body: Value,
}

impl Gql {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn error_field(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["field"].as_str()
    }

    pub fn error_message(&self) -> Option<&str> {
        self.body["errors"][0]["message"].as_str()
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        &self.body["data"]
    }

    #[track_caller]
    pub fn assert_error(&self, code: &str) {
        assert_eq!(self.error_code(), Some(code), "body: {}", self.body);
    }
}

pub fn test_config() -> Config {
    Config {
        host: IpAddr::from([127, 0, 0, 1]),
        port: 0,
        auto_migrate: true,
        auth: AuthConfig {
            secret_key: Some(SECRET.into()),
            ..Default::default()
        },
        wallet: WalletConfig {
            wallet_master_key: Some(MASTER_KEY.into()),
        },
        // Real proof of work, cheap enough for tests.
        chain: ChainConfig {
            chain_difficulty: 2,
        },
        // Tests that exercise rate limits set their own; the rest send far more than a
        // client would from one address.
        rate_limit_auth: 0,
        rate_limit_mutation: 0,
        rate_limit_query: 0,
        // Idle workers poll the database, which would disturb the statement counts; the job
        // tests start theirs.
        jobs: JobsConfig {
            job_workers: 0,
            ..Default::default()
        },
        ..Config::default()
    }
}

/// A fresh, empty PostgreSQL database; its URL and a guard that drops it.
pub async fn fresh_pg_database(admin_url: &str) -> (String, PgDatabase) {
    let admin = Database::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unreachable: {e}"));
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
    (
        format!("{prefix}/{name}{query}"),
        PgDatabase {
            admin_url: admin_url.to_owned(),
            name,
        },
    )
}

/// SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (then unreachable = failure).
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        list.push(Backend::Postgres);
    }
    list
}

/// The Redis of tests gated with `#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]`.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .expect("this test needs TEST_REDIS_URL")
}

/// Redis when TEST_REDIS_URL is set; `None` otherwise.
pub fn test_redis() -> Option<String> {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

/// A key prefix of its own, so tests sharing one Redis never see each other.
pub fn unique_prefix() -> String {
    format!("test:{}:", uuid::Uuid::new_v4().simple())
}

pub async fn assert_redis_reachable(url: &str) {
    let client = redis::Client::open(url).expect("TEST_REDIS_URL is a Redis URL");
    let ping = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), ping).await {
        Ok(Ok(_)) => {}
        other => panic!("TEST_REDIS_URL is set but Redis is unreachable: {other:?}"),
    }
}

/// Waits (up to 10 s) until `condition` holds; panics naming `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if condition().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// One app per configured backend.
pub async fn spawn_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for backend in backends() {
        apps.push(spawn_app_with(backend, |_| {}).await);
    }
    apps
}

pub async fn spawn_app_with(backend: Backend, customize: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = test_config();
    config.data_dir = dir.path().to_path_buf();
    config.static_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static");
    let guard = match backend {
        Backend::Sqlite => {
            config.database_url = Some(format!(
                "sqlite://{}/test.db?mode=rwc",
                dir.path().display()
            ));
            DbGuard::Sqlite(dir)
        }
        Backend::Postgres => {
            let admin = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
            let (url, pg) = fresh_pg_database(&admin).await;
            config.database_url = Some(url);
            DbGuard::Postgres(pg, dir)
        }
    };
    customize(&mut config);
    if std::env::var("TEST_LOG").is_ok() {
        blackroad_api::platform::telemetry::init(blackroad_api::config::LogFormat::Pretty);
    }
    let app = Application::build(config).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        address,
        client,
        state,
        backend,
        shutdown: Some(shutdown),
        _guard: guard,
    }
}

impl TestApp {
    /// Starts a graceful shutdown, as SIGTERM would.
    pub fn shut_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_graphql(&self, token: Option<&str>, body: Value) -> Response {
        let mut request = self.client.post(self.url("/graphql")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    pub async fn graphql_with(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let response = self
            .post_graphql(token, json!({"query": query, "variables": variables}))
            .await;
        let status = response.status();
        let body = response.json().await.expect("JSON body");
        Gql { status, body }
    }

    pub async fn graphql(&self, query: &str, variables: Value) -> Gql {
        self.graphql_with(None, query, variables).await
    }

    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Gql {
        self.graphql_with(Some(token), query, variables).await
    }

    pub async fn try_register(&self, username: &str, email: &str, password: &str) -> Gql {
        self.graphql(
            REGISTER,
            json!({"input": {"username": username, "email": email, "password": password}}),
        )
        .await
    }

    pub async fn register(&self, username: &str) -> TestUser {
        let res = self
            .try_register(username, &format!("{username}@example.com"), PASSWORD)
            .await;
        let payload = &res.assert_ok()["register"];
        TestUser {
            id: payload["user"]["id"].as_str().unwrap().to_owned(),
            access: payload["accessToken"].as_str().unwrap().to_owned(),
            refresh: payload["refreshToken"].as_str().unwrap().to_owned(),
            address: payload["user"]["primaryWallet"]["address"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    pub async fn login(&self, login: &str, password: &str) -> Gql {
        self.graphql(
            LOGIN,
            json!({"input": {"login": login, "password": password}}),
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Gql {
        self.graphql(REFRESH, json!({"input": {"refreshToken": refresh_token}}))
            .await
    }

    pub async fn me(&self, token: &str) -> Gql {
        self.graphql_as(token, "{ me { id username email } }", json!({}))
            .await
    }

    /// The value of the sample `series` (name with labels, as printed) in `/metrics`.
    pub async fn metric(&self, series: &str) -> Option<f64> {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let prefix = format!("{series} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(|v| v.trim().parse().unwrap())
    }

    pub async fn count_users(&self) -> i64 {
        self.scalar("SELECT COUNT(*) FROM users").await
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.state.db.get_database_backend(),
                sql,
            ))
            .await
            .expect("query")
            .expect("row");
        row.try_get_by_index::<i64>(0).expect("integer")
    }

    /// SQL statements run so far by this app.
    pub fn statements(&self) -> u64 {
        self.state.sql_statements.load(Ordering::SeqCst)
    }

    /// A GET of a REST path: status and JSON body.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Makes `user` an admin the way `blackroad-api admin grant` does (audited).
    pub async fn make_admin(&self, user: &TestUser) {
        let id: uuid::Uuid = self.user_uuid(user).await;
        let model = blackroad_api::users::find_by_id(&self.state.db, id)
            .await
            .expect("user read")
            .expect("user exists");
        blackroad_api::users::set_admin_flag(&self.state, &Default::default(), model, true)
            .await
            .expect("granted");
    }

    pub async fn user_uuid(&self, user: &TestUser) -> uuid::Uuid {
        blackroad_api::graphql::ids::decode(&user.id, "id")
            .expect("a user id")
            .1
    }

    /// Waits until exactly `n` local subscriptions listen for `M`: subscriptions register
    /// asynchronously, and a closed socket's go away asynchronously too.
    pub async fn await_receivers<M: blackroad_api::platform::pubsub::Message>(&self, n: usize) {
        let bus = self.state.bus.clone();
        eventually(&format!("{n} subscriber(s) of {}", M::TOPIC), || {
            let count = bus.receiver_count::<M>();
            async move { count == n }
        })
        .await;
    }
}

pub const REGISTER: &str = "mutation($input: RegisterInput!) { register(input: $input) {
    accessToken refreshToken tokenType expiresIn
    user { id username email fullName isVerified isAdmin createdAt primaryWallet { id address balance isPrimary } wallets { address balance } } } }";

pub const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) {
    accessToken refreshToken tokenType expiresIn user { id username email lastLoginAt } } }";

pub const REFRESH: &str = "mutation($input: RefreshTokenInput!) { refreshToken(input: $input) {
    accessToken refreshToken user { username } } }";

pub const TRANSFER: &str = "mutation($input: TransferInput!) { transfer(input: $input) {
    id hash fromAddress toAddress amount fee message status block { index } } }";

pub const MINE: &str = "mutation($input: MineBlockInput) { mineBlock(input: $input) {
    id index hash previousHash nonce difficulty transactionCount reward miner { username } } }";

impl TestApp {
    pub async fn transfer(&self, from: &TestUser, to_address: &str, amount: &str) -> Gql {
        self.graphql_as(
            &from.access,
            TRANSFER,
            json!({"input": {"toAddress": to_address, "amount": amount}}),
        )
        .await
    }

    pub async fn mine(&self, miner: &TestUser, max: Option<i32>) -> Gql {
        let input = match max {
            Some(n) => json!({"maxTransactions": n}),
            None => json!({}),
        };
        self.graphql_as(&miner.access, MINE, json!({"input": input}))
            .await
    }

    pub async fn balance(&self, address: &str) -> String {
        let res = self
            .graphql(
                "query($a: String!) { wallet(address: $a) { balance } }",
                json!({"a": address}),
            )
            .await;
        res.assert_ok()["wallet"]["balance"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Money is never lost or invented: balances plus pending transfers equal 100 per user
    /// plus 50 per mined block, and no balance is negative.
    pub async fn assert_ledger_invariant(&self) {
        let balances = self
            .scalar("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM wallets")
            .await;
        let pending = self
            .scalar("SELECT CAST(COALESCE(SUM(amount + fee), 0) AS BIGINT) FROM transactions WHERE status = 'pending'")
            .await;
        let users = self.count_users().await;
        let mined = self
            .scalar("SELECT COUNT(*) FROM blocks WHERE \"index\" > 0")
            .await;
        let coin = 100_000_000i64;
        assert_eq!(
            balances + pending,
            100 * coin * users + 50 * coin * mined,
            "ledger invariant"
        );
        assert_eq!(
            self.scalar("SELECT COUNT(*) FROM wallets WHERE balance < 0")
                .await,
            0
        );
    }

    pub async fn ledger_snapshot(&self) -> (i64, i64, i64) {
        (
            self.scalar("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM wallets")
                .await,
            self.scalar("SELECT COUNT(*) FROM transactions").await,
            self.scalar("SELECT COUNT(*) FROM wallets").await,
        )
    }
}
