//! Notifications in GraphQL: the viewer's list and unread count, marking them read, and the
//! live `notificationAdded`.

mod mutation;
mod query;
mod subscription;
mod types;

pub use mutation::{MUTATION_TAGS, NotificationsMutation};
pub use query::{FIELD_TAGS, NotificationsQuery};
pub use subscription::NotificationsSubscription;
pub use types::{Notification, NotificationKind};
