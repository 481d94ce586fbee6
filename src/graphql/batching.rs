//! Request-scoped execution of DataLoader batches.
//!
//! async-graphql's DataLoader collects keys for a fixed delay on a spawned task, then loads
//! whatever has arrived. On a multi-threaded runtime that task can fire while the resolver pass
//! over a long list is still running on another thread, splitting one level of the tree into
//! several statements. Here the batches run inside the request's own task instead, and only
//! once the resolvers have settled: polled, they neither finished nor woke themselves, so
//! every key they will ask for at this level has been registered. One list level becomes one
//! statement, deterministically, with no timer and no cross-thread wake-ups.

use std::{
    future::Future,
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker},
};

use futures_util::{StreamExt, future::BoxFuture, stream::FuturesUnordered};
use tokio::sync::mpsc;

/// Hands batches to the request's executor, or (when detached) to the runtime.
#[derive(Clone)]
pub struct BatchSpawner(Option<mpsc::UnboundedSender<BoxFuture<'static, ()>>>);

impl BatchSpawner {
    /// For long-lived connections (subscriptions): there is no single request future to
    /// drive the batches, and each event resolves on its own, so batches simply run as tasks.
    pub fn detached() -> Self {
        Self(None)
    }

    pub fn spawn(&self, batch: BoxFuture<'static, ()>) {
        let Some(tx) = &self.0 else {
            tokio::spawn(batch);
            return;
        };
        if let Err(mpsc::error::SendError(orphan)) = tx.send(batch) {
            // The request is gone (a loader outlived it): run detached so no waiter hangs.
            tokio::spawn(orphan);
        }
    }
}

pub fn channel() -> (BatchSpawner, BatchExecutor) {
    let (tx, rx) = mpsc::unbounded_channel();
    (BatchSpawner(Some(tx)), BatchExecutor(rx))
}

/// Records whether the resolvers woke themselves while being polled.
struct FlagWaker {
    inner: Waker,
    woken: AtomicBool,
}

impl Wake for FlagWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.inner.wake_by_ref();
    }
}

pub struct BatchExecutor(mpsc::UnboundedReceiver<BoxFuture<'static, ()>>);

impl BatchExecutor {
    /// Runs `work` to completion while driving the batches it spawns.
    pub async fn run<T>(self, work: impl Future<Output = T>) -> T {
        let mut rx = self.0;
        let mut work = pin!(work);
        let mut running: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
        std::future::poll_fn(move |cx| {
            loop {
                let flag = Arc::new(FlagWaker {
                    inner: cx.waker().clone(),
                    woken: AtomicBool::new(false),
                });
                let waker = Waker::from(flag.clone());
                if let Poll::Ready(out) = work.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return Poll::Ready(out);
                }
                while let Poll::Ready(Some(batch)) = rx.poll_recv(cx) {
                    running.push(batch);
                }
                if flag.woken.load(Ordering::Acquire) {
                    // Still mid-pass: let it finish before any batch takes its keys.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                match running.poll_next_unpin(cx) {
                    // A batch finished and woke its waiters: resolve the next level.
                    Poll::Ready(Some(())) => continue,
                    _ => return Poll::Pending,
                }
            }
        })
        .await
    }
}
