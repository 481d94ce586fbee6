//! What the chain domain records in the audit log.

crate::audit_actions! {
    pub enum ChainAction {
        Transfer = "wallet.transfer" writes ["Wallet", "Transaction"],
        MineBlock = "chain.mine_block" writes ["Block", "Transaction", "Wallet", "User"],
    }
}
