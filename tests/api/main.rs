//! Black-box tests over HTTP: one test binary, one module per area.

mod auth;
mod cli;
mod graphql_http;
mod helpers;
mod rest;
mod sessions;
mod users;
