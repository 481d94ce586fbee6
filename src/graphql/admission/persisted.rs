//! Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.
//!
//! APQ: a client sends `extensions.persistedQuery.sha256Hash`; an unknown hash is answered
//! with PERSISTED_QUERY_NOT_FOUND and the client retries with the document, which is checked
//! against the hash and remembered. Trusted documents (`PERSISTED_QUERIES_ONLY=true`): only
//! documents from the manifest run, by hash or by identical text; nothing is learned at run time.

use std::{collections::HashMap, sync::Arc};

use anyhow::{Context, bail};
use async_graphql::Request;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::platform::{config::Config, error::AppError, redis_link::RedisLink};

pub fn sha256_hex(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

/// How long a learned document stays in Redis after its last registration.
const SHARED_TTL_SECS: u64 = 7 * 86_400;

pub struct PersistedQueries {
    learned: moka::sync::Cache<String, Arc<str>>,
    /// With Redis, learned documents are shared by every instance (`api:apq:<sha256>`).
    redis: Option<Arc<RedisLink>>,
    manifest: HashMap<String, Arc<str>>,
    trusted_only: bool,
}

#[derive(Deserialize)]
struct ApolloManifest {
    operations: Vec<ManifestOperation>,
}

#[derive(Deserialize)]
struct ManifestOperation {
    id: String,
    body: String,
}

/// Reads Apollo's persisted-query manifest (`{"operations":[{"id","body"}]}`) or a plain
/// `{ "<sha256>": "<document>" }` map. Every id must be the sha256 of its document.
fn load_manifest(path: &std::path::Path) -> anyhow::Result<HashMap<String, Arc<str>>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "could not read PERSISTED_QUERIES_MANIFEST {}",
            path.display()
        )
    })?;
    let entries: Vec<(String, String)> = match serde_json::from_str::<ApolloManifest>(&text) {
        Ok(m) => m.operations.into_iter().map(|o| (o.id, o.body)).collect(),
        Err(_) => serde_json::from_str::<HashMap<String, String>>(&text)
            .context(
                "PERSISTED_QUERIES_MANIFEST is neither an Apollo manifest nor a hash→document map",
            )?
            .into_iter()
            .collect(),
    };
    let mut manifest = HashMap::new();
    for (id, body) in entries {
        if sha256_hex(&body) != id.to_ascii_lowercase() {
            bail!("PERSISTED_QUERIES_MANIFEST: id {id} is not the sha256 of its document");
        }
        manifest.insert(id.to_ascii_lowercase(), Arc::from(body));
    }
    Ok(manifest)
}

impl PersistedQueries {
    pub fn from_config(config: &Config, redis: Option<Arc<RedisLink>>) -> anyhow::Result<Self> {
        let manifest = match &config.persisted_queries_manifest {
            Some(path) => load_manifest(path)?,
            None => HashMap::new(),
        };
        Ok(Self {
            learned: moka::sync::Cache::new(config.apq_cache_size),
            redis,
            manifest,
            trusted_only: config.persisted_queries_only,
        })
    }

    fn lookup(&self, hash: &str) -> Option<Arc<str>> {
        self.manifest.get(hash).cloned().or_else(|| {
            if self.trusted_only {
                None
            } else {
                self.learned.get(hash)
            }
        })
    }

    fn hash_only(request: &Request) -> Option<String> {
        if !request.query.is_empty() {
            return None;
        }
        let value = request
            .extensions
            .get("persistedQuery")?
            .clone()
            .into_json()
            .ok()?;
        Some(value.get("sha256Hash")?.as_str()?.to_ascii_lowercase())
    }

    /// Before `resolve`: a hash this instance has not seen may have been registered on
    /// another one; fetch it from Redis.
    pub async fn warm(&self, request: &Request) {
        let (Some(link), Some(hash)) = (&self.redis, Self::hash_only(request)) else {
            return;
        };
        if self.trusted_only || self.lookup(&hash).is_some() {
            return;
        }
        let key = link.key("api:apq:", &hash);
        let found = link
            .call(|mut c| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut c)
                    .await
            })
            .await
            .flatten();
        if let Some(document) = found.filter(|d| sha256_hex(d) == hash) {
            self.learned.insert(hash, Arc::from(document));
        }
    }

    /// Fills in (or checks) the request's document according to its persisted-query extension.
    pub fn resolve(&self, request: &mut Request) -> Result<(), AppError> {
        let extension = request.extensions.get("persistedQuery").cloned();
        let hash = match extension {
            None => None,
            Some(value) => {
                let value = value.into_json().unwrap_or_default();
                if value.get("version").and_then(|v| v.as_i64()) != Some(1) {
                    return Err(AppError::BadRequest(
                        "persistedQuery.version must be 1".into(),
                    ));
                }
                let hash = value
                    .get("sha256Hash")
                    .and_then(|h| h.as_str())
                    .ok_or_else(|| {
                        AppError::BadRequest("persistedQuery.sha256Hash must be a string".into())
                    })?;
                Some(hash.to_ascii_lowercase())
            }
        };
        match (hash, request.query.is_empty()) {
            (Some(hash), true) => match self.lookup(&hash) {
                Some(document) => {
                    request.query = document.to_string();
                    Ok(())
                }
                None => Err(AppError::PersistedQueryNotFound),
            },
            (Some(hash), false) => {
                if sha256_hex(&request.query) != hash {
                    return Err(AppError::BadRequest(
                        "provided sha256Hash does not match the query".into(),
                    ));
                }
                if self.trusted_only {
                    return self.require_trusted(&hash);
                }
                if let Some(link) = self.redis.clone() {
                    let (key, document) = (link.key("api:apq:", &hash), request.query.clone());
                    tokio::spawn(async move {
                        link.call(|mut c| async move {
                            redis::cmd("SET")
                                .arg(key)
                                .arg(document)
                                .arg("EX")
                                .arg(SHARED_TTL_SECS)
                                .query_async::<()>(&mut c)
                                .await
                        })
                        .await;
                    });
                }
                self.learned.insert(hash, Arc::from(request.query.as_str()));
                Ok(())
            }
            (None, _) if self.trusted_only => self.require_trusted(&sha256_hex(&request.query)),
            (None, _) => Ok(()),
        }
    }

    fn require_trusted(&self, hash: &str) -> Result<(), AppError> {
        if self.manifest.contains_key(hash) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only registered operations may run on this server",
            ))
        }
    }
}
