//! `<rsc>-receiver-status` (docs/contract.md §5.5), kept when check_wal_receiver is true in
//! every rep_mode: `normal` on a standby whose WAL receiver runs, `normal (master)` on a
//! primary, `ERROR` on a standby without one or when PostgreSQL is down; deleted by stop.
//! Published through attrd_updater within a short budget; a failure is a warning, never
//! the action's result.

use std::time::Duration;

use super::Agent;
use crate::cluster::Crm;
use crate::world::World;

/// The longest a receiver-status write may take (it never fails the action).
pub const BUDGET: Duration = Duration::from_secs(3);

/// What the monitor saw of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// No live postmaster.
    Down,
    /// Running, not in recovery.
    Primary,
    /// Running in recovery; `receiver`: a WAL receiver runs.
    Standby {
        /// A WAL receiver runs.
        receiver: bool,
    },
}

/// The attribute's value for what was seen.
pub fn value(seen: Seen) -> &'static str {
    match seen {
        Seen::Primary => "normal (master)",
        Seen::Standby { receiver: true } => "normal",
        Seen::Standby { receiver: false } | Seen::Down => "ERROR",
    }
}

/// Writes `value` (`None`: deletes the attribute) when check_wal_receiver is set.
pub async fn publish<W: World>(w: &mut W, agent: &Agent, value: Option<&str>) {
    if !agent.cfg.check_wal_receiver {
        return;
    }
    let crm = Crm::new(
        &agent.ctx.instance.resource,
        crate::clock::within(BUDGET, agent.ctx.deadline),
        agent.cfg.crm_attr_timeout,
        &agent.ctx.env,
    );
    if value == Some("ERROR") {
        tracing::warn!("the WAL receiver is not running");
    }
    if agent.ctx.read_only() {
        tracing::info!(
            "run by hand, not applied: would {}",
            match value {
                Some(v) => format!("set {}-receiver-status to {v}", crm.rsc),
                None => format!("delete {}-receiver-status", crm.rsc),
            }
        );
        return;
    }
    if let Err(e) = crm.receiver_status(w, value).await {
        tracing::warn!(
            "could not publish {}-receiver-status: {}",
            crm.rsc,
            crate::error::chain(&e)
        );
    }
}

/// What a monitor of rep_mode none or slave sees, from files and /proc only (these
/// monitors ask the server nothing but monitor_sql): a standby is a server whose data
/// directory asks for recovery (standby.signal, or recovery.conf before 12).
pub fn seen_without_sql<W: World>(w: &W, agent: &Agent) -> Seen {
    let Some(pid) = w.postmaster() else {
        return Seen::Down;
    };
    let data = &agent.cfg.pgdata;
    if w.exists(&data.join("standby.signal")) || w.exists(&data.join("recovery.conf")) {
        Seen::Standby {
            receiver: w.wal_receiver(pid),
        }
    } else {
        Seen::Primary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(value(Seen::Primary), "normal (master)");
        assert_eq!(value(Seen::Standby { receiver: true }), "normal");
        assert_eq!(value(Seen::Standby { receiver: false }), "ERROR");
        assert_eq!(value(Seen::Down), "ERROR");
    }
}
