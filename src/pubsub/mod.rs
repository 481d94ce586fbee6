//! The event bus behind subscriptions: one trait, an in-process implementation and a Redis
//! one for instances that must hear each other.
//!
//! Delivery is best effort by design: everything published is also a committed database row,
//! so a subscriber that misses a message (a restart, a Redis outage, falling behind) loses a
//! notification, never data.

pub mod memory;
pub mod redis;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::{
    config::Config,
    entities::{block, event, transaction},
};

/// What subscribers listen to; one local channel and one Redis channel each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Blocks,
    Transactions,
    Audit,
}

impl Topic {
    pub const ALL: [Topic; 3] = [Topic::Blocks, Topic::Transactions, Topic::Audit];

    /// The Redis channel, under the seed's `prism:*` namespace.
    pub fn channel(self) -> &'static str {
        match self {
            Topic::Blocks => "prism:blocks",
            Topic::Transactions => "prism:transactions",
            Topic::Audit => "prism:audit",
        }
    }

    fn index(self) -> usize {
        match self {
            Topic::Blocks => 0,
            Topic::Transactions => 1,
            Topic::Audit => 2,
        }
    }
}

/// A committed change worth telling subscribers about. It carries the whole row so that
/// 20,000 subscribers do not mean 20,000 reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "row", rename_all = "snake_case")]
pub enum BusMessage {
    BlockMined(block::Model),
    /// A new pending transfer: the sender was debited.
    TransactionAdded(transaction::Model),
    /// A transfer confirmed by a block: the recipient was credited.
    TransactionConfirmed(transaction::Model),
    Audit(event::Model),
}

impl BusMessage {
    pub fn topic(&self) -> Topic {
        match self {
            BusMessage::BlockMined(_) => Topic::Blocks,
            BusMessage::TransactionAdded(_) | BusMessage::TransactionConfirmed(_) => {
                Topic::Transactions
            }
            BusMessage::Audit(_) => Topic::Audit,
        }
    }
}

/// Shared by every local subscriber of a topic.
pub type Delivery = Arc<BusMessage>;

pub trait EventBus: Send + Sync + 'static {
    /// Hands the message to local subscribers at once and to other instances in the
    /// background. Never blocks and never fails the caller, who has already committed.
    fn publish(&self, message: BusMessage);

    /// A receiver that sees what is published from now on. It lags (and the subscription
    /// ends) once it is more than the configured buffer behind.
    fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Delivery>;

    /// Whether other instances can currently hear us and we them; always true in-process.
    fn connected(&self) -> bool {
        true
    }
}

pub type Bus = Arc<dyn EventBus>;

/// In-process unless `REDIS_URL` is set. Must run inside the Tokio runtime (Redis spawns
/// its connection tasks).
pub fn build(config: &Config) -> anyhow::Result<Bus> {
    let local = memory::MemoryBus::new(config.ws_subscription_buffer);
    Ok(match &config.redis_url {
        None => Arc::new(local),
        Some(url) => Arc::new(redis::RedisBus::start(
            url,
            &config.redis_key_prefix,
            config.redis_timeout(),
            local,
        )?),
    })
}

/// Publishes after a commit; a convenience for the many mutations that end this way.
pub fn publish_all(bus: &Bus, messages: impl IntoIterator<Item = BusMessage>) {
    for message in messages {
        bus.publish(message);
    }
}
