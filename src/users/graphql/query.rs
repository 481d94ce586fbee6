use async_graphql::{Context, Object, Result};

use crate::{
    graphql::{context::ContextExt, schema::User},
    users::find_by_username,
};

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The signed-in user; UNAUTHENTICATED without a valid access token.
    #[graphql(cache_control(max_age = 10, private))]
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let viewer = ctx.viewer()?.require()?;
        Ok(Some(User::new(viewer.user.clone())))
    }

    #[graphql(cache_control(max_age = 30))]
    async fn user(&self, ctx: &Context<'_>, username: String) -> Result<Option<User>> {
        let state = ctx.state()?;
        Ok(find_by_username(&state.db, &username)
            .await?
            .filter(|u| u.is_active)
            .map(User::new))
    }
}
