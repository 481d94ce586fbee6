//! Hashes and signatures of the ledger. Block hashes use the rule fixed in the migration
//! crate (the genesis block was written with it).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use migration::block_hash;

/// The fields a transaction's hash (and so its signature) covers.
pub struct TxFields<'a> {
    pub id: Uuid,
    pub from_address: &'a str,
    pub to_address: &'a str,
    pub amount: i64,
    pub fee: i64,
    pub message: Option<&'a str>,
    pub created_at: DateTime<Utc>,
}

pub fn transaction_hash(tx: &TxFields<'_>) -> String {
    let mut hasher = Sha256::new();
    // Length-prefix the free text so no two field lists serialize the same.
    let message = tx.message.unwrap_or("");
    hasher.update(
        format!(
            "{}|{}|{}|{}|{}|{}|{}:{}",
            tx.id,
            tx.from_address,
            tx.to_address,
            tx.amount,
            tx.fee,
            tx.created_at.timestamp_micros(),
            message.len(),
            message
        )
        .as_bytes(),
    );
    hex::encode(hasher.finalize())
}

pub fn sign(key: &SigningKey, hash: &str) -> String {
    hex::encode(key.sign(hash.as_bytes()).to_bytes())
}

pub fn verify_signature(public_key_hex: &str, hash: &str, signature_hex: &str) -> bool {
    let Ok(public) = hex::decode(public_key_hex) else {
        return false;
    };
    let Ok(public) = <[u8; 32]>::try_from(public.as_slice()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&public) else {
        return false;
    };
    let Ok(sig) = hex::decode(signature_hex) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(sig.as_slice()) else {
        return false;
    };
    key.verify(hash.as_bytes(), &Signature::from_bytes(&sig))
        .is_ok()
}

pub fn meets_difficulty(hash: &str, difficulty: u32) -> bool {
    hash.len() >= difficulty as usize && hash.bytes().take(difficulty as usize).all(|b| b == b'0')
}

/// The block's contents before its nonce is found.
pub struct BlockDraft {
    pub index: i64,
    pub timestamp: DateTime<Utc>,
    pub previous_hash: String,
    pub transaction_hashes: Vec<String>,
    pub difficulty: u32,
}

/// Proof of work: the first nonce (counting from 0) whose hash meets the difficulty.
/// CPU-bound; callers run it on a blocking thread.
pub fn find_nonce(draft: &BlockDraft) -> (String, String) {
    // Never stopped, so always found.
    find_nonce_observed(draft, &NonceSearch::default()).unwrap_or_default()
}

/// A proof-of-work search watched from outside (a background job): how many nonces it has
/// tried, and a flag that stops it.
#[derive(Debug, Default)]
pub struct NonceSearch {
    pub tried: AtomicU64,
    pub stop: AtomicBool,
}

/// `find_nonce`, counting in `search` as it goes; `None` when stopped first.
pub fn find_nonce_observed(draft: &BlockDraft, search: &NonceSearch) -> Option<(String, String)> {
    let hashes: Vec<&str> = draft
        .transaction_hashes
        .iter()
        .map(String::as_str)
        .collect();
    let mut nonce: u64 = 0;
    loop {
        let nonce_text = nonce.to_string();
        let hash = block_hash(
            draft.index,
            draft.timestamp,
            &draft.previous_hash,
            &hashes,
            &nonce_text,
        );
        if meets_difficulty(&hash, draft.difficulty) {
            search.tried.store(nonce + 1, Ordering::Relaxed);
            return Some((nonce_text, hash));
        }
        nonce += 1;
        if nonce.is_multiple_of(1024) {
            search.tried.store(nonce, Ordering::Relaxed);
            if search.stop.load(Ordering::Relaxed) {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_of_work_and_signatures() {
        let draft = BlockDraft {
            index: 1,
            timestamp: Utc::now(),
            previous_hash: "ab".repeat(32),
            transaction_hashes: vec!["x".into()],
            difficulty: 2,
        };
        let (nonce, hash) = find_nonce(&draft);
        assert!(hash.starts_with("00"));
        assert_eq!(
            block_hash(1, draft.timestamp, &draft.previous_hash, &["x"], &nonce),
            hash
        );

        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = hex::encode(key.verifying_key().to_bytes());
        let sig = sign(&key, &hash);
        assert!(verify_signature(&public, &hash, &sig));
        assert!(!verify_signature(&public, "other", &sig));
    }
}
