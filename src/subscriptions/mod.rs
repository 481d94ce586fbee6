//! GraphQL subscriptions: the WebSocket transport (`ws`), the socket limits, and the glue
//! that turns bus messages into subscription streams.

mod protocol;
pub mod ws;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use crate::{
    error::AppError,
    pubsub::{BusMessage, Delivery},
};

/// Turns a bus receiver into a subscription stream of what `select` picks out.
///
/// The receiver's buffer is the subscription's bound: a client that falls further behind
/// than that gets one error and its subscription ends, while the publisher and every other
/// subscriber carry on untouched.
pub fn receive<T, F>(
    rx: broadcast::Receiver<Delivery>,
    select: F,
) -> impl Stream<Item = async_graphql::Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: Fn(&BusMessage) -> Option<T> + Send + 'static,
{
    futures_util::stream::unfold(Some((rx, select)), |state| async move {
        let (mut rx, select) = state?;
        loop {
            match rx.recv().await {
                Ok(message) => {
                    if let Some(item) = select(&message) {
                        return Some((Ok(item), Some((rx, select))));
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "subscriber fell behind; ending its subscription");
                    let err = AppError::ServiceUnavailable(
                        "subscription ended: the client fell too far behind; subscribe again",
                    );
                    return Some((Err(err.into()), None));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

/// Open WebSockets of this instance, in total and per user.
#[derive(Clone, Default)]
pub struct Sockets(Arc<SocketsInner>);

struct SocketsInner {
    total: AtomicUsize,
    per_user: Mutex<HashMap<Uuid, usize>>,
    /// Flips to true when the server starts shutting down; every socket then closes with 1001.
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Default for SocketsInner {
    fn default() -> Self {
        Self {
            total: AtomicUsize::new(0),
            per_user: Mutex::new(HashMap::new()),
            shutdown: tokio::sync::watch::channel(false).0,
        }
    }
}

impl Sockets {
    /// Tells every open socket to close with 1001 (going away).
    pub fn shut_down(&self) {
        self.0.shutdown.send_replace(true);
    }

    pub fn on_shutdown(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.shutdown.subscribe()
    }

    /// Reserves a place for a new socket, unless `max` are open already.
    pub fn open(&self, max: usize) -> Option<SocketSlot> {
        let claimed = self
            .0
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok();
        claimed.then(|| SocketSlot {
            sockets: self.clone(),
            user: None,
        })
    }

    pub fn open_count(&self) -> usize {
        self.0.total.load(Ordering::Acquire)
    }

    fn per_user(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, usize>> {
        // A panic while holding this lock cannot leave the counts inconsistent.
        self.0.per_user.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One open socket's place; released when dropped, however the socket ends.
pub struct SocketSlot {
    sockets: Sockets,
    user: Option<Uuid>,
}

impl SocketSlot {
    /// Counts the socket against `user`, unless they have `max` open already.
    pub fn claim_user(&mut self, user: Uuid, max: usize) -> bool {
        if self.user == Some(user) {
            return true;
        }
        let mut counts = self.sockets.per_user();
        let count = counts.entry(user).or_default();
        if *count >= max {
            return false;
        }
        *count += 1;
        self.user = Some(user);
        true
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.sockets.0.total.fetch_sub(1, Ordering::AcqRel);
        if let Some(user) = self.user {
            let mut counts = self.sockets.per_user();
            if let Some(count) = counts.get_mut(&user) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    counts.remove(&user);
                }
            }
        }
    }
}
