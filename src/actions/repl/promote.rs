//! promote (SPEC section 4): mark every other node DISCONNECT / -INFINITY, create
//! PGSQL.lock, record the master-baseline, promote (pg_ctl promote, or a restart without
//! the standby marker with restart_on_promote) within the deadline, create the slots,
//! then LATEST / 1000 / PRI.

use std::time::Duration;

use tokio::time::Instant;

use super::Repl;
use crate::actions::{start, stop, POLL};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ocf::OcfStatus;
use crate::pg::conffile::slot_name;
use crate::pg::{ctl, pidfile, queries};
use crate::replication::{Attr, CAN_NOT_PROMOTE, PROMOTE_ME};

/// Waits until the server answers as a primary, or the deadline passes.
async fn wait_primary(r: &Repl<'_>) -> Result<()> {
    let deadline = r.agent.ctx.deadline;
    let t0 = Instant::now();
    loop {
        let last = match r.connect().await {
            Ok(c) => match queries::in_recovery(&c, deadline).await {
                Ok(false) => {
                    tracing::info!(
                        "PostgreSQL is primary after {:.1}s",
                        t0.elapsed().as_secs_f64()
                    );
                    return Ok(());
                }
                Ok(true) => "still in recovery".to_string(),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        if pidfile::live_postmaster(&r.agent.cfg.pgdata).is_none() {
            return Err(Error::Failed(
                "PostgreSQL exited while being promoted".into(),
            ));
        }
        if Instant::now() + POLL >= deadline {
            return Err(Error::Failed(format!(
                "PostgreSQL did not become primary within {:.0}s: {last}",
                t0.elapsed().as_secs_f64()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

pub async fn promote(r: &mut Repl<'_>) -> Result<OcfStatus> {
    let agent = r.agent;
    let cfg = &agent.cfg;
    let deadline = agent.ctx.deadline;
    let client = r.connect().await?;
    if !queries::in_recovery(&client, deadline).await? {
        tracing::info!("PostgreSQL is already primary; nothing to promote");
        return Ok(OcfStatus::Success);
    }
    r.remove_notes()?;
    let me = r.me.clone();
    let mut p = r.plan();
    for other in cfg.node_list.iter().filter(|n| **n != me) {
        p.set(other, Attr::DataStatus, "DISCONNECT");
        p.set(other, Attr::Score, CAN_NOT_PROMOTE);
    }
    r.commit(p).await?;

    tracing::info!("creating {}", r.lock_file().display());
    r.write_file(&r.lock_file(), "")?;
    let baseline = queries::my_location(&client, agent.version, deadline).await?;
    tracing::info!("my master baseline: {baseline}");
    r.set_own(Attr::MasterBaseline, &baseline.to_string())
        .await?;
    drop(client);

    if cfg.restart_on_promote {
        tracing::info!("promoting by restart (restart_on_promote)");
        stop::stop_server(agent, true).await?;
        fsutil::remove_if_exists(&cfg.pgdata.join("standby.signal"))?;
        fsutil::remove_if_exists(&cfg.pgdata.join("recovery.conf"))?;
        if let Err(e) = start::prepare_and_launch(agent).await {
            if pidfile::live_postmaster(&cfg.pgdata).is_none() {
                r.set_own(Attr::Status, "STOP").await?;
            }
            return Err(e);
        }
    } else {
        let limit = (Instant::now() + Duration::from_secs(30)).min(deadline);
        ctl::promote(cfg, &agent.pgdba).run_ok(limit).await?;
        tracing::info!("promote requested");
    }
    wait_primary(r).await?;

    if !cfg.replication_slot_name.is_empty() {
        let client = r.connect().await?;
        for other in cfg.node_list.iter().filter(|n| **n != me) {
            let name = slot_name(&cfg.replication_slot_name, other);
            queries::recreate_slot(&client, &name, deadline).await?;
            tracing::info!("created replication slot {name}");
        }
    }
    let mut p = r.plan();
    p.set(&me, Attr::DataStatus, "LATEST");
    p.set(&me, Attr::Score, PROMOTE_ME);
    p.set(&me, Attr::Status, "PRI");
    r.commit(p).await?;
    Ok(OcfStatus::Success)
}
