//! WALLET_STATEMENT: small statements come back inline in the job's result; larger ones (over
//! JOB_STATEMENT_INLINE_BYTES) become a file of the owner's, downloaded like any other file,
//! counted against their storage quota.

use reqwest::{
    StatusCode,
    header::{CONTENT_LENGTH, CONTENT_TYPE},
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    files::upload,
    helpers::*,
    jobs::{job_reaches, submit_ok},
    ws_client::{TRANSPORT_WS, Ws},
};

const LEDGER: &str = "query($a: String!) { transactions(address: $a, first: 50) {
    edges { node { hash fromAddress toAddress amount fee message status } } } }";

/// Statements over `inline` bytes become files; the quota is `quota` bytes.
async fn spawn_statement_app(backend: Backend, inline: u64, quota: u64) -> TestApp {
    spawn_app_with(backend, |c| {
        c.jobs.job_workers = 1;
        c.jobs.job_poll_ms = 50;
        c.jobs.job_retry_base_ms = 20;
        c.jobs.job_statement_inline_bytes = inline;
        c.files.file_quota_bytes = quota;
    })
    .await
}

/// Alice sends Bob 5 and 2 (with a message that needs quoting), Bob sends her 1.5.
async fn some_history(app: &TestApp, alice: &TestUser, bob: &TestUser) {
    app.transfer(alice, &bob.address, "5").await.assert_ok();
    app.transfer(bob, &alice.address, "1.5").await.assert_ok();
    app.graphql_as(
        &alice.access,
        TRANSFER,
        json!({"input": {"toAddress": bob.address, "amount": "2", "message": "rent, \"May\""}}),
    )
    .await
    .assert_ok();
}

/// The CSV line each of `address`'s transactions should have (without the timestamp),
/// oldest first, from the ledger as the API reports it.
async fn expected_rows(app: &TestApp, user: &TestUser, address: &str) -> Vec<String> {
    let res = app
        .graphql_as(&user.access, LEDGER, json!({"a": address}))
        .await;
    let mut rows: Vec<String> = res.assert_ok()["transactions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let t = &e["node"];
            let out = t["fromAddress"] == address;
            let (direction, other, fee) = if out {
                ("out", &t["toAddress"], t["fee"].as_str().unwrap())
            } else {
                ("in", &t["fromAddress"], "0")
            };
            let message = t["message"].as_str().unwrap_or("");
            let message = if message.contains([',', '"']) {
                format!("\"{}\"", message.replace('"', "\"\""))
            } else {
                message.to_owned()
            };
            format!(
                "{},{direction},{},{},{fee},{},{message}",
                t["hash"].as_str().unwrap(),
                other.as_str().unwrap(),
                t["amount"].as_str().unwrap(),
                t["status"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect();
    // The ledger lists newest first; a statement oldest first.
    rows.reverse();
    rows
}

async fn download(app: &TestApp, url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_large_statement_is_a_file_only_its_owner_downloads() {
    for backend in backends() {
        // A header and three rows are well over 200 bytes.
        let app = spawn_statement_app(backend, 200, 1 << 20).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        some_history(&app, &alice, &bob).await;

        let id = submit_ok(
            &app,
            &alice,
            "WALLET_STATEMENT",
            json!({"address": alice.address}),
        )
        .await;
        let done = job_reaches(&app, &alice, &id, "SUCCEEDED").await;
        let result = &done["result"];
        assert_eq!(result["rows"], 3);
        assert_eq!(result["contentType"], "text/csv");
        assert_eq!(result["csv"], Value::Null, "not inline: {result}");
        let file = &result["file"];
        let name = format!("{}-{id}.csv", alice.address);
        assert_eq!(file["name"], name.as_str());
        assert_eq!(file["path"], format!("/statements/{name}"));
        let file_id = file["id"].as_str().unwrap();
        let url = file["downloadUrl"].as_str().unwrap().to_owned();
        assert_eq!(url, format!("/files/{file_id}"));

        let res = download(&app, &url, Some(&alice.access)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CONTENT_TYPE], "text/csv");
        assert_eq!(
            res.headers()[CONTENT_LENGTH].to_str().unwrap(),
            file["size"].to_string()
        );
        let csv = res.text().await.unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("created_at,hash,direction,counterparty,amount,fee,status,message")
        );
        let rows: Vec<String> = lines
            .map(|l| {
                let (created_at, rest) = l.split_once(',').unwrap();
                assert!(
                    chrono::DateTime::parse_from_rfc3339(created_at).is_ok(),
                    "{l}"
                );
                rest.to_owned()
            })
            .collect();
        assert_eq!(rows, expected_rows(&app, &alice, &alice.address).await);

        // Only Alice: Bob gets 404 as for an id that does not exist; nobody else at all.
        let res = download(&app, &url, Some(&bob.access)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = download(&app, &url, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let node = app
            .graphql_as(
                &bob.access,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": file_id}),
            )
            .await;
        assert!(node.assert_ok()["node"].is_null());

        // It is one of Alice's files like any other: in her tree, on her quota, audited.
        let node = app
            .graphql_as(
                &alice.access,
                "query($id: ID!) { node(id: $id) { ... on File { name size mimeType folder { path } } } }",
                json!({"id": file_id}),
            )
            .await;
        let node = &node.assert_ok()["node"];
        assert_eq!(node["folder"]["path"], "/statements");
        assert_eq!(node["mimeType"], "text/csv");
        assert_eq!(node["size"], file["size"]);
        let usage = app
            .graphql_as(&alice.access, "{ storageUsage { usedBytes } }", json!({}))
            .await;
        assert_eq!(usage.assert_ok()["storageUsage"]["usedBytes"], file["size"]);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM events WHERE action = 'files.generate'")
                .await,
            1
        );
    }
}

#[tokio::test]
async fn a_small_statement_stays_inline_and_makes_no_file() {
    for backend in backends() {
        let app = spawn_statement_app(backend, 4096, 1 << 20).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        some_history(&app, &alice, &bob).await;
        let id = submit_ok(
            &app,
            &bob,
            "WALLET_STATEMENT",
            json!({"address": bob.address}),
        )
        .await;
        let done = job_reaches(&app, &bob, &id, "SUCCEEDED").await;
        let csv = done["result"]["csv"].as_str().unwrap();
        let rows: Vec<String> = csv
            .lines()
            .skip(1)
            .map(|l| l.split_once(',').unwrap().1.to_owned())
            .collect();
        assert_eq!(rows, expected_rows(&app, &bob, &bob.address).await);
        assert_eq!(done["result"]["file"], Value::Null);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM file_nodes WHERE is_folder = false")
                .await,
            0
        );
    }
}

#[tokio::test]
async fn a_statement_over_the_storage_quota_fails_once_with_quota_exceeded() {
    // The statement (a header and three rows, some 550 bytes) against a quota it can never
    // fit (the writing stops early), and against one it fits but for an earlier upload.
    for (quota, uploaded) in [(250u64, 0usize), (2000, 1600)] {
        for backend in backends() {
            let app = spawn_statement_app(backend, 100, quota).await;
            let alice = app.register("alice").await;
            let bob = app.register("bob").await;
            some_history(&app, &alice, &bob).await;
            if uploaded > 0 {
                upload(&app, &alice.access, None, "big.bin", &vec![7u8; uploaded]).await;
            }
            let id = submit_ok(
                &app,
                &alice,
                "WALLET_STATEMENT",
                json!({"address": alice.address}),
            )
            .await;
            let failed = job_reaches(&app, &alice, &id, "FAILED").await;
            assert_eq!(failed["errorCode"], "QUOTA_EXCEEDED");
            assert!(
                failed["error"].as_str().unwrap().contains("storage quota"),
                "{failed}"
            );
            // Waiting does not make room: not retried.
            assert_eq!(failed["attempts"], 1);
            assert_eq!(failed["result"], Value::Null);
            // Nothing kept: no file (but the upload), no usage, no content, no leftovers.
            let files = i64::from(uploaded > 0);
            assert_eq!(
                app.scalar("SELECT COUNT(*) FROM file_nodes WHERE is_folder = false")
                    .await,
                files
            );
            assert_eq!(
                app.scalar("SELECT CAST(COALESCE(SUM(used_bytes), 0) AS BIGINT) FROM file_usage")
                    .await,
                uploaded as i64
            );
            assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, files);
            let tmp = app.state.config.data_dir.join("files").join("tmp");
            let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
            assert_eq!(left, 0, "spooled content left in {}", tmp.display());

            // The owner is told why.
            let notes = app
                .graphql_as(
                    &alice.access,
                    "{ notifications(first: 5) { edges { node { kind title body } } } }",
                    json!({}),
                )
                .await;
            let note = &notes.assert_ok()["notifications"]["edges"][0]["node"];
            assert_eq!(note["kind"], "JOB_FINISHED");
            assert_eq!(note["title"], "Job failed");
            assert!(note["body"].as_str().unwrap().contains("storage quota"));
        }
    }
}

#[tokio::test]
async fn a_statement_run_again_replaces_its_file() {
    for backend in backends() {
        let app = spawn_statement_app(backend, 100, 1 << 20).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        some_history(&app, &alice, &bob).await;
        let id = submit_ok(
            &app,
            &alice,
            "WALLET_STATEMENT",
            json!({"address": alice.address}),
        )
        .await;
        let first = job_reaches(&app, &alice, &id, "SUCCEEDED").await;
        // The job runs again (as after a worker died between storing the file and recording
        // the outcome) with one more transaction in the ledger.
        app.transfer(&alice, &bob.address, "0.25").await.assert_ok();
        app.state
            .db
            .execute_unprepared("UPDATE jobs SET status = 'queued', result = NULL")
            .await
            .unwrap();
        let second = job_reaches(&app, &alice, &id, "SUCCEEDED").await;
        assert_eq!(first["result"]["rows"], 3);
        assert_eq!(second["result"]["rows"], 4);
        assert_eq!(
            second["result"]["file"]["name"],
            first["result"]["file"]["name"]
        );
        // One file, the newer one; the quota counts it once.
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM file_nodes WHERE is_folder = false")
                .await,
            1
        );
        let size = second["result"]["file"]["size"].as_i64().unwrap();
        assert_eq!(
            app.scalar("SELECT CAST(SUM(used_bytes) AS BIGINT) FROM file_usage")
                .await,
            size
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 1);
        let res = download(
            &app,
            second["result"]["file"]["downloadUrl"].as_str().unwrap(),
            Some(&alice.access),
        )
        .await;
        assert_eq!(res.text().await.unwrap().lines().count(), 5);
        let old = download(
            &app,
            first["result"]["file"]["downloadUrl"].as_str().unwrap(),
            Some(&alice.access),
        )
        .await;
        assert_eq!(old.status(), StatusCode::NOT_FOUND);
    }
}

/// What the `/prism` console watches: an admin's `auditEvents` stream shows the job and the
/// file it wrote, with the owner as the actor.
#[tokio::test]
async fn an_admin_watching_audit_events_sees_the_statement_and_its_file() {
    for backend in backends() {
        let app = spawn_statement_app(backend, 100, 1 << 20).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        some_history(&app, &alice, &bob).await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&root.access)).await;
        ws.subscribe(
            "a",
            "subscription { auditEvents { action subjectType actor { username } } }",
            json!({}),
        )
        .await;
        app.await_receivers::<blackroad_api::audit::AuditEvent>(1)
            .await;
        let id = submit_ok(
            &app,
            &alice,
            "WALLET_STATEMENT",
            json!({"address": alice.address}),
        )
        .await;
        job_reaches(&app, &alice, &id, "SUCCEEDED").await;
        let mut seen = Vec::new();
        while seen
            .last()
            .map(|(a, _, _): &(String, String, Value)| a.as_str())
            != Some("job.finish")
        {
            let event = ws.next_data("a").await["auditEvents"].clone();
            seen.push((
                event["action"].as_str().unwrap().to_owned(),
                event["subjectType"].as_str().unwrap().to_owned(),
                event["actor"]["username"].clone(),
            ));
        }
        let actions: Vec<(&str, &str)> = seen
            .iter()
            .map(|(a, s, _)| (a.as_str(), s.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("job.submit", "Job"),
                ("files.create_folder", "Folder"),
                ("files.generate", "File"),
                ("job.finish", "Job"),
            ]
        );
        // Alice did all but the finish, which the worker records for nobody in particular.
        assert!(
            seen[..3].iter().all(|(_, _, actor)| actor == "alice"),
            "{seen:?}"
        );
        assert_eq!(seen[3].2, Value::Null);
    }
}
