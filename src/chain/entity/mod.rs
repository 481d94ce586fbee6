//! The ledger's tables. Relations are resolved through DataLoaders rather than SeaORM joins,
//! so the `Relation` enums stay empty.

pub mod block;
pub mod transaction;
