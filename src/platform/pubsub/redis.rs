//! Redis pub/sub between instances, on `<prefix>prism:*` channels.
//!
//! Local subscribers are always served straight from the in-process bus; Redis only carries
//! messages to the other instances (`outbox.rs` says what is guaranteed). Each message names
//! the instance that sent it, so an instance ignores its own echo. When Redis is unreachable
//! the instance keeps serving its own subscribers and resubscribes when Redis returns.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{
    Message,
    local::LocalBus,
    outbox::{Drops, OUTBOX, Outgoing, forward},
};

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
pub struct Link {
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

    pub fn up(&self) {
        if self.state.swap(UP, Ordering::AcqRel) != UP {
            tracing::info!(link = self.what, "redis pub/sub connected");
        }
    }

    pub fn down(&self, error: &dyn std::fmt::Display) {
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
    outbox: mpsc::Sender<Outgoing>,
    urgent: mpsc::UnboundedSender<Outgoing>,
    pub drops: Arc<Drops>,
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
        let (urgent, urgent_rx) = mpsc::unbounded_channel();
        let drops = Arc::new(Drops::default());
        drops.start_log();
        let bus = Self {
            origin: Uuid::new_v4(),
            outbox,
            urgent,
            drops: drops.clone(),
            prefix: prefix.to_owned(),
            publishing: Arc::new(Link::new("publish")),
            subscribed: Arc::new(Link::new("subscribe")),
        };
        tokio::spawn(forward(
            client.clone(),
            rx,
            urgent_rx,
            timeout,
            bus.publishing.clone(),
            drops,
        ));
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
    pub fn forward<M: Message>(&self, message: &M) {
        let envelope = OutgoingEnvelope {
            origin: self.origin,
            message,
        };
        let payload = match serde_json::to_string(&envelope) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(%error, "could not encode bus message");
                return;
            }
        };
        let outgoing = Outgoing {
            channel: format!("{}{CHANNELS}{}", self.prefix, M::TOPIC),
            payload,
            queued: tokio::time::Instant::now(),
        };
        if M::MUST_DELIVER {
            // Only rare messages are must-deliver, so this queue stays short.
            let _ = self.urgent.send(outgoing);
        } else if self.outbox.try_send(outgoing).is_err() {
            self.drops.add(1);
        }
    }

    pub fn connected(&self) -> bool {
        self.subscribed.is_up()
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
