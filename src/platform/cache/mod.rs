//! Response cache with exact invalidation by tags, in Redis (`api:cache:*`, shared by every
//! instance) or in process. Entries are tagged with the entity types a response read; a
//! mutation drops the tags it wrote before its response is sent. A global epoch, bumped by
//! every invalidation, stops a query that started before a write from storing its stale answer
//! after the write (the classic cache-fill race).

pub mod memory;
pub mod redis;

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};

use crate::platform::redis_link::RedisLink;

/// A stored response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CachedResponse {
    pub body: String,
    pub max_age: u32,
    pub public: bool,
    pub etag: String,
}

#[derive(Default)]
pub struct CacheCounters {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub invalidations: AtomicU64,
}

enum Backend {
    Memory(memory::MemoryCache),
    Redis(Arc<redis::RedisCache>),
}

pub struct ResponseCache {
    backend: Backend,
    pub counters: CacheCounters,
}

impl ResponseCache {
    pub fn memory(capacity: u64) -> Self {
        Self {
            backend: Backend::Memory(memory::MemoryCache::new(capacity)),
            counters: CacheCounters::default(),
        }
    }

    pub fn redis(link: Arc<RedisLink>) -> Self {
        Self {
            backend: Backend::Redis(redis::RedisCache::new(link)),
            counters: CacheCounters::default(),
        }
    }

    /// The invalidation epoch, read before executing a cacheable query.
    pub async fn epoch(&self) -> Option<u64> {
        match &self.backend {
            Backend::Memory(m) => Some(m.epoch()),
            Backend::Redis(r) => r.epoch().await,
        }
    }

    /// The first entry found among `keys` (the public key, then the viewer's private key).
    pub async fn get(&self, keys: &[String]) -> Option<CachedResponse> {
        let found = match &self.backend {
            Backend::Memory(m) => m.get(keys),
            Backend::Redis(r) => r.get(keys).await,
        };
        let counter = if found.is_some() {
            &self.counters.hits
        } else {
            &self.counters.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Stores unless an invalidation happened since `epoch`.
    pub async fn put(
        &self,
        key: String,
        entry: CachedResponse,
        tags: BTreeSet<String>,
        epoch: u64,
    ) {
        let ttl = Duration::from_secs(u64::from(entry.max_age));
        match &self.backend {
            Backend::Memory(m) => m.put(key, entry, ttl, tags, epoch),
            Backend::Redis(r) => r.put(key, entry, ttl, tags, epoch).await,
        }
    }

    /// Drops every entry tagged with any of `tags`, and bumps the epoch.
    pub async fn invalidate(&self, tags: &BTreeSet<String>) {
        if tags.is_empty() {
            return;
        }
        self.counters.invalidations.fetch_add(1, Ordering::Relaxed);
        match &self.backend {
            Backend::Memory(m) => m.invalidate(tags),
            Backend::Redis(r) => r.invalidate(tags).await,
        }
    }
}
