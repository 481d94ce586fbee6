//! argon2id hashing, off the async runtime and bounded in concurrency (each hash holds
//! ~19 MiB, so an unbounded burst of logins could exhaust memory).

use std::sync::Arc;

use anyhow::anyhow;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// A real hash of a random password, verified against when the user does not exist so
    /// that login takes the same time either way.
    /// Computed off the start-up path (it costs a full argon2 run) by `warm_up`.
    dummy_hash: Arc<OnceCell<String>>,
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
            dummy_hash: Arc::new(OnceCell::new()),
        }
    }

    async fn dummy_hash(&self) -> AppResult<&str> {
        self.dummy_hash
            .get_or_try_init(|| async {
                let random = uuid::Uuid::new_v4().to_string();
                tokio::task::spawn_blocking(move || hash_blocking(&random))
                    .await
                    .map_err(AppError::internal)?
                    .map_err(AppError::Internal)
            })
            .await
            .map(String::as_str)
    }

    /// Prepares the dummy hash in the background so the first login does not pay for it.
    pub fn warm_up(&self) {
        let pool = self.clone();
        tokio::spawn(async move {
            if let Err(e) = pool.dummy_hash().await {
                tracing::warn!(error = ?e, "could not prepare the login timing hash");
            }
        });
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
        let phc = match phc {
            Some(p) => p.to_owned(),
            None => self.dummy_hash().await?.to_owned(),
        };
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
}
