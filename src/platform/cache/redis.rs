//! The shared cache in Redis: `api:cache:e:<key>` entries with a TTL, `api:cache:t:<tag>` sets
//! of entry keys, and `api:cache:epoch`. Storing and invalidating are Lua scripts, so each is
//! one atomic round trip.

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use redis::Script;

use super::CachedResponse;
use crate::platform::redis_link::RedisLink;

/// KEYS: epoch, entry, tag sets…; ARGV: expected epoch, value, ttl ms.
const PUT: &str = r#"
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[2])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
end
return 1
"#;

/// KEYS: epoch, tag sets…
const INVALIDATE: &str = r#"
redis.call('INCR', KEYS[1])
for i = 2, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for j = 1, #members, 500 do
    redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  redis.call('DEL', KEYS[i])
end
return 1
"#;

/// Deletes every key of this instance's cache namespace (KEYS: none; ARGV: pattern).
const PURGE: &str = r#"
local cursor = '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = page[1]
  if #page[2] > 0 then redis.call('DEL', unpack(page[2])) end
until cursor == '0'
redis.call('INCR', KEYS[1])
return 1
"#;

pub struct RedisCache {
    link: Arc<RedisLink>,
    put: Script,
    invalidate: Script,
    purge: Script,
    /// An invalidation could not reach Redis: entries there may be stale, so the cache is not
    /// served again until it has been purged.
    dirty: AtomicBool,
}

impl RedisCache {
    pub fn new(link: Arc<RedisLink>) -> Self {
        Self {
            link,
            put: Script::new(PUT),
            invalidate: Script::new(INVALIDATE),
            purge: Script::new(PURGE),
            dirty: AtomicBool::new(false),
        }
    }

    fn epoch_key(&self) -> String {
        self.link.key("api:cache:", "epoch")
    }

    fn entry_key(&self, key: &str) -> String {
        self.link.key("api:cache:e:", key)
    }

    fn tag_key(&self, tag: &str) -> String {
        self.link.key("api:cache:t:", tag)
    }

    pub async fn epoch(&self) -> Option<u64> {
        let key = self.epoch_key();
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

    pub async fn get(&self, keys: &[String]) -> Option<CachedResponse> {
        if self.dirty.load(Ordering::Acquire) {
            let pattern = self.link.key("api:cache:", "*");
            let mut invocation = self.purge.prepare_invoke();
            invocation.key(self.epoch_key()).arg(pattern);
            if self
                .link
                .call(|mut c| async move { invocation.invoke_async::<i64>(&mut c).await })
                .await
                .is_some()
            {
                self.dirty.store(false, Ordering::Release);
                tracing::info!("purged the shared response cache after a missed invalidation");
            }
            return None;
        }
        let keys: Vec<String> = keys.iter().map(|k| self.entry_key(k)).collect();
        let values = self
            .link
            .call(|mut c| async move {
                redis::cmd("MGET")
                    .arg(keys)
                    .query_async::<Vec<Option<String>>>(&mut c)
                    .await
            })
            .await?;
        values
            .into_iter()
            .flatten()
            .find_map(|v| serde_json::from_str(&v).ok())
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
        invocation.key(self.epoch_key()).key(self.entry_key(&key));
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
        invocation.key(self.epoch_key());
        for tag in tags {
            invocation.key(self.tag_key(tag));
        }
        if self
            .link
            .call(|mut c| async move { invocation.invoke_async::<i64>(&mut c).await })
            .await
            .is_none()
        {
            self.dirty.store(true, Ordering::Release);
        }
    }
}
