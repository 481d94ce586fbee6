//! Prism jobs: background work (chain verification, wallet statements, mining) submitted by
//! users and run by worker pools inside the servers, claimed from the database under a lease.

mod audit;
mod config;
pub mod entity;
pub mod graphql;
mod message;
mod model;
mod repo;
mod service;
pub mod worker;

pub use audit::JobAction;
pub use config::JobsConfig;
pub use entity::Model as JobModel;
pub use message::JobUpdated;
pub use model::{Kind, MinePayload, Payload, StatementPayload, Status};
pub use repo::{JobFilter, by_id, by_ids, owners_of, page};
pub use service::{cancel, retry, submit};
pub use worker::{WorkerPool, start as start_workers};
