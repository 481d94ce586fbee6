//! The one write path. Every mutation's service runs in a `Write`: one database transaction,
//! the audit event recorded in it with a typed action, bus messages and cache tags queued, and
//! only after a successful commit the messages published and the tags dropped from the
//! response cache. A rolled-back (or failed) write is never seen by a subscriber.

use std::collections::BTreeSet;

use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    audit::{self, AuditAction, AuditContext, AuditEvent},
    platform::{
        error::AppResult,
        pubsub::{Bus, Message},
    },
    state::AppState,
};

/// The audit event's own tag: every write records one.
const EVENT_TAG: &str = "Event";

type Publish = Box<dyn FnOnce(&Bus) + Send>;

pub struct Write<'a> {
    state: &'a AppState,
    txn: DatabaseTransaction,
    audit: AuditContext,
    publish: Vec<Publish>,
    tags: BTreeSet<&'static str>,
}

impl<'a> Write<'a> {
    /// Opens the transaction. On SQLite the first statement should be a write, so that the
    /// transaction takes the write lock at once rather than failing to upgrade a read snapshot.
    pub async fn begin(state: &'a AppState, audit: &AuditContext) -> AppResult<Self> {
        Ok(Self {
            state,
            txn: state.db.begin().await?,
            audit: audit.clone(),
            publish: Vec::new(),
            tags: BTreeSet::new(),
        })
    }

    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn state(&self) -> &'a AppState {
        self.state
    }

    /// The account the audit events are recorded against (e.g. the user just registered).
    pub fn act_as(&mut self, actor: Uuid) {
        self.audit.actor_id = Some(actor);
    }

    /// Who is acting, when known.
    pub fn actor(&self) -> Option<Uuid> {
        self.audit.actor_id
    }

    /// Cache tags this write changes beyond its audit action's.
    pub fn touch(&mut self, tags: &[&'static str]) {
        self.tags.extend(tags);
    }

    /// Records the audit event of `action` on `subject` (a type name and, when known, an id)
    /// and queues the action's cache tags. `data` must never hold a secret.
    pub async fn audit(
        &mut self,
        action: impl AuditAction,
        subject: (&str, Option<String>),
        data: Value,
    ) -> AppResult<()> {
        let event = audit::record(&self.txn, &self.audit, action.name(), subject, data).await?;
        self.tags.extend(action.writes());
        self.tags.insert(EVENT_TAG);
        self.publish(AuditEvent::from(event));
        Ok(())
    }

    /// Queues a message for after the commit.
    pub fn publish<M: Message>(&mut self, message: M) {
        self.publish
            .push(Box::new(move |bus: &Bus| bus.publish(message)));
    }

    /// Commits, then publishes what was queued and drops the written tags from the cache.
    pub async fn commit(self) -> AppResult<()> {
        self.txn.commit().await?;
        // Tags first: a subscriber that re-reads on an event must not get a cached answer
        // from before the write.
        let tags: BTreeSet<String> = self.tags.iter().map(|t| (*t).to_owned()).collect();
        self.state.cache.invalidate(&tags).await;
        for publish in self.publish {
            publish(&self.state.bus);
        }
        Ok(())
    }

    /// Ends without writing anything; nothing queued is published.
    pub async fn rollback(self) -> AppResult<()> {
        Ok(self.txn.rollback().await?)
    }
}
