//! RoadMail: messages between registered users. Each message is its owner's copy — the
//! sender's in SENT, each recipient's in INBOX — so reading, moving or deleting one copy never
//! touches another's, and only a copy's owner ever sees it.

mod audit;
pub mod entity;
pub mod graphql;
mod message;
pub mod read_ahead;
mod repo;
mod seed;
mod service;

pub use audit::MailAction;
pub use entity::message::Model as MailModel;
pub use message::MailReceived;
pub use repo::{MailFilter, page};
pub use seed::seed_demo;
pub use service::{
    Folder, MAX_BODY_CHARS, MAX_RECIPIENTS, MAX_SUBJECT_CHARS, NewMail, UnknownRecipient, delete,
    mark_read, move_to, search_needle, send, unread_count,
};
