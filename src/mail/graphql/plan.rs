//! The mailbox's lookahead plan (see `graphql::plan`): a page's senders, and its recipients
//! with their users, read together. `inReplyTo` and `thread` stay with their loaders.

use std::collections::HashMap;

use async_graphql::{Context, Result};
use uuid::Uuid;

use super::loaders::MailRecipients;
use crate::{
    graphql::{context::ContextExt, plan::Plan},
    mail::{MailModel, read_ahead},
    users::graphql::UserById,
};

pub async fn messages<'a>(ctx: &'a Context<'a>, rows: &[MailModel]) -> Result<()> {
    let Some(plan) = Plan::connection(ctx)? else {
        return Ok(());
    };
    let db = &ctx.state()?.db;
    let senders = async {
        if !plan.wants("from") {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
        read_ahead::senders(db, &ids).await
    };
    let recipients = async {
        let mut keys: Vec<Uuid> = Vec::new();
        if plan.wants("to") {
            keys = rows.iter().map(|m| m.message_key).collect();
            keys.sort();
            keys.dedup();
        }
        let found = read_ahead::recipients(db, &keys).await?;
        Ok::<_, crate::platform::error::AppError>((keys, found))
    };
    let (senders, (keys, found)) = tokio::try_join!(senders, recipients)?;
    plan.prime::<UserById, _>(senders.into_values().map(|u| (u.id, u)))?;
    // Every asked key gets its list, empty or not, as the loader's `unwrap_or_default` sees it.
    let mut lists: HashMap<Uuid, Vec<Uuid>> = keys.into_iter().map(|k| (k, Vec::new())).collect();
    let mut users = Vec::new();
    for (key, user_id, user) in found {
        lists.entry(key).or_default().push(user_id);
        users.extend(user.map(|u| (u.id, u)));
    }
    plan.prime::<MailRecipients, _>(lists)?;
    plan.prime::<UserById, _>(users)
}
