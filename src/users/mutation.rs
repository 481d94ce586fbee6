use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result};
use sea_orm::TransactionTrait;

use super::{service, types::User};
use crate::{auth::validate, events, graphql::context::ContextExt, pubsub::BusMessage};

/// Omitted fields stay as they are; `null` or an empty string clears a field.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub full_name: MaybeUndefined<String>,
    pub avatar_url: MaybeUndefined<String>,
    pub bio: MaybeUndefined<String>,
}

fn change<T>(
    value: MaybeUndefined<String>,
    check: impl FnOnce(Option<&str>) -> crate::error::AppResult<Option<T>>,
) -> crate::error::AppResult<Option<Option<T>>> {
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
        let changes = service::ProfileChanges {
            full_name: change(input.full_name, |v| {
                validate::optional_text("fullName", v, 100)
            })?,
            avatar_url: change(input.avatar_url, validate::avatar_url)?,
            bio: change(input.bio, |v| validate::optional_text("bio", v, 500))?,
        };
        let changed: Vec<&str> = [
            ("fullName", changes.full_name.is_some()),
            ("avatarUrl", changes.avatar_url.is_some()),
            ("bio", changes.bio.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        let state = ctx.state()?;
        let txn = state
            .db
            .begin()
            .await
            .map_err(crate::error::AppError::from)?;
        let user = service::update_profile(&txn, viewer.user.clone(), changes).await?;
        // Which fields changed, not their values: a bio is not a secret, but the log has no
        // need to copy personal data.
        let event = events::record(
            &txn,
            &ctx.audit(),
            "user.update_profile",
            ("User", Some(user.id.to_string())),
            serde_json::json!({"fields": changed}),
        )
        .await?;
        events::commit_and_publish(txn, &state.bus, [BusMessage::Audit(event)]).await?;
        Ok(User::new(user))
    }
}
