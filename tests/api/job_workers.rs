//! Job workers: two instances on one PostgreSQL never run a job twice, a job whose worker died is
//! taken over once its lease runs out, shutdown hands running jobs back, running jobs cancel
//! cooperatively, failures retry with backoff.

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    helpers::*,
    jobs::{CANCEL, job, job_reaches, spawn_worker_app, submit_ok},
};

async fn attempts_counted(app: &TestApp, outcome: &str) -> u64 {
    let series = format!("jobs_attempts_total{{kind=\"chain_verify\",outcome=\"{outcome}\"}}");
    app.metric(&series).await.map_or(0, |n| n as u64)
}

#[tokio::test]
#[cfg_attr(not(test_postgres), ignore = "needs TEST_DATABASE_URL")]
async fn two_instances_run_each_of_200_jobs_exactly_once() {
    let configure = |c: &mut blackroad_api::config::Config| {
        c.jobs.job_workers = 2;
        c.jobs.job_poll_ms = 50;
        c.jobs.job_max_queued_per_user = 1000;
    };
    let a = spawn_app_with(Backend::Postgres, configure).await;
    let shared = a.state.config.database_url.clone();
    let b = spawn_app_with(Backend::Postgres, |c| {
        configure(c);
        c.database_url = shared;
    })
    .await;
    let alice = a.register("alice").await;
    let mut ids = Vec::new();
    for n in 0..200 {
        let app = if n % 2 == 0 { &a } else { &b };
        ids.push(submit_ok(app, &alice, "CHAIN_VERIFY", json!({})).await);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let done = a
            .scalar("SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'")
            .await;
        if done == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {done} of 200 done"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Each claim counts an attempt, and every attempt ends in one recorded outcome: the
    // attempts in the table are exactly the runs the two instances counted (a retry after a
    // transient error, e.g. a pool timeout under load, is a second run, but not a double one).
    let mut runs = 0;
    for app in [&a, &b] {
        for outcome in ["succeeded", "retried", "failed"] {
            runs += attempts_counted(app, outcome).await;
        }
    }
    assert_eq!(
        a.scalar("SELECT CAST(SUM(attempts) AS BIGINT) FROM jobs")
            .await,
        runs as i64
    );
    assert_eq!(
        a.scalar("SELECT COUNT(DISTINCT subject_id) FROM events WHERE action = 'job.finish'")
            .await,
        200
    );
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM events WHERE action = 'job.finish'")
            .await,
        200
    );
    let (ran_a, ran_b) = (
        attempts_counted(&a, "succeeded").await,
        attempts_counted(&b, "succeeded").await,
    );
    assert_eq!(ran_a + ran_b, 200, "a ran {ran_a}, b ran {ran_b}");
    assert!(ran_a > 0 && ran_b > 0, "a ran {ran_a}, b ran {ran_b}");
    assert_eq!(job(&b, &alice, &ids[0]).await["status"], "SUCCEEDED");
}

#[tokio::test]
async fn a_dead_workers_job_is_taken_over_after_its_lease() {
    for backend in backends() {
        // This instance runs no workers: it only takes the submission.
        let a = spawn_app_with(backend, |_| {}).await;
        let alice = a.register("alice").await;
        let id = submit_ok(&a, &alice, "CHAIN_VERIFY", json!({})).await;
        // A worker claimed it and died: its lease runs out in two seconds, never renewed.
        let lease_until = chrono::Utc::now().timestamp_millis() + 2000;
        a.state
            .db
            .execute_unprepared(&format!(
                "UPDATE jobs SET status = 'running', worker = 'dead-worker', attempts = 1, \
                 lease_until_ms = {lease_until}"
            ))
            .await
            .unwrap();
        let shared = a.state.config.database_url.clone();
        let b = spawn_app_with(backend, |c| {
            c.database_url = shared;
            c.jobs.job_workers = 1;
            c.jobs.job_poll_ms = 50;
        })
        .await;
        // Not before the lease has run out.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let running = job(&a, &alice, &id).await;
        assert_eq!(running["status"], "RUNNING");
        assert_eq!(running["attempts"], 1);
        let done = job_reaches(&b, &alice, &id, "SUCCEEDED").await;
        assert_eq!(done["attempts"], 2);
        assert_eq!(done["result"]["valid"], true);
    }
}

#[tokio::test]
async fn shutdown_hands_a_running_job_back() {
    for backend in backends() {
        // A hard proof of work keeps the job running when the server stops.
        let mut app = spawn_app_with(backend, |c| {
            c.jobs.job_workers = 1;
            c.jobs.job_poll_ms = 50;
            c.jobs.job_shutdown_grace_secs = 0;
            c.chain.chain_difficulty = 7;
        })
        .await;
        let alice = app.register("alice").await;
        let id = submit_ok(&app, &alice, "MINE_BLOCK", json!({})).await;
        job_reaches(&app, &alice, &id, "RUNNING").await;
        app.shut_down();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let queued = app
                .scalar("SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND attempts = 0 AND worker IS NULL")
                .await;
            if queued == 1 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "never handed back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_running_job_is_cancelled_cooperatively() {
    for backend in backends() {
        // A worker that claims the job and renews its lease, but whose work takes long: a
        // hard proof of work.
        let app = spawn_app_with(backend, |c| {
            c.jobs.job_workers = 1;
            c.jobs.job_poll_ms = 50;
            c.jobs.job_lease_secs = 1;
            c.chain.chain_difficulty = 6;
        })
        .await;
        let alice = app.register("alice").await;
        let id = submit_ok(&app, &alice, "MINE_BLOCK", json!({})).await;
        job_reaches(&app, &alice, &id, "RUNNING").await;
        let res = app
            .graphql_as(&alice.access, CANCEL, json!({"id": id}))
            .await;
        let cancelled = &res.assert_ok()["cancelJob"];
        assert_eq!(cancelled["status"], "RUNNING");
        assert_eq!(cancelled["cancelRequested"], true);
        let done = job_reaches(&app, &alice, &id, "CANCELLED").await;
        assert!(done["finishedAt"].is_string());
    }
}

#[tokio::test]
async fn failures_retry_with_backoff_then_fail_with_a_safe_message() {
    for backend in backends() {
        let app = spawn_worker_app(backend, 1).await;
        let alice = app.register("alice").await;
        // A chain without its genesis block cannot be mined on: an internal error, retried.
        app.state
            .db
            .execute_unprepared("DELETE FROM blocks")
            .await
            .unwrap();
        let id = submit_ok(&app, &alice, "MINE_BLOCK", json!({})).await;
        let failed = job_reaches(&app, &alice, &id, "FAILED").await;
        assert_eq!(failed["attempts"], 3);
        // The internal reason stays in the logs.
        assert_eq!(failed["error"], "internal error");
        assert_eq!(failed["errorCode"], "INTERNAL");
        let retried = app
            .scalar("SELECT COUNT(*) FROM events WHERE action = 'job.finish'")
            .await;
        assert_eq!(retried, 1);
        assert_eq!(
            app.metric("jobs_attempts_total{kind=\"mine_block\",outcome=\"retried\"}")
                .await,
            Some(2.0)
        );
        assert_eq!(
            app.metric("jobs_attempts_total{kind=\"mine_block\",outcome=\"failed\"}")
                .await,
            Some(1.0)
        );
    }
}

#[tokio::test]
async fn retries_wait_longer_each_time() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.jobs.job_workers = 1;
            c.jobs.job_poll_ms = 20;
            c.jobs.job_retry_base_ms = 300;
        })
        .await;
        let alice = app.register("alice").await;
        // Every attempt fails at once (no genesis block to mine on).
        app.state
            .db
            .execute_unprepared("DELETE FROM blocks")
            .await
            .unwrap();
        let id = submit_ok(&app, &alice, "MINE_BLOCK", json!({})).await;
        // When each attempt started (a claim sets the attempt and its start together).
        let mut started = std::collections::BTreeMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let now = job(&app, &alice, &id).await;
            if let Some(at) = now["startedAt"].as_str() {
                let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
                started
                    .entry(now["attempts"].as_i64().unwrap())
                    .or_insert(at);
            }
            if now["status"] == "FAILED" {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{now}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let at: Vec<_> = started.values().collect();
        assert_eq!(at.len(), 3, "{started:?}");
        let first = (*at[1] - *at[0]).num_milliseconds();
        let second = (*at[2] - *at[1]).num_milliseconds();
        // JOB_RETRY_BASE_MS, then twice that.
        assert!((300..900).contains(&first), "{first} ms");
        assert!((600..1200).contains(&second), "{second} ms");
    }
}

#[tokio::test]
async fn a_job_whose_workers_keep_dying_fails_as_worker_lost() {
    for backend in backends() {
        let a = spawn_app_with(backend, |_| {}).await;
        let alice = a.register("alice").await;
        let id = submit_ok(&a, &alice, "CHAIN_VERIFY", json!({})).await;
        // Its third attempt's worker died too: the lease ran out with no attempt left.
        a.state
            .db
            .execute_unprepared(
                "UPDATE jobs SET status = 'running', worker = 'dead-worker', attempts = 3, \
                 lease_until_ms = 0",
            )
            .await
            .unwrap();
        let shared = a.state.config.database_url.clone();
        let b = spawn_app_with(backend, |c| {
            c.database_url = shared;
            c.jobs.job_workers = 1;
            c.jobs.job_poll_ms = 50;
        })
        .await;
        let failed = job_reaches(&b, &alice, &id, "FAILED").await;
        assert_eq!(failed["errorCode"], "WORKER_LOST");
        assert_eq!(failed["error"], "the job stopped its worker too many times");
        assert_eq!(failed["result"], serde_json::Value::Null);
        // Not run again.
        assert_eq!(failed["attempts"], 4);
    }
}
