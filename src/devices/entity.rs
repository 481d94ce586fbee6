use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub kind: String,
    pub platform: Option<String>,
    /// What the device last reported (at most 4 KiB of JSON).
    pub status: Option<Json>,
    pub last_seen_at: Option<DateTimeUtc>,
    /// Its going offline has been announced (or it has never been online); cleared by each
    /// heartbeat, set by the one instance whose watcher claims the expiry.
    pub offline_announced: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
