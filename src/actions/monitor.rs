//! status and monitor for rep_mode none and slave (SPEC section 4): status asks only
//! whether the postmaster lives; monitor also runs monitor_sql through one connection.

use tokio::time::Instant;

use super::Agent;
use crate::error::Result;
use crate::ocf::OcfStatus;
use crate::pg::{pidfile, sql};

/// `status`: the postmaster of pgdata is alive → 0, else 7.
pub fn status(agent: &Agent) -> OcfStatus {
    match pidfile::live_postmaster(&agent.cfg.pgdata) {
        Some(pid) => {
            tracing::debug!("PostgreSQL is running (postmaster pid {pid})");
            OcfStatus::Success
        }
        None => OcfStatus::NotRunning,
    }
}

/// Connects and runs monitor_sql once, before `deadline`.
pub async fn check_sql(agent: &Agent, deadline: Instant) -> Result<()> {
    let client = sql::connect(&agent.sql_target(), deadline).await?;
    sql::execute(&client, &agent.cfg.monitor_sql, deadline).await?;
    Ok(())
}

/// `monitor`: not running → 7; monitor_sql fails → 1 with the reason; else 0.
pub async fn monitor(agent: &Agent) -> Result<OcfStatus> {
    if status(agent) == OcfStatus::NotRunning {
        if agent.ctx.is_probe() {
            tracing::debug!("probe: PostgreSQL is not running");
        } else {
            tracing::info!("PostgreSQL is not running");
        }
        return Ok(OcfStatus::NotRunning);
    }
    check_sql(agent, agent.ctx.deadline).await?;
    Ok(OcfStatus::Success)
}
