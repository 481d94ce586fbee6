//! Jobs in GraphQL: the viewer's jobs, submitting, cancelling and retrying them, and the live
//! `jobUpdated`.

mod loaders;
mod mutation;
mod query;
mod subscription;
mod types;

pub use loaders::JobById;
pub use mutation::{JobsMutation, MUTATION_TAGS};
pub use query::JobsQuery;
pub use subscription::JobsSubscription;
pub use types::{Job, JobKind, JobStatus};
