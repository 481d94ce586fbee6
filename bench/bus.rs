//! Cross-instance event delivery: two buses on one Redis (as two instances would be), one
//! publishing what a write publishes (a transfer event, its audit event and a notification)
//! at a steady rate, the other counting what arrives and how late.
//!
//!     cargo run --release --example bus -- [REDIS_URL] [SECONDS]
//!
//! Prints, per rate (200, 500 and 1,000 writes/s), the share of messages delivered and the
//! delivery lag (p50, p99).

use std::time::{Duration, Instant};

use blackroad_api::{
    config::Config,
    platform::pubsub::{Bus, Message},
};
use serde::{Deserialize, Serialize};

/// A stand-in for a write's messages, carrying its send time and a payload of typical size.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Probe {
    sent_us: u128,
    kind: u8,
    padding: String,
}

impl Message for Probe {
    const TOPIC: &'static str = "bench.probe";
}

fn now_us(origin: Instant) -> u128 {
    origin.elapsed().as_micros()
}

async fn run(url: &str, rate: u64, seconds: u64) -> anyhow::Result<()> {
    let config = |prefix: &str| Config {
        redis_url: Some(url.to_owned()),
        redis_key_prefix: prefix.to_owned(),
        ..Config::default()
    };
    let prefix = format!("bench:{}:", uuid::Uuid::new_v4().simple());
    let a = Bus::start(&config(&prefix))?;
    let b = Bus::start(&config(&prefix))?;
    let mut sub = b.subscribe::<Probe>();
    // Both links up before measuring.
    while !(a.connected() && b.connected()) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let origin = Instant::now();
    let receiver = tokio::spawn(async move {
        let mut lags = Vec::new();
        while let Ok(Some(Ok(probe))) =
            tokio::time::timeout(Duration::from_secs(3), sub.recv()).await
        {
            lags.push((now_us(origin) - probe.sent_us) as f64 / 1000.0);
        }
        lags
    });
    let writes = rate * seconds;
    let every = Duration::from_secs_f64(1.0 / rate as f64);
    let mut next = tokio::time::Instant::now();
    let padding = "x".repeat(300);
    for _ in 0..writes {
        for kind in 0..3 {
            a.publish(Probe {
                sent_us: now_us(origin),
                kind,
                padding: padding.clone(),
            });
        }
        next += every;
        tokio::time::sleep_until(next).await;
    }
    let mut lags = receiver.await?;
    lags.sort_by(f64::total_cmp);
    let sent = writes * 3;
    let pct = |p: f64| {
        lags.get(((lags.len() as f64 * p) as usize).min(lags.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{rate:>5} writes/s  {:>6} messages  delivered {:>6.2} %  lag p50 {:>7.2} ms  p99 {:>7.2} ms  dropped {}",
        sent,
        lags.len() as f64 * 100.0 / sent as f64,
        pct(0.5),
        pct(0.99),
        a.dropped()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    println!("3 messages per write (transfer, audit, notification), {seconds} s per rate");
    for rate in [200, 500, 1_000] {
        run(&url, rate, seconds).await?;
    }
    Ok(())
}
