//! The event bus behind subscriptions: typed messages on topics that domains declare
//! themselves, channels created on demand, delivered in process and — with Redis — to every
//! other instance.
//!
//! Delivery is best effort by design: everything published is also a committed database row,
//! so a subscriber that misses a message (a restart, a Redis outage, falling behind) loses a
//! notification, never data.

mod local;
mod outbox;
mod redis;

use std::{marker::PhantomData, sync::Arc};

use futures_util::Stream;
use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::broadcast::{self, error::RecvError};

use self::local::{LocalBus, Payload};
use crate::platform::config::Config;

/// A message a domain publishes. Its wire format between instances is its own serde shape,
/// so it should be a DTO of the domain, never a table's entity model.
pub trait Message: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// `<domain>.<what>`, unique across the crate; Redis carries it on `prism:<TOPIC>`.
    const TOPIC: &'static str;
    /// Published to the other instances even late (after a Redis outage) rather than dropped.
    /// For rare messages only (a mined block); everything else is news or nothing.
    const MUST_DELIVER: bool = false;
}

#[derive(Clone)]
pub struct Bus(Arc<BusInner>);

struct BusInner {
    local: LocalBus,
    remote: Option<redis::RedisForwarder>,
}

impl Bus {
    /// Local subscribers only; `capacity` is how far a receiver may lag before it is ended.
    pub fn in_process(capacity: usize) -> Self {
        Self(Arc::new(BusInner {
            local: LocalBus::new(capacity),
            remote: None,
        }))
    }

    /// In-process unless `REDIS_URL` is set. Must run inside the Tokio runtime (Redis spawns
    /// its connection tasks).
    pub fn start(config: &Config) -> anyhow::Result<Self> {
        let local = LocalBus::new(config.ws_subscription_buffer);
        let remote = match &config.redis_url {
            None => None,
            Some(url) => Some(redis::RedisForwarder::start(
                crate::platform::redis_link::client(url, config.redis_tls_ca_file.as_deref())?,
                &config.redis_key_prefix,
                config.redis_timeout(),
                local.clone(),
            )?),
        };
        Ok(Self(Arc::new(BusInner { local, remote })))
    }

    /// Hands the message to local subscribers at once and to other instances in the
    /// background. Never blocks and never fails the caller, who has already committed.
    pub fn publish<M: Message>(&self, message: M) {
        if let Some(remote) = &self.0.remote {
            remote.forward(&message);
        }
        self.0.local.deliver::<M>(Arc::new(message));
    }

    /// What is published on `M`'s topic from now on.
    pub fn subscribe<M: Message>(&self) -> Subscription<M> {
        Subscription {
            rx: self.0.local.subscribe::<M>(),
            _message: PhantomData,
        }
    }

    /// Local receivers of `M` right now (tests wait on it instead of sleeping).
    pub fn receiver_count<M: Message>(&self) -> usize {
        self.0.local.receiver_count(M::TOPIC)
    }

    /// Messages not forwarded to other instances so far.
    pub fn dropped(&self) -> u64 {
        self.0.remote.as_ref().map_or(0, |r| {
            r.drops.total.load(std::sync::atomic::Ordering::Relaxed)
        })
    }

    /// Whether other instances can currently hear us and we them; always true in-process.
    pub fn connected(&self) -> bool {
        self.0.remote.as_ref().is_none_or(|r| r.connected())
    }
}

/// The subscriber fell further behind than the bus buffers; it should start over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lagged(pub u64);

/// A receiver of one message type.
pub struct Subscription<M> {
    rx: broadcast::Receiver<Payload>,
    _message: PhantomData<fn() -> M>,
}

impl<M: Message> Subscription<M> {
    /// The next message; `None` once the bus is gone.
    pub async fn recv(&mut self) -> Option<Result<Arc<M>, Lagged>> {
        loop {
            match self.rx.recv().await {
                Ok(payload) => match payload.downcast::<M>() {
                    Ok(message) => return Some(Ok(message)),
                    // Another type claimed the same topic name; `LocalBus` logged it.
                    Err(_) => continue,
                },
                Err(RecvError::Lagged(missed)) => return Some(Err(Lagged(missed))),
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The messages as a stream that ends after the first `Lagged`.
    pub fn into_stream(self) -> impl Stream<Item = Result<Arc<M>, Lagged>> + Send + 'static {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut sub = state?;
            match sub.recv().await? {
                Ok(message) => Some((Ok(message), Some(sub))),
                Err(lagged) => Some((Err(lagged), None)),
            }
        })
    }
}
