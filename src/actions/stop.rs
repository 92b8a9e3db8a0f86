//! stop for rep_mode none and slave (SPEC section 4): `pg_ctl stop -m fast`, escalation to
//! `-m immediate` after stop_escalate seconds (capped ten seconds below the operation
//! timeout), and a failure with a reason before the deadline when the server will not go.

use std::time::Duration;

use tokio::time::Instant;

use super::{Agent, POLL};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ocf::OcfStatus;
use crate::pg::ctl::{self, StopMode};
use crate::pg::pidfile::{self, PidFile, ProcState};

/// Waits until the postmaster is gone or `until` passes; true when gone.
async fn wait_gone(agent: &Agent, until: Instant) -> bool {
    loop {
        if pidfile::live_postmaster(&agent.cfg.pgdata).is_none() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(POLL.min(until.saturating_duration_since(Instant::now()))).await;
    }
}

/// How long to give a fast shutdown: the configured delay, but never so long that the
/// immediate shutdown has no time left before the operation times out.
pub fn escalation_delay(configured: Duration, op_timeout: Duration) -> Duration {
    let cap = op_timeout.saturating_sub(Duration::from_secs(10));
    let cap = if cap.is_zero() { op_timeout / 2 } else { cap };
    configured.min(cap)
}

async fn request(agent: &Agent, mode: StopMode) {
    let spec = ctl::stop(&agent.cfg, &agent.pgdba, mode);
    let limit = (Instant::now() + Duration::from_secs(10)).min(agent.ctx.deadline);
    match spec.run(limit).await {
        Ok(out) if out.success() => tracing::info!("{mode} shutdown requested", mode = mode.name()),
        // the server may have gone between our check and pg_ctl's: the wait decides
        Ok(out) => tracing::warn!(
            "pg_ctl stop -m {} returned {}: {}",
            mode.name(),
            out.status,
            out.stderr.trim()
        ),
        Err(e) => tracing::warn!("{e}"),
    }
}

/// Stops the server of pgdata; `standby` selects stop_escalate_in_slave.
pub async fn stop_server(agent: &Agent, standby: bool) -> Result<()> {
    let pgdata = &agent.cfg.pgdata;
    let Some(pid) = pidfile::live_postmaster(pgdata) else {
        if fsutil::remove_if_exists(&PidFile::path(pgdata))? {
            tracing::info!("removed stale postmaster.pid");
        }
        tracing::info!("PostgreSQL is already stopped");
        return Ok(());
    };
    let t0 = Instant::now();
    let delay = escalation_delay(agent.cfg.escalate_after(standby), agent.ctx.timeout);
    request(agent, StopMode::Fast).await;
    if !wait_gone(agent, (t0 + delay).min(agent.ctx.deadline)).await {
        tracing::warn!(
            "PostgreSQL (pid {pid}) still running {:.1}s after fast shutdown; escalating to immediate",
            t0.elapsed().as_secs_f64()
        );
        request(agent, StopMode::Immediate).await;
        if !wait_gone(agent, agent.ctx.deadline).await {
            let state = match pidfile::proc_state(pid) {
                ProcState::Alive { stopped: true } => {
                    " (the process is stopped by a signal and cannot react)"
                }
                _ => "",
            };
            return Err(Error::Failed(format!(
                "PostgreSQL (pid {pid}) did not stop within {:.0}s after fast and immediate shutdown requests{state}",
                t0.elapsed().as_secs_f64()
            )));
        }
    }
    fsutil::remove_if_exists(&PidFile::path(pgdata))?;
    tracing::info!("PostgreSQL stopped in {:.1}s", t0.elapsed().as_secs_f64());
    Ok(())
}

pub async fn stop(agent: &Agent) -> Result<OcfStatus> {
    let standby = agent.cfg.rep_mode == crate::config::RepMode::Slave;
    stop_server(agent, standby).await?;
    Ok(OcfStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_is_capped_below_the_timeout() {
        let s = Duration::from_secs;
        let table = [
            (s(90), s(120), s(90)),
            (s(90), s(60), s(50)),
            (s(5), s(60), s(5)),
            (s(90), s(8), s(4)),
            (s(0), s(60), s(0)),
        ];
        for (configured, timeout, want) in table {
            assert_eq!(
                escalation_delay(configured, timeout),
                want,
                "{configured:?} {timeout:?}"
            );
        }
    }
}
