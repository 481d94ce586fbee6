//! Files: uploads over the GraphQL multipart request spec (CSRF preflight, size and quota
//! limits enforced while streaming), content-addressed storage, and `GET /files/{id}`.

use reqwest::{
    StatusCode,
    header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG},
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    files::{count_nodes, create_folder, upload, upload_with},
    helpers::*,
};

const USAGE: &str = "{ storageUsage { usedBytes quotaBytes } }";

fn blob_path(app: &TestApp, sha: &str) -> std::path::PathBuf {
    app.state
        .config
        .data_dir
        .join("files")
        .join(&sha[..2])
        .join(sha)
}

/// Files in the store's spool directory (anonymous temporaries leave nothing there).
fn spooled(app: &TestApp) -> usize {
    std::fs::read_dir(app.state.config.data_dir.join("files").join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn get(
    app: &TestApp,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.get(app.url(url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn upload_then_download_with_etag_and_ranges() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let docs = create_folder(&app, &alice.access, None, "docs").await;
        let file = upload(
            &app,
            &alice.access,
            docs["id"].as_str(),
            "hello.txt",
            b"hello world",
        )
        .await;
        let sha = hex::encode(Sha256::digest(b"hello world"));
        assert_eq!(file["name"], "hello.txt");
        assert_eq!(file["size"], 11);
        assert_eq!(file["mimeType"], "text/plain");
        assert_eq!(file["sha256"], sha);
        assert_eq!(file["folder"]["path"], "/docs");
        assert!(blob_path(&app, &sha).exists());
        let url = file["downloadUrl"].as_str().unwrap().to_owned();
        assert!(url.starts_with("/files/"));

        let res = get(&app, &url, Some(&alice.access), &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(res.headers()[CONTENT_LENGTH], "11");
        let etag = format!("\"{sha}\"");
        assert_eq!(res.headers()[ETAG], etag.as_str());
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"hello world");

        let res = get(&app, &url, Some(&alice.access), &[("if-none-match", &etag)]).await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(res.headers()[ETAG], etag.as_str());
        let res = get(&app, &url, Some(&alice.access), &[("range", "bytes=0-4")]).await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(res.headers()[CONTENT_RANGE], "bytes 0-4/11");
        assert_eq!(res.headers()[CONTENT_LENGTH], "5");
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"hello");
        let res = get(&app, &url, Some(&alice.access), &[("range", "bytes=-5")]).await;
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"world");
        let res = get(
            &app,
            &url,
            Some(&alice.access),
            &[("range", "bytes=100-200")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        // A range for another version gets the whole current file.
        let res = get(
            &app,
            &url,
            Some(&alice.access),
            &[("range", "bytes=0-4"), ("if-range", "\"old\"")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.unwrap().len(), 11);

        // Owner only: others get 404, exactly like an id that does not exist.
        let bob = app.register("bob").await;
        let res = get(&app, &url, Some(&bob.access), &[]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = get(&app, &url, None, &[]).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let folder_url = format!("/files/{}", docs["id"].as_str().unwrap());
        for url in [
            folder_url.as_str(),
            "/files/garbage",
            &format!("/files/{}", alice.id),
        ] {
            let res = get(&app, url, Some(&alice.access), &[]).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{url}");
        }

        // Larger than the GraphQL body limit (1 MiB): uploads have their own.
        let big: Vec<u8> = (0..2 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let file = upload(&app, &alice.access, None, "big.bin", &big).await;
        assert_eq!(file["size"], big.len());
        assert_eq!(file["mimeType"], "application/octet-stream");
        let url = file["downloadUrl"].as_str().unwrap().to_owned();
        let res = get(
            &app,
            &url,
            Some(&alice.access),
            &[("range", "bytes=1048576-1048675")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(res.bytes().await.unwrap().as_ref(), &big[1048576..1048676]);
        let res = get(
            &app,
            &url,
            Some(&alice.access),
            &[("accept-encoding", "gzip")],
        )
        .await;
        assert!(res.headers().get("content-encoding").is_none());
        assert_eq!(
            res.headers()[CONTENT_LENGTH],
            big.len().to_string().as_str()
        );
        assert_eq!(spooled(&app), 0);
    }
}

#[tokio::test]
async fn uploads_need_a_preflight_header_and_a_signed_in_user() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let res = upload_with(
            &app,
            Some(&alice.access),
            None,
            "a.txt",
            b"abc".to_vec(),
            false,
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        res.assert_error("BAD_REQUEST");
        let res = upload_with(&app, None, None, "a.txt", b"abc".to_vec(), true).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        res.assert_error("UNAUTHENTICATED");
        // A JSON request cannot carry an upload.
        let res = app
            .graphql_as(
                &alice.access,
                crate::files::UPLOAD,
                json!({"input": {"file": "abc"}}),
            )
            .await;
        assert!(res.body["errors"].is_array());
        assert_eq!(count_nodes(&app).await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 0);
        // Bad names and folders are refused with nothing stored.
        let long = format!("{}.txt", "n".repeat(300));
        for name in ["..", "bad\u{202E}txt.exe", long.as_str()] {
            let res =
                upload_with(&app, Some(&alice.access), None, name, b"abc".to_vec(), true).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("file"), "{name}");
        }
        let res = upload_with(
            &app,
            Some(&alice.access),
            Some("nope"),
            "a.txt",
            b"abc".to_vec(),
            true,
        )
        .await;
        assert_eq!(res.error_field(), Some("folderId"));
        let bob = app.register("bob").await;
        let bobs = create_folder(&app, &bob.access, None, "bobs").await;
        let res = upload_with(
            &app,
            Some(&alice.access),
            bobs["id"].as_str(),
            "a.txt",
            b"abc".to_vec(),
            true,
        )
        .await;
        res.assert_error("NOT_FOUND");
        // A taken name: CONFLICT, and the quota is not charged.
        upload(&app, &alice.access, None, "a.txt", b"abc").await;
        let res = upload_with(
            &app,
            Some(&alice.access),
            None,
            "a.txt",
            b"abcdef".to_vec(),
            true,
        )
        .await;
        res.assert_error("CONFLICT");
        let usage = app.graphql_as(&alice.access, USAGE, json!({})).await;
        assert_eq!(usage.assert_ok()["storageUsage"]["usedBytes"], 3);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 1);
        assert!(!blob_path(&app, &hex::encode(Sha256::digest(b"abcdef"))).exists());
        assert_eq!(spooled(&app), 0);
    }
}

#[tokio::test]
async fn size_and_quota_are_enforced_while_streaming() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.files.max_upload_bytes = 1000;
            c.files.file_quota_bytes = 2500;
        })
        .await;
        let alice = app.register("alice").await;
        let res = upload_with(
            &app,
            Some(&alice.access),
            None,
            "big.bin",
            vec![7; 1001],
            true,
        )
        .await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        res.assert_error("BAD_REQUEST");
        assert_eq!(res.body["errors"][0]["extensions"]["limit"], "uploadSize");
        upload(&app, &alice.access, None, "one.bin", &[1; 900]).await;
        upload(&app, &alice.access, None, "two.bin", &[2; 900]).await;
        let res = upload_with(
            &app,
            Some(&alice.access),
            None,
            "three.bin",
            vec![3; 900],
            true,
        )
        .await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(res.body["errors"][0]["extensions"]["limit"], "storageQuota");
        // Nothing of the refused uploads was kept.
        assert_eq!(count_nodes(&app).await, 3);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 2);
        assert!(!blob_path(&app, &hex::encode(Sha256::digest([3u8; 900]))).exists());
        assert_eq!(spooled(&app), 0);
        let usage = app.graphql_as(&alice.access, USAGE, json!({})).await;
        assert_eq!(
            usage.assert_ok()["storageUsage"],
            json!({"usedBytes": 1800, "quotaBytes": 2500})
        );
        // What is left still fits.
        upload(&app, &alice.access, None, "small.bin", &[4; 700]).await;
        let usage = app.graphql_as(&alice.access, USAGE, json!({})).await;
        assert_eq!(usage.assert_ok()["storageUsage"]["usedBytes"], 2500);
        // Another user has a quota of their own.
        let bob = app.register("bob").await;
        upload(&app, &bob.access, None, "one.bin", &[1; 900]).await;
    }
}

#[tokio::test]
async fn identical_content_is_stored_once_and_removed_with_its_last_file() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let a = upload(&app, &alice.access, None, "same.txt", b"shared bytes").await;
        let b = upload(&app, &bob.access, None, "copy.txt", b"shared bytes").await;
        let sha = a["sha256"].as_str().unwrap().to_owned();
        assert_eq!(b["sha256"], sha);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 1);
        assert_eq!(app.scalar("SELECT ref_count FROM file_blobs").await, 2);
        // Each pays for their own copy.
        for user in [&alice, &bob] {
            let usage = app.graphql_as(&user.access, USAGE, json!({})).await;
            assert_eq!(usage.assert_ok()["storageUsage"]["usedBytes"], 12);
        }
        let delete = "mutation($input: DeleteNodeInput!) { deleteNode(input: $input) }";
        app.graphql_as(&alice.access, delete, json!({"input": {"id": a["id"]}}))
            .await
            .assert_ok();
        assert!(blob_path(&app, &sha).exists());
        let url = b["downloadUrl"].as_str().unwrap();
        let res = get(&app, url, Some(&bob.access), &[]).await;
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"shared bytes");
        app.graphql_as(&bob.access, delete, json!({"input": {"id": b["id"]}}))
            .await
            .assert_ok();
        assert!(!blob_path(&app, &sha).exists());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 0);
        // Uploading it again stores it again.
        let c = upload(&app, &alice.access, None, "again.txt", b"shared bytes").await;
        let res = get(
            &app,
            c["downloadUrl"].as_str().unwrap(),
            Some(&alice.access),
            &[],
        )
        .await;
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"shared bytes");
    }
}

#[tokio::test]
async fn parallel_uploads_cannot_overrun_the_quota() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.files.max_upload_bytes = 1000;
            c.files.file_quota_bytes = 2500;
        })
        .await;
        let alice = app.register("alice").await;
        // Each passes the streaming check (nothing is used yet); the reservation decides.
        let names: Vec<String> = (0..5).map(|i| format!("f{i}.bin")).collect();
        let results = futures_util::future::join_all(names.iter().enumerate().map(|(i, name)| {
            upload_with(
                &app,
                Some(&alice.access),
                None,
                name,
                vec![i as u8; 900],
                true,
            )
        }))
        .await;
        let stored = results
            .iter()
            .filter(|r| r.body["errors"].is_null())
            .count();
        assert_eq!(stored, 2, "{results:?}");
        for refused in results.iter().filter(|r| !r.body["errors"].is_null()) {
            assert_eq!(
                refused.body["errors"][0]["extensions"]["limit"], "storageQuota",
                "{refused:?}"
            );
        }
        let usage = app.graphql_as(&alice.access, USAGE, json!({})).await;
        assert_eq!(usage.assert_ok()["storageUsage"]["usedBytes"], 1800);
        assert_eq!(count_nodes(&app).await, 3);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 2);
        assert_eq!(spooled(&app), 0);
    }
}
