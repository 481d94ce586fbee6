use async_graphql::{Context, Object, Result};

use crate::{
    graphql::{context::ContextExt, schema::User},
    platform::{error::AppError, paging},
    social::{UserConnection, user_connection},
    users::{self, UserSearch, find_by_username},
};

/// The cursor kind of the admin user list, which pages by username.
const USER_CURSOR: &str = "user";
const MAX_SEARCH_CHARS: usize = 100;

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The signed-in user; UNAUTHENTICATED without a valid access token.
    #[graphql(cache_control(max_age = 10, private))]
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let viewer = ctx.viewer()?.require()?;
        Ok(Some(User::new(viewer.user.clone())))
    }

    #[graphql(cache_control(max_age = 30))]
    async fn user(&self, ctx: &Context<'_>, username: String) -> Result<Option<User>> {
        let state = ctx.state()?;
        Ok(find_by_username(&state.db, &username)
            .await?
            .filter(|u| u.is_active)
            .map(User::new))
    }

    /// Every account, by username (admins only, for the Prism console): `search` matches
    /// anywhere in the username or the email, `admin` keeps only admins (true) or only the
    /// others (false). Deactivated accounts are listed too.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        admin: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        ctx.viewer()?
            .require_admin("the user list is visible to admins only")?;
        let page = paging::forward::<String>(USER_CURSOR, first, after.as_deref())?;
        let text = search
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(AppError::bad_input(
                "search",
                format!("search must be at most {MAX_SEARCH_CHARS} characters"),
            )
            .into());
        }
        let filter = UserSearch { text, admin };
        let rows = users::search(
            &ctx.state()?.db,
            &filter,
            page.cursor.as_deref(),
            page.limit,
        )
        .await?;
        let (rows, more) = paging::split_page(rows, page.limit);
        let edges = rows
            .into_iter()
            .map(|u| (paging::encode_cursor(USER_CURSOR, &u.username), u));
        Ok(user_connection(edges, more, page.cursor.is_some()))
    }
}
