//! RoadMail in GraphQL: the viewer's mailbox and unread count, sending, marking, moving and
//! deleting, and the live `mailReceived`.

mod loaders;
mod mutation;
mod plan;
mod query;
mod subscription;
mod types;

pub use loaders::{MailById, MailCopyOf, MailRecipients, MailThread};
pub use mutation::{MUTATION_TAGS, MailMutation};
pub use query::{FIELD_TAGS, MailQuery};
pub use subscription::MailSubscription;
pub use types::{MailFolder, MailMessage};
