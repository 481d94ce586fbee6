//! Transfers: signed by the sender's wallet key, debited at once, credited when mined.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;
use uuid::Uuid;

use super::{
    ChainAction, TransferEvent, TransferKind,
    entity::transaction,
    hashing::{TxFields, sign, transaction_hash},
};
use crate::{
    audit::AuditContext,
    notifications::{self, Kind, NewNotification},
    platform::{
        error::{AppError, AppResult, UniqueKey},
        money::Amount,
        write::Write,
    },
    state::AppState,
    users::UserModel,
    wallet::{self, WalletModel, is_valid_address},
};

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_CONFIRMED: &str = "confirmed";
pub const MAX_MESSAGE_CHARS: usize = 280;

pub struct TransferRequest {
    pub from_address: Option<String>,
    pub to_address: String,
    pub amount: i64,
    pub fee: i64,
    pub message: Option<String>,
}

/// Timestamps are kept to the microsecond, the precision both databases store, so that a
/// hash computed now still matches the row read back later.
pub fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Transaction hashes are unique; a clash means a duplicate submission.
const UNIQUE_KEYS: &[UniqueKey] = &[UniqueKey {
    postgres: "transactions_hash_key",
    sqlite: "transactions.hash",
    field: "hash",
}];

async fn sender_wallet(
    db: &impl ConnectionTrait,
    sender: &UserModel,
    from: Option<&str>,
) -> AppResult<WalletModel> {
    let found = match from {
        Some(address) => wallet::by_address(db, address).await?,
        None => wallet::primary_of(db, sender.id).await?,
    };
    match found {
        Some(w) if w.user_id == sender.id => Ok(w),
        Some(_) => Err(AppError::Forbidden(
            "you can only send from your own wallets",
        )),
        None => Err(AppError::NotFound("sender wallet")),
    }
}

fn validate(req: &TransferRequest) -> AppResult<(i64, Option<String>)> {
    if let Some(from) = &req.from_address
        && !is_valid_address(from)
    {
        return Err(AppError::bad_input(
            "fromAddress",
            "fromAddress is not a wallet address",
        ));
    }
    if !is_valid_address(&req.to_address) {
        return Err(AppError::bad_input(
            "toAddress",
            "toAddress is not a wallet address",
        ));
    }
    if req.amount <= 0 {
        return Err(AppError::bad_input(
            "amount",
            "amount must be greater than zero",
        ));
    }
    if req.fee < 0 {
        return Err(AppError::bad_input("fee", "fee must not be negative"));
    }
    let total = req
        .amount
        .checked_add(req.fee)
        .ok_or_else(|| AppError::bad_input("amount", "amount plus fee is too large"))?;
    let message = req
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    if let Some(m) = message
        && m.chars().count() > MAX_MESSAGE_CHARS
    {
        return Err(AppError::bad_input(
            "message",
            format!("message must be at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok((total, message.map(str::to_owned)))
}

/// Debits amount + fee from the sender and records the transfer as pending, atomically; the
/// recipient is credited when a block confirms it.
pub async fn transfer(
    state: &AppState,
    audit: &AuditContext,
    sender: &UserModel,
    req: TransferRequest,
) -> AppResult<transaction::Model> {
    let (total, message) = validate(&req)?;
    let from = sender_wallet(&state.db, sender, req.from_address.as_deref()).await?;
    if from.address == req.to_address {
        return Err(AppError::bad_input(
            "toAddress",
            "cannot send to the same wallet",
        ));
    }
    let Some(recipient) = wallet::by_address(&state.db, &req.to_address).await? else {
        return Err(AppError::NotFound("recipient wallet"));
    };
    let key = state
        .wallet_cipher
        .decrypt(&from.encrypted_private_key, &from.address)?;
    let id = Uuid::now_v7();
    let created_at = now_micros();
    let hash = transaction_hash(&TxFields {
        id,
        from_address: &from.address,
        to_address: &req.to_address,
        amount: req.amount,
        fee: req.fee,
        message: message.as_deref(),
        created_at,
    });
    let signature = sign(&key, &hash);

    let mut w = Write::begin(state, &audit.with_actor(sender.id)).await?;
    // The balance check and the debit are one statement, so concurrent transfers can never
    // overdraw a wallet; it is also the transaction's first statement (SQLite write lock).
    if !wallet::debit_if_covered(w.db(), from.id, total, created_at).await? {
        w.rollback().await?;
        return Err(AppError::InsufficientFunds);
    }
    let record = transaction::ActiveModel {
        id: Set(id),
        hash: Set(hash),
        from_address: Set(from.address.clone()),
        to_address: Set(req.to_address.clone()),
        amount: Set(req.amount),
        fee: Set(req.fee),
        message: Set(message),
        signature: Set(Some(signature)),
        status: Set(STATUS_PENDING.to_owned()),
        block_id: Set(None),
        created_at: Set(created_at),
        confirmed_at: Set(None),
    }
    .insert(w.db())
    .await
    .map_err(|e| AppError::from_db_unique(e, UNIQUE_KEYS))?;
    w.audit(
        ChainAction::Transfer,
        ("Transaction", Some(record.id.to_string())),
        json!({"from": record.from_address, "to": record.to_address, "amount": record.amount, "fee": record.fee}),
    )
    .await?;
    w.publish(TransferEvent::new(TransferKind::Added, &record));
    notifications::notify(
        &mut w,
        NewNotification {
            recipient: recipient.user_id,
            kind: Kind::TransferReceived,
            title: format!("Incoming transfer of {} RC", Amount(record.amount)),
            body: Some(format!(
                "From {}; credited when mined.",
                record.from_address
            )),
            subject: Some(("Transaction", record.id)),
        },
    )
    .await?;
    w.commit().await?;
    Ok(record)
}
