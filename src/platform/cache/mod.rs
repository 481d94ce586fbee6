//! Response cache with exact invalidation by tags, in Redis (`api:cache:*`, shared by every
//! instance) or in process. Entries are tagged with the entity types a response read; a
//! mutation drops the tags it wrote before its response is sent. A global epoch, bumped by
//! every invalidation, stops a query that started before a write from storing its stale answer
//! after the write (the classic cache-fill race).
//!
//! A hit for a client that accepts compression is served from the body compressed once per
//! entry and encoding (on the first such hit), not compressed again on every request.

pub mod memory;
pub mod redis;

use std::{
    collections::BTreeSet,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::body::Bytes;
use serde::{Deserialize, Serialize};

use crate::{
    http::encoding::{COMPRESS_ABOVE, Encoding},
    platform::redis_link::RedisLink,
};

/// A stored response (in Redis, as this JSON: the format instances of every version share).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CachedResponse {
    pub body: String,
    pub max_age: u32,
    pub public: bool,
    pub etag: String,
}

/// An entry as served: the response, and its compressed forms once made.
#[derive(Debug)]
pub struct Entry {
    pub body: Bytes,
    pub max_age: u32,
    pub public: bool,
    pub etag: String,
    /// `None` inside: the compressor failed, the layer compresses instead.
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
}

impl Entry {
    fn slot(&self, encoding: Encoding) -> &OnceLock<Option<Bytes>> {
        match encoding {
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.brotli,
        }
    }

    /// Worth compressing: the compression layer's size rule.
    fn compressible(&self) -> bool {
        self.body.len() >= usize::from(COMPRESS_ABOVE)
    }
}

impl From<CachedResponse> for Entry {
    fn from(r: CachedResponse) -> Self {
        Self {
            body: Bytes::from(r.body),
            max_age: r.max_age,
            public: r.public,
            etag: r.etag,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }
}

/// A cache hit: the entry and the key it was found under.
pub struct Hit {
    pub entry: Arc<Entry>,
    key: String,
}

#[derive(Default)]
pub struct CacheCounters {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub invalidations: AtomicU64,
    /// Entry bodies compressed: once per entry and encoding.
    pub compressions: AtomicU64,
    /// Hits served with a body compressed by an earlier hit (here or, with Redis, elsewhere).
    pub compressed_hits: AtomicU64,
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

    /// The first entry found among `keys` (the public key, then the viewer's private key);
    /// with Redis, fetched with its form in `encoding` if one was stored.
    pub async fn get(&self, keys: &[String], encoding: Option<Encoding>) -> Option<Hit> {
        let found = match &self.backend {
            Backend::Memory(m) => m.get(keys),
            Backend::Redis(r) => r.get(keys, encoding).await,
        };
        let counter = if found.is_some() {
            &self.counters.hits
        } else {
            &self.counters.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// The hit's body in `encoding`, compressed now if no earlier hit did it; `None` when the
    /// body is too small to compress (or the compressor failed).
    pub async fn encoded(&self, hit: &Hit, encoding: Encoding) -> Option<Bytes> {
        if !hit.entry.compressible() {
            return None;
        }
        let mut made = false;
        // Concurrent first hits wait for one compression rather than each running theirs.
        let bytes = hit
            .entry
            .slot(encoding)
            .get_or_init(|| {
                made = true;
                encoding.compress(&hit.entry.body)
            })
            .clone();
        if made {
            self.counters.compressions.fetch_add(1, Ordering::Relaxed);
            if let (Backend::Redis(r), Some(bytes)) = (&self.backend, &bytes) {
                r.put_encoded(&hit.key, &hit.entry, encoding, bytes).await;
            }
        } else if bytes.is_some() {
            self.counters
                .compressed_hits
                .fetch_add(1, Ordering::Relaxed);
        }
        bytes
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
