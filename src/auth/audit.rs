//! What the auth domain records in the audit log.

crate::audit_actions! {
    pub enum AuthAction {
        Register = "auth.register" writes ["User", "Wallet"],
        Login = "auth.login" writes ["User"],
        LoginFailed = "auth.login_failed" writes [],
        Refresh = "auth.refresh" writes [],
        Logout = "auth.logout" writes [],
        ChangePassword = "auth.change_password" writes ["User"],
    }
}
