//! The in-process cache: moka with a per-entry time to live, and a tag index.

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use moka::{Expiry, sync::Cache};

use super::{CachedResponse, Entry, Hit};

/// Keys one tag may index before the index is reset (and its entries dropped), so a tag that
/// is read a lot but never written cannot grow without bound.
const MAX_KEYS_PER_TAG: usize = 50_000;

struct PerEntryTtl;

impl Expiry<String, (Arc<Entry>, Duration)> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _: &String,
        value: &(Arc<Entry>, Duration),
        _: Instant,
    ) -> Option<Duration> {
        Some(value.1)
    }
}

pub struct MemoryCache {
    /// Shared, so a hit costs a reference count, and the compressed forms a hit makes stay
    /// with the entry.
    entries: Cache<String, (Arc<Entry>, Duration)>,
    tags: Mutex<HashMap<String, HashSet<String>>>,
    epoch: AtomicU64,
}

impl MemoryCache {
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(capacity)
                .expire_after(PerEntryTtl)
                .build(),
            tags: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
        }
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub fn get(&self, keys: &[String]) -> Option<Hit> {
        keys.iter().find_map(|key| {
            self.entries.get(key).map(|(entry, _)| Hit {
                entry,
                key: key.clone(),
            })
        })
    }

    pub fn put(
        &self,
        key: String,
        entry: CachedResponse,
        ttl: Duration,
        tags: BTreeSet<String>,
        epoch: u64,
    ) {
        let Ok(mut index) = self.tags.lock() else {
            return;
        };
        // Checked under the index lock, which invalidation also takes: no write slips between.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        for tag in tags {
            let keys = index.entry(tag).or_default();
            if keys.len() >= MAX_KEYS_PER_TAG {
                for stale in keys.drain() {
                    self.entries.invalidate(&stale);
                }
            }
            keys.insert(key.clone());
        }
        self.entries
            .insert(key, (Arc::new(Entry::from(entry)), ttl));
    }

    pub fn invalidate(&self, tags: &BTreeSet<String>) {
        let Ok(mut index) = self.tags.lock() else {
            return;
        };
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for tag in tags {
            for key in index.remove(tag).unwrap_or_default() {
                self.entries.invalidate(&key);
            }
        }
    }
}
