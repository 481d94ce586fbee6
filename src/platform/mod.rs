//! What every domain uses and no domain owns: configuration, the database and its unit of
//! work, the error type, money, paging, the response cache, the event bus, rate limits, the
//! Redis link, telemetry and metrics.

pub mod cache;
pub mod config;
#[cfg(test)]
mod config_documented;
pub mod db;
pub mod error;
pub mod metrics;
pub mod money;
pub mod paging;
pub mod pubsub;
pub mod ratelimit;
pub mod read_ahead;
pub mod redis_link;
pub mod sql;
mod sqlite_library;
pub mod telemetry;
pub mod validate;
pub mod write;
