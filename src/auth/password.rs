//! argon2id hashing, off the async runtime and bounded in concurrency (each hash holds
//! ~19 MiB, so an unbounded burst of logins could exhaust memory).

use std::sync::Arc;

use anyhow::anyhow;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

use crate::platform::error::{AppError, AppResult};

/// A real argon2id hash (of a random password nobody knows), with the same parameters as
/// ours, verified against when the user does not exist so that a login takes the same time
/// either way. A constant rather than one computed at start-up: that would cost every start
/// an argon2 run and ~19 MiB the allocator keeps. The result is discarded anyway.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Zy6RnptbIx/bGewJ0gsD5w$iR6IvHNCAuQelI2UE2I9vnLy1nBRh3RF2JO+Wjun74Q";

#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
}

/// OWASP's argon2id recommendation (m = 19 MiB, t = 2, p = 1) is the crate's default.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("argon2 hash: {e}"))
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

impl PasswordHasherPool {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency)),
        }
    }

    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::Internal)
    }

    /// Verifies against `phc`, or against the dummy hash when there is no user, so both
    /// outcomes cost one argon2 run.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> AppResult<bool> {
        let exists = phc.is_some();
        let phc = phc.unwrap_or(DUMMY_HASH).to_owned();
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&password, &phc))
            .await
            .map_err(AppError::internal)?;
        Ok(ok && exists)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let pool = PasswordHasherPool::new(2);
        let hash = pool.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(pool.verify("correct horse", Some(&hash)).await.unwrap());
        assert!(!pool.verify("wrong horse", Some(&hash)).await.unwrap());
        assert!(!pool.verify("correct horse", None).await.unwrap());
    }

    #[test]
    fn dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real_phc = hash_blocking("x").unwrap();
        let real = PasswordHash::new(&real_phc).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.params, real.params);
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
    }
}
