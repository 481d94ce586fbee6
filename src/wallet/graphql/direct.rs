//! Direct answers for the public, infallible fields of `Wallet` (see `graphql::direct`), with
//! its owner when a list read it ahead. The label (the owner's) and fields that need a loader
//! make the writer decline.

use async_graphql::{ContextSelectionSet, ScalarType, Value};

use super::Wallet;
use crate::{
    graphql::{
        direct::{Shape, boolean, string, sub_selection},
        node::NodeObject,
    },
    platform::money::Amount,
    users::graphql::{UserShape, user_shape, user_value},
};

pub enum WalletField {
    Id,
    Address,
    IsPrimary,
    Balance,
    CreatedAt,
    Owner(UserShape),
}

pub type WalletShape = Shape<WalletField>;

/// Compiles a selection on `Wallet`, or declines.
pub fn wallet_shape(ctx: &ContextSelectionSet<'_>) -> Option<WalletShape> {
    Shape::compile(ctx, "Wallet", |field| {
        Some(match field.item.node.name.node.as_str() {
            "id" => WalletField::Id,
            "address" => WalletField::Address,
            "isPrimary" => WalletField::IsPrimary,
            "balance" => WalletField::Balance,
            "createdAt" => WalletField::CreatedAt,
            "owner" => WalletField::Owner(user_shape(&sub_selection(field))?),
            _ => return None,
        })
    })
}

/// A wallet's object, as `Wallet`'s resolvers answer it; declines when the owner is selected
/// but was not read ahead (the resolver loads it, or reports the missing owner).
pub fn wallet_value(shape: &WalletShape, wallet: &Wallet) -> Option<Value> {
    let model = &wallet.model;
    shape.write(|field| {
        Some(match field {
            WalletField::Id => Value::String(Wallet::node_id(model.id).0),
            WalletField::Address => string(&model.address),
            WalletField::IsPrimary => boolean(model.is_primary),
            WalletField::Balance => Amount(model.balance).to_value(),
            WalletField::CreatedAt => model.created_at.to_value(),
            WalletField::Owner(user) => user_value(user, wallet.owner.as_deref()?)?,
        })
    })
}
