//! Wallet keys: ed25519 key pairs whose private half is stored only encrypted, with
//! AES-256-GCM under a key derived (HKDF-SHA256) from WALLET_MASTER_KEY. The wallet address is
//! the additional authenticated data, so a ciphertext copied onto another wallet won't decrypt.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use anyhow::{Context, anyhow};
use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use rand::{RngCore, rngs::OsRng};
use sha2::{Digest, Sha256};

const CIPHERTEXT_VERSION: &str = "v1";

#[derive(Clone)]
pub struct WalletCipher {
    cipher: Aes256Gcm,
}

pub struct NewKeyPair {
    pub address: String,
    pub public_key_hex: String,
    pub signing_key: SigningKey,
}

/// `RD` + the first 38 hex digits of sha256(public key).
pub fn address_for(public_key: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(public_key));
    format!("RD{}", &digest[..38])
}

pub fn generate_key_pair() -> NewKeyPair {
    let signing_key = SigningKey::generate(&mut OsRng);
    let public = signing_key.verifying_key().to_bytes();
    NewKeyPair {
        address: address_for(&public),
        public_key_hex: hex::encode(public),
        signing_key,
    }
}

impl WalletCipher {
    pub fn new(master_key: &[u8]) -> anyhow::Result<Self> {
        let hkdf = Hkdf::<Sha256>::new(Some(b"blackroad-api wallet keys"), master_key);
        let mut key = [0u8; 32];
        hkdf.expand(b"aes-256-gcm v1", &mut key)
            .map_err(|e| anyhow!("hkdf: {e}"))?;
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|e| anyhow!("aes key: {e}"))?;
        Ok(Self { cipher })
    }

    pub fn encrypt(&self, signing_key: &SigningKey, address: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: signing_key.as_bytes(),
                    aad: address.as_bytes(),
                },
            )
            .map_err(|_| anyhow!("wallet key encryption failed"))?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        Ok(format!("{CIPHERTEXT_VERSION}:{}", STANDARD.encode(blob)))
    }

    pub fn decrypt(&self, stored: &str, address: &str) -> anyhow::Result<SigningKey> {
        let encoded = stored
            .strip_prefix("v1:")
            .context("unknown wallet key ciphertext version")?;
        let blob = STANDARD
            .decode(encoded)
            .context("wallet key ciphertext is not base64")?;
        if blob.len() < 12 {
            return Err(anyhow!("wallet key ciphertext too short"));
        }
        let (nonce, ciphertext) = blob.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: address.as_bytes(),
                },
            )
            .map_err(|_| anyhow!("wallet key decryption failed (wrong WALLET_MASTER_KEY?)"))?;
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| anyhow!("wallet key has wrong length"))?;
        Ok(SigningKey::from_bytes(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_shape() {
        let pair = generate_key_pair();
        assert_eq!(pair.address.len(), 40);
        assert!(pair.address.starts_with("RD"));
        assert!(pair.address[2..].chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn encrypt_round_trip_bound_to_address() {
        let cipher = WalletCipher::new(b"master key for tests").unwrap();
        let pair = generate_key_pair();
        let stored = cipher.encrypt(&pair.signing_key, &pair.address).unwrap();
        assert!(!stored.contains(&hex::encode(pair.signing_key.as_bytes())));
        let back = cipher.decrypt(&stored, &pair.address).unwrap();
        assert_eq!(back.as_bytes(), pair.signing_key.as_bytes());
        assert!(cipher.decrypt(&stored, "RDother").is_err());
        let other = WalletCipher::new(b"another master key").unwrap();
        assert!(other.decrypt(&stored, &pair.address).is_err());
    }
}
