//! Accounts' credentials and sessions: password hashing, tokens, and the auth mutations.

pub mod mutation;
pub mod password;
pub mod service;
pub mod tokens;
pub mod types;
pub mod validate;
