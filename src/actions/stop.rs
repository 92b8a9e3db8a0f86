//! stop for rep_mode none and slave (docs/contract.md §4.2): `server::stop_server`, fast
//! then immediate after stop_escalate (or stop_escalate_in_slave), failing with a reason
//! before the deadline when the server will not go.

use super::{receiver, server, Agent};
use crate::config::RepMode;
use crate::error::Result;
use crate::ocf::OcfStatus;
use crate::world::World;

/// `stop`.
pub async fn stop<W: World>(w: &mut W, agent: &Agent) -> Result<OcfStatus> {
    let standby = agent.cfg.rep_mode == RepMode::Slave;
    receiver::publish(w, agent, None).await;
    server::stop_server(w, agent, standby).await?;
    Ok(OcfStatus::Success)
}
