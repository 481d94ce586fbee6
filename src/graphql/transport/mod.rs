//! The transports: GraphQL over HTTP and over WebSocket, and what they share (request
//! parsing, response shaping, rate limits, the HTTP cache stage, socket accounting).

pub mod http;
mod http_cache;
mod multipart;
mod rate;
pub mod request;
pub mod response;
mod serve;
pub mod sockets;
mod ws;
mod ws_protocol;

pub use sockets::Sockets;
