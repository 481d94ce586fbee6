use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The owner: who submitted it.
    pub owner_id: Uuid,
    pub kind: String,
    pub status: String,
    pub payload: Json,
    pub result: Option<Json>,
    pub error: Option<String>,
    /// Why the job failed, as a stable code (`QUOTA_EXCEEDED`, `BAD_USER_INPUT`, …).
    pub error_code: Option<String>,
    /// Basis points: 0–10000.
    pub progress: i32,
    pub attempts: i32,
    pub max_attempts: i32,
    /// Not claimed before this (epoch ms): the retry backoff.
    pub run_after_ms: i64,
    /// A running job whose lease (epoch ms) has passed is claimed again.
    pub lease_until_ms: Option<i64>,
    /// The worker holding the lease.
    pub worker: Option<String>,
    pub cancel_requested: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
