//! When validation fails (docs/contract.md §3.3): the agent still never reports a running
//! server as stopped. It looks for a live postmaster of the configured pgdata (read even
//! when other parameters are invalid); with none, stop succeeds and monitor/status say
//! "not running"; with one, monitor/status fail with the validation reason and stop shuts
//! it down anyway (pg_ctl when the configuration allows it, else the postmaster's own
//! signals: SIGINT for a fast shutdown, SIGQUIT for an immediate one).
//! Contract: docs/contract.md §3.3.

use std::path::PathBuf;

use nix::sys::signal::Signal;
use tokio::time::Instant;

use super::frozen::{self, Waited};
use super::{repl, server, Agent, Ctx};
use crate::config::Config;
use crate::error::{chain, Error, Result};
use crate::exec::RunAs;
use crate::ocf::{Action, OcfStatus};
use crate::pg::version::PgVersion;
use crate::world::{RealWorld, World};

/// The data directory as configured, whatever else is wrong.
fn pgdata(ctx: &Ctx) -> PathBuf {
    ctx.env
        .get_os("OCF_RESKEY_pgdata")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(crate::params::default_of("pgdata")))
}

/// An agent good enough to run pg_ctl, when the level-0 configuration was valid and pg_ctl
/// and pgdba exist.
fn pg_ctl_agent(ctx: &Ctx, cfg: Option<Config>) -> Option<Agent> {
    let cfg = cfg?;
    let pgdba = RunAs::lookup(&cfg.pgdba)?;
    if !cfg.pgctl.is_file() {
        return None;
    }
    let version = PgVersion::read(&cfg.pgdata);
    Some(Agent {
        ctx: ctx.clone(),
        cfg,
        pgdba,
        version,
    })
}

/// Stops the postmaster `pid` of `pgdata` with its own signals, within the deadline.
async fn stop_by_signals(ctx: &Ctx, pgdata: PathBuf, pid: i32) -> Result<()> {
    let mut w = RealWorld::new(pgdata, None, None);
    let t0 = Instant::now();
    let configured = std::time::Duration::from_secs(90);
    let plan = server::stop_plan(configured, t0, ctx.deadline);
    tracing::warn!("stopping postmaster {pid} with SIGINT (fast shutdown)");
    server::signal(pid, Signal::SIGINT);
    if frozen::wait_gone(&mut w, pid, plan.fast_until).await == Waited::Gone {
        return Ok(());
    }
    tracing::warn!("postmaster {pid} still running: SIGQUIT (immediate shutdown)");
    server::signal(pid, Signal::SIGQUIT);
    let how = match frozen::wait_gone(&mut w, pid, plan.give_up).await {
        Waited::Gone => return Ok(()),
        // neither resumed nor killed here: Pacemaker's on-fail decides (fencing)
        Waited::Stopped(how) => Some(how),
        Waited::Until => w.process_stopped(pid),
    };
    Err(Error::failed(format!(
        "PostgreSQL (pid {pid}) did not stop within {:.0}s after SIGINT and SIGQUIT{}",
        t0.elapsed().as_secs_f64(),
        frozen::cannot_react(how)
    )))
}

/// What the action returns when validation failed with `e`. `cfg` is the configuration
/// when only the local checks (level 10) failed.
pub async fn on_invalid(ctx: &Ctx, e: Error, cfg: Option<Config>) -> Result<OcfStatus> {
    let dir = pgdata(ctx);
    let live = RealWorld::new(dir.clone(), None, None).postmaster();
    let replication = matches!(ctx.env.reskey("rep_mode"), Some("async") | Some("sync"));
    match (ctx.action, live) {
        (Action::Monitor | Action::Status, Some(pid)) => Err(Error::failed(format!(
            "{}; PostgreSQL is running in {} (postmaster pid {pid})",
            chain(&e),
            dir.display()
        ))),
        (Action::Monitor | Action::Status, None) => {
            if ctx.is_probe() {
                tracing::debug!("probe: {}", chain(&e));
                ctx.tell(&format!(
                    "the configuration is not usable here ({}); no live postmaster in {}: not running",
                    chain(&e),
                    dir.display()
                ));
            } else {
                tracing::error!("{} failed: {}", ctx.action, chain(&e));
                crate::ocf::print_exit_reason(&ctx.env, &chain(&e));
            }
            Ok(OcfStatus::NotRunning)
        }
        (Action::Stop, live) => {
            tracing::error!("stop: configuration is invalid ({})", chain(&e));
            let stopped = match (live, pg_ctl_agent(ctx, cfg)) {
                (None, _) => Ok(()),
                (Some(_), Some(agent)) => {
                    let mut w = agent.world();
                    server::stop_server(&mut w, &agent, false).await
                }
                (Some(pid), None) => stop_by_signals(ctx, dir, pid).await,
            };
            if replication {
                let mut w = RealWorld::new(PathBuf::new(), None, None);
                if let Err(e) = repl::mark_unknown(&mut w, ctx).await {
                    tracing::warn!("cannot record UNKNOWN status: {}", chain(&e));
                }
            }
            stopped.map(|()| OcfStatus::Success)
        }
        _ => Err(e),
    }
}
