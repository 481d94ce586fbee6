//! The shared cache in Redis: `api:cache:e:<key>` entries with a TTL, `api:cache:t:<tag>` sets
//! of entry keys, `api:cache:epoch` (bumped by every invalidation) and `api:cache:gen` (the
//! generation every entry is stamped with). Storing and invalidating are Lua scripts, so each
//! is one atomic round trip; a read is one MGET of the generation and the entries.
//!
//! `api:cache:z:<encoding>:<key>` holds an entry's body compressed, as `<etag>|<bytes>`, made
//! by the first hit that wanted that encoding, fetched in the same MGET by later ones. It is
//! served only with an entry of the same ETag, i.e. the same body, so it needs no tags or
//! generation, and the entries' format is unchanged (instances without it ignore the keys).
//!
//! An invalidation that could not reach Redis leaves entries there that may be stale, for
//! every instance. So does a Redis restarted from its append-only file, which brings back
//! entries whose invalidation it lost. The instance that failed (or saw Redis go away) bumps
//! the generation as soon as Redis answers again; from then on no instance serves an entry of
//! an older generation. Until then, the instances that can still reach Redis serve what it
//! holds: the window is the outage of the failing instance's link, which it probes every
//! second (see `RedisLink`).

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::body::Bytes;
use redis::Script;

use super::{CachedResponse, Entry, Hit};
use crate::{http::encoding::Encoding, platform::redis_link::RedisLink};

/// How long the epoch and generation counters outlive their last change: far longer than any
/// entry (a lost counter reads as 0, which only retires entries early).
const COUNTER_TTL_MS: u64 = 7 * 86_400_000;

/// How often an instance checks whether it owes the cache a new generation.
const SETTLE_EVERY: Duration = Duration::from_millis(250);

/// KEYS: epoch, generation, entry, tag sets…; ARGV: expected epoch, value, ttl ms.
/// The entry is stored as `<generation>|<json>`.
const PUT: &str = r#"
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
local gen = redis.call('GET', KEYS[2]) or '0'
redis.call('SET', KEYS[3], gen .. '|' .. ARGV[2], 'PX', ARGV[3])
for i = 4, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[3])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
end
return 1
"#;

/// KEYS: epoch, tag sets…; ARGV: counter ttl ms.
const INVALIDATE: &str = r#"
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
for i = 2, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for j = 1, #members, 500 do
    redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  redis.call('DEL', KEYS[i])
end
return 1
"#;

/// KEYS: epoch, generation; ARGV: counter ttl ms. Retires every entry at once.
const NEW_GENERATION: &str = r#"
for i = 1, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 1
"#;

pub struct RedisCache {
    link: Arc<RedisLink>,
    put: Script,
    invalidate: Script,
    new_generation: Script,
    /// An invalidation failed: the next call that reaches Redis starts a new generation.
    missed: AtomicBool,
    /// The link's recoveries already answered with a new generation.
    recoveries_seen: AtomicU64,
}

impl RedisCache {
    pub fn new(link: Arc<RedisLink>) -> Arc<Self> {
        let recoveries = link.recoveries();
        let cache = Arc::new(Self {
            link,
            put: Script::new(PUT),
            invalidate: Script::new(INVALIDATE),
            new_generation: Script::new(NEW_GENERATION),
            missed: AtomicBool::new(false),
            recoveries_seen: AtomicU64::new(recoveries),
        });
        // Retire stale entries as soon as Redis is back, not at this instance's next request:
        // the other instances read them meanwhile.
        let watched = Arc::downgrade(&cache);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(SETTLE_EVERY).await;
                let Some(cache) = watched.upgrade() else {
                    return;
                };
                if !cache.link.is_degraded() {
                    cache.settle().await;
                }
            }
        });
        cache
    }

    fn key(&self, name: &str) -> String {
        self.link.key("api:cache:", name)
    }

    fn entry_key(&self, key: &str) -> String {
        self.link.key("api:cache:e:", key)
    }

    fn encoded_key(&self, encoding: Encoding, key: &str) -> String {
        self.link
            .key("api:cache:z:", &format!("{}:{key}", encoding.name()))
    }

    fn tag_key(&self, tag: &str) -> String {
        self.link.key("api:cache:t:", tag)
    }

    /// Starts a new generation when this instance missed an invalidation or saw Redis come
    /// back; false while that could not be done (then nothing may be served).
    async fn settle(&self) -> bool {
        let recoveries = self.link.recoveries();
        let recovered = recoveries != self.recoveries_seen.load(Ordering::Acquire);
        if !recovered && !self.missed.load(Ordering::Acquire) {
            return true;
        }
        let mut invocation = self.new_generation.prepare_invoke();
        invocation
            .key(self.key("epoch"))
            .key(self.key("gen"))
            .arg(COUNTER_TTL_MS);
        let done = self
            .link
            .call(|mut c| async move { invocation.invoke_async::<i64>(&mut c).await })
            .await
            .is_some();
        if done {
            self.missed.store(false, Ordering::Release);
            self.recoveries_seen.store(recoveries, Ordering::Release);
            tracing::info!("response cache: new generation after a Redis outage");
        }
        done
    }

    pub async fn epoch(&self) -> Option<u64> {
        if !self.settle().await {
            return None;
        }
        let key = self.key("epoch");
        self.link
            .call(|mut c| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<u64>>(&mut c)
                    .await
            })
            .await
            .map(|e| e.unwrap_or(0))
    }

    pub async fn get(&self, keys: &[String], encoding: Option<Encoding>) -> Option<Hit> {
        if !self.settle().await {
            return None;
        }
        let mut all = vec![self.key("gen")];
        all.extend(keys.iter().map(|k| self.entry_key(k)));
        if let Some(encoding) = encoding {
            all.extend(keys.iter().map(|k| self.encoded_key(encoding, k)));
        }
        let values = self
            .link
            .call(|mut c| async move {
                redis::cmd("MGET")
                    .arg(all)
                    .query_async::<Vec<Option<Vec<u8>>>>(&mut c)
                    .await
            })
            .await?;
        let mut values = values.into_iter();
        let generation = values.next().flatten().unwrap_or_else(|| b"0".to_vec());
        let entries: Vec<Option<Vec<u8>>> = values.by_ref().take(keys.len()).collect();
        let mut encoded = values;
        let (index, response) = entries.into_iter().enumerate().find_map(|(i, stored)| {
            let stored = stored?;
            let split = stored.iter().position(|b| *b == b'|')?;
            if stored[..split] != generation[..] {
                return None;
            }
            let response: CachedResponse = serde_json::from_slice(&stored[split + 1..]).ok()?;
            Some((i, response))
        })?;
        let entry = Entry::from(response);
        if let (Some(encoding), Some(Some(stored))) = (encoding, encoded.nth(index)) {
            // Only the form of this very body (same ETag) is used.
            let prefix = entry.etag.len();
            if stored.len() > prefix
                && stored[..prefix] == *entry.etag.as_bytes()
                && stored[prefix] == b'|'
            {
                let _ = entry
                    .slot(encoding)
                    .set(Some(Bytes::copy_from_slice(&stored[prefix + 1..])));
            }
        }
        Some(Hit {
            entry: Arc::new(entry),
            key: keys.get(index)?.clone(),
        })
    }

    /// Shares a compressed body with the other instances, for as long as the entry can live.
    pub async fn put_encoded(&self, key: &str, entry: &Entry, encoding: Encoding, bytes: &[u8]) {
        let mut value = Vec::with_capacity(entry.etag.len() + 1 + bytes.len());
        value.extend_from_slice(entry.etag.as_bytes());
        value.push(b'|');
        value.extend_from_slice(bytes);
        let name = self.encoded_key(encoding, key);
        let ttl_ms = u64::from(entry.max_age) * 1000;
        self.link
            .call(|mut c| async move {
                redis::cmd("SET")
                    .arg(name)
                    .arg(value)
                    .arg("PX")
                    .arg(ttl_ms.max(1))
                    .query_async::<()>(&mut c)
                    .await
            })
            .await;
    }

    pub async fn put(
        &self,
        key: String,
        entry: CachedResponse,
        ttl: Duration,
        tags: BTreeSet<String>,
        epoch: u64,
    ) {
        let Ok(value) = serde_json::to_string(&entry) else {
            return;
        };
        let mut invocation = self.put.prepare_invoke();
        invocation
            .key(self.key("epoch"))
            .key(self.key("gen"))
            .key(self.entry_key(&key));
        for tag in &tags {
            invocation.key(self.tag_key(tag));
        }
        invocation.arg(epoch).arg(value).arg(ttl.as_millis() as u64);
        self.link
            .call(|mut c| async move { invocation.invoke_async::<i64>(&mut c).await })
            .await;
    }

    pub async fn invalidate(&self, tags: &BTreeSet<String>) {
        let mut invocation = self.invalidate.prepare_invoke();
        invocation.key(self.key("epoch"));
        for tag in tags {
            invocation.key(self.tag_key(tag));
        }
        invocation.arg(COUNTER_TTL_MS);
        if self
            .link
            .call(|mut c| async move { invocation.invoke_async::<i64>(&mut c).await })
            .await
            .is_none()
        {
            self.missed.store(true, Ordering::Release);
        }
    }
}
