//! Accounts' credentials and sessions: password hashing, tokens, the viewer of a request, and
//! the auth mutations.

mod audit;
mod config;
pub mod entity;
pub mod graphql;
pub mod password;
mod rotation;
pub mod service;
pub mod tokens;
pub mod validate;
mod viewer;

pub use audit::AuthAction;
pub use config::AuthConfig;
pub use rotation::refresh;
pub use service::{Registration, Session};
pub use viewer::{AuthUser, Viewer, authenticate};
