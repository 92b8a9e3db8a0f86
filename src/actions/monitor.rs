//! status and monitor for rep_mode none and slave (docs/contract.md §4.3): status asks
//! only whether the postmaster lives; monitor also runs monitor_sql through one
//! connection, and publishes receiver-status when asked (§5.5).

use super::{receiver, server, Agent};
use crate::error::Result;
use crate::ocf::OcfStatus;
use crate::world::World;

/// `status`: the postmaster of pgdata is alive → 0, else 7.
pub fn status<W: World>(w: &W) -> OcfStatus {
    match w.postmaster() {
        Some(pid) => {
            tracing::debug!("PostgreSQL is running (postmaster pid {pid})");
            OcfStatus::Success
        }
        None => OcfStatus::NotRunning,
    }
}

/// `monitor`: not running → 7; monitor_sql fails → 1 with the reason; else 0.
pub async fn monitor<W: World>(w: &mut W, agent: &Agent) -> Result<OcfStatus> {
    if agent.cfg.check_wal_receiver {
        let seen = receiver::seen_without_sql(w, agent);
        receiver::publish(w, agent, Some(receiver::value(seen))).await;
    }
    if status(w) == OcfStatus::NotRunning {
        if agent.ctx.is_probe() {
            tracing::debug!("probe: PostgreSQL is not running");
        } else {
            tracing::info!("PostgreSQL is not running");
        }
        return Ok(OcfStatus::NotRunning);
    }
    server::check_sql(w, agent, agent.ctx.deadline).await?;
    Ok(OcfStatus::Success)
}
