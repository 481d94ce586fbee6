//! Files: the folder tree (create, rename, move, delete), search, usage and authorization.
//! Content (uploads, limits, downloads) is in `files_content.rs`.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

pub const UPLOAD: &str = "mutation($input: UploadFileInput!) { uploadFile(input: $input) {
    id name size mimeType sha256 downloadUrl createdAt folder { id path } } }";
const ROOT: &str = "{ rootFolder { id name path parent { id } } }";
const CREATE: &str = "mutation($input: CreateFolderInput!) { createFolder(input: $input) {
    id name path parent { id name } } }";
const RENAME: &str = "mutation($input: RenameInput!) { renameNode(input: $input) {
    __typename id ... on Folder { name path } ... on File { name folder { path } } } }";
const MOVE: &str = "mutation($input: MoveInput!) { moveNode(input: $input) {
    __typename id ... on Folder { name path parent { id } } ... on File { name folder { id path } } } }";
const DELETE: &str = "mutation($input: DeleteNodeInput!) { deleteNode(input: $input) }";
const USAGE: &str = "{ storageUsage { usedBytes quotaBytes } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id
    ... on Folder { name path } ... on File { name size } } }";

/// A multipart upload as Apollo Client sends it; `preflight` adds the CSRF header.
pub async fn upload_with(
    app: &TestApp,
    token: Option<&str>,
    folder: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
    preflight: bool,
) -> Gql {
    let operations =
        json!({"query": UPLOAD, "variables": {"input": {"folderId": folder, "file": null}}});
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.input.file"]}).to_string())
        .part("0", Part::bytes(bytes).file_name(name.to_owned()));
    let mut request = app.client.post(app.url("/graphql")).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if preflight {
        request = request.header("apollo-require-preflight", "true");
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    Gql { status, body }
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    folder: Option<&str>,
    name: &str,
    bytes: &[u8],
) -> Value {
    let res = upload_with(app, Some(token), folder, name, bytes.to_vec(), true).await;
    res.assert_ok()["uploadFile"].clone()
}

pub async fn create_folder(app: &TestApp, token: &str, parent: Option<&str>, name: &str) -> Value {
    let res = app
        .graphql_as(
            token,
            CREATE,
            json!({"input": {"parentId": parent, "name": name}}),
        )
        .await;
    res.assert_ok()["createFolder"].clone()
}

pub async fn count_nodes(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM file_nodes").await
}

async fn usage(app: &TestApp, token: &str) -> Value {
    app.graphql_as(token, USAGE, json!({})).await.assert_ok()["storageUsage"].clone()
}

#[tokio::test]
async fn folders_nest_with_paths_and_unique_names() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let root = app.graphql_as(&alice.access, ROOT, json!({})).await;
        let root = root.assert_ok()["rootFolder"].clone();
        assert_eq!(root["path"], "/");
        assert_eq!(root["name"], "");
        assert!(root["parent"].is_null());
        // Asking again is the same folder.
        let again = app.graphql_as(&alice.access, ROOT, json!({})).await;
        assert_eq!(again.assert_ok()["rootFolder"]["id"], root["id"]);

        let docs = create_folder(&app, &alice.access, None, "docs").await;
        assert_eq!(docs["path"], "/docs");
        assert_eq!(docs["parent"]["id"], root["id"]);
        let year = create_folder(&app, &alice.access, docs["id"].as_str(), "2026").await;
        assert_eq!(year["path"], "/docs/2026");
        assert_eq!(year["parent"]["name"], "docs");
        // The same name elsewhere is fine.
        create_folder(&app, &alice.access, year["id"].as_str(), "docs").await;

        let before = count_nodes(&app).await;
        let clash = app
            .graphql_as(&alice.access, CREATE, json!({"input": {"name": "docs"}}))
            .await;
        clash.assert_error("CONFLICT");
        assert_eq!(clash.error_field(), Some("name"));
        let long = "x".repeat(256);
        for bad in [
            "",
            "  ",
            "a/b",
            "a\\b",
            ".",
            "..",
            "evil\u{202E}txt",
            "two\nlines",
            long.as_str(),
        ] {
            let res = app
                .graphql_as(&alice.access, CREATE, json!({"input": {"name": bad}}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("name"), "{bad:?}");
        }
        for bad_parent in [json!("garbage"), json!(alice.id)] {
            let res = app
                .graphql_as(
                    &alice.access,
                    CREATE,
                    json!({"input": {"parentId": bad_parent, "name": "x"}}),
                )
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("parentId"));
        }
        // A file is not a parent.
        let file = upload(&app, &alice.access, None, "a.txt", b"a").await;
        let before = before + 1;
        let res = app
            .graphql_as(
                &alice.access,
                CREATE,
                json!({"input": {"parentId": file["id"], "name": "x"}}),
            )
            .await;
        res.assert_error("BAD_USER_INPUT");
        // Someone else's folder does not exist for you.
        let bob = app.register("bob").await;
        let res = app
            .graphql_as(
                &bob.access,
                CREATE,
                json!({"input": {"parentId": docs["id"], "name": "mine"}}),
            )
            .await;
        res.assert_error("NOT_FOUND");
        let res = app
            .graphql(CREATE, json!({"input": {"name": "anon"}}))
            .await;
        res.assert_error("UNAUTHENTICATED");
        let res = app.graphql(ROOT, json!({})).await;
        res.assert_error("UNAUTHENTICATED");
        // Nothing refused changed anything.
        assert_eq!(count_nodes(&app).await, before);
    }
}

#[tokio::test]
async fn rename_and_move_keep_names_unique_and_refuse_cycles() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let docs = create_folder(&app, &alice.access, None, "docs").await;
        let year = create_folder(&app, &alice.access, docs["id"].as_str(), "2026").await;
        let deep = create_folder(&app, &alice.access, year["id"].as_str(), "q1").await;
        create_folder(&app, &alice.access, None, "papers").await;
        let file = upload(&app, &alice.access, year["id"].as_str(), "report.txt", b"r").await;

        let renamed = app
            .graphql_as(
                &alice.access,
                RENAME,
                json!({"input": {"id": docs["id"], "name": "archive"}}),
            )
            .await;
        assert_eq!(renamed.assert_ok()["renameNode"]["path"], "/archive");
        let res = app
            .graphql_as(&alice.access, NODE, json!({"id": deep["id"]}))
            .await;
        assert_eq!(res.assert_ok()["node"]["path"], "/archive/2026/q1");
        let res = app
            .graphql_as(
                &alice.access,
                RENAME,
                json!({"input": {"id": file["id"], "name": "final.txt"}}),
            )
            .await;
        assert_eq!(res.assert_ok()["renameNode"]["__typename"], "File");
        assert_eq!(
            res.assert_ok()["renameNode"]["folder"]["path"],
            "/archive/2026"
        );

        let clash = app
            .graphql_as(
                &alice.access,
                RENAME,
                json!({"input": {"id": docs["id"], "name": "papers"}}),
            )
            .await;
        clash.assert_error("CONFLICT");
        assert_eq!(clash.error_field(), Some("name"));
        let root = app.graphql_as(&alice.access, ROOT, json!({})).await;
        let root_id = root.assert_ok()["rootFolder"]["id"].clone();
        let res = app
            .graphql_as(
                &alice.access,
                RENAME,
                json!({"input": {"id": root_id, "name": "top"}}),
            )
            .await;
        res.assert_error("BAD_USER_INPUT");
        let res = app
            .graphql_as(
                &alice.access,
                RENAME,
                json!({"input": {"id": docs["id"], "name": "a/b"}}),
            )
            .await;
        assert_eq!(res.error_field(), Some("name"));

        // No folder goes into itself or below itself.
        for target in [&docs, &year, &deep] {
            let res = app
                .graphql_as(
                    &alice.access,
                    MOVE,
                    json!({"input": {"id": docs["id"], "folderId": target["id"]}}),
                )
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("folderId"));
        }
        let res = app
            .graphql_as(
                &alice.access,
                MOVE,
                json!({"input": {"id": docs["id"], "folderId": file["id"]}}),
            )
            .await;
        res.assert_error("BAD_USER_INPUT");
        let res = app
            .graphql_as(
                &alice.access,
                MOVE,
                json!({"input": {"id": root_id, "folderId": docs["id"]}}),
            )
            .await;
        res.assert_error("BAD_USER_INPUT");
        let moved = app
            .graphql_as(
                &alice.access,
                MOVE,
                json!({"input": {"id": deep["id"], "folderId": root_id}}),
            )
            .await;
        assert_eq!(moved.assert_ok()["moveNode"]["path"], "/q1");
        let moved = app
            .graphql_as(
                &alice.access,
                MOVE,
                json!({"input": {"id": file["id"], "folderId": deep["id"]}}),
            )
            .await;
        assert_eq!(moved.assert_ok()["moveNode"]["folder"]["path"], "/q1");
        // A name taken in the destination.
        let other = create_folder(&app, &alice.access, docs["id"].as_str(), "q1").await;
        let res = app
            .graphql_as(
                &alice.access,
                MOVE,
                json!({"input": {"id": other["id"], "folderId": root_id}}),
            )
            .await;
        res.assert_error("CONFLICT");

        // Bob can touch none of it, and learns nothing about it.
        let bob_root = app.graphql_as(&bob.access, ROOT, json!({})).await;
        let bob_root = bob_root.assert_ok()["rootFolder"]["id"].clone();
        for (query, input) in [
            (RENAME, json!({"id": docs["id"], "name": "mine"})),
            (MOVE, json!({"id": docs["id"], "folderId": bob_root})),
            (MOVE, json!({"id": deep["id"], "folderId": bob_root})),
            (DELETE, json!({"id": file["id"]})),
        ] {
            let res = app
                .graphql_as(&bob.access, query, json!({"input": input}))
                .await;
            res.assert_error("NOT_FOUND");
        }
        let res = app
            .graphql_as(
                &alice.access,
                MOVE,
                json!({"input": {"id": docs["id"], "folderId": bob_root}}),
            )
            .await;
        res.assert_error("NOT_FOUND");
        let res = app
            .graphql_as(&alice.access, NODE, json!({"id": docs["id"]}))
            .await;
        assert_eq!(res.assert_ok()["node"]["path"], "/archive");
        let res = app
            .graphql_as(&alice.access, NODE, json!({"id": file["id"]}))
            .await;
        assert_eq!(res.assert_ok()["node"]["name"], "final.txt");
        for bad in [json!("nope"), json!(alice.id)] {
            let res = app
                .graphql_as(&alice.access, DELETE, json!({"input": {"id": bad}}))
                .await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("id"));
        }
    }
}

#[tokio::test]
async fn deleting_a_folder_removes_everything_inside_and_frees_the_quota() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let docs = create_folder(&app, &alice.access, None, "docs").await;
        let inner = create_folder(&app, &alice.access, docs["id"].as_str(), "inner").await;
        upload(&app, &alice.access, docs["id"].as_str(), "a.txt", b"aaaa").await;
        let b = upload(
            &app,
            &alice.access,
            inner["id"].as_str(),
            "b.txt",
            b"bbbbbb",
        )
        .await;
        let kept = upload(&app, &alice.access, None, "kept.txt", b"kk").await;
        assert_eq!(usage(&app, &alice.access).await["usedBytes"], 12);
        let root = app.graphql_as(&alice.access, ROOT, json!({})).await;
        let root_id = root.assert_ok()["rootFolder"]["id"].clone();
        let res = app
            .graphql_as(&alice.access, DELETE, json!({"input": {"id": root_id}}))
            .await;
        res.assert_error("BAD_USER_INPUT");

        let res = app
            .graphql_as(&alice.access, DELETE, json!({"input": {"id": docs["id"]}}))
            .await;
        assert_eq!(res.assert_ok()["deleteNode"], true);
        // Root and kept.txt are left.
        assert_eq!(count_nodes(&app).await, 2);
        assert_eq!(usage(&app, &alice.access).await["usedBytes"], 2);
        for gone in [&docs, &inner, &b] {
            let res = app
                .graphql_as(&alice.access, NODE, json!({"id": gone["id"]}))
                .await;
            assert!(res.assert_ok()["node"].is_null());
        }
        let res = app
            .graphql_as(&alice.access, DELETE, json!({"input": {"id": docs["id"]}}))
            .await;
        res.assert_error("NOT_FOUND");
        // Content nobody points at any more is gone; the rest stays.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM file_blobs").await, 1);
        let blob = |sha: &str| {
            app.state
                .config
                .data_dir
                .join("files")
                .join(&sha[..2])
                .join(sha)
        };
        assert!(!blob(b["sha256"].as_str().unwrap()).exists());
        assert!(blob(kept["sha256"].as_str().unwrap()).exists());
        // The delete was audited.
        let audited = app
            .scalar("SELECT COUNT(*) FROM events WHERE action = 'files.delete'")
            .await;
        assert_eq!(audited, 1);
    }
}
