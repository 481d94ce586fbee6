//! Access tokens are short-lived HS256 JWTs with `typ: "access"`; refresh tokens are opaque
//! random strings of which only a sha256 is stored. Because the two have different shapes,
//! neither can ever be accepted in place of the other.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use hmac::{Hmac, Mac, digest::KeyInit};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::platform::error::{AppError, AppResult};

pub const ACCESS_TYP: &str = "access";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub exp: i64,
    pub iat: i64,
    pub jti: Uuid,
    pub typ: String,
    /// The refresh-token family (session) this token was issued for; revoking the family
    /// revokes the access token with it.
    pub sid: Uuid,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl_secs: i64,
    /// Derives a rotated refresh token's successor from it (see `successor_token`).
    successor_key: [u8; 64],
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        validation.leeway = 0;
        // One HMAC-SHA256 block: a fixed-size key, so building the MAC cannot fail.
        let mut successor_key = [0u8; 64];
        // A key of its own, so that no token ever signs with the JWT key itself.
        let _ = hkdf::Hkdf::<Sha256>::new(Some(b"blackroad-api refresh successor"), secret)
            .expand(b"v1", &mut successor_key);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs,
            successor_key,
        }
    }

    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl_secs
    }

    pub fn issue_access(&self, user_id: Uuid, session_id: Uuid) -> AppResult<String> {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user_id,
            iat: now,
            exp: now + self.access_ttl_secs,
            jti: Uuid::new_v4(),
            typ: ACCESS_TYP.to_owned(),
            sid: session_id,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(AppError::internal)
    }

    /// The refresh token that replaces `presented` when it is rotated: derived from it with a
    /// server key, so two concurrent refreshes with one token get the same successor (only
    /// its hash is stored) and nobody without the key can compute it.
    pub fn successor_token(&self, presented: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&self.successor_key.into());
        mac.update(presented.as_bytes());
        format!("rt_{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// Checks signature, algorithm, expiry and `typ`. Every failure is the same error.
    pub fn verify_access(&self, token: &str) -> AppResult<AccessClaims> {
        let data = decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| AppError::Unauthenticated("invalid or expired access token"))?;
        if data.claims.typ != ACCESS_TYP {
            return Err(AppError::Unauthenticated("invalid or expired access token"));
        }
        Ok(data.claims)
    }
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("rt_{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_round_trip_and_rejections() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let (user, sid) = (Uuid::new_v4(), Uuid::new_v4());
        let token = keys.issue_access(user, sid).unwrap();
        let claims = keys.verify_access(&token).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, sid));

        let other = JwtKeys::new(b"another secret another secret 00", 60);
        assert!(other.verify_access(&token).is_err());
        assert!(keys.verify_access(&new_refresh_token()).is_err());
        assert!(keys.verify_access(&format!("{token}x")).is_err());
    }
}
