//! The `rep_mode` parameter (docs/contract.md §2, §5).

/// The `rep_mode` parameter: whether and how the server takes part in replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepMode {
    /// `none`: a single server without replication.
    None,
    /// `async`: a promotable clone with asynchronous streaming replication.
    Async,
    /// `sync`: a promotable clone that keeps one synchronous standby.
    Sync,
    /// `slave`: a plain primitive that always runs as a standby of `master_ip`.
    Slave,
}

impl RepMode {
    /// The mode named by a `rep_mode` value; `None` for an unknown name.
    pub fn parse(s: &str) -> Option<RepMode> {
        match s {
            "none" => Some(RepMode::None),
            "async" => Some(RepMode::Async),
            "sync" => Some(RepMode::Sync),
            "slave" => Some(RepMode::Slave),
            _ => None,
        }
    }

    /// async and sync: the promotable clone with the replication state machine.
    pub fn is_replication(self) -> bool {
        matches!(self, RepMode::Async | RepMode::Sync)
    }

    /// Modes that write a recovery configuration (standbys).
    pub fn uses_recovery_config(self) -> bool {
        self != RepMode::None
    }
}
