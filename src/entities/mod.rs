//! SeaORM entities, one per table. Relations are resolved through DataLoaders rather than
//! SeaORM joins, so the `Relation` enums stay empty.

pub mod block;
pub mod event;
pub mod job;
pub mod refresh_token;
pub mod transaction;
pub mod user;
pub mod wallet;
