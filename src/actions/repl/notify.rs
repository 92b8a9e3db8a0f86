//! notify for the promotable clone: applies what `replication::notify::decide` asks.

use super::Repl;
use crate::error::{Error, Result};
use crate::ocf::OcfStatus;
use crate::pg::queries;
use crate::replication::notify::{decide, NotifyStep};
use crate::replication::Attr;

pub async fn notify(r: &mut Repl<'_>) -> Result<OcfStatus> {
    let agent = r.agent;
    let n = &agent.ctx.meta.notify;
    tracing::debug!(
        "notify {} {}",
        n.kind.as_deref().unwrap_or("?"),
        n.operation.as_deref().unwrap_or("?")
    );
    match decide(&r.me, agent.cfg.rep_mode, &agent.cfg.node_list, n, &r.view) {
        NotifyStep::Nothing => {}
        NotifyStep::BanSelf { reason } => {
            let me = r.me.clone();
            r.crm.ban(&agent.ctx.instance.full, &me).await?;
            return Err(Error::Failed(reason));
        }
        NotifyStep::AfterPromote { delete_baseline } => {
            r.delete_own(Attr::XlogLoc).await?;
            if delete_baseline {
                r.delete_own(Attr::MasterBaseline).await?;
            }
        }
        NotifyStep::RecordBaseline => {
            let client = r.connect().await?;
            let loc = queries::my_location(&client, agent.version, agent.ctx.deadline).await?;
            tracing::info!("my master baseline: {loc}");
            r.set_own(Attr::MasterBaseline, &loc.to_string()).await?;
            r.set_own(Attr::Status, "HS:alone").await?;
        }
        NotifyStep::ControlPass => {
            let client = r.connect().await?;
            r.control_standbys(&client).await?;
        }
    }
    Ok(OcfStatus::Success)
}
