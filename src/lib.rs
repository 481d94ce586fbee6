//! blackroad-api: a GraphQL-first API server for BlackRoad OS.
//!
//! `platform` holds what every domain uses; `http` and `graphql` are the edges; each domain
//! (`auth`, `users`, `wallet`, `chain`, `audit`) is one folder holding everything of it.

pub mod ai;
pub mod audit;
pub mod auth;
pub mod chain;
pub mod dashboard;
pub mod devices;
pub mod files;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod notifications;
pub mod platform;
pub mod seed;
pub mod social;
pub mod startup;
pub mod state;
pub mod users;
pub mod video;
pub mod wallet;

/// The configuration, at the path tools and tests know it by.
pub use platform::config;
