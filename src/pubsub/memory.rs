//! In-process fan-out: one Tokio broadcast channel per topic. A send never waits for a
//! receiver, so a slow subscriber can only fall behind (and be ended), never slow the
//! publisher or anyone else.

use tokio::sync::broadcast;

use super::{BusMessage, Delivery, EventBus, Topic};

#[derive(Clone)]
pub struct MemoryBus {
    channels: [broadcast::Sender<Delivery>; 3],
}

impl MemoryBus {
    /// `capacity` is how far (in messages) a receiver may lag before it is told so.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            channels: Topic::ALL.map(|_| broadcast::channel(capacity).0),
        }
    }
}

impl EventBus for MemoryBus {
    fn publish(&self, message: BusMessage) {
        let topic = message.topic();
        // An error only means nobody is listening right now.
        let _ = self.channels[topic.index()].send(Delivery::new(message));
    }

    fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Delivery> {
        self.channels[topic.index()].subscribe()
    }
}
