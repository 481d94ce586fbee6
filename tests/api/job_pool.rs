//! The worker pool as an operator sees it: its figures in `/metrics`, progress of a running
//! job, graceful shutdown letting a running job end while claiming nothing more, and an
//! instance without workers.

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    helpers::*,
    jobs::{CANCEL, job, job_reaches, submit_ok},
};

/// One worker, a lease of a second (progress reported three times a second), mining too hard
/// to finish during a test.
async fn spawn_busy_app(backend: Backend, grace_secs: u64) -> TestApp {
    spawn_app_with(backend, |c| {
        c.jobs.job_workers = 1;
        c.jobs.job_poll_ms = 50;
        c.jobs.job_lease_secs = 1;
        c.jobs.job_shutdown_grace_secs = grace_secs;
        c.chain.chain_difficulty = 8;
    })
    .await
}

#[tokio::test]
async fn metrics_show_queue_depth_running_jobs_outcomes_and_durations() {
    for backend in backends() {
        let app = spawn_busy_app(backend, 10).await;
        let alice = app.register("alice").await;
        let mining = submit_ok(&app, &alice, "MINE_BLOCK", json!({})).await;
        job_reaches(&app, &alice, &mining, "RUNNING").await;
        // The only worker is busy: these wait.
        for _ in 0..2 {
            submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        }
        eventually("queue depth 2 and one job running", || async {
            app.metric("jobs_queue_depth").await == Some(2.0)
                && app.metric("jobs_running").await == Some(1.0)
        })
        .await;
        // Progress of the proof of work: nonces tried over those expected, reported by the
        // heartbeat, short of done.
        eventually("mining progress reported", || async {
            let p = job(&app, &alice, &mining).await["progress"]
                .as_f64()
                .unwrap();
            p > 0.0 && p < 1.0
        })
        .await;

        app.graphql_as(&alice.access, CANCEL, json!({"id": mining}))
            .await
            .assert_ok();
        job_reaches(&app, &alice, &mining, "CANCELLED").await;
        eventually("the queue drained", || async {
            app.metric("jobs_queue_depth").await == Some(0.0)
                && app.metric("jobs_running").await == Some(0.0)
        })
        .await;
        let verify = "kind=\"chain_verify\"";
        assert_eq!(
            app.metric(&format!(
                "jobs_attempts_total{{{verify},outcome=\"succeeded\"}}"
            ))
            .await,
            Some(2.0)
        );
        assert_eq!(
            app.metric("jobs_attempts_total{kind=\"mine_block\",outcome=\"cancelled\"}")
                .await,
            Some(1.0)
        );
        assert_eq!(
            app.metric(&format!("job_duration_seconds_count{{{verify}}}"))
                .await,
            Some(2.0)
        );
        assert_eq!(
            app.metric("job_duration_seconds_count{kind=\"mine_block\"}")
                .await,
            Some(1.0)
        );
        let mined = app
            .metric("job_duration_seconds_sum{kind=\"mine_block\"}")
            .await
            .unwrap();
        assert!(mined > 0.0, "{mined}");
    }
}

#[tokio::test]
async fn shutdown_lets_a_running_job_end_within_the_grace_and_claims_nothing_more() {
    for backend in backends() {
        let mut app = spawn_busy_app(backend, 30).await;
        let alice = app.register("alice").await;
        let running = submit_ok(&app, &alice, "MINE_BLOCK", json!({})).await;
        job_reaches(&app, &alice, &running, "RUNNING").await;
        submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        app.shut_down();
        // Well within the grace, the running job ends its own way (here: its owner stops it,
        // which its worker reads at the next heartbeat) instead of being handed back.
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.state
            .db
            .execute_unprepared("UPDATE jobs SET cancel_requested = TRUE WHERE status = 'running'")
            .await
            .unwrap();
        eventually("the running job to end as cancelled", || async {
            app.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'cancelled' AND attempts = 1")
                .await
                == 1
        })
        .await;
        // The other job was never claimed: still queued, no attempt spent.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND attempts = 0 AND worker IS NULL"
            )
            .await,
            1
        );
    }
}

#[tokio::test]
async fn an_instance_without_workers_only_takes_submissions() {
    for backend in backends() {
        // JOB_WORKERS=0 (the test default).
        let app = spawn_app_with(backend, |c| c.jobs.job_poll_ms = 50).await;
        let alice = app.register("alice").await;
        let id = submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let queued = job(&app, &alice, &id).await;
        assert_eq!(queued["status"], "QUEUED");
        assert_eq!(queued["attempts"], 0);
        // No pool, so no pool figures.
        assert_eq!(app.metric("jobs_queue_depth").await, None);
    }
}
