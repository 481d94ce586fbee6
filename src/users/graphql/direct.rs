//! Direct answers for the public, infallible fields of `User` (see `graphql::direct`). Private
//! fields (email, last login) and other domains' parts of `User` make the writer decline.

use async_graphql::{ContextSelectionSet, ScalarType, Value};

use crate::{
    graphql::{
        direct::{Shape, boolean, optional_string, string},
        ids,
        node::NodeType,
    },
    users::UserModel,
};

pub enum UserField {
    Id,
    Username,
    FullName,
    AvatarUrl,
    Bio,
    IsVerified,
    IsAdmin,
    CreatedAt,
}

pub type UserShape = Shape<UserField>;

/// Compiles a selection on `User`, or declines.
pub fn user_shape(ctx: &ContextSelectionSet<'_>) -> Option<UserShape> {
    Shape::compile(ctx, "User", |field| {
        Some(match field.item.node.name.node.as_str() {
            "id" => UserField::Id,
            "username" => UserField::Username,
            "fullName" => UserField::FullName,
            "avatarUrl" => UserField::AvatarUrl,
            "bio" => UserField::Bio,
            "isVerified" => UserField::IsVerified,
            "isAdmin" => UserField::IsAdmin,
            "createdAt" => UserField::CreatedAt,
            _ => return None,
        })
    })
}

/// A user's object for a compiled selection, as `UserCore`'s resolvers answer it.
pub fn user_value(shape: &UserShape, user: &UserModel) -> Option<Value> {
    shape.write(|field| {
        Some(match field {
            UserField::Id => Value::String(ids::encode(NodeType::User, user.id).0),
            UserField::Username => string(&user.username),
            UserField::FullName => optional_string(user.full_name.as_deref()),
            UserField::AvatarUrl => optional_string(user.avatar_url.as_deref()),
            UserField::Bio => optional_string(user.bio.as_deref()),
            UserField::IsVerified => boolean(user.is_verified),
            UserField::IsAdmin => boolean(user.is_admin),
            UserField::CreatedAt => user.created_at.to_value(),
        })
    })
}
