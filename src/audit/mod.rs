//! The audit log: every mutation writes one event in its own database transaction (through
//! `platform::write::Write`), and the event is announced to `auditEvents` subscribers only once
//! that transaction commits. Domains name what they record with typed actions
//! (`audit_actions!`), which also declare the entity types (cache tags) the action writes.

pub mod entity;
pub mod graphql;
mod message;
mod repo;

pub use entity::{Entity as EventEntity, Model as EventModel};
pub use message::AuditEvent;
pub use repo::{EventFilter, actors_of, by_id, events_page, record};
use uuid::Uuid;

/// Who did it and from where; built per request.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    pub actor_id: Option<Uuid>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl AuditContext {
    pub fn with_actor(&self, actor_id: Uuid) -> Self {
        Self {
            actor_id: Some(actor_id),
            ..self.clone()
        }
    }
}

/// One thing a domain records: its `domain.verb` name and the entity types (cache tags)
/// it writes, besides the event itself.
pub trait AuditAction: Copy + Send + 'static {
    fn name(self) -> &'static str;
    fn writes(self) -> &'static [&'static str];
}

/// Declares a domain's audit actions:
/// `audit_actions! { pub enum WalletAction { Create = "wallet.create" writes ["Wallet"], } }`.
#[macro_export]
macro_rules! audit_actions {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $action:literal writes [$($tag:literal),* $(,)?]),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($(#[$vmeta])* $variant),* }

        impl $crate::audit::AuditAction for $name {
            fn name(self) -> &'static str {
                match self { $(Self::$variant => $action),* }
            }
            fn writes(self) -> &'static [&'static str] {
                match self { $(Self::$variant => &[$($tag),*]),* }
            }
        }

        impl $name {
            /// Every action, for the registry tests.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
        }
    };
}
