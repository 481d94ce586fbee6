use async_graphql::{Context, Object, Result};

use super::types::{
    AuthPayload, ChangePasswordInput, LoginInput, LogoutInput, RefreshTokenInput, RegisterInput,
};
use crate::{
    auth::service::{self, Registration},
    graphql::context::ContextExt,
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("register", &["User", "Wallet", "Event"]),
    ("login", &["User", "Event"]),
    ("refreshToken", &["User", "Event"]),
    ("logout", &["User", "Event"]),
    ("changePassword", &["User", "Event"]),
];

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Creates an account with a primary wallet holding 100 RoadCoin, and signs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let registration = Registration {
            username: input.username,
            email: input.email,
            password: input.password,
            full_name: input.full_name,
        };
        Ok(service::register(ctx.state()?, &ctx.audit(), registration)
            .await?
            .into())
    }

    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        Ok(
            service::login(ctx.state()?, &ctx.audit(), &input.login, &input.password)
                .await?
                .into(),
        )
    }

    /// Exchanges a refresh token for a new pair; the old refresh token stops working.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        input: RefreshTokenInput,
    ) -> Result<AuthPayload> {
        Ok(
            crate::auth::refresh(ctx.state()?, &ctx.audit(), &input.refresh_token)
                .await?
                .into(),
        )
    }

    async fn logout(&self, ctx: &Context<'_>, input: Option<LogoutInput>) -> Result<bool> {
        let token = input.and_then(|i| i.refresh_token);
        let viewer = ctx.viewer()?;
        if token.is_none() {
            viewer.require()?;
        }
        service::logout(ctx.state()?, &ctx.audit(), viewer.user(), token.as_deref()).await?;
        Ok(true)
    }

    /// Signs out every other session of the viewer.
    async fn change_password(&self, ctx: &Context<'_>, input: ChangePasswordInput) -> Result<bool> {
        let viewer = ctx.viewer()?.require()?;
        service::change_password(
            ctx.state()?,
            &ctx.audit(),
            viewer,
            &input.current_password,
            &input.new_password,
        )
        .await?;
        Ok(true)
    }
}
