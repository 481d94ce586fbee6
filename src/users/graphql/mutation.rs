use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use crate::{
    graphql::{context::ContextExt, ids, node::NodeType, schema::User},
    platform::{
        error::{AppError, AppResult},
        validate::{optional_name, optional_text, optional_url},
    },
    users::{self, ProfileChanges},
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("updateProfile", &["User", "Event"]),
    ("setUserAdmin", &["User", "Event"]),
];

/// Omitted fields stay as they are; `null` or an empty string clears a field.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub full_name: MaybeUndefined<String>,
    pub avatar_url: MaybeUndefined<String>,
    pub bio: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct SetUserAdminInput {
    pub user_id: ID,
    /// true makes the user an admin, false takes it back.
    pub admin: bool,
}

fn change<T>(
    value: MaybeUndefined<String>,
    check: impl FnOnce(Option<&str>) -> AppResult<Option<T>>,
) -> AppResult<Option<Option<T>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => check(Some(&v)).map(Some),
    }
}

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let viewer = ctx.viewer()?.require()?;
        let changes = ProfileChanges {
            full_name: change(input.full_name, |v| optional_name("fullName", v, 100))?,
            avatar_url: change(input.avatar_url, |v| optional_url("avatarUrl", v))?,
            bio: change(input.bio, |v| optional_text("bio", v, 500))?,
        };
        let user =
            users::update_profile(ctx.state()?, &ctx.audit(), viewer.user.clone(), changes).await?;
        Ok(User::new(user))
    }

    /// Makes a user an admin or takes it back (admins only; audited as `user.grant_admin` /
    /// `user.revoke_admin`). Nobody can remove their own rights, so the last admin stays.
    /// Takes effect at once: every request reads the viewer's rights from the database, and
    /// the user's open sockets are closed with 4401 to reconnect with the new rights.
    async fn set_user_admin(&self, ctx: &Context<'_>, input: SetUserAdminInput) -> Result<User> {
        let viewer = ctx
            .viewer()?
            .require_admin("only admins may change who is an admin")?;
        let target = match ids::decode(&input.user_id, "userId")? {
            (NodeType::User, uuid) => uuid,
            _ => return Err(AppError::bad_input("userId", "not a user id").into()),
        };
        let user = users::set_user_admin(
            ctx.state()?,
            &ctx.audit(),
            &viewer.user,
            target,
            input.admin,
        )
        .await?;
        Ok(User::new(user))
    }
}
