//! start, stop and demote of the promotable clone (SPEC section 4): start always comes up
//! as a hot standby (refused while PGSQL.lock exists), stop and demote record STOP or
//! UNKNOWN, and PGSQL.lock goes only when a primary stops with no standby left anywhere.

use super::Repl;
use crate::actions::{start, stop};
use crate::config::RepMode;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ocf::OcfStatus;
use crate::pg::pidfile;
use crate::pg::queries;
use crate::replication::{Attr, CAN_NOT_PROMOTE};

pub async fn start(r: &mut Repl<'_>) -> Result<OcfStatus> {
    let agent = r.agent;
    let cfg = &agent.cfg;
    let running = pidfile::live_postmaster(&cfg.pgdata).is_some();
    if running {
        let client = r.connect().await?;
        if !queries::in_recovery(&client, agent.ctx.deadline).await? {
            return Err(Error::Failed(
                "PostgreSQL is already running as a primary here; it cannot be started as a standby".into(),
            ));
        }
    }
    let me = r.me.clone();
    let mut p = r.plan();
    p.set(&me, Attr::Status, "STOP");
    p.delete(&me, Attr::MasterBaseline);
    p.set(&me, Attr::Score, CAN_NOT_PROMOTE);
    r.commit(p).await?;

    r.remove_notes()?;
    start::ensure_tmpdir(agent)?;
    if cfg.rep_mode == RepMode::Sync {
        r.write_rep_mode(None)?;
    }
    r.ensure_includes()?;
    start::write_recovery(agent).await?;
    r.delete_own(Attr::XlogLoc).await?;

    if r.lock_file().exists() {
        return Err(Error::Failed(format!(
            "My data may be inconsistent. You have to remove {} file to force start.",
            r.lock_file().display()
        )));
    }
    if !running {
        start::prepare_and_launch(agent).await?;
    }
    let client = r.connect().await?;
    let names = queries::sync_standby_names(&client, agent.ctx.deadline).await?;
    if !names.trim().is_empty() {
        return Err(Error::Configured(format!(
            "synchronous_standby_names is {names:?} at start: remove it from postgresql.conf (the agent manages it through rep_mode.conf)"
        )));
    }
    r.set_own(Attr::Status, "HS:alone").await?;
    Ok(OcfStatus::Success)
}

/// Stops the server; a primary stopped while no standby instance exists keeps no
/// PGSQL.lock (nothing can have diverged from it).
async fn stop_server(r: &mut Repl<'_>, primary: bool) -> Result<()> {
    stop::stop_server(r.agent, !primary).await?;
    let notify = &r.agent.ctx.meta.notify;
    if primary
        && notify.unpromoted_given
        && notify.unpromoted.is_empty()
        && fsutil::remove_if_exists(&r.lock_file())?
    {
        tracing::info!(
            "removed {}: no standby was running",
            r.lock_file().display()
        );
    }
    Ok(())
}

/// Is the running server a primary? (Not running: false.)
async fn running_primary(r: &Repl<'_>) -> bool {
    if pidfile::live_postmaster(&r.agent.cfg.pgdata).is_none() {
        return false;
    }
    match r.connect().await {
        Ok(c) => matches!(
            queries::in_recovery(&c, r.agent.ctx.deadline).await,
            Ok(false)
        ),
        Err(_) => false,
    }
}

pub async fn demote(r: &mut Repl<'_>) -> Result<OcfStatus> {
    let me = r.me.clone();
    let mut p = r.plan();
    p.set(&me, Attr::Score, CAN_NOT_PROMOTE);
    p.delete(&me, Attr::MasterBaseline);
    r.commit(p).await?;
    if pidfile::live_postmaster(&r.agent.cfg.pgdata).is_none() {
        tracing::info!("PostgreSQL is already stopped on demote");
    } else if let Err(e) = stop_server(r, true).await {
        r.set_own(Attr::Status, "UNKNOWN").await?;
        return Err(e);
    }
    r.set_own(Attr::Status, "STOP").await?;
    Ok(OcfStatus::Success)
}

pub async fn stop(r: &mut Repl<'_>) -> Result<OcfStatus> {
    let me = r.me.clone();
    let mut p = r.plan();
    p.set(&me, Attr::Score, CAN_NOT_PROMOTE);
    p.delete(&me, Attr::XlogLoc);
    r.commit(p).await?;
    if pidfile::live_postmaster(&r.agent.cfg.pgdata).is_none() {
        tracing::info!("PostgreSQL is already stopped");
        r.set_own(Attr::Status, "STOP").await?;
        return Ok(OcfStatus::Success);
    }
    let primary = running_primary(r).await;
    if let Err(e) = stop_server(r, primary).await {
        r.set_own(Attr::Status, "UNKNOWN").await?;
        return Err(e);
    }
    r.set_own(Attr::Status, "STOP").await?;
    r.write_rep_mode(None)?;
    r.delete_own(Attr::MasterBaseline).await?;
    Ok(OcfStatus::Success)
}
