//! Black-box tests over HTTP: one test binary, one module per area.

mod audit;
mod auth;
mod cache;
mod chain;
mod cli;
mod fanout;
mod graphql_http;
mod helpers;
mod http_extra;
mod http_spec;
mod ledger;
mod load;
mod rest;
mod sessions;
mod subscriptions;
mod users;
mod ws_client;
