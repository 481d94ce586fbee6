//! The audit log in GraphQL, for admins: `events`, `auditEvents` and the `Event` type.

mod query;
mod subscription;
mod types;

pub use query::EventsQuery;
pub use subscription::EventsSubscription;
pub use types::{EVENT_CURSOR, Event};

/// The audit log is written by every mutation and never by one of its own.
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[];
