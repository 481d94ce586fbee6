//! What open sockets (on any instance) hear when a user's admin rights change: the socket
//! resolved its viewer when it opened, so it must start over with the rights as they now are.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminChanged {
    pub user_id: Uuid,
    pub is_admin: bool,
}

impl Message for AdminChanged {
    const TOPIC: &'static str = "users.admin_changed";
}
