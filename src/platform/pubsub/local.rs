//! In-process fan-out: one Tokio broadcast channel per topic, created the first time someone
//! subscribes. A send never waits for a receiver, so a slow subscriber can only fall behind
//! (and be ended), never slow the publisher or anyone else.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::{Arc, RwLock},
};

use tokio::sync::broadcast;

use super::Message;

/// A message as the channels carry it: shared by every local subscriber.
pub type Payload = Arc<dyn Any + Send + Sync>;

struct Channel {
    type_id: TypeId,
    type_name: &'static str,
    sender: broadcast::Sender<Payload>,
    /// Turns another instance's JSON into this topic's message type.
    decode: fn(&[u8]) -> Result<Payload, serde_json::Error>,
}

fn decode<M: Message>(bytes: &[u8]) -> Result<Payload, serde_json::Error> {
    Ok(Arc::new(serde_json::from_slice::<M>(bytes)?))
}

#[derive(Clone)]
pub struct LocalBus(Arc<Inner>);

struct Inner {
    capacity: usize,
    channels: RwLock<HashMap<&'static str, Channel>>,
}

impl LocalBus {
    pub fn new(capacity: usize) -> Self {
        Self(Arc::new(Inner {
            capacity: capacity.max(1),
            channels: RwLock::new(HashMap::new()),
        }))
    }

    fn claims<M: Message>(channel: &Channel) -> bool {
        if channel.type_id == TypeId::of::<M>() {
            return true;
        }
        tracing::error!(
            topic = M::TOPIC,
            registered = channel.type_name,
            other = std::any::type_name::<M>(),
            "two message types share one topic; the second is not delivered"
        );
        false
    }

    pub fn subscribe<M: Message>(&self) -> broadcast::Receiver<Payload> {
        if let Ok(channels) = self.0.channels.read()
            && let Some(channel) = channels.get(M::TOPIC)
            && Self::claims::<M>(channel)
        {
            return channel.sender.subscribe();
        }
        let mut channels = self.0.channels.write().unwrap_or_else(|e| e.into_inner());
        let channel = channels.entry(M::TOPIC).or_insert_with(|| Channel {
            type_id: TypeId::of::<M>(),
            type_name: std::any::type_name::<M>(),
            sender: broadcast::channel(self.0.capacity).0,
            decode: decode::<M>,
        });
        if Self::claims::<M>(channel) {
            channel.sender.subscribe()
        } else {
            // A receiver that never hears anything; the mismatch is logged above.
            broadcast::channel(1).1
        }
    }

    /// Delivers to local subscribers; with none (no channel yet) there is nobody to tell.
    pub fn deliver<M: Message>(&self, message: Arc<M>) {
        let Ok(channels) = self.0.channels.read() else {
            return;
        };
        if let Some(channel) = channels.get(M::TOPIC)
            && Self::claims::<M>(channel)
        {
            // An error only means nobody is listening right now.
            let _ = channel.sender.send(message);
        }
    }

    /// Delivers a message another instance published on `topic`.
    pub fn deliver_encoded(&self, topic: &str, bytes: &[u8]) {
        let Ok(channels) = self.0.channels.read() else {
            return;
        };
        let Some(channel) = channels.get(topic) else {
            return;
        };
        if channel.sender.receiver_count() == 0 {
            return;
        }
        match (channel.decode)(bytes) {
            Ok(payload) => {
                let _ = channel.sender.send(payload);
            }
            Err(error) => {
                tracing::warn!(%error, topic, "undecodable bus message ignored");
            }
        }
    }

    pub fn receiver_count(&self, topic: &str) -> usize {
        self.0
            .channels
            .read()
            .ok()
            .and_then(|c| c.get(topic).map(|c| c.sender.receiver_count()))
            .unwrap_or(0)
    }
}
