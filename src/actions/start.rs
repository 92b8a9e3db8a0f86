//! start for rep_mode none and slave (docs/contract.md §4.1): already running → 0; a
//! standby (slave) writes its recovery configuration first; then the shared server start
//! (`server::prepare_and_launch`), waiting within the deadline until monitor_sql answers.

use super::{node_name, server, Agent};
use crate::config::RepMode;
use crate::error::Result;
use crate::ocf::OcfStatus;
use crate::pg::version::PgVersion;
use crate::replication::start::recovery_steps;
use crate::world::World;

/// `start`.
pub async fn start<W: World>(w: &mut W, agent: &Agent) -> Result<OcfStatus> {
    if let Some(pid) = w.postmaster() {
        tracing::info!("PostgreSQL is already running (postmaster pid {pid})");
        return Ok(OcfStatus::Success);
    }
    if agent.cfg.rep_mode == RepMode::Slave {
        let me = node_name(w, &agent.ctx).await;
        let version = agent.version.unwrap_or(PgVersion::new(12, 0));
        for e in recovery_steps(&agent.cfg, version, &me) {
            server::apply_file_effect(w, agent, &e)?;
        }
        tracing::info!(
            "wrote the recovery configuration (primary {})",
            agent.cfg.master_ip
        );
    }
    server::prepare_and_launch(w, agent, server::Ready::MonitorSql).await?;
    Ok(OcfStatus::Success)
}
