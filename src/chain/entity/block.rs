use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub index: i64,
    pub timestamp: DateTimeUtc,
    pub nonce: String,
    pub previous_hash: String,
    #[sea_orm(unique)]
    pub hash: String,
    pub difficulty: i32,
    pub miner_id: Option<Uuid>,
    pub reward: i64,
    pub transaction_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
