//! What the devices domain records in the audit log.

crate::audit_actions! {
    pub enum DeviceAction {
        Register = "device.register" writes ["Device"],
        Heartbeat = "device.heartbeat" writes ["Device"],
        Remove = "device.remove" writes ["Device"],
    }
}
