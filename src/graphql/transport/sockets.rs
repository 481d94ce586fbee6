//! Open subscription sockets: counted per instance and per user, and told to close on
//! shutdown.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use uuid::Uuid;

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
