//! The users domain in GraphQL: `me`, `user`, `updateProfile`, and the core fields of `User`.

mod direct;
mod loaders;
mod mutation;
mod query;
mod types;

pub use direct::{UserShape, user_shape, user_value};
pub use loaders::UserById;
pub use mutation::{MUTATION_TAGS, UsersMutation};
pub use query::UsersQuery;
pub use types::{UserCore, UserRef};
