//! The small REST surface beside GraphQL: health probes and token refresh.

pub mod auth_refresh;
pub mod health;
