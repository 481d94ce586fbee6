//! Fixed-window rate limits per client IP, per signed-in user and per login name, by operation
//! class. Counters live in Redis (`ratelimit:*`, one Lua round trip for all of a request's
//! keys) so every instance shares them; with Redis unavailable, in-process counters take over.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redis::Script;

use crate::platform::{config::Config, redis_link::RedisLink};

pub const WINDOW: Duration = Duration::from_secs(60);
/// Most in-process counters kept (each under ~100 bytes of key).
const LOCAL_COUNTERS: u64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// register, login, refreshToken and the REST refresh.
    Auth,
    Mutation,
    Query,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Auth => "auth",
            Class::Mutation => "mutation",
            Class::Query => "query",
        }
    }
}

/// The outcome for one request, with what the `RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    pub reset_secs: u64,
}

/// KEYS: counters; ARGV: window in ms. Returns the highest count and the ms left in the window.
const HIT: &str = r#"
local highest = 0
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  if n > highest then highest = n end
end
local ttl = redis.call('PTTL', KEYS[1])
return {highest, ttl}
"#;

pub struct RateLimiter {
    limits: [(Class, u64); 3],
    redis: Option<Arc<RedisLink>>,
    script: Script,
    /// In-process counters while Redis is away: keys are short (subjects are ids, addresses
    /// or hashes), entries live two windows, and their number is capped, so the map stays
    /// small whatever clients send.
    local: moka::sync::Cache<String, Arc<AtomicU64>>,
    pub rejected: AtomicU64,
}

fn window_index() -> (u64, u64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let window = WINDOW.as_secs();
    (now / window, window - now % window)
}

impl RateLimiter {
    pub fn new(config: &Config, redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            limits: [
                (Class::Auth, config.rate_limit_auth),
                (Class::Mutation, config.rate_limit_mutation),
                (Class::Query, config.rate_limit_query),
            ],
            redis,
            script: Script::new(HIT),
            local: moka::sync::Cache::builder()
                .max_capacity(LOCAL_COUNTERS)
                .time_to_live(WINDOW * 2)
                .build(),
            rejected: AtomicU64::new(0),
        }
    }

    fn limit(&self, class: Class) -> u64 {
        self.limits
            .iter()
            .find(|(c, _)| *c == class)
            .map_or(0, |(_, n)| *n)
    }

    /// Counts one request against every subject (e.g. `ip:1.2.3.4`, `user:…`) and decides.
    /// A limit of 0 means unlimited.
    pub async fn hit(&self, class: Class, subjects: &[String]) -> Decision {
        let limit = self.limit(class);
        let (window, reset_secs) = window_index();
        if limit == 0 || subjects.is_empty() {
            return Decision {
                allowed: true,
                limit,
                remaining: limit,
                reset_secs,
            };
        }
        let keys: Vec<String> = subjects
            .iter()
            .map(|s| format!("ratelimit:{}:{s}:{window}", class.name()))
            .collect();
        let shared = match &self.redis {
            Some(link) => {
                let mut invocation = self.script.prepare_invoke();
                for key in &keys {
                    invocation.key(link.key("", key));
                }
                invocation.arg(WINDOW.as_millis() as u64);
                link.call(
                    |mut c| async move { invocation.invoke_async::<(u64, i64)>(&mut c).await },
                )
                .await
            }
            None => None,
        };
        let (count, reset_secs) = match shared {
            Some((count, ttl_ms)) => (
                count,
                if ttl_ms > 0 {
                    (ttl_ms as u64).div_ceil(1000)
                } else {
                    reset_secs
                },
            ),
            None => (self.local_hit(&keys), reset_secs),
        };
        let allowed = count <= limit;
        if !allowed {
            self.rejected.fetch_add(1, Ordering::Relaxed);
        }
        Decision {
            allowed,
            limit,
            remaining: limit.saturating_sub(count),
            reset_secs,
        }
    }

    fn local_hit(&self, keys: &[String]) -> u64 {
        keys.iter()
            .map(|k| {
                self.local
                    .get_with(k.clone(), || Arc::new(AtomicU64::new(0)))
                    .fetch_add(1, Ordering::AcqRel)
                    + 1
            })
            .max()
            .unwrap_or(0)
    }

    /// Bytes of the in-process counters' keys, for tests.
    pub fn local_key_bytes(&self) -> usize {
        self.local.iter().map(|(key, _)| key.len()).sum()
    }
}
