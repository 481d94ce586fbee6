//! Devices in GraphQL: the viewer's devices, registering, heartbeats and removal, and the
//! live `deviceStatusChanged`.

mod loaders;
mod mutation;
mod query;
mod subscription;
mod types;

pub use loaders::DeviceById;
pub use mutation::{DevicesMutation, MUTATION_TAGS};
pub use query::DevicesQuery;
pub use subscription::DevicesSubscription;
pub use types::Device;
