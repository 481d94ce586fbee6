//! blackroad-api: a GraphQL-first API server for BlackRoad OS.

pub mod auth;
pub mod cache;
pub mod chain;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod events;
pub mod graphql;
pub mod metrics;
pub mod pubsub;
pub mod ratelimit;
pub mod redis_link;
pub mod rest;
pub mod seed;
pub mod startup;
pub mod state;
pub mod subscriptions;
pub mod telemetry;
pub mod users;
pub mod wallet;
