//! What the users domain records in the audit log.

crate::audit_actions! {
    pub enum UserAction {
        UpdateProfile = "user.update_profile" writes ["User"],
        GrantAdmin = "user.grant_admin" writes ["User"],
        RevokeAdmin = "user.revoke_admin" writes ["User"],
    }
}
