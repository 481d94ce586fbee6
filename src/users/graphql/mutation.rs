use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result};

use crate::{
    graphql::{context::ContextExt, schema::User},
    platform::{
        error::AppResult,
        validate::{optional_name, optional_text, optional_url},
    },
    users::{self, ProfileChanges},
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[("updateProfile", &["User", "Event"])];

/// Omitted fields stay as they are; `null` or an empty string clears a field.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub full_name: MaybeUndefined<String>,
    pub avatar_url: MaybeUndefined<String>,
    pub bio: MaybeUndefined<String>,
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
}
