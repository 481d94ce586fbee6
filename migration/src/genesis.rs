//! The block-hash rule lives here because the genesis block is written by a migration, and the
//! chain code must hash every later block with exactly the same rule.

use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};

/// Fixed so that every installation shares the same genesis block.
pub const GENESIS_BLOCK_ID: uuid::Uuid =
    uuid::Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0000);
pub const GENESIS_PREVIOUS_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

pub fn genesis_timestamp() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// sha256 (lower-case hex) over index, timestamp (unix microseconds, the precision both
/// databases keep), previous hash, the transactions' hashes in order, and the nonce.
pub fn block_hash(
    index: i64,
    timestamp: DateTime<Utc>,
    previous_hash: &str,
    transaction_hashes: &[&str],
    nonce: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(
        format!(
            "{index}:{}:{previous_hash}:{}:{nonce}",
            timestamp.timestamp_micros(),
            transaction_hashes.join(",")
        )
        .as_bytes(),
    );
    hex::encode(hasher.finalize())
}
