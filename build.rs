//! Tells the tests which services they may use. A test that needs PostgreSQL, Redis or Node.js
//! is marked `#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]` (and likewise), so
//! without the service it shows up as ignored in the summary instead of passing while checking
//! nothing; with the variable set it runs, and an unreachable service fails it.

use std::process::Command;

fn set(var: &str) -> bool {
    println!("cargo::rerun-if-env-changed={var}");
    std::env::var(var).is_ok_and(|v| !v.trim().is_empty())
}

fn main() {
    for cfg in ["test_postgres", "test_redis", "test_node", "test_browser"] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    if set("TEST_DATABASE_URL") {
        println!("cargo::rustc-cfg=test_postgres");
    }
    if set("TEST_REDIS_URL") {
        println!("cargo::rustc-cfg=test_redis");
    }
    println!("cargo::rerun-if-env-changed=PATH");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if node {
        println!("cargo::rustc-cfg=test_node");
    }
    // The browser suite drives Debian's chromium (no browser downloads here).
    println!("cargo::rerun-if-env-changed=CHROMIUM");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    println!("cargo::rerun-if-changed={chromium}");
    if node && std::path::Path::new(&chromium).exists() {
        println!("cargo::rustc-cfg=test_browser");
    }
}
