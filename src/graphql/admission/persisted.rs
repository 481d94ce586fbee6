//! Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.
//!
//! APQ: a client sends `extensions.persistedQuery.sha256Hash`; an unknown hash is answered
//! with PERSISTED_QUERY_NOT_FOUND and the client retries with the document, which is checked
//! against the hash and remembered — but only once it has parsed, passed the document limits
//! and the client's rate limit, only if it is small (APQ_MAX_DOCUMENT_BYTES), and within a
//! byte budget, in process and in Redis alike. Trusted documents (`PERSISTED_QUERIES_ONLY=
//! true`): only documents from the manifest run, by hash or by identical text; nothing is
//! learned at run time.

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
const SHARED_TTL_MS: u64 = 86_400_000;

/// KEYS: document, byte counter, index (a sorted set of documents by registration time);
/// ARGV: document, ttl ms, byte budget, now ms. Stores the document and evicts the oldest
/// ones until the shared store fits its budget.
const LEARN: &str = r#"
local old = redis.call('STRLEN', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('INCRBY', KEYS[2], string.len(ARGV[1]) - old)
redis.call('ZADD', KEYS[3], ARGV[4], KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
while tonumber(redis.call('GET', KEYS[2]) or '0') > tonumber(ARGV[3]) do
  local oldest = redis.call('ZPOPMIN', KEYS[3])
  if #oldest == 0 then break end
  redis.call('DECRBY', KEYS[2], redis.call('STRLEN', oldest[1]))
  redis.call('DEL', oldest[1])
end
return 1
"#;

/// A document a request asked to register, stored only once the request may run.
#[derive(Debug, Clone)]
pub struct Registration {
    hash: String,
    document: Arc<str>,
}

pub struct PersistedQueries {
    learned: moka::sync::Cache<String, Arc<str>>,
    learn: redis::Script,
    max_document_bytes: usize,
    shared_bytes: u64,
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
            // Weighed in bytes, so the budget holds whatever the documents' sizes. LRU, not
            // moka's default TinyLFU: a document just registered is about to be asked for by
            // hash, so it must not be refused admission for being new.
            learned: moka::sync::Cache::builder()
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .weigher(|hash: &String, doc: &Arc<str>| {
                    u32::try_from(hash.len() + doc.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(config.apq_cache_bytes)
                .build(),
            learn: redis::Script::new(LEARN),
            max_document_bytes: config.apq_max_document_bytes,
            shared_bytes: config.apq_shared_bytes,
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
    /// A document sent with its hash comes back as a `Registration`, for `learn` once the
    /// request has been admitted.
    pub fn resolve(&self, request: &mut Request) -> Result<Option<Registration>, AppError> {
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
                    Ok(None)
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
                    return self.require_trusted(&hash).map(|()| None);
                }
                if self.lookup(&hash).is_some() || request.query.len() > self.max_document_bytes {
                    return Ok(None);
                }
                Ok(Some(Registration {
                    hash,
                    document: Arc::from(request.query.as_str()),
                }))
            }
            (None, _) if self.trusted_only => self
                .require_trusted(&sha256_hex(&request.query))
                .map(|()| None),
            (None, _) => Ok(None),
        }
    }

    /// Remembers a registered document, in process and (shared by every instance) in Redis.
    pub async fn learn(&self, registration: Registration) {
        let Registration { hash, document } = registration;
        self.learned.insert(hash.clone(), document.clone());
        let Some(link) = &self.redis else {
            return;
        };
        let mut invocation = self.learn.prepare_invoke();
        invocation
            .key(link.key("api:apq:", &hash))
            .key(link.key("api:apq:", "bytes"))
            .key(link.key("api:apq:", "index"))
            .arg(document.as_ref())
            .arg(SHARED_TTL_MS)
            .arg(self.shared_bytes)
            .arg(chrono::Utc::now().timestamp_millis());
        link.call(|mut c| async move { invocation.invoke_async::<i64>(&mut c).await })
            .await;
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
