//! The one schema, and the registry every domain adds itself to. A new domain adds its part to
//! `Query`, `Mutation`, `Subscription` and `User` here, its node types in `node.rs`, and its
//! cache-tag tables to `DOMAIN_TAGS`; the registry tests fail when a Mutation field has no tags
//! or a cacheable type no invalidating mutation.

use async_graphql::{Context, ID, MergedObject, MergedSubscription, Result, Schema};
use uuid::Uuid;

use super::{
    context::ContextExt,
    node::{NodeObject, NodeQuery, NodeType},
};
use crate::{
    ai::graphql::{AiMutation, AiQuery, AiSubscription},
    audit::graphql::{EventsQuery, EventsSubscription},
    auth::graphql::AuthMutation,
    chain::graphql::{ChainMutation, ChainQuery, ChainSubscription, UserMining},
    dashboard::graphql::DashboardQuery,
    devices::graphql::{DevicesMutation, DevicesQuery, DevicesSubscription},
    files::graphql::{FilesMutation, FilesQuery},
    jobs::graphql::{JobsMutation, JobsQuery, JobsSubscription},
    mail::graphql::{MailMutation, MailQuery, MailSubscription},
    notifications::graphql::{
        NotificationsMutation, NotificationsQuery, NotificationsSubscription,
    },
    social::graphql::{SocialMutation, SocialQuery, SocialSubscription, UserSocial},
    state::AppState,
    users::{
        UserModel,
        graphql::{UserById, UserCore, UserRef, UsersMutation, UsersQuery},
    },
    video::graphql::{VideoMutation, VideoQuery},
    wallet::graphql::{UserWallets, WalletMutation, WalletQuery},
};

#[derive(MergedObject, Default)]
pub struct Query(
    UsersQuery,
    NodeQuery,
    WalletQuery,
    ChainQuery,
    EventsQuery,
    NotificationsQuery,
    FilesQuery,
    SocialQuery,
    VideoQuery,
    MailQuery,
    DevicesQuery,
    DashboardQuery,
    JobsQuery,
    AiQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    UsersMutation,
    WalletMutation,
    ChainMutation,
    NotificationsMutation,
    FilesMutation,
    SocialMutation,
    VideoMutation,
    MailMutation,
    DevicesMutation,
    JobsMutation,
    AiMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    ChainSubscription,
    EventsSubscription,
    NotificationsSubscription,
    SocialSubscription,
    MailSubscription,
    DevicesSubscription,
    JobsSubscription,
    AiSubscription,
);

// A registered account: the users domain's core fields and every other domain's part.
#[derive(MergedObject)]
#[graphql(name = "User")]
pub struct User(UserCore, UserWallets, UserMining, UserSocial);

impl User {
    pub fn from_ref(user: UserRef) -> Self {
        User(
            UserCore(user.clone()),
            UserWallets(user.clone()),
            UserMining(user.clone()),
            UserSocial(user),
        )
    }

    pub fn new(model: UserModel) -> Self {
        Self::from_ref(UserRef::new(model, false))
    }

    /// A user seen by themself before any token was sent (register, login and refresh
    /// payloads).
    pub fn owned(model: UserModel) -> Self {
        Self::from_ref(UserRef::new(model, true))
    }

    fn user(&self) -> &UserRef {
        &self.0.0
    }

    /// For the `Node` interface.
    pub async fn id(&self, _ctx: &Context<'_>) -> Result<ID> {
        Ok(self.user().node_id())
    }
}

impl NodeObject for User {
    const KIND: NodeType = NodeType::User;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let user = ctx.loader::<UserById>()?.load_one(id).await?;
        Ok(user.filter(|u| u.is_active).map(User::new))
    }
}

type TagTable = &'static [(&'static str, &'static [&'static str])];

/// A domain's cache-tag tables: the tags each of its mutations writes; the types whose entries
/// depend on more than their own name (a type's tag is otherwise its name, with
/// `Connection`/`Edge` stripped); and fields returning scalars (`"Query.unreadMailCount"`),
/// which have no type of their own to name.
pub struct DomainTags {
    pub mutations: TagTable,
    pub types: TagTable,
    pub fields: TagTable,
}

pub const DOMAIN_TAGS: &[DomainTags] = &[
    DomainTags {
        mutations: crate::auth::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::users::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::wallet::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::chain::graphql::MUTATION_TAGS,
        types: crate::chain::graphql::TYPE_TAGS,
        fields: &[],
    },
    DomainTags {
        mutations: crate::audit::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::notifications::graphql::MUTATION_TAGS,
        types: &[],
        fields: crate::notifications::graphql::FIELD_TAGS,
    },
    DomainTags {
        mutations: crate::files::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::jobs::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::social::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::video::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: crate::mail::graphql::MUTATION_TAGS,
        types: &[],
        fields: crate::mail::graphql::FIELD_TAGS,
    },
    DomainTags {
        mutations: crate::devices::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
    DomainTags {
        mutations: &[],
        types: crate::dashboard::graphql::TYPE_TAGS,
        fields: &[],
    },
    DomainTags {
        mutations: crate::ai::graphql::MUTATION_TAGS,
        types: &[],
        fields: &[],
    },
];

pub type AppSchema = Schema<Query, Mutation, Subscription>;

pub fn build(state: Option<AppState>) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    );
    if let Some(state) = state {
        let config = &state.config;
        builder = builder
            .limit_depth(config.max_query_depth)
            .limit_complexity(config.max_query_complexity);
        if !config.introspection_enabled() {
            builder = builder.disable_introspection();
        }
        if !config.suggestions_enabled() {
            builder = builder.disable_suggestions();
        }
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL committed as `schema.graphql`.
pub fn sdl() -> String {
    build(None).sdl()
}
