use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::types::{MAIL_CURSOR, MailFolder, MailMessageConnection, mail_connection};
use crate::{
    graphql::context::ContextExt,
    mail::{self, Folder, MailFilter},
    platform::paging,
};

/// Root fields returning scalars, and the tags their answers depend on.
pub const FIELD_TAGS: &[(&str, &[&str])] = &[("Query.unreadMailCount", &["MailMessage"])];

#[derive(Default)]
pub struct MailQuery;

#[Object]
impl MailQuery {
    /// A folder of the viewer's mail, newest first. `search` matches subject and body,
    /// ignoring case.
    #[graphql(
        cache_control(max_age = 10, private),
        complexity = "crate::platform::paging::cost(first, None, child_complexity)"
    )]
    async fn mailbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(MailFolder::Inbox)")] folder: Option<MailFolder>,
        unread_only: Option<bool>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MailMessageConnection> {
        let viewer = ctx.viewer()?.require()?;
        let page = paging::forward::<Uuid>(MAIL_CURSOR, first, after.as_deref())?;
        let filter = MailFilter {
            owner: viewer.user.id,
            // Null, like omitted, means INBOX.
            folder: Folder::from(folder.unwrap_or(MailFolder::Inbox)).as_str(),
            unread_only: unread_only.unwrap_or(false),
            search: mail::search_needle(search.as_deref())?,
        };
        let (rows, more) = mail::page(&ctx.state()?.db, &filter, &page).await?;
        super::plan::messages(ctx, &rows).await?;
        Ok(mail_connection(rows, more, page.cursor.is_some()))
    }

    /// Unread messages in the viewer's INBOX.
    #[graphql(cache_control(max_age = 10, private))]
    async fn unread_mail_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let viewer = ctx.viewer()?.require()?;
        let count = mail::unread_count(&ctx.state()?.db, viewer.user.id).await?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}
