//! monitor of the promotable clone (SPEC sections 4-5): 7 when down, 8 on a primary (after
//! the standby control pass), 0 on a standby (after the election when no primary exists).

use super::Repl;
use crate::error::Result;
use crate::ocf::OcfStatus;
use crate::pg::{pidfile, queries, sql};
use crate::replication::election::{election_round, Notes, Verdict};
use crate::replication::{Attr, CAN_NOT_PROMOTE, PROMOTE_ME};

/// The monitor_sql default: only a changed value is run on a primary.
const DEFAULT_MONITOR_SQL: &str = "select now();";

pub async fn monitor(r: &mut Repl<'_>) -> Result<OcfStatus> {
    let agent = r.agent;
    let cfg = &agent.cfg;
    let deadline = agent.ctx.deadline;
    let probe = agent.ctx.is_probe();
    if pidfile::live_postmaster(&cfg.pgdata).is_none() {
        tracing::info!("PostgreSQL is not running");
        return Ok(OcfStatus::NotRunning);
    }
    let client = r.connect().await?;
    let standby = queries::in_recovery(&client, deadline).await?;
    if cfg.check_wal_receiver {
        let status = if !standby {
            "normal (master)"
        } else if queries::wal_receiver_running(&client, deadline).await? {
            "normal"
        } else {
            tracing::warn!("the WAL receiver is not running");
            "ERROR"
        };
        r.crm.receiver_status(Some(status)).await?;
    }
    if !standby {
        if cfg.monitor_sql != DEFAULT_MONITOR_SQL {
            sql::execute(&client, &cfg.monitor_sql, deadline).await?;
        }
        let me = r.me.clone();
        let mut p = r.plan();
        if probe {
            p.set(&me, Attr::Score, PROMOTE_ME);
        }
        p.set(&me, Attr::DataStatus, "LATEST");
        p.set(&me, Attr::Status, "PRI");
        r.commit(p).await?;
        r.control_standbys(&client).await?;
        return Ok(OcfStatus::RunningPromoted);
    }
    if probe {
        r.set_own(Attr::Score, CAN_NOT_PROMOTE).await?;
    }
    if r.view.promoted.is_empty() {
        tracing::info!("no primary exists");
        r.set_own(Attr::Status, "HS:alone").await?;
        let loc = queries::my_location(&client, agent.version, deadline).await?;
        let notes = r.read_notes();
        let mut plan = r.plan();
        let (verdict, change) = election_round(
            &mut plan,
            cfg.rep_mode,
            &cfg.node_list,
            &loc.to_string(),
            &notes,
            cfg.xlog_check_count,
        );
        r.commit(plan).await?;
        match &verdict {
            Verdict::OutOfDate(why) => tracing::warn!("{why}"),
            Verdict::Sampling => tracing::debug!("WAL position {loc} noted"),
            Verdict::Won => tracing::info!("my data is the newest ({loc}): I may be promoted"),
            Verdict::Lost => tracing::info!("another node has newer data than mine ({loc})"),
        }
        match change {
            Notes::Keep => {}
            Notes::RemoveAll => r.remove_notes()?,
            Notes::Write { index, content } => {
                r.write_file(&r.tmp(&format!("xlog_note.{index}")), &content)?
            }
            Notes::Reset { content } => {
                r.remove_notes()?;
                r.write_file(&r.tmp("xlog_note.0"), &content)?;
            }
        }
    } else if r.view.get(&r.me, Attr::DataStatus) == Some("DISCONNECT") {
        r.set_own(Attr::Status, "HS:alone").await?;
    }
    Ok(OcfStatus::Success)
}
