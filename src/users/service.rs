//! Account rules on the write path.

use serde_json::json;

use uuid::Uuid;

use super::{AdminChanged, ProfileChanges, UserAction, UserModel, repo};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        write::Write,
    },
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

/// Grants or revokes admin rights (the `admin` command, and `ADMIN_USERNAMES` at start-up).
pub async fn set_admin_flag(
    state: &AppState,
    audit: &AuditContext,
    user: UserModel,
    is_admin: bool,
) -> AppResult<UserModel> {
    let mut w = Write::begin(state, audit).await?;
    let user = apply_admin(&mut w, user, is_admin).await?;
    w.commit().await?;
    Ok(user)
}

/// An admin makes another user an admin, or takes it back (`setUserAdmin`).
///
/// Nobody can take away their own rights: the actor is an admin and stays one, so a console
/// can never remove the last admin. Two admins demoting each other at once are serialized by
/// the row locks: the second finds its actor no longer an admin and is refused. Setting what
/// is already set changes nothing and records nothing.
pub async fn set_user_admin(
    state: &AppState,
    audit: &AuditContext,
    actor: &UserModel,
    target: Uuid,
    is_admin: bool,
) -> AppResult<UserModel> {
    if actor.id == target && !is_admin {
        return Err(AppError::bad_input(
            "userId",
            "you cannot remove your own admin rights; another admin has to",
        ));
    }
    let mut w = Write::begin(state, audit).await?;
    repo::lock_rows(w.db(), &[actor.id, target]).await?;
    let mut rows = repo::by_ids(w.db(), &[actor.id, target]).await?;
    let actor_is_admin = rows
        .get(&actor.id)
        .is_some_and(|a| a.is_admin && a.is_active);
    let found = match (actor_is_admin, rows.remove(&target)) {
        (false, _) => Err(AppError::Forbidden(
            "only admins may change who is an admin",
        )),
        (true, None) => Err(AppError::NotFound("user")),
        (true, Some(user)) => Ok(user),
    };
    let user = match found {
        Ok(user) if user.is_admin != is_admin => user,
        Ok(unchanged) => {
            w.rollback().await?;
            return Ok(unchanged);
        }
        Err(e) => {
            w.rollback().await?;
            return Err(e);
        }
    };
    let user = apply_admin(&mut w, user, is_admin).await?;
    w.commit().await?;
    Ok(user)
}

/// Sets the flag, records it, and tells the user's open sockets once committed.
async fn apply_admin(w: &mut Write<'_>, user: UserModel, is_admin: bool) -> AppResult<UserModel> {
    let action = if is_admin {
        UserAction::GrantAdmin
    } else {
        UserAction::RevokeAdmin
    };
    let user = repo::set_admin(w.db(), user, is_admin).await?;
    w.audit(
        action,
        ("User", Some(user.id.to_string())),
        json!({"username": user.username}),
    )
    .await?;
    w.publish(AdminChanged {
        user_id: user.id,
        is_admin,
    });
    Ok(user)
}
