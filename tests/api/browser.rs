//! The Pocket OS desktop, the Prism console and GraphiQL in a real browser: the suite in
//! `tests/browser/` (playwright-core driving Debian's chromium, headless) against this app.
//! Screenshots of every window land in `target/browser-artifacts`. The AI chat scenario talks
//! to `tests/browser/fake-ai.mjs`, a fake OpenAI-compatible provider started here.

use std::process::Stdio;

use tokio::process::Command;

use crate::helpers::*;

const SUITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");
const ADMIN: &str = "prism_admin";

#[tokio::test]
#[cfg_attr(
    not(test_browser),
    ignore = "needs Node.js and Chromium (/usr/bin/chromium)"
)]
async fn the_desktop_works_in_a_real_browser() {
    if !std::path::Path::new(SUITE)
        .join("node_modules/playwright-core")
        .exists()
    {
        let install = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(SUITE)
            .output()
            .await
            .expect("npm runs");
        assert!(install.status.success(), "npm ci failed: {install:?}");
    }
    // The fake OpenAI-compatible provider the AI chat scenario talks to; it prints its port.
    let mut fake_ai = Command::new("node")
        .arg(format!("{SUITE}/fake-ai.mjs"))
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs the fake AI provider");
    let mut port = String::new();
    {
        use tokio::io::AsyncBufReadExt;
        let stdout = fake_ai.stdout.take().expect("piped stdout");
        tokio::io::BufReader::new(stdout)
            .read_line(&mut port)
            .await
            .expect("the fake AI provider prints its port");
    }
    let ai_url = format!("http://127.0.0.1:{}", port.trim());
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.users.admin_usernames = ADMIN.into();
        c.jobs.job_workers = 1; // the Miner window mines as a background job
        c.openai_base_url = Some(ai_url);
        c.openai_api_key = Some("fake-key".into());
        c.ai_model = Some("fake-model".into());
    })
    .await;
    // A second server where mining takes minutes (16^7 tries on average) and the storage quota
    // is small: a running job can be cancelled for certain, an upload can exceed the quota.
    // A short lease makes a running job notice its cancellation within a second.
    let slow = spawn_app_with(Backend::Sqlite, |c| {
        c.users.admin_usernames = ADMIN.into();
        c.chain.chain_difficulty = 7;
        c.jobs.job_workers = 1;
        c.jobs.job_lease_secs = 3;
        c.files.file_quota_bytes = 64 * 1024;
    })
    .await;
    let artifacts = concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser-artifacts");
    let run = Command::new("node")
        .arg(format!("{SUITE}/run.mjs"))
        .env("BASE_URL", &app.address)
        .env("SLOW_BASE_URL", &slow.address)
        .env("ADMIN_USERNAME", ADMIN)
        .env("ARTIFACTS_DIR", artifacts)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("node runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    println!("{report}");
    assert!(run.status.success(), "browser suite failed:\n{report}");
    assert!(
        !report.contains(" skipped"),
        "a scenario was skipped:\n{report}"
    );
}
