//! Black-box tests over HTTP: one test binary, one module per area.

mod admins;
mod ai;
mod ai_timeouts;
mod audit;
mod auth;
mod browser;
mod cache;
mod cache_encoding;
mod chain;
mod chain_read_ahead;
mod cli;
mod dashboard;
mod devices;
mod direct_write;
mod documents;
mod fanout;
mod files;
mod files_content;
mod files_orphans;
mod files_search;
mod graphql_http;
mod hardening;
mod helpers;
mod http_extra;
mod http_spec;
mod job_kill;
mod job_pool;
mod job_progress;
mod job_statements;
mod job_workers;
mod jobs;
mod jobs_ai_fanout;
mod load;
mod mail;
mod mail_views;
mod nodes;
mod notifications;
mod order;
mod outage;
mod planned_lists;
mod rate_limits;
mod redis_outage;
mod redis_tls;
mod relay;
mod rest;
mod sessions;
mod social;
mod social_feed;
mod social_live;
mod subscriptions;
mod users;
mod video;
mod wallet;
mod ws_client;

/// Under CI every service test must run: none may be ignored for a missing service.
#[test]
fn ci_runs_the_service_tests() {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        let missing: Vec<&str> = [
            ("TEST_DATABASE_URL", cfg!(test_postgres)),
            ("TEST_REDIS_URL", cfg!(test_redis)),
            ("Node.js", cfg!(test_node)),
            ("Chromium", cfg!(test_browser)),
        ]
        .into_iter()
        .filter_map(|(what, present)| (!present).then_some(what))
        .collect();
        assert!(
            missing.is_empty(),
            "CI=true but missing at build time: {missing:?}"
        );
    }
}
