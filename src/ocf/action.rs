//! The OCF action named by `argv[1]` (OCF 1.1: further arguments are ignored).
//! Contract: docs/contract.md §1.1.

use std::fmt;

/// One of the actions the agent implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `start`: start the server (as a standby in replication mode).
    Start,
    /// `stop`: stop the server.
    Stop,
    /// `status`: whether the postmaster process runs.
    Status,
    /// `monitor`: check the server's health (and role in replication mode); a probe
    /// when the interval is 0.
    Monitor,
    /// `promote`: make this node's server the primary.
    Promote,
    /// `demote`: turn this node's primary back into a standby.
    Demote,
    /// `notify`: react to a clone notification (before or after another operation).
    Notify,
    /// `meta-data`: print the agent's OCF meta-data XML.
    MetaData,
    /// `validate-all`: check the configuration.
    ValidateAll,
    /// `methods`: print the supported action names.
    Methods,
}

impl Action {
    /// Every action, in meta-data order.
    pub const ALL: [Action; 10] = [
        Action::Start,
        Action::Stop,
        Action::Status,
        Action::Monitor,
        Action::Promote,
        Action::Demote,
        Action::Notify,
        Action::MetaData,
        Action::ValidateAll,
        Action::Methods,
    ];

    /// The action named `s` exactly as OCF spells it (`meta-data`, ...); `None` otherwise.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }

    /// The OCF name of the action.
    pub fn name(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Status => "status",
            Action::Monitor => "monitor",
            Action::Promote => "promote",
            Action::Demote => "demote",
            Action::Notify => "notify",
            Action::MetaData => "meta-data",
            Action::ValidateAll => "validate-all",
            Action::Methods => "methods",
        }
    }

    /// Default operation timeout from the meta-data, used when Pacemaker did not pass one
    /// (an operator running the agent from a shell).
    pub fn default_timeout_secs(self) -> u64 {
        match self {
            Action::Start | Action::Stop | Action::Promote | Action::Demote => 120,
            Action::Status => 60,
            Action::Monitor => 30,
            Action::Notify => 90,
            Action::MetaData | Action::ValidateAll | Action::Methods => 5,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(a));
        }
        assert_eq!(Action::parse("reload"), None);
        assert_eq!(Action::parse("START"), None);
        assert_eq!(Action::parse(""), None);
    }
}
