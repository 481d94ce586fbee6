//! What the wallet domain records in the audit log.

crate::audit_actions! {
    pub enum WalletAction {
        Create = "wallet.create" writes ["Wallet", "User"],
        SetPrimary = "wallet.set_primary" writes ["Wallet", "User"],
    }
}
