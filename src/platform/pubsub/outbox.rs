//! Publishing to the other instances: messages are queued without waiting and published in
//! pipelined batches (one round trip for up to `BATCH` of them), so a burst of writes costs a
//! few round trips, not one each.
//!
//! The guarantee: while Redis answers, every message reaches Redis. When it does not, or the
//! queue is full, ordinary messages are dropped — subscribers want news, not history, and a
//! message older than `STALE` is news no more — and counted, logged as a rate. Messages that
//! must arrive (`Message::MUST_DELIVER`, e.g. a mined block) wait in a queue of their own and
//! are published, late if need be, once Redis answers.

use std::{
    collections::VecDeque,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::{sync::mpsc, time::Instant};

use super::redis::Link;

/// Ordinary messages waiting; sized for a burst of several seconds of writes at the rates
/// measured (`bench/bus.rs`), while a dead Redis cannot hold more than that in memory.
pub const OUTBOX: usize = 16_384;
/// Messages per pipelined round trip.
const BATCH: usize = 512;
/// An ordinary message older than this when its turn comes is dropped, not replayed late.
const STALE: Duration = Duration::from_secs(2);
const RECONNECT_AFTER: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Drops are logged at most this often, as a count.
const DROP_LOG_EVERY: Duration = Duration::from_secs(10);

pub struct Outgoing {
    pub channel: String,
    pub payload: String,
    pub queued: Instant,
}

/// Messages dropped, for /metrics and the rate log.
#[derive(Default)]
pub struct Drops {
    pub total: AtomicU64,
}

impl Drops {
    pub fn add(&self, n: usize) {
        self.total.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Logs the drops of each period as one line.
    pub fn start_log(self: &Arc<Self>) {
        let drops = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut logged = 0;
            loop {
                tokio::time::sleep(DROP_LOG_EVERY).await;
                let Some(drops) = drops.upgrade() else { return };
                let total = drops.total.load(Ordering::Relaxed);
                if total > logged {
                    tracing::warn!(
                        dropped = total - logged,
                        seconds = DROP_LOG_EVERY.as_secs(),
                        "bus messages not forwarded to other instances (Redis slow or unreachable)"
                    );
                    logged = total;
                }
            }
        });
    }
}

/// Publishes what the queues hold until both senders are gone.
pub async fn forward(
    client: redis::Client,
    mut outbox: mpsc::Receiver<Outgoing>,
    mut urgent: mpsc::UnboundedReceiver<Outgoing>,
    timeout: Duration,
    link: Arc<Link>,
    drops: Arc<Drops>,
) {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_max_delay(MAX_BACKOFF);
    let mut connection: Option<ConnectionManager> = None;
    let mut retry_at = Instant::now();
    // Must-deliver messages that could not be published yet, oldest first.
    let mut held: VecDeque<Outgoing> = VecDeque::new();
    loop {
        // Wait for something to do (or for the held ones' next attempt).
        let mut ordinary: Vec<Outgoing> = Vec::new();
        if held.is_empty() {
            tokio::select! {
                biased;
                Some(m) = urgent.recv() => held.push_back(m),
                Some(m) = outbox.recv() => ordinary.push(m),
                else => return,
            }
        } else {
            tokio::time::sleep_until(retry_at.max(Instant::now())).await;
        }
        while let Ok(m) = urgent.try_recv() {
            held.push_back(m);
        }
        while ordinary.len() + held.len() < BATCH {
            match outbox.try_recv() {
                Ok(m) => ordinary.push(m),
                Err(_) => break,
            }
        }
        let before = ordinary.len();
        ordinary.retain(|m| m.queued.elapsed() < STALE);
        drops.add(before - ordinary.len());

        if connection.is_none() && Instant::now() >= retry_at {
            let connect = ConnectionManager::new_with_config(client.clone(), config.clone());
            match tokio::time::timeout(timeout, connect).await {
                Ok(Ok(c)) => connection = Some(c),
                Ok(Err(e)) => link.down(&e),
                Err(_) => link.down(&"connect timed out"),
            }
            if connection.is_none() {
                retry_at = Instant::now() + RECONNECT_AFTER;
            }
        }
        let Some(conn) = connection.as_mut() else {
            drops.add(ordinary.len());
            continue;
        };
        let mut pipe = redis::pipe();
        for m in held.iter().chain(ordinary.iter()) {
            pipe.cmd("PUBLISH").arg(&m.channel).arg(&m.payload).ignore();
        }
        match tokio::time::timeout(timeout, pipe.query_async::<()>(conn)).await {
            Ok(Ok(())) => {
                link.up();
                held.clear();
            }
            failure => {
                match failure {
                    Ok(Err(e)) => link.down(&e),
                    _ => link.down(&"publish timed out"),
                }
                drops.add(ordinary.len());
                retry_at = Instant::now() + RECONNECT_AFTER;
            }
        }
    }
}
