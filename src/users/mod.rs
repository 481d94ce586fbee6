//! User accounts: profiles, their reads and updates, and the core of the `User` type (the
//! merged `User` object is assembled in `graphql::schema` from every domain's part).

mod audit;
mod config;
pub mod entity;
pub mod graphql;
pub mod lean;
mod message;
mod repo;
mod service;

pub use audit::UserAction;
pub use config::UsersConfig;
pub use entity::{Entity as UserEntity, Model as UserModel};
pub use message::AdminChanged;
pub use repo::{
    NewUser, ProfileChanges, UserSearch, by_ids, create, ensure_available, find_by_id,
    find_by_login, find_by_username, search, set_admin, set_password_hash, touch_last_login,
};
pub use service::{grant_listed_admins, set_admin_flag, set_user_admin, update_profile};

/// Unique indexes of `users`, for naming the field of a clash.
pub const UNIQUE_KEYS: &[crate::platform::error::UniqueKey] = &[
    crate::platform::error::UniqueKey {
        postgres: "users_username_key",
        sqlite: "users.username",
        field: "username",
    },
    crate::platform::error::UniqueKey {
        postgres: "users_email_key",
        sqlite: "users.email",
        field: "email",
    },
];
