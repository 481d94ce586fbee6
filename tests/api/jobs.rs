//! Prism jobs: submitted by their owner, claimed from the database by the worker pools of any
//! number of instances, retried with backoff, taken over when a worker dies, announced when
//! they finish.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    helpers::*,
    ws_client::{TRANSPORT_WS, Ws},
};

pub const JOB_FIELDS: &str =
    "id kind status progress payload result error errorCode attempts maxAttempts
    cancelRequested createdAt startedAt finishedAt owner { username }";
const SUBMIT: &str = "mutation($input: SubmitJobInput!) { submitJob(input: $input) {
    id kind status progress payload attempts maxAttempts owner { username } } }";
pub const CANCEL: &str =
    "mutation($id: ID!) { cancelJob(input: {id: $id}) { id status cancelRequested } }";
const RETRY: &str =
    "mutation($id: ID!) { retryJob(input: {id: $id}) { id status attempts error } }";

/// An app whose workers poll often and retry fast.
pub async fn spawn_worker_app(backend: Backend, workers: usize) -> TestApp {
    spawn_app_with(backend, |c| {
        c.jobs.job_workers = workers;
        c.jobs.job_poll_ms = 50;
        c.jobs.job_retry_base_ms = 20;
    })
    .await
}

pub async fn submit(app: &TestApp, user: &TestUser, kind: &str, payload: Value) -> Gql {
    app.graphql_as(
        &user.access,
        SUBMIT,
        json!({"input": {"kind": kind, "payload": payload}}),
    )
    .await
}

pub async fn submit_ok(app: &TestApp, user: &TestUser, kind: &str, payload: Value) -> String {
    let res = submit(app, user, kind, payload).await;
    res.assert_ok()["submitJob"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn job(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}");
    app.graphql_as(&user.access, &query, json!({"id": id}))
        .await
        .assert_ok()["job"]
        .clone()
}

/// Waits (up to 20 s) until the job is in `status`; the job then.
pub async fn job_reaches(app: &TestApp, user: &TestUser, id: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let now = job(app, user, id).await;
        if now["status"] == status {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job never reached {status}: {now}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn job_count(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM jobs").await
}

#[tokio::test]
async fn chain_verify_runs_and_reports_the_verification() {
    for backend in backends() {
        let app = spawn_worker_app(backend, 2).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        app.transfer(&alice, &bob.address, "5").await.assert_ok();
        app.mine(&bob, None).await.assert_ok();

        let res = submit(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        let submitted = &res.assert_ok()["submitJob"];
        assert_eq!(submitted["kind"], "CHAIN_VERIFY");
        assert_eq!(submitted["owner"]["username"], "alice");
        assert_eq!(submitted["maxAttempts"], 3);
        let id = submitted["id"].as_str().unwrap();
        let done = job_reaches(&app, &alice, id, "SUCCEEDED").await;
        assert_eq!(
            done["result"],
            json!({"valid": true, "checkedBlocks": 2, "firstInvalidIndex": null, "reason": null})
        );
        assert_eq!(done["progress"], 1.0);
        assert_eq!(done["attempts"], 1);
        assert!(done["startedAt"].is_string() && done["finishedAt"].is_string());
        assert_eq!(done["error"], Value::Null);

        // The owner hears about it; the job is the notification's subject.
        let notes = app
            .graphql_as(
                &alice.access,
                "{ notifications(first: 5) { edges { node { kind title subject { __typename id } } } } }",
                json!({}),
            )
            .await;
        let node = &notes.assert_ok()["notifications"]["edges"][0]["node"];
        assert_eq!(node["kind"], "JOB_FINISHED");
        assert_eq!(node["title"], "Job succeeded");
        assert_eq!(node["subject"]["id"], id);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM events WHERE action = 'job.finish'")
                .await,
            1
        );
    }
}

#[tokio::test]
async fn wallet_statement_and_mine_block_do_their_work() {
    for backend in backends() {
        let app = spawn_worker_app(backend, 1).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        app.transfer(&alice, &bob.address, "5").await.assert_ok();
        app.transfer(&bob, &alice.address, "1.5").await.assert_ok();

        // Mining as a job: the owner is the miner and gets the reward.
        let id = submit_ok(&app, &bob, "MINE_BLOCK", json!({"maxTransactions": 10})).await;
        let mined = job_reaches(&app, &bob, &id, "SUCCEEDED").await;
        assert_eq!(mined["result"]["index"], 1);
        assert_eq!(mined["result"]["transactionCount"], 2);
        assert_eq!(mined["progress"], 1.0);
        assert!(mined["result"]["noncesTried"].as_u64().unwrap() >= 1);
        assert_eq!(app.balance(&bob.address).await, "153.5");
        app.assert_ledger_invariant().await;

        let id = submit_ok(
            &app,
            &alice,
            "WALLET_STATEMENT",
            json!({"address": alice.address}),
        )
        .await;
        let statement = job_reaches(&app, &alice, &id, "SUCCEEDED").await;
        let result = &statement["result"];
        assert_eq!(result["rows"], 2);
        assert_eq!(result["contentType"], "text/csv");
        let csv = result["csv"].as_str().unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "created_at,hash,direction,counterparty,amount,fee,status,message"
        );
        assert!(lines[1].contains(&format!(",out,{},5,0,confirmed,", bob.address)));
        assert!(lines[2].contains(&format!(",in,{},1.5,0,confirmed,", bob.address)));

        // A range that holds nothing.
        let id = submit_ok(
            &app,
            &alice,
            "WALLET_STATEMENT",
            json!({"address": alice.address, "to": "2000-01-01T00:00:00Z"}),
        )
        .await;
        let empty = job_reaches(&app, &alice, &id, "SUCCEEDED").await;
        assert_eq!(empty["result"]["rows"], 0);
    }
}

#[tokio::test]
async fn bad_submissions_are_refused_and_create_nothing() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let cases = [
            ("CHAIN_VERIFY", json!([1])),
            ("CHAIN_VERIFY", json!({"extra": true})),
            ("MINE_BLOCK", json!({"maxTransactions": 0})),
            ("MINE_BLOCK", json!({"maxTransactions": 101})),
            ("MINE_BLOCK", json!({"maxTransactions": "ten"})),
            ("WALLET_STATEMENT", json!({})),
            ("WALLET_STATEMENT", json!({"address": bob.address})),
            ("WALLET_STATEMENT", json!({"address": "RDnope"})),
            (
                "WALLET_STATEMENT",
                json!({"address": alice.address, "from": "yesterday"}),
            ),
            (
                "WALLET_STATEMENT",
                json!({"address": alice.address, "from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}),
            ),
        ];
        for (kind, payload) in cases {
            let res = submit(&app, &alice, kind, payload.clone()).await;
            res.assert_error("BAD_USER_INPUT");
            assert_eq!(res.error_field(), Some("payload"), "{kind} {payload}");
        }
        let res = submit(&app, &alice, "NOPE", json!({})).await;
        assert!(res.body["errors"].is_array(), "{:?}", res.body);
        let res = app
            .graphql(SUBMIT, json!({"input": {"kind": "CHAIN_VERIFY"}}))
            .await;
        res.assert_error("UNAUTHENTICATED");
        assert_eq!(job_count(&app).await, 0);
    }
}

#[tokio::test]
async fn cancel_and_retry_follow_the_job_lifecycle() {
    for app in spawn_apps().await {
        // No workers: the job stays queued until we act on it.
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let id = submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        assert_eq!(job(&app, &alice, &id).await["status"], "QUEUED");

        // Someone else's job does not exist for them.
        for mutation in [CANCEL, RETRY] {
            app.graphql_as(&bob.access, mutation, json!({"id": id}))
                .await
                .assert_error("NOT_FOUND");
        }
        // Ids that are not job ids.
        let res = app
            .graphql_as(&alice.access, CANCEL, json!({"id": alice.id}))
            .await;
        res.assert_error("BAD_USER_INPUT");
        assert_eq!(res.error_field(), Some("id"));
        app.graphql_as(&alice.access, CANCEL, json!({"id": "garbage"}))
            .await
            .assert_error("BAD_USER_INPUT");
        // A queued job cannot be retried.
        app.graphql_as(&alice.access, RETRY, json!({"id": id}))
            .await
            .assert_error("CONFLICT");
        assert_eq!(job(&app, &alice, &id).await["status"], "QUEUED");

        let res = app
            .graphql_as(&alice.access, CANCEL, json!({"id": id}))
            .await;
        assert_eq!(res.assert_ok()["cancelJob"]["status"], "CANCELLED");
        app.graphql_as(&alice.access, CANCEL, json!({"id": id}))
            .await
            .assert_error("CONFLICT");
        let res = app
            .graphql_as(&alice.access, RETRY, json!({"id": id}))
            .await;
        assert_eq!(res.assert_ok()["retryJob"]["status"], "QUEUED");
        assert_eq!(res.assert_ok()["retryJob"]["attempts"], 0);
        let actions = app
            .scalar("SELECT COUNT(*) FROM events WHERE action IN ('job.submit', 'job.cancel', 'job.retry')")
            .await;
        assert_eq!(actions, 3);

        // An admin may act on anyone's job.
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let res = app
            .graphql_as(&root.access, CANCEL, json!({"id": id}))
            .await;
        assert_eq!(res.assert_ok()["cancelJob"]["status"], "CANCELLED");
    }
}

#[tokio::test]
async fn owners_see_their_jobs_and_admins_see_all() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let alices = submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        let bobs = submit_ok(&app, &bob, "CHAIN_VERIFY", json!({})).await;
        app.graphql_as(&bob.access, CANCEL, json!({"id": bobs}))
            .await
            .assert_ok();

        let list = "query($status: JobStatus) { jobs(status: $status, first: 10) {
            edges { node { id owner { username } } } } }";
        let ids = |res: &Gql| -> Vec<String> {
            res.assert_ok()["jobs"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let mine = app.graphql_as(&alice.access, list, json!({})).await;
        assert_eq!(ids(&mine), vec![alices.clone()]);
        let all = app.graphql_as(&root.access, list, json!({})).await;
        assert_eq!(ids(&all), [bobs.clone(), alices.clone()]);
        let cancelled = app
            .graphql_as(&root.access, list, json!({"status": "CANCELLED"}))
            .await;
        assert_eq!(ids(&cancelled), vec![bobs.clone()]);
        app.graphql(list, json!({}))
            .await
            .assert_error("UNAUTHENTICATED");

        // Directly, through node(id:), and not at all for others.
        let node = "query($id: ID!) { node(id: $id) { ... on Job { id payload } } }";
        for (viewer, id, visible) in [
            (&alice, &alices, true),
            (&bob, &alices, false),
            (&root, &alices, true),
        ] {
            let direct = app
                .graphql_as(
                    &viewer.access,
                    "query($id: ID!) { job(id: $id) { id } }",
                    json!({"id": id}),
                )
                .await;
            let through_node = app
                .graphql_as(&viewer.access, node, json!({"id": id}))
                .await;
            assert_eq!(!direct.assert_ok()["job"].is_null(), visible);
            assert_eq!(!through_node.assert_ok()["node"].is_null(), visible);
        }
        // Nested: a job's notification subject is only the owner's to see.
        let bad = app
            .graphql_as(&alice.access, "{ job(id: \"nope\") { id } }", json!({}))
            .await;
        bad.assert_error("BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn queued_jobs_are_limited_per_user() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| c.jobs.job_max_queued_per_user = 2).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        let second = submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        submit(&app, &alice, "CHAIN_VERIFY", json!({}))
            .await
            .assert_error("RATE_LIMITED");
        assert_eq!(job_count(&app).await, 2);
        // Others are not affected; a cancelled job frees its place.
        submit_ok(&app, &bob, "CHAIN_VERIFY", json!({})).await;
        app.graphql_as(&alice.access, CANCEL, json!({"id": second}))
            .await
            .assert_ok();
        submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
    }
}

#[tokio::test]
async fn job_lists_load_owners_in_batches() {
    for app in spawn_apps().await {
        let root = app.register("root").await;
        app.make_admin(&root).await;
        let mut users = Vec::new();
        for n in 0..6 {
            let user = app.register(&format!("user{n}")).await;
            submit_ok(&app, &user, "CHAIN_VERIFY", json!({})).await;
            users.push(user);
        }
        let query = "query($n: Int!) { jobs(first: $n) { edges { node { id status owner { username } } } } }";
        let mut counts = Vec::new();
        for n in [2, 6] {
            let before = app.statements();
            let res = app.graphql_as(&root.access, query, json!({"n": n})).await;
            assert_eq!(
                res.assert_ok()["jobs"]["edges"].as_array().unwrap().len(),
                n as usize
            );
            counts.push(app.statements() - before);
        }
        assert_eq!(counts[0], counts[1], "{counts:?}");
    }
}

#[tokio::test]
async fn job_updated_streams_the_viewers_jobs() {
    for backend in backends() {
        let app = spawn_worker_app(backend, 1).await;
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let mut alices = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        alices
            .subscribe(
                "all",
                "subscription { jobUpdated { id status progress } }",
                json!({}),
            )
            .await;
        let mut bobs = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        bobs.subscribe(
            "all",
            "subscription { jobUpdated { id status } }",
            json!({}),
        )
        .await;
        app.await_receivers::<blackroad_api::jobs::JobUpdated>(3)
            .await;

        let id = submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        let mut seen = Vec::new();
        while seen.last().map(String::as_str) != Some("SUCCEEDED") {
            let data = alices.next_data("all").await;
            assert_eq!(data["jobUpdated"]["id"], id);
            seen.push(data["jobUpdated"]["status"].as_str().unwrap().to_owned());
        }
        assert_eq!(seen.first().map(String::as_str), Some("QUEUED"));
        assert!(seen.contains(&"RUNNING".to_owned()), "{seen:?}");
        bobs.expect_silence(Duration::from_millis(300)).await;

        // Following someone else's job is following nothing.
        let mut sneaky = Ws::connect_as(&app, TRANSPORT_WS, Some(&bob.access)).await;
        sneaky
            .subscribe(
                "one",
                "subscription($id: ID) { jobUpdated(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        app.graphql_as(&alice.access, RETRY, json!({"id": id}))
            .await
            .assert_error("CONFLICT");
        sneaky.expect_silence(Duration::from_millis(300)).await;
    }
}
