//! The users domain's part of `User`: identity and profile. Other domains hang their own
//! fields on `User` through parts of their own, all holding the same `UserRef`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::{
    graphql::{context::ContextExt, node::NodeType},
    users::UserModel,
};

/// The user every part of `User` resolves against.
#[derive(Clone)]
pub struct UserRef {
    pub model: Arc<UserModel>,
    /// Set when the response itself proves the caller is this user (the payload of
    /// register, login or refresh), before any token was sent.
    pub owner_view: bool,
}

impl UserRef {
    pub fn new(model: UserModel, owner_view: bool) -> Self {
        Self {
            model: Arc::new(model),
            owner_view,
        }
    }

    /// Whether the viewer may see this user's private fields (themself, or an admin).
    pub fn private_visible(&self, ctx: &Context<'_>) -> bool {
        self.owner_view
            || ctx
                .viewer()
                .is_ok_and(|v| v.can_see_private_of(self.model.id))
    }

    pub fn node_id(&self) -> ID {
        crate::graphql::ids::encode(NodeType::User, self.model.id)
    }
}

/// Identity and profile. Private fields (email, last login) are visible only to the user
/// themself and to admins.
pub struct UserCore(pub UserRef);

// The merged `User` takes its type-level cache hint from its parts: this one sets it.
#[Object(cache_control(max_age = 30))]
impl UserCore {
    async fn id(&self) -> ID {
        self.0.node_id()
    }

    async fn username(&self) -> &str {
        &self.0.model.username
    }

    /// Null unless the viewer is this user or an admin.
    #[graphql(cache_control(private))]
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self
            .0
            .private_visible(ctx)
            .then_some(self.0.model.email.as_str()))
    }

    async fn full_name(&self) -> Option<&str> {
        self.0.model.full_name.as_deref()
    }

    async fn avatar_url(&self) -> Option<&str> {
        self.0.model.avatar_url.as_deref()
    }

    async fn bio(&self) -> Option<&str> {
        self.0.model.bio.as_deref()
    }

    async fn is_verified(&self) -> bool {
        self.0.model.is_verified
    }

    async fn is_admin(&self) -> bool {
        self.0.model.is_admin
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.model.created_at
    }

    /// Null unless the viewer is this user or an admin.
    #[graphql(cache_control(private))]
    async fn last_login_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .0
            .model
            .last_login_at
            .filter(|_| self.0.private_visible(ctx)))
    }
}
