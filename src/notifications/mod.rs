//! Notifications: what happened to a user's things (mail received, a new follower, a like or
//! comment on their post, a transfer to them and its confirmation, their job finishing),
//! created in the same unit of work as what caused them, and never for a user's own action on
//! their own things.

mod audit;
pub mod entity;
pub mod graphql;
mod message;
mod repo;
mod service;

pub use audit::NotificationAction;
pub use entity::Model as NotificationModel;
pub use message::NotificationAdded;
pub use repo::{NotificationFilter, by_id, page, unread_count};
pub use service::{Kind, NewNotification, mark_read, notify};
