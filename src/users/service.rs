//! Account rules on the write path.

use serde_json::json;

use super::{ProfileChanges, UserAction, UserModel, repo};
use crate::{
    audit::AuditContext,
    platform::{error::AppResult, write::Write},
    state::AppState,
};

/// Applies `changes` to the viewer's profile.
pub async fn update_profile(
    state: &AppState,
    audit: &AuditContext,
    user: UserModel,
    changes: ProfileChanges,
) -> AppResult<UserModel> {
    // Which fields changed, not their values: a bio is not a secret, but the log has no need
    // to copy personal data.
    let changed: Vec<&str> = [
        ("fullName", changes.full_name.is_some()),
        ("avatarUrl", changes.avatar_url.is_some()),
        ("bio", changes.bio.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    let mut w = Write::begin(state, audit).await?;
    let user = repo::update_profile(w.db(), user, changes).await?;
    w.audit(
        UserAction::UpdateProfile,
        ("User", Some(user.id.to_string())),
        json!({"fields": changed}),
    )
    .await?;
    w.commit().await?;
    Ok(user)
}

/// Makes the existing users ADMIN_USERNAMES lists admins (at start-up); each grant audited.
pub async fn grant_listed_admins(state: &AppState) -> AppResult<Vec<String>> {
    let mut granted = Vec::new();
    for name in state.config.users.admins() {
        match repo::find_by_username(&state.db, &name).await? {
            Some(user) if !user.is_admin => {
                set_admin_flag(state, &AuditContext::default(), user, true).await?;
                granted.push(name);
            }
            _ => {}
        }
    }
    Ok(granted)
}

/// Grants or revokes admin rights (the `admin` command and the admin console).
pub async fn set_admin_flag(
    state: &AppState,
    audit: &AuditContext,
    user: UserModel,
    is_admin: bool,
) -> AppResult<UserModel> {
    let action = if is_admin {
        UserAction::GrantAdmin
    } else {
        UserAction::RevokeAdmin
    };
    let mut w = Write::begin(state, audit).await?;
    let user = repo::set_admin(w.db(), user, is_admin).await?;
    w.audit(
        action,
        ("User", Some(user.id.to_string())),
        json!({"username": user.username}),
    )
    .await?;
    w.commit().await?;
    Ok(user)
}
