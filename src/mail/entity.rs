//! One row per copy of a message: the sender's (outgoing) and each recipient's.

pub mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Whose copy this is; nobody else sees it.
        pub owner_id: Uuid,
        pub sender_id: Uuid,
        /// The sending: the same for every copy of one `sendMail`.
        pub message_key: Uuid,
        /// The sending that started the conversation.
        pub thread_key: Uuid,
        /// The sending this one answers.
        pub in_reply_to_key: Option<Uuid>,
        pub subject: String,
        pub body: String,
        /// Subject and body, lower-cased, for case-insensitive search on every backend.
        pub search_text: String,
        pub folder: String,
        /// The sender's own copy (as opposed to a received one).
        pub outgoing: bool,
        pub is_read: bool,
        pub sent_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod recipient {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_recipients")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_key: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub user_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
