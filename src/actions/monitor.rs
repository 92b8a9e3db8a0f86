//! status and monitor for rep_mode none and slave (docs/contract.md §4.3): status asks
//! only whether the postmaster lives; monitor also runs monitor_sql through one
//! connection (failing at once, without connecting, when the postmaster stays stopped by
//! a signal or its tracer: `frozen`), and publishes receiver-status when asked (§5.5).

use super::{frozen, receiver, server, Agent};
use crate::error::{Error, Result};
use crate::ocf::OcfStatus;
use crate::world::World;

/// `status`: the postmaster of pgdata is alive → 0, else 7.
pub fn status<W: World>(w: &W, agent: &Agent) -> OcfStatus {
    let pidfile = agent.cfg.pgdata.join("postmaster.pid");
    match w.postmaster() {
        Some(pid) => {
            agent.ctx.tell(&format!(
                "PostgreSQL is running (postmaster pid {pid} of {})",
                pidfile.display()
            ));
            OcfStatus::Success
        }
        None => {
            agent.ctx.tell(&format!(
                "PostgreSQL is down: no live postmaster named in {}",
                pidfile.display()
            ));
            OcfStatus::NotRunning
        }
    }
}

/// `monitor`: not running → 7; a postmaster that stays stopped (state T or t) → 1 at
/// once, without connecting; monitor_sql fails → 1 with the reason; else 0.
pub async fn monitor<W: World>(w: &mut W, agent: &Agent) -> Result<OcfStatus> {
    if agent.cfg.check_wal_receiver {
        let seen = receiver::seen_without_sql(w, agent);
        receiver::publish(w, agent, Some(receiver::value(seen))).await;
    }
    let Some(pid) = w.postmaster() else {
        if agent.ctx.tty {
            status(w, agent);
        } else if agent.ctx.is_probe() {
            tracing::debug!("probe: PostgreSQL is not running");
        } else {
            tracing::info!("PostgreSQL is not running");
        }
        return Ok(OcfStatus::NotRunning);
    };
    if let Some(how) = frozen::stays_stopped(w, pid, agent.ctx.deadline).await {
        return Err(Error::failed(frozen::cannot_answer(pid, how)));
    }
    agent.ctx.tell(&format!(
        "postmaster pid {pid} is alive; running monitor_sql ({})",
        agent.cfg.monitor_sql
    ));
    server::check_sql(w, agent, agent.ctx.deadline).await?;
    agent.ctx.tell("monitor_sql answered");
    Ok(OcfStatus::Success)
}
