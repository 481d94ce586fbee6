//! Files: search, storage usage, owner-only access through every path (direct fields, nested
//! fields, `node(id:)`/`nodes(ids:)`), and the loaders' statement count.

use serde_json::json;

use crate::{
    files::{create_folder, upload},
    helpers::*,
};

const SEARCH: &str = "query($name: String!, $first: Int, $after: String) {
    fileSearch(name: $name, first: $first, after: $after) {
        edges { cursor node { name folder { path } } } pageInfo { hasNextPage endCursor } } }";
const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";

fn names(res: &Gql) -> Vec<String> {
    res.assert_ok()["fileSearch"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search_finds_the_viewers_files_by_name() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let docs = create_folder(&app, &alice.access, None, "docs").await;
        upload(&app, &alice.access, None, "report-1.txt", b"1").await;
        upload(
            &app,
            &alice.access,
            docs["id"].as_str(),
            "Annual REPORT.pdf",
            b"2",
        )
        .await;
        upload(&app, &alice.access, None, "notes.txt", b"3").await;
        upload(&app, &alice.access, None, "100%_done.txt", b"4").await;
        upload(&app, &bob.access, None, "report-bob.txt", b"5").await;

        let res = app
            .graphql_as(&alice.access, SEARCH, json!({"name": "Report"}))
            .await;
        // Newest first; Bob's file is not Alice's to find; folders are not files.
        assert_eq!(names(&res), ["Annual REPORT.pdf", "report-1.txt"]);
        assert_eq!(
            res.assert_ok()["fileSearch"]["edges"][0]["node"]["folder"]["path"],
            "/docs"
        );
        let res = app
            .graphql_as(&alice.access, SEARCH, json!({"name": "docs"}))
            .await;
        assert!(names(&res).is_empty());
        // LIKE wildcards are literal.
        let res = app
            .graphql_as(&alice.access, SEARCH, json!({"name": "%"}))
            .await;
        assert_eq!(names(&res), ["100%_done.txt"]);
        let res = app
            .graphql_as(&alice.access, SEARCH, json!({"name": "_"}))
            .await;
        assert_eq!(names(&res), ["100%_done.txt"]);

        // Paging.
        let first = app
            .graphql_as(&alice.access, SEARCH, json!({"name": "t", "first": 2}))
            .await;
        assert_eq!(names(&first).len(), 2);
        let page = &first.assert_ok()["fileSearch"]["pageInfo"];
        assert_eq!(page["hasNextPage"], true);
        let rest = app
            .graphql_as(
                &alice.access,
                SEARCH,
                json!({"name": "t", "first": 2, "after": page["endCursor"]}),
            )
            .await;
        let mut all = names(&first);
        all.extend(names(&rest));
        all.sort();
        assert_eq!(
            all,
            [
                "100%_done.txt",
                "Annual REPORT.pdf",
                "notes.txt",
                "report-1.txt"
            ]
        );

        for (vars, field) in [
            (json!({"name": ""}), "name"),
            (json!({"name": "   "}), "name"),
            (json!({"name": "x".repeat(256)}), "name"),
            (json!({"name": "x", "first": 101}), "first"),
            (json!({"name": "x", "after": "bogus"}), "after"),
        ] {
            let res = app.graphql_as(&alice.access, SEARCH, vars).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some(field));
        }
        app.graphql(SEARCH, json!({"name": "report"}))
            .await
            .assert_error("UNAUTHENTICATED");
        app.graphql("{ storageUsage { usedBytes } }", json!({}))
            .await
            .assert_error("UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn files_and_folders_are_visible_only_to_their_owner() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let docs = create_folder(&app, &alice.access, None, "docs").await;
        let file = upload(&app, &alice.access, docs["id"].as_str(), "secret.txt", b"s").await;
        let ids = json!([docs["id"], file["id"]]);

        let mine = app
            .graphql_as(&alice.access, NODES, json!({"ids": ids}))
            .await;
        let mine = mine.assert_ok()["nodes"].clone();
        assert_eq!(mine[0]["__typename"], "Folder");
        assert_eq!(mine[1]["__typename"], "File");
        // Owner-only everywhere: other users, admins and anonymous callers see nothing.
        for token in [Some(bob.access.as_str()), Some(root.access.as_str()), None] {
            let res = app.graphql_with(token, NODES, json!({"ids": ids})).await;
            assert_eq!(res.assert_ok()["nodes"], json!([null, null]));
            let res = app
                .graphql_with(
                    token,
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({"id": file["id"]}),
                )
                .await;
            assert!(res.assert_ok()["node"].is_null());
        }
        // Bob's own tree holds none of Alice's things.
        let tree = "{ rootFolder { folders { id } files { edges { node { id } } } } }";
        let res = app.graphql_as(&bob.access, tree, json!({})).await;
        assert_eq!(
            res.assert_ok()["rootFolder"],
            json!({"folders": [], "files": {"edges": []}})
        );
        // Alice reaches hers through the tree, nested both ways.
        let nested = "{ rootFolder { folders { name files { edges { node {
            name folder { name parent { path } } } } } } } }";
        let res = app.graphql_as(&alice.access, nested, json!({})).await;
        let folder = &res.assert_ok()["rootFolder"]["folders"][0];
        assert_eq!(folder["name"], "docs");
        let node = &folder["files"]["edges"][0]["node"];
        assert_eq!(node["name"], "secret.txt");
        assert_eq!(node["folder"]["parent"]["path"], "/");
        let usage = app
            .graphql_as(&bob.access, "{ storageUsage { usedBytes } }", json!({}))
            .await;
        assert_eq!(usage.assert_ok()["storageUsage"]["usedBytes"], 0);
    }
}

#[tokio::test]
async fn folder_listings_take_a_constant_number_of_statements() {
    for app in spawn_apps().await {
        // Each level's loads are registered together, so the shape fixes the count (a path
        // asked at two depths reached at different times could batch either way).
        let query = "{ rootFolder { path folders { name path parent { id }
            folders { id name }
            files(first: 5) { edges { node { name sha256 folder { name } } } } } } }";
        let mut counts = Vec::new();
        for n in [2usize, 6] {
            let user = app.register(&format!("user{n}")).await;
            for i in 0..n {
                let folder = create_folder(&app, &user.access, None, &format!("f{i}")).await;
                create_folder(&app, &user.access, folder["id"].as_str(), "inner").await;
                for j in 0..2 {
                    let name = format!("file{j}.txt");
                    upload(
                        &app,
                        &user.access,
                        folder["id"].as_str(),
                        &name,
                        name.as_bytes(),
                    )
                    .await;
                }
            }
            let before = app.statements();
            let res = app.graphql_as(&user.access, query, json!({})).await;
            let folders = res.assert_ok()["rootFolder"]["folders"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(folders.len(), n);
            assert_eq!(folders[0]["path"], "/f0");
            assert_eq!(folders[0]["folders"][0]["name"], "inner");
            assert_eq!(
                folders[0]["files"]["edges"][1]["node"]["folder"]["name"],
                "f0"
            );
            counts.push(app.statements() - before);
        }
        assert_eq!(
            counts[0], counts[1],
            "statements for 2 vs 6 folders: {counts:?}"
        );
        assert!(counts[1] <= 12, "{counts:?}");
    }
}

#[tokio::test]
async fn uploads_count_against_the_mutation_rate_limit() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.rate_limit_mutation = 2).await;
        let alice = app.register("alice").await;
        upload(&app, &alice.access, None, "one.txt", b"1").await;
        let res = crate::files::upload_with(
            &app,
            Some(&alice.access),
            None,
            "two.txt",
            b"2".to_vec(),
            true,
        )
        .await;
        res.assert_ok();
        let res = crate::files::upload_with(
            &app,
            Some(&alice.access),
            None,
            "three.txt",
            b"3".to_vec(),
            true,
        )
        .await;
        assert_eq!(res.status, reqwest::StatusCode::TOO_MANY_REQUESTS);
        res.assert_error("RATE_LIMITED");
        let found = app
            .graphql_as(&alice.access, SEARCH, json!({"name": "three"}))
            .await;
        assert!(names(&found).is_empty());
    }
}
