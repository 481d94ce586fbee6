//! Opaque Relay global IDs: base64url("Type:uuid"). Clients must treat them as opaque.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use super::node::NodeType;
use crate::platform::error::{AppError, AppResult};

pub fn encode(kind: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

pub fn decode(id: &str, field: &'static str) -> AppResult<(NodeType, Uuid)> {
    let invalid = || AppError::bad_input(field, "not a valid ID");
    let raw = URL_SAFE_NO_PAD
        .decode(id.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let text = std::str::from_utf8(&raw).map_err(|_| invalid())?;
    let (kind, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeType::parse(kind).ok_or_else(invalid)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| invalid())?;
    Ok((kind, uuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_type_round_trips() {
        for kind in NodeType::ALL {
            let id = Uuid::now_v7();
            assert_eq!(decode(&encode(*kind, id), "id").unwrap(), (*kind, id));
        }
    }

    #[test]
    fn round_trip_and_garbage() {
        let id = Uuid::now_v7();
        let gid = encode(NodeType::Wallet, id);
        assert_eq!(decode(&gid, "id").unwrap(), (NodeType::Wallet, id));
        for bad in [
            "",
            "!!!",
            "VXNlcjo",
            &URL_SAFE_NO_PAD.encode("Nope:123"),
            &URL_SAFE_NO_PAD.encode(format!("Secret:{id}")),
        ] {
            assert_eq!(
                decode(bad, "id").unwrap_err().code(),
                "BAD_USER_INPUT",
                "{bad}"
            );
        }
    }
}
