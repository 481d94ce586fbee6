//! Progress per page: CHAIN_VERIFY reads JOB_PAGE_SIZE blocks per round trip and announces
//! each page before it reads the next, so a subscriber sees every page, not whatever a
//! heartbeat happened to catch.

use serde_json::json;

use crate::{
    helpers::*,
    jobs::submit_ok,
    ws_client::{TRANSPORT_WS, Ws},
};

const PAGE: u64 = 2;

#[tokio::test]
async fn chain_verify_announces_one_strictly_increasing_progress_per_page() {
    for backend in backends() {
        let app = spawn_app_with(backend, |c| {
            c.jobs.job_workers = 1;
            c.jobs.job_poll_ms = 50;
            c.jobs.job_page_size = PAGE;
            // A heartbeat would be the only other progress report: keep it out of the way.
            c.jobs.job_lease_secs = 60;
        })
        .await;
        let alice = app.register("alice").await;
        for _ in 0..6 {
            app.mine(&alice, None).await.assert_ok();
        }
        let blocks = app
            .graphql("{ verifyChain { checkedBlocks } }", json!({}))
            .await
            .assert_ok()["verifyChain"]["checkedBlocks"]
            .as_u64()
            .unwrap();
        // Several pages, the last one short.
        assert!(blocks > 2 * PAGE && blocks % PAGE != 0, "{blocks} blocks");
        let expected: Vec<f64> = (1..=blocks.div_ceil(PAGE))
            .map(|k| ((k * PAGE).min(blocks) as f64 / blocks as f64 * 10_000.0).round() / 10_000.0)
            .collect();

        let mut ws = Ws::connect_as(&app, TRANSPORT_WS, Some(&alice.access)).await;
        ws.subscribe(
            "jobs",
            "subscription { jobUpdated { id status progress result } }",
            json!({}),
        )
        .await;
        app.await_receivers::<blackroad_api::jobs::JobUpdated>(2)
            .await;
        let id = submit_ok(&app, &alice, "CHAIN_VERIFY", json!({})).await;

        let mut updates = Vec::new();
        loop {
            let update = ws.next_data("jobs").await["jobUpdated"].clone();
            assert_eq!(update["id"], id);
            let status = update["status"].as_str().unwrap().to_owned();
            updates.push(update);
            if status != "QUEUED" && status != "RUNNING" {
                break;
            }
        }
        let statuses: Vec<&str> = updates
            .iter()
            .map(|u| u["status"].as_str().unwrap())
            .collect();
        let progress: Vec<f64> = updates
            .iter()
            .map(|u| u["progress"].as_f64().unwrap())
            .collect();
        // Queued, claimed, one update per page, finished.
        assert_eq!(statuses[..2], ["QUEUED", "RUNNING"], "{updates:?}");
        assert_eq!(progress[..2], [0.0, 0.0], "{updates:?}");
        let pages = &progress[2..progress.len() - 1];
        assert!(
            statuses[2..statuses.len() - 1]
                .iter()
                .all(|s| *s == "RUNNING"),
            "{updates:?}"
        );
        assert_eq!(pages, expected.as_slice(), "{updates:?}");
        assert!(pages.windows(2).all(|w| w[0] < w[1]), "{pages:?}");
        assert!(pages.iter().all(|p| *p > 0.0 && *p <= 1.0), "{pages:?}");
        let last = updates.last().unwrap();
        assert_eq!(last["status"], "SUCCEEDED");
        assert_eq!(last["progress"], 1.0);
        assert_eq!(
            last["result"],
            json!({"valid": true, "checkedBlocks": blocks, "firstInvalidIndex": null, "reason": null})
        );
    }
}
