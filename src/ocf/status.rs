//! OCF return codes (OCF 1.1 section "Return codes"): the only values the agent exits with.
//! Contract: docs/contract.md §1.3.

use std::fmt;

/// Outcome of an action as Pacemaker sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcfStatus {
    /// 0: the action succeeded; for monitor, the server runs (not promoted).
    Success = 0,
    /// 1: the action failed for a reason none of the other codes names.
    ErrGeneric = 1,
    /// 2: wrong arguments, or parameters that are not valid on this node.
    ErrArgs = 2,
    /// 3: the action is not implemented (or not in this configuration).
    ErrUnimplemented = 3,
    /// 4: the agent lacks the permissions the action needs.
    ErrPerm = 4,
    /// 5: software the agent needs is missing on this node.
    ErrInstalled = 5,
    /// 6: the parameters are invalid in themselves, on every node.
    ErrConfigured = 6,
    /// 7: the server is cleanly stopped.
    NotRunning = 7,
    /// 8: the server runs in the promoted role (primary).
    RunningPromoted = 8,
    /// 9: the server failed while in the promoted role.
    FailedPromoted = 9,
}

impl OcfStatus {
    /// Every code, 0 to 9.
    pub const ALL: [OcfStatus; 10] = [
        OcfStatus::Success,
        OcfStatus::ErrGeneric,
        OcfStatus::ErrArgs,
        OcfStatus::ErrUnimplemented,
        OcfStatus::ErrPerm,
        OcfStatus::ErrInstalled,
        OcfStatus::ErrConfigured,
        OcfStatus::NotRunning,
        OcfStatus::RunningPromoted,
        OcfStatus::FailedPromoted,
    ];

    /// What the code means from this agent, as docs/contract.md §1.3 says it (the man page
    /// prints it; a black-box test keeps the two equal).
    pub fn meaning(self) -> &'static str {
        match self {
            OcfStatus::Success => "done; running (as a standby in replication mode)",
            OcfStatus::ErrGeneric => "the action failed; the exit reason says why",
            OcfStatus::ErrArgs => "no action given",
            OcfStatus::ErrUnimplemented => "unknown action; promote/demote without replication",
            OcfStatus::ErrPerm => {
                "a permission problem (pgdata, tmpdir, log file, socket directory)"
            }
            OcfStatus::ErrInstalled => "something is not installed (§3.2)",
            OcfStatus::ErrConfigured => "the parameters are inconsistent (§3)",
            OcfStatus::NotRunning => "not running (monitor, status)",
            OcfStatus::RunningPromoted => "running as primary (replication monitor)",
            OcfStatus::FailedPromoted => {
                "never returned: a primary whose server is down is 7, as with the shell agent \
and in the PG-REX manual; one whose query fails is 1"
            }
        }
    }

    /// The process exit code for this outcome.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The OCF name, as Pacemaker and ocf-shellfuncs spell it.
    pub fn name(self) -> &'static str {
        match self {
            OcfStatus::Success => "OCF_SUCCESS",
            OcfStatus::ErrGeneric => "OCF_ERR_GENERIC",
            OcfStatus::ErrArgs => "OCF_ERR_ARGS",
            OcfStatus::ErrUnimplemented => "OCF_ERR_UNIMPLEMENTED",
            OcfStatus::ErrPerm => "OCF_ERR_PERM",
            OcfStatus::ErrInstalled => "OCF_ERR_INSTALLED",
            OcfStatus::ErrConfigured => "OCF_ERR_CONFIGURED",
            OcfStatus::NotRunning => "OCF_NOT_RUNNING",
            OcfStatus::RunningPromoted => "OCF_RUNNING_PROMOTED",
            OcfStatus::FailedPromoted => "OCF_FAILED_PROMOTED",
        }
    }
}

impl fmt::Display for OcfStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_ocf_1_1() {
        let table = [
            (OcfStatus::Success, 0),
            (OcfStatus::ErrGeneric, 1),
            (OcfStatus::ErrArgs, 2),
            (OcfStatus::ErrUnimplemented, 3),
            (OcfStatus::ErrPerm, 4),
            (OcfStatus::ErrInstalled, 5),
            (OcfStatus::ErrConfigured, 6),
            (OcfStatus::NotRunning, 7),
            (OcfStatus::RunningPromoted, 8),
            (OcfStatus::FailedPromoted, 9),
        ];
        for (status, code) in table {
            assert_eq!(status.code(), code, "{}", status.name());
        }
        let all: Vec<i32> = OcfStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(OcfStatus::NotRunning.to_string(), "OCF_NOT_RUNNING (7)");
    }
}
