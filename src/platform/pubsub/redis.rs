//! Redis pub/sub between instances, on `<prefix>prism:*` channels.
//!
//! Local subscribers are always served straight from the in-process bus; Redis only carries
//! messages to the other instances. Each message names the instance that sent it, so an
//! instance ignores its own echo. When Redis is unreachable the instance keeps serving its
//! own subscribers, drops what it cannot forward, and resubscribes when Redis returns.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Message, local::LocalBus};

/// Messages waiting to be forwarded; beyond this (Redis slow or down) new ones are dropped.
const OUTBOX: usize = 4096;
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

#[derive(Serialize)]
struct OutgoingEnvelope<'a, M> {
    origin: Uuid,
    message: &'a M,
}

/// The message stays raw until the topic's own type decodes it.
#[derive(Deserialize)]
struct IncomingEnvelope<'a> {
    origin: Uuid,
    #[serde(borrow)]
    message: &'a serde_json::value::RawValue,
}

/// The Redis channel namespace of the bus, under the seed's `prism:*`.
const CHANNELS: &str = "prism:";

/// Up/down state of one direction of the link, logged only when it changes.
struct Link {
    what: &'static str,
    state: AtomicU8,
}

const UNKNOWN: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

impl Link {
    fn new(what: &'static str) -> Self {
        Self {
            what,
            state: AtomicU8::new(UNKNOWN),
        }
    }

    fn up(&self) {
        if self.state.swap(UP, Ordering::AcqRel) != UP {
            tracing::info!(link = self.what, "redis pub/sub connected");
        }
    }

    fn down(&self, error: &dyn std::fmt::Display) {
        if self.state.swap(DOWN, Ordering::AcqRel) != DOWN {
            tracing::warn!(link = self.what, %error, "redis pub/sub unavailable; serving local subscribers only");
        }
    }

    fn is_up(&self) -> bool {
        self.state.load(Ordering::Acquire) == UP
    }
}

pub struct RedisForwarder {
    origin: Uuid,
    outbox: mpsc::Sender<(String, String)>,
    prefix: String,
    publishing: Arc<Link>,
    subscribed: Arc<Link>,
}

impl RedisForwarder {
    /// Validates the URL and starts the background tasks; connecting happens there, so a
    /// Redis that is down at start-up delays nothing.
    pub fn start(
        client: redis::Client,
        prefix: &str,
        timeout: Duration,
        local: LocalBus,
    ) -> anyhow::Result<Self> {
        let (outbox, rx) = mpsc::channel(OUTBOX);
        let bus = Self {
            origin: Uuid::new_v4(),
            outbox,
            prefix: prefix.to_owned(),
            publishing: Arc::new(Link::new("publish")),
            subscribed: Arc::new(Link::new("subscribe")),
        };
        tokio::spawn(forward(client.clone(), rx, timeout, bus.publishing.clone()));
        tokio::spawn(listen(
            client,
            prefix.to_owned(),
            timeout,
            local,
            bus.origin,
            bus.subscribed.clone(),
        ));
        Ok(bus)
    }
}

impl RedisForwarder {
    /// Queues `message` for the other instances; never waits.
    pub fn forward<M: Message>(&self, topic: &str, message: &M) {
        let channel = format!("{}{CHANNELS}{topic}", self.prefix);
        let envelope = OutgoingEnvelope {
            origin: self.origin,
            message,
        };
        match serde_json::to_string(&envelope) {
            Ok(payload) => {
                if self.outbox.try_send((channel, payload)).is_err() {
                    tracing::warn!("redis outbox full; message not forwarded to other instances");
                }
            }
            Err(error) => tracing::error!(%error, "could not encode bus message"),
        }
    }

    pub fn connected(&self) -> bool {
        self.subscribed.is_up()
    }
}

/// Publishes the outbox. The connection manager reconnects by itself; while Redis is down,
/// messages are dropped rather than queued, since subscribers want news, not history.
async fn forward(
    client: redis::Client,
    mut outbox: mpsc::Receiver<(String, String)>,
    timeout: Duration,
    link: Arc<Link>,
) {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_max_delay(MAX_BACKOFF);
    let mut connection: Option<ConnectionManager> = None;
    let mut retry_at = tokio::time::Instant::now();
    while let Some((channel, payload)) = outbox.recv().await {
        if connection.is_none() {
            if tokio::time::Instant::now() < retry_at {
                continue;
            }
            let connect = ConnectionManager::new_with_config(client.clone(), config.clone());
            match tokio::time::timeout(timeout, connect).await {
                Ok(Ok(c)) => connection = Some(c),
                Ok(Err(e)) => link.down(&e),
                Err(_) => link.down(&"connect timed out"),
            }
            if connection.is_none() {
                retry_at = tokio::time::Instant::now() + MIN_BACKOFF;
                continue;
            }
        }
        let Some(conn) = connection.as_mut() else {
            continue;
        };
        let mut command = redis::cmd("PUBLISH");
        command.arg(&channel).arg(&payload);
        match tokio::time::timeout(timeout, command.query_async::<i64>(conn)).await {
            Ok(Ok(_)) => link.up(),
            Ok(Err(e)) => link.down(&e),
            Err(_) => link.down(&"publish timed out"),
        }
    }
}

/// Listens to every channel under the prefix and replays other instances' messages locally;
/// when the subscription drops it reconnects with backoff and subscribes again.
async fn listen(
    client: redis::Client,
    prefix: String,
    timeout: Duration,
    local: LocalBus,
    origin: Uuid,
    link: Arc<Link>,
) {
    let pattern = format!("{prefix}{CHANNELS}*");
    let channel_prefix = format!("{prefix}{CHANNELS}");
    let mut backoff = MIN_BACKOFF;
    loop {
        let subscribe = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.psubscribe(&pattern).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        match tokio::time::timeout(timeout, subscribe).await {
            Ok(Ok(pubsub)) => {
                link.up();
                backoff = MIN_BACKOFF;
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let channel = msg.get_channel_name();
                    let topic = channel.strip_prefix(&channel_prefix).unwrap_or(channel);
                    match serde_json::from_slice::<IncomingEnvelope>(msg.get_payload_bytes()) {
                        Ok(envelope) if envelope.origin != origin => {
                            local.deliver_encoded(topic, envelope.message.get().as_bytes());
                        }
                        Ok(_) => {}
                        Err(error) => {
                            tracing::warn!(%error, channel, "undecodable bus message ignored");
                        }
                    }
                }
                link.down(&"connection closed");
            }
            Ok(Err(e)) => link.down(&e),
            Err(_) => link.down(&"subscribe timed out"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
