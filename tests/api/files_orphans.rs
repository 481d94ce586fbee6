//! No content without a file pointing at it: a statement job cancelled while it writes, an
//! upload whose client hangs up midway, and the sweep of what a killed process left behind.

use std::{
    io::Write,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::{
    files::{upload, upload_with},
    helpers::*,
    jobs::{CANCEL, job_reaches, submit_ok},
    ws_client::{TRANSPORT_WS, Ws},
};

const USAGE: &str = "{ storageUsage { usedBytes } }";

/// Every file under `DATA_DIR/files` (content and temporary files alike).
fn stored_files(app: &TestApp) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.state.config.data_dir.join("files"), &mut out);
    out
}

async fn used_bytes(app: &TestApp, user: &TestUser) -> i64 {
    app.graphql_as(&user.access, USAGE, json!({}))
        .await
        .assert_ok()["storageUsage"]["usedBytes"]
        .as_i64()
        .unwrap()
}

async fn nothing_stored(app: &TestApp, user: &TestUser) {
    eventually("no content or temporary file left", || async {
        stored_files(app).is_empty()
    })
    .await;
    assert_eq!(used_bytes(app, user).await, 0);
    let files = app
        .scalar("SELECT COUNT(*) FROM file_nodes WHERE is_folder = false")
        .await;
    assert_eq!(files, 0);
}

const TRANSFERS_PER_REQUEST: usize = 100;
const REQUESTS: usize = 5;

#[tokio::test]
async fn a_statement_cancelled_while_it_writes_leaves_no_content() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.jobs.job_workers = 1;
            c.jobs.job_poll_ms = 50;
            // Every statement is a file, written one transaction per page: the cancellation
            // is seen at the page after the one the test saw.
            c.jobs.job_statement_inline_bytes = 0;
            c.jobs.job_page_size = 1;
            c.jobs.job_lease_secs = 60;
            // A long history in a few requests.
            c.max_aliases = TRANSFERS_PER_REQUEST;
            c.max_root_fields = TRANSFERS_PER_REQUEST;
            c.max_query_complexity = 100 * TRANSFERS_PER_REQUEST;
        })
        .await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        // Hundreds of pages, a round trip each: far longer than the test takes to cancel.
        let transfers: String = (0..TRANSFERS_PER_REQUEST)
            .map(|n| {
                format!("t{n}: transfer(input: {{toAddress: $to, amount: \"0.01\"}}) {{ hash }} ")
            })
            .collect();
        let many = format!("mutation($to: String!) {{ {transfers} }}");
        for _ in 0..REQUESTS {
            app.graphql_as(&alice.access, &many, json!({"to": bob.address}))
                .await
                .assert_ok();
        }
        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        ws.subscribe(
            "jobs",
            "subscription { jobUpdated { status progress } }",
            json!({}),
        )
        .await;
        app.await_receivers::<blackroad_api::jobs::JobUpdated>(2)
            .await;
        let id = submit_ok(
            &app,
            &alice,
            "WALLET_STATEMENT",
            json!({"address": alice.address}),
        )
        .await;
        // Writing has started: a page is written out (the statement spills from the first).
        loop {
            let update = ws.next_data("jobs").await["jobUpdated"].clone();
            if update["progress"].as_f64().unwrap() > 0.0 {
                assert!(update["progress"].as_f64().unwrap() < 0.5, "{update}");
                break;
            }
        }
        app.graphql_as(&alice.access, CANCEL, json!({"id": id}))
            .await
            .assert_ok();
        let job = job_reaches(&app, &alice, &id, "CANCELLED").await;
        assert_eq!(job["result"], serde_json::Value::Null);
        // Stopped between pages, part of the statement written.
        let stopped_at = job["progress"].as_f64().unwrap();
        assert!(stopped_at > 0.0 && stopped_at < 1.0, "{job}");
        nothing_stored(&app, &alice).await;

        // Retried, it writes its file whole.
        app.graphql_as(
            &alice.access,
            "mutation($id: ID!) { retryJob(input: {id: $id}) { id } }",
            json!({"id": id}),
        )
        .await
        .assert_ok();
        let done = job_reaches(&app, &alice, &id, "SUCCEEDED").await;
        assert_eq!(done["result"]["rows"], TRANSFERS_PER_REQUEST * REQUESTS);
        let size = done["result"]["file"]["size"].as_i64().unwrap();
        assert_eq!(used_bytes(&app, &alice).await, size);
        assert_eq!(stored_files(&app).len(), 1, "{:?}", stored_files(&app));
    }
}

#[tokio::test]
async fn an_upload_whose_client_hangs_up_midway_leaves_nothing() {
    for backend in backends() {
        let app = spawn_app_with(backend, |_| {}).await;
        let alice = app.register("alice").await;
        let boundary = "XBOUNDARYX";
        let operations = json!({"query": "mutation($input: UploadFileInput!) { uploadFile(input: $input) { id } }",
            "variables": {"input": {"file": null}}});
        let mut head = String::new();
        for (name, value) in [
            ("operations", operations.to_string()),
            ("map", json!({"0": ["variables.input.file"]}).to_string()),
        ] {
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        head.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"big.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        ));
        let declared = head.len() + 4 * 1024 * 1024;
        let address = app.address.trim_start_matches("http://").to_owned();
        let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
             apollo-require-preflight: true\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n{head}",
            alice.access
        );
        socket.write_all(request.as_bytes()).await.unwrap();
        // A megabyte of the four, then the client is gone.
        socket.write_all(&vec![7u8; 1024 * 1024]).await.unwrap();
        socket.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(socket);

        nothing_stored(&app, &alice).await;
        // The server is fine, and the same upload made whole is stored once.
        upload(
            &app,
            &alice.access,
            None,
            "big.bin",
            &vec![7u8; 1024 * 1024],
        )
        .await;
        assert_eq!(stored_files(&app).len(), 1, "{:?}", stored_files(&app));
    }
}

/// `content` as if written two days ago.
fn plant(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut file = std::fs::File::create(path).unwrap();
    file.write_all(content).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(2 * 86_400))
        .unwrap();
}

fn orphan_path(data_dir: &Path, sha: &str) -> PathBuf {
    data_dir.join("files").join(&sha[..2]).join(sha)
}

#[tokio::test]
async fn the_sweep_removes_orphans_and_keeps_what_files_point_at() {
    for backend in backends() {
        let before_start = "ab".repeat(32);
        let mut planted = PathBuf::new();
        let app = spawn_app_with(backend, |c| {
            c.files.file_orphan_age_secs = 2;
            plant(&orphan_path(&c.data_dir, &before_start), b"orphan");
            plant(&c.data_dir.join("files/tmp/.tmpOld"), b"half an upload");
            // Not content: left alone.
            plant(&c.data_dir.join("files/ab/notes.txt"), b"someone's notes");
            planted = c.data_dir.clone();
        })
        .await;
        let data_dir = planted;
        let alice = app.register("alice").await;
        let kept = upload(&app, &alice.access, None, "kept.txt", b"kept").await;
        let kept_id = kept["id"].as_str().unwrap().to_owned();
        // Swept at startup.
        eventually("the startup sweep", || async {
            !orphan_path(&data_dir, &before_start).exists()
                && !data_dir.join("files/tmp/.tmpOld").exists()
        })
        .await;
        // Left by a process killed while running: swept by the next round.
        let later = "cd".repeat(32);
        plant(&orphan_path(&data_dir, &later), b"later orphan");
        eventually("a periodic sweep", || async {
            !orphan_path(&data_dir, &later).exists()
        })
        .await;
        // The uploaded content is older than FILE_ORPHAN_AGE_SECS by now and has been swept
        // over; it stays because a file points at it.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(data_dir.join("files/ab/notes.txt").exists());
        let response = app
            .client
            .get(app.url(&format!("/files/{kept_id}")))
            .bearer_auth(&alice.access)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(response.bytes().await.unwrap().as_ref(), b"kept");
        // The sweep's placeholder rows never stay.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 1);
    }
}

#[tokio::test]
async fn an_upload_refused_after_its_content_was_placed_takes_it_back() {
    for backend in backends() {
        let app = spawn_app_with(backend, |_| {}).await;
        let alice = app.register("alice").await;
        let first = upload(&app, &alice.access, None, "a.txt", b"first").await;
        // The name is taken: refused when the file row is written, after the content went
        // into place.
        let clash = upload_with(
            &app,
            Some(&alice.access),
            None,
            "a.txt",
            b"second".to_vec(),
            true,
        )
        .await;
        clash.assert_error("CONFLICT");
        assert_eq!(clash.error_field(), Some("name"));
        eventually("the refused content taken back", || async {
            stored_files(&app).len() == 1
        })
        .await;
        // The same content as a stored file's: not this upload's to take back.
        let same = upload_with(
            &app,
            Some(&alice.access),
            None,
            "a.txt",
            b"first".to_vec(),
            true,
        )
        .await;
        same.assert_error("CONFLICT");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(stored_files(&app).len(), 1);
        let id = first["id"].as_str().unwrap();
        let response = app
            .client
            .get(app.url(&format!("/files/{id}")))
            .bearer_auth(&alice.access)
            .send()
            .await
            .unwrap();
        assert_eq!(response.bytes().await.unwrap().as_ref(), b"first");
        assert_eq!(used_bytes(&app, &alice).await, 5);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 1);
    }
}
