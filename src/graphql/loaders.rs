//! Per-request DataLoaders, created lazily by type: `ctx.loader::<WalletById>()`. A domain
//! adds a loader by implementing `RequestLoader` for it; nothing central changes, and a request
//! (or a socket) pays only for the loaders it uses. Created per request, so nothing a loader
//! caches leaks between viewers.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_graphql::dataloader::{DataLoader, Loader};

use super::batching::BatchSpawner;
use crate::state::AppState;

/// A loader the registry can build from the app state.
pub trait RequestLoader: Send + Sync + Sized + 'static {
    fn new(state: &AppState) -> Self;
}

/// A loader that needs only the database: `db_loader!(UserById);` declares the struct.
#[macro_export]
macro_rules! db_loader {
    ($(#[$meta:meta])* $vis:vis $name:ident) => {
        $(#[$meta])*
        $vis struct $name(pub ::sea_orm::DatabaseConnection);

        impl $crate::graphql::loaders::RequestLoader for $name {
            fn new(state: &$crate::state::AppState) -> Self {
                Self(state.db.clone())
            }
        }
    };
}

pub struct Loaders {
    state: AppState,
    spawner: BatchSpawner,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// Values a list resolver read ahead for its children (see `LoaderHandle::prime`).
    /// `None` on a socket, whose loaders outlive one operation: primed rows would go stale.
    primed: Option<Arc<Primed>>,
}

impl Loaders {
    /// Loaders for one request.
    pub fn new(state: &AppState, spawner: BatchSpawner) -> Self {
        Self {
            state: state.clone(),
            spawner,
            made: Mutex::new(HashMap::new()),
            primed: Some(Arc::default()),
        }
    }

    /// Loaders shared by every operation of a socket: they batch but never keep values.
    pub fn for_socket(state: &AppState) -> Self {
        Self {
            primed: None,
            ..Self::new(state, BatchSpawner::detached())
        }
    }

    /// Whether these loaders keep primed values (not on a socket).
    pub fn primes(&self) -> bool {
        self.primed.is_some()
    }

    pub fn get<L: RequestLoader>(&self) -> LoaderHandle<L> {
        LoaderHandle {
            loader: self.loader::<L>(),
            primed: self.primed.clone(),
        }
    }

    fn loader<L: RequestLoader>(&self) -> Arc<DataLoader<L>> {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let any = made
            .entry(TypeId::of::<L>())
            .or_insert_with(|| {
                let spawner = self.spawner.clone();
                // The zero delay hands the batch over at once; `BatchSpawner` decides when it
                // runs.
                let loader =
                    DataLoader::new(L::new(&self.state), move |batch| spawner.spawn(batch))
                        .delay(Duration::ZERO);
                Arc::new(loader)
            })
            .clone();
        // The map is keyed by the type it holds, so this cannot fail; if it somehow did, a
        // fresh loader (without batching across calls) still gives correct answers.
        any.downcast::<DataLoader<L>>().unwrap_or_else(|_| {
            let spawner = self.spawner.clone();
            Arc::new(DataLoader::new(L::new(&self.state), move |b| {
                spawner.spawn(b)
            }))
        })
    }
}

/// Read-ahead values per (loader, key type): what a list resolver fetched in its own
/// statement for the fields its selection reaches, so those fields need no loader round trip.
#[derive(Default)]
pub struct Primed {
    values: Mutex<HashMap<(TypeId, TypeId), Box<dyn Any + Send + Sync>>>,
}

/// A request's loader of type `L`: answers from read-ahead values first, then batches.
pub struct LoaderHandle<L: RequestLoader> {
    loader: Arc<DataLoader<L>>,
    primed: Option<Arc<Primed>>,
}

impl<L: RequestLoader> LoaderHandle<L> {
    /// `Some(None)`: primed as absent (the loader would have found nothing).
    fn primed_value<K>(&self, key: &K) -> Option<Option<L::Value>>
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        let primed = self.primed.as_ref()?;
        let values = primed.values.lock().unwrap_or_else(|e| e.into_inner());
        values
            .get(&(TypeId::of::<L>(), TypeId::of::<K>()))?
            .downcast_ref::<HashMap<K, Option<L::Value>>>()?
            .get(key)
            .cloned()
    }

    pub async fn load_one<K>(&self, key: K) -> Result<Option<L::Value>, L::Error>
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        if let Some(value) = self.primed_value(&key) {
            return Ok(value);
        }
        self.loader.load_one(key).await
    }

    pub async fn load_many<K, I>(&self, keys: I) -> Result<HashMap<K, L::Value>, L::Error>
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
        I: IntoIterator<Item = K>,
    {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for key in keys {
            match self.primed_value(&key) {
                Some(Some(value)) => {
                    found.insert(key, value);
                }
                Some(None) => {}
                None => missing.push(key),
            }
        }
        if !missing.is_empty() {
            found.extend(self.loader.load_many(missing).await?);
        }
        Ok(found)
    }

    /// Records values read ahead, as the loader would have answered them for these keys.
    /// Does nothing on a socket.
    pub fn prime<K>(&self, values: impl IntoIterator<Item = (K, L::Value)>)
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        self.record(values.into_iter().map(|(k, v)| (k, Some(v))), true);
    }

    /// Records keys the loader would have found no value for (unless already primed with one).
    pub fn prime_missing<K>(&self, keys: impl IntoIterator<Item = K>)
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        self.record(keys.into_iter().map(|k| (k, None)), false);
    }

    fn record<K>(&self, values: impl Iterator<Item = (K, Option<L::Value>)>, replace: bool)
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        let Some(primed) = &self.primed else {
            return;
        };
        let mut all = primed.values.lock().unwrap_or_else(|e| e.into_inner());
        let entry = all
            .entry((TypeId::of::<L>(), TypeId::of::<K>()))
            .or_insert_with(|| Box::new(HashMap::<K, Option<L::Value>>::new()));
        if let Some(map) = entry.downcast_mut::<HashMap<K, Option<L::Value>>>() {
            for (key, value) in values {
                if replace {
                    map.insert(key, value);
                } else {
                    map.entry(key).or_insert(value);
                }
            }
        }
    }
}
