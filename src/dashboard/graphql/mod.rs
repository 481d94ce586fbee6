//! `dashboard`: the viewer's figures, cached per viewer and dropped by any audited write (every
//! write records an audit event, which `recentActivity` shows).

use async_graphql::{Context, Object, Result};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::{
    audit::{
        self, EventFilter,
        graphql::{EVENT_CURSOR, Event},
    },
    chain, devices,
    files::{self, graphql::StorageUsage},
    graphql::context::ContextExt,
    mail, notifications,
    platform::{money::Amount, paging},
    social, wallet,
};

/// The tags a dashboard depends on: every domain it reads, and `Event`, which every audited
/// write drops (incoming mail and transfers included, as they are other users' writes).
pub const TYPE_TAGS: &[(&str, &[&str])] = &[(
    "Dashboard",
    &[
        "Event",
        "Wallet",
        "Transaction",
        "Block",
        "MailMessage",
        "Notification",
        "Post",
        "User",
        "Device",
        "File",
    ],
)];

/// Most recent events `recentActivity` returns.
const MAX_RECENT: i32 = 50;

fn int(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// The viewer's figures in one round trip.
    #[graphql(cache_control(max_age = 15, private))]
    async fn dashboard(&self, ctx: &Context<'_>) -> Result<Dashboard> {
        let viewer = ctx.viewer()?.require()?;
        Ok(Dashboard {
            user: viewer.user.id,
            profile: OnceCell::new(),
        })
    }
}

pub struct Dashboard {
    user: Uuid,
    /// Followers, followings and posts come from one statement, read once.
    profile: OnceCell<social::ProfileCounts>,
}

impl Dashboard {
    async fn profile(&self, ctx: &Context<'_>) -> Result<social::ProfileCounts> {
        let db = &ctx.state()?.db;
        Ok(*self
            .profile
            .get_or_try_init(|| social::profile_counts(db, self.user))
            .await?)
    }
}

#[Object(cache_control(max_age = 15, private))]
impl Dashboard {
    /// All the viewer's wallets together.
    async fn balance(&self, ctx: &Context<'_>) -> Result<Amount> {
        Ok(Amount(
            wallet::balance_of_owner(&ctx.state()?.db, self.user).await?,
        ))
    }

    /// Transfers to the viewer's wallets waiting for a block.
    async fn pending_incoming(&self, ctx: &Context<'_>) -> Result<Amount> {
        Ok(Amount(
            chain::pending_incoming_of_owner(&ctx.state()?.db, self.user).await?,
        ))
    }

    async fn unread_mail(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(int(mail::unread_count(&ctx.state()?.db, self.user).await?))
    }

    async fn unread_notifications(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(int(notifications::unread_count(
            &ctx.state()?.db,
            self.user,
        )
        .await?))
    }

    async fn followers(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(int(self.profile(ctx).await?.followers))
    }

    async fn following(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(int(self.profile(ctx).await?.following))
    }

    async fn posts(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(int(self.profile(ctx).await?.posts))
    }

    async fn blocks_mined(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(int(
            chain::blocks_mined_by(&ctx.state()?.db, self.user).await?
        ))
    }

    /// Devices with a heartbeat within `DEVICE_ONLINE_SECS`.
    async fn devices_online(&self, ctx: &Context<'_>) -> Result<i32> {
        let state = ctx.state()?;
        Ok(int(devices::online_count(
            &state.db,
            &state.config.devices,
            self.user,
        )
        .await?))
    }

    async fn storage(&self, ctx: &Context<'_>) -> Result<StorageUsage> {
        let state = ctx.state()?;
        Ok(StorageUsage(
            files::storage_usage(state, &state.db, self.user).await?,
        ))
    }

    /// The viewer's own audit events, newest first.
    async fn recent_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10, validator(minimum = 1, maximum = 50))] first: i32,
    ) -> Result<Vec<Event>> {
        let filter = EventFilter {
            actor: Some(Some(self.user)),
            ..Default::default()
        };
        let page = paging::forward::<Uuid>(EVENT_CURSOR, Some(first.min(MAX_RECENT)), None)?;
        let (rows, _) = audit::events_page(&ctx.state()?.db, &filter, &page).await?;
        Ok(rows.into_iter().map(Event).collect())
    }
}
