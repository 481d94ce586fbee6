//! Per-request DataLoaders, created lazily by type: `ctx.loader::<WalletById>()`. A domain
//! adds a loader by implementing `RequestLoader` for it; nothing central changes, and a request
//! (or a socket) pays only for the loaders it uses. Created per request, so nothing a loader
//! caches leaks between viewers.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_graphql::dataloader::DataLoader;

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
}

impl Loaders {
    pub fn new(state: &AppState, spawner: BatchSpawner) -> Self {
        Self {
            state: state.clone(),
            spawner,
            made: Mutex::new(HashMap::new()),
        }
    }

    pub fn get<L: RequestLoader>(&self) -> Arc<DataLoader<L>> {
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
