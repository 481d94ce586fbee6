//! What a production probe found, each with the test that failed before the fix: memory that
//! anonymous clients could fill (persisted queries, rate-limit keys), and what they may store.

use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_blackroad-api");

fn sha256_hex(text: &str) -> String {
    blackroad_api::graphql::admission::persisted::sha256_hex(text)
}

fn apq(document: Option<&str>, hash: &str) -> Value {
    let mut body = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
    if let Some(document) = document {
        body["query"] = json!(document);
    }
    body
}

/// A real server process, so its memory can be read from /proc.
struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(vars: &[(&str, String)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATA_DIR", dir.path())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in vars {
            command.env(k, v);
        }
        let server = Server {
            child: command.spawn().unwrap(),
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let client = reqwest::Client::new();
        eventually("the server to start", || {
            let health = client.get(format!("{}/health", server.url)).send();
            async move { health.await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
        server
    }

    /// Resident memory in MiB.
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kib / 1024.0
    }
}

async fn post(client: &reqwest::Client, url: &str, body: &Value, ip: &str) -> (StatusCode, Value) {
    let res = client
        .post(format!("{url}/graphql"))
        .header("x-forwarded-for", ip)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// 200 registrations of ~400 KB documents (they parse and pass the token limit: one big
/// comment) no longer grow the server: documents over APQ_MAX_DOCUMENT_BYTES are run, never
/// stored. Stated bound: +48 MiB RSS (before, 150 of ~900 KB grew it by ~170 MiB).
#[tokio::test]
async fn persisted_query_registrations_cannot_fill_memory() {
    let mut vars = vec![("RATE_LIMIT_QUERY", "0".to_owned())];
    if let Some(url) = test_redis() {
        vars.push(("REDIS_URL", url));
        vars.push(("REDIS_KEY_PREFIX", unique_prefix()));
    }
    let server = Server::start(&vars).await;
    let client = reqwest::Client::new();
    // Warm up the allocator and the schema, then measure.
    for _ in 0..5 {
        post(
            &client,
            &server.url,
            &json!({"query": "{ __typename }"}),
            "10.0.0.1",
        )
        .await;
    }
    let before = server.rss_mib();
    let padding = "#".repeat(400 * 1024);
    for i in 0..200 {
        let document = format!("{{ __typename }}\n# {i}{padding}");
        let (status, body) = post(
            &client,
            &server.url,
            &apq(Some(&document), &sha256_hex(&document)),
            "10.0.0.1",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["__typename"], "Query", "it still runs");
        if i == 0 {
            // Not remembered: the hash alone is unknown.
            let (_, again) = post(
                &client,
                &server.url,
                &apq(None, &sha256_hex(&document)),
                "10.0.0.1",
            )
            .await;
            assert_eq!(
                again["errors"][0]["extensions"]["code"],
                "PERSISTED_QUERY_NOT_FOUND"
            );
        }
    }
    let grown = server.rss_mib() - before;
    assert!(grown < 48.0, "RSS grew by {grown:.1} MiB");
}

/// Registrations that are stored fit a byte budget (oldest evicted first), in process and in
/// Redis; a request refused by the rate limit registers nothing.
#[tokio::test]
async fn registered_documents_fit_their_budget_and_need_the_rate_limit() {
    for app in redis_or_memory_apps(|c| {
        c.apq_cache_bytes = 256 * 1024;
        c.apq_shared_bytes = 256 * 1024;
        c.rate_limit_query = 3;
        c.trust_proxy = true;
    })
    .await
    {
        let client = &app.client;
        let documents: Vec<String> = (0..40)
            .map(|i| format!("{{ __typename }}\n# {i} {}", "x".repeat(30 * 1024)))
            .collect();
        for (i, document) in documents.iter().enumerate() {
            let ip = format!("10.1.{}.{}", i / 200, i % 200);
            let (status, body) = post(
                client,
                &app.address,
                &apq(Some(document), &sha256_hex(document)),
                &ip,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let known = async |document: &String, ip: &str| {
            let body = apq(None, &sha256_hex(document));
            let (_, res) = post(client, &app.address, &body, ip).await;
            res["data"]["__typename"] == "Query"
        };
        assert!(
            known(&documents[39], "10.2.0.1").await,
            "the newest is kept"
        );
        assert!(
            !known(&documents[0], "10.2.0.2").await,
            "the oldest was evicted"
        );
        if let Some(link) = &app.state.redis {
            let bytes: i64 = redis_get(&redis_url(), &link.key("api:apq:", "bytes")).await;
            assert!(bytes <= 256 * 1024, "{bytes} bytes of documents in Redis");
        }

        // Over the limit: 429, and the document was not learned.
        let document = format!("{{ __typename }} # refused {}", app.address);
        let body = apq(Some(&document), &sha256_hex(&document));
        for _ in 0..3 {
            let plain = json!({"query": "{ __typename }"});
            post(client, &app.address, &plain, "10.9.9.9").await;
        }
        let refused = post(client, &app.address, &body, "10.9.9.9").await.0;
        assert_eq!(refused, StatusCode::TOO_MANY_REQUESTS);
        let (_, fresh) = post(
            client,
            &app.address,
            &apq(None, &sha256_hex(&document)),
            "10.9.9.8",
        )
        .await;
        assert_eq!(
            fresh["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
            "the refused registration stored nothing"
        );
    }
}

async fn redis_get(url: &str, key: &str) -> i64 {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("GET")
        .arg(key)
        .query_async::<Option<i64>>(&mut conn)
        .await
        .unwrap()
        .unwrap_or(0)
}

/// The in-process backend always; Redis too when TEST_REDIS_URL is set.
async fn redis_or_memory_apps(
    customize: impl Fn(&mut blackroad_api::config::Config) + Clone,
) -> Vec<TestApp> {
    let mut apps = vec![spawn_app_with(Backend::Sqlite, customize.clone()).await];
    if let Some(url) = test_redis() {
        let prefix = unique_prefix();
        apps.push(
            spawn_app_with(Backend::Sqlite, move |c| {
                customize(c);
                c.redis_url = Some(url.clone());
                c.redis_key_prefix = prefix.clone();
            })
            .await,
        );
    }
    apps
}

/// Login names are counted by a hash: a 900 KB name costs a few bytes of counter, in Redis
/// and in process.
#[tokio::test]
async fn login_rate_limit_keys_do_not_hold_the_name() {
    for app in redis_or_memory_apps(|c| c.rate_limit_auth = 5).await {
        let login = "x".repeat(900 * 1024);
        for _ in 0..30 {
            let res = app.login(&login, "whatever password").await;
            assert!(
                ["UNAUTHENTICATED", "RATE_LIMITED"].contains(&res.error_code().unwrap_or("")),
                "{:?}",
                res.error_code()
            );
        }
        match &app.state.redis {
            Some(link) => {
                let client = redis::Client::open(redis_url()).unwrap();
                let mut conn = client.get_multiplexed_async_connection().await.unwrap();
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg(link.key("ratelimit:*", ""))
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                assert!(!keys.is_empty());
                assert!(keys.iter().all(|k| k.len() < 160), "{keys:?}");
            }
            None => {
                let bytes = app.state.rate_limiter.local_key_bytes();
                assert!(bytes < 1024, "{bytes} bytes of counter keys");
            }
        }
    }
}

/// Every string input of the schema — each String or ID argument, and each String or ID field
/// of an input object argument — refuses a NUL with BAD_USER_INPUT, as a literal and as a
/// variable, and nothing runs (PostgreSQL would refuse the text, and the answer was INTERNAL).
#[tokio::test]
async fn a_nul_in_any_string_input_is_bad_user_input() {
    use async_graphql::parser::{
        parse_schema,
        types::{BaseType, Type, TypeKind, TypeSystemDefinition},
    };
    let sdl = blackroad_api::graphql::schema::sdl();
    let schema = parse_schema(&sdl).unwrap();
    let named = |ty: &Type| -> String {
        let mut ty = ty;
        loop {
            match &ty.base {
                BaseType::Named(name) => return name.to_string(),
                BaseType::List(inner) => ty = inner,
            }
        }
    };
    let is_string = |name: &str| name == "String" || name == "ID";
    let mut inputs = std::collections::HashMap::new();
    let mut roots = Vec::new();
    for definition in &schema.definitions {
        let TypeSystemDefinition::Type(t) = definition else {
            continue;
        };
        let name = t.node.name.node.to_string();
        match &t.node.kind {
            TypeKind::InputObject(input) => {
                let strings: Vec<String> = input
                    .fields
                    .iter()
                    .filter(|f| is_string(&named(&f.node.ty.node)))
                    .map(|f| f.node.name.node.to_string())
                    .collect();
                inputs.insert(name, strings);
            }
            TypeKind::Object(object) if name == "Query" || name == "Mutation" => {
                for field in &object.fields {
                    for arg in &field.node.arguments {
                        roots.push((
                            name.clone(),
                            field.node.name.node.to_string(),
                            arg.node.name.node.to_string(),
                            named(&arg.node.ty.node),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    // One call per string input: a literal in the document, then a variable.
    let mut calls: Vec<(String, Value)> = Vec::new();
    for (root, field, arg, ty) in &roots {
        let op = if root == "Mutation" {
            "mutation"
        } else {
            "query"
        };
        if is_string(ty) {
            calls.push((
                format!("{op} {{ {field}({arg}: \"a\\u0000b\") }}"),
                json!({}),
            ));
            calls.push((
                format!("{op}($v: {ty}) {{ {field}({arg}: $v) }}"),
                json!({"v": "a\u{0}b"}),
            ));
        }
        for string_field in inputs.get(ty).into_iter().flatten() {
            calls.push((
                format!("{op} {{ {field}({arg}: {{ {string_field}: \"a\\u0000b\" }}) }}"),
                json!({}),
            ));
            calls.push((
                format!("{op}($v: {ty}) {{ {field}({arg}: $v) }}"),
                json!({"v": {string_field: "a\u{0}b"}}),
            ));
        }
    }
    assert!(calls.len() > 30, "only {} string inputs found", calls.len());
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let before = app.ledger_snapshot().await;
        let events = app.scalar("SELECT COUNT(*) FROM events").await;
        for (query, variables) in &calls {
            let res = app
                .graphql_as(&alice.access, query, variables.clone())
                .await;
            assert_eq!(
                res.error_code(),
                Some("BAD_USER_INPUT"),
                "{query}: {}",
                res.body
            );
            assert!(
                res.error_message().is_some_and(|m| m.contains("NUL")),
                "{query}: {}",
                res.body
            );
        }
        assert_eq!(app.ledger_snapshot().await, before);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM events").await, events);
    }
}

/// Bidi overrides and zero-width characters: refused in names (a full name, a wallet label),
/// accepted in long text (a bio), where right-to-left writing needs them.
#[tokio::test]
async fn names_refuse_direction_tricks_that_text_allows() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        const PROFILE: &str =
            "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { fullName bio } }";
        for (field, value) in [
            ("fullName", "Alice \u{202E}ecilA"),
            ("fullName", "Ali\u{200B}ce"),
            ("fullName", "two\nlines"),
        ] {
            let res = app
                .graphql_as(&alice.access, PROFILE, json!({"i": {field: value}}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field));
        }
        let bio = "שלום \u{200F}world\nsecond line";
        let res = app
            .graphql_as(
                &alice.access,
                PROFILE,
                json!({"i": {"bio": bio, "fullName": "Alice"}}),
            )
            .await;
        assert_eq!(res.assert_ok()["updateProfile"]["bio"], bio);
        let wallet = app
            .graphql_as(
                &alice.access,
                "mutation { createWallet(input: { label: \"sav\\u202Egnis\" }) { label } }",
                json!({}),
            )
            .await;
        wallet.assert_error("BAD_USER_INPUT");
        assert_eq!(wallet.error_field(), Some("label"));
    }
}
