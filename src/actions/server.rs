//! The server steps every mode shares (docs/contract.md §4.1, §4.2, §5.6-§5.9): clear
//! what a crashed server left (`leftovers`), prepare the log/socket/stats directories, `pg_ctl start`
//! and wait for monitor_sql, stop with escalation from fast to immediate, promote and wait
//! for the primary, and the agent's include lines in postgresql.conf. All through
//! [`World`], all within the action's deadline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use super::frozen::{self, Waited};
use super::{Agent, POLL};
use crate::clock;
use crate::error::{Error, Result};
use crate::pg::ctl::{self, StopMode};
use crate::pg::pidfile::PidFile;
use crate::pg::{conffile, conftree};
use crate::replication::Effect;
use crate::world::{self, World};

pub use super::stop_plan::{stop_plan, StopPlan};

/// The server log, the socket directory and (before 15) stats_temp_directory.
fn prepare_dirs<W: World>(w: &mut W, agent: &Agent) -> Result<()> {
    let cfg = &agent.cfg;
    if cfg.logfile != Path::new("/dev/null") {
        if !w.reachable_by_pgdba(&cfg.logfile) {
            return Err(Error::permission(format!(
                "log file {} is in a directory {} cannot enter",
                cfg.logfile.display(),
                cfg.pgdba
            )));
        }
        w.ensure_file(&cfg.logfile, 0o640)?;
        if !w.writable_by_pgdba(&cfg.logfile) {
            return Err(Error::permission(format!(
                "log file {} is not writable by {}",
                cfg.logfile.display(),
                cfg.pgdba
            )));
        }
    }
    if let Some(dir) = &cfg.socketdir {
        if !w.exists(dir) {
            w.ensure_dir(dir, 0o2775)?;
        } else if !w.writable_by_pgdba(dir) {
            return Err(Error::permission(format!(
                "socket directory {} is not writable by {}",
                dir.display(),
                cfg.pgdba
            )));
        }
    }
    // a server of 15 or later does not know the setting (and refuses to start with it):
    // nothing to make for it; an unreadable PG_VERSION counts as an older server
    let has_stats = agent.version.is_none_or(|v| v.has_stats_temp_directory());
    let stats = has_stats.then(|| {
        let read = |p: &Path| w.read_file(p);
        let list = |d: &Path| w.list_dir(d);
        conftree::setting(&cfg.config, "stats_temp_directory", &read, &list)
    });
    if let Some(stats) = stats.flatten() {
        let p = PathBuf::from(&stats);
        let p = if p.is_absolute() {
            p
        } else {
            cfg.pgdata.join(p)
        };
        if !w.exists(&p) {
            w.ensure_dir(&p, 0o700)?;
        }
    }
    Ok(())
}

fn read_config<W: World>(w: &W, agent: &Agent) -> Result<String> {
    let conf = &agent.cfg.config;
    w.read_file(conf).ok_or_else(|| {
        Error::io(
            format!("cannot read {}", conf.display()),
            std::io::Error::other("unreadable"),
        )
    })
}

/// Adds the agent's include line for `file` to postgresql.conf when missing.
pub fn ensure_include<W: World>(w: &mut W, agent: &Agent, file: &Path) -> Result<()> {
    let conf = &agent.cfg.config;
    if let Some(new) = conffile::with_include(&read_config(w, agent)?, file) {
        w.replace_file(conf, &new)?;
        tracing::info!("added include of {} to {}", file.display(), conf.display());
    }
    Ok(())
}

/// Removes the agent's include line for `file` from postgresql.conf when present.
pub fn remove_include<W: World>(w: &mut W, agent: &Agent, file: &Path) -> Result<()> {
    let conf = &agent.cfg.config;
    if let Some(new) = conffile::without_include(&read_config(w, agent)?, file) {
        w.replace_file(conf, &new)?;
        tracing::info!(
            "removed the include of {} from {}",
            file.display(),
            conf.display()
        );
    }
    Ok(())
}

/// Creates tmpdir (mode 700, owned by pgdba); failing that is a permission problem.
pub fn ensure_tmpdir<W: World>(w: &mut W, agent: &Agent) -> Result<()> {
    w.ensure_dir(&agent.cfg.tmpdir, 0o700).map_err(|e| {
        Error::permission(format!(
            "tmpdir {} cannot be prepared: {}",
            agent.cfg.tmpdir.display(),
            crate::error::chain(&e)
        ))
    })
}

/// Applies one of the file effects a standby's recovery configuration and rep_mode.conf
/// consist of (`PrepareTmpdir`, `WriteFile`, `RemoveFile`, `AddInclude`, `RemoveInclude`);
/// false for any other effect.
pub fn apply_file_effect<W: World>(w: &mut W, agent: &Agent, e: &Effect) -> Result<bool> {
    match e {
        Effect::PrepareTmpdir => ensure_tmpdir(w, agent)?,
        Effect::WriteFile { path, text } => w.write_file(path, text.as_bytes(), 0o600)?,
        Effect::RemoveFile(path) => {
            if w.remove_file(path)? {
                tracing::debug!("removed {}", path.display());
            }
        }
        Effect::AddInclude(file) => ensure_include(w, agent, file)?,
        Effect::RemoveInclude(file) => remove_include(w, agent, file)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// The line of the server log that explains a failed start: the last FATAL or PANIC
/// line, else the last line.
fn log_tail<W: World>(w: &W, path: &Path) -> String {
    if path == Path::new("/dev/null") {
        return String::new();
    }
    let Some(text) = w.read_tail(path, 64 * 1024) else {
        return String::new();
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines
        .iter()
        .rev()
        .find(|l| l.contains("FATAL:") || l.contains("PANIC:"))
        .or(lines.last())
        .map(|l| format!("; server log: {l}"))
        .unwrap_or_default()
}

/// Connects afresh and runs monitor_sql once, before `deadline`.
pub async fn check_sql<W: World>(w: &mut W, agent: &Agent, deadline: Instant) -> Result<()> {
    w.disconnect();
    w.monitor_query(&agent.cfg.monitor_sql, deadline).await?;
    Ok(())
}

/// What "the server is up" means for a start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    /// monitor_sql succeeds (rep_mode none and slave, a restart as primary).
    MonitorSql,
    /// `pg_is_in_recovery()` is true: a standby of the promotable clone, where
    /// monitor_sql may be a statement that cannot run during recovery.
    Standby,
}

/// One readiness check: Ok(true) ready, Ok(false) not yet.
async fn ready<W: World>(w: &mut W, agent: &Agent, how: Ready, until: Instant) -> Result<bool> {
    match how {
        Ready::MonitorSql => check_sql(w, agent, until).await.map(|()| true),
        Ready::Standby => {
            w.disconnect();
            let sets = w.query(crate::pg::queries::IS_IN_RECOVERY, until).await?;
            match sets.first().and_then(|s| s.first()).and_then(|r| r.first()) {
                Some(Some(v)) if v == "t" => Ok(true),
                Some(Some(v)) if v == "f" => Err(Error::failed(
                    "PostgreSQL came up as a primary where a standby was started (is standby.signal or recovery.conf missing?)",
                )),
                _ => Ok(false),
            }
        }
    }
}

/// Launches the server with pg_ctl and waits until it is ready (`how`).
async fn launch_and_wait<W: World>(w: &mut W, agent: &Agent, how: Ready) -> Result<()> {
    let cfg = &agent.cfg;
    let t0 = Instant::now();
    let spec = ctl::start(cfg, &agent.pgdba);
    tracing::info!("starting PostgreSQL: {}", spec.display());
    world::run_ok(w, &spec, agent.ctx.deadline).await?;
    let mut last_err = String::from("no answer yet");
    loop {
        if w.postmaster().is_some() {
            let attempt = clock::within(Duration::from_secs(5), agent.ctx.deadline);
            match ready(w, agent, how, attempt).await {
                Ok(false) => last_err = "still starting".to_string(),
                Ok(true) => {
                    tracing::info!("PostgreSQL started in {:.1}s", t0.elapsed().as_secs_f64());
                    return Ok(());
                }
                Err(Error::Pg(e)) if e.is_transient() => last_err = e.to_string(),
                Err(e) => return Err(e),
            }
        } else if t0.elapsed() > Duration::from_secs(2) {
            return Err(Error::failed(format!(
                "PostgreSQL exited during start{}",
                log_tail(w, &cfg.logfile)
            )));
        }
        if !clock::has(POLL, agent.ctx.deadline) {
            return Err(Error::failed(format!(
                "PostgreSQL did not accept connections within {:.0}s: {last_err}",
                t0.elapsed().as_secs_f64()
            )));
        }
        w.sleep(POLL).await;
    }
}

/// Clears leftovers, prepares directories, launches and waits (the part of start every
/// mode shares once its configuration files are written).
pub async fn prepare_and_launch<W: World>(w: &mut W, agent: &Agent, how: Ready) -> Result<()> {
    super::leftovers::clear(w, agent).await?;
    prepare_dirs(w, agent)?;
    launch_and_wait(w, agent, how).await
}

/// Sends `signal` to `pid` (a postmaster that pg_ctl cannot reach).
pub fn signal(pid: i32, signal: nix::sys::signal::Signal) {
    if let Err(e) = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal) {
        tracing::warn!("cannot send {signal} to postmaster {pid}: {e}");
    }
}

async fn request_stop<W: World>(w: &mut W, agent: &Agent, mode: StopMode) {
    let spec = ctl::stop(&agent.cfg, &agent.pgdba, mode);
    let limit = clock::within(Duration::from_secs(10), agent.ctx.deadline);
    match w.run(&spec, limit).await {
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
pub async fn stop_server<W: World>(w: &mut W, agent: &Agent, standby: bool) -> Result<()> {
    let pgdata = &agent.cfg.pgdata;
    w.disconnect();
    let Some(pid) = w.postmaster() else {
        if w.remove_file(&PidFile::path(pgdata))? {
            tracing::info!("removed stale postmaster.pid");
        }
        tracing::info!("PostgreSQL is already stopped");
        return Ok(());
    };
    let t0 = Instant::now();
    let configured = agent.cfg.escalate_after(standby);
    let plan = stop_plan(configured, t0, agent.ctx.deadline);
    // stop_escalate 0 (PG-REX's setting) means an immediate shutdown straight away
    let fast_first = !configured.is_zero();
    let fast = if fast_first {
        request_stop(w, agent, StopMode::Fast).await;
        frozen::wait_gone(w, pid, plan.fast_until).await
    } else {
        Waited::Until
    };
    if fast != Waited::Gone {
        if let Waited::Stopped(how) = fast {
            tracing::warn!(
                "PostgreSQL (pid {pid}) stays stopped (state {}) after the fast shutdown request; escalating to immediate",
                how.letter()
            );
        } else if fast_first {
            tracing::warn!(
                "PostgreSQL (pid {pid}) still running {:.1}s after fast shutdown; escalating to immediate",
                t0.elapsed().as_secs_f64()
            );
        }
        request_stop(w, agent, StopMode::Immediate).await;
        let waited = frozen::wait_gone(w, pid, plan.give_up).await;
        if waited != Waited::Gone {
            // neither resumed nor killed here: Pacemaker's on-fail decides (fencing)
            let how = match waited {
                Waited::Stopped(how) => Some(how),
                _ => w.process_stopped(pid),
            };
            let requests = if fast_first {
                "fast and immediate shutdown requests"
            } else {
                "an immediate shutdown request"
            };
            return Err(Error::failed(format!(
                "PostgreSQL (pid {pid}) did not stop within {:.0}s after {requests}{}",
                t0.elapsed().as_secs_f64(),
                frozen::cannot_react(how)
            )));
        }
    }
    w.remove_file(&PidFile::path(pgdata))?;
    tracing::info!("PostgreSQL stopped in {:.1}s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// `pg_ctl promote` (at most 30 s).
pub async fn promote<W: World>(w: &mut W, agent: &Agent) -> Result<()> {
    let limit = clock::within(Duration::from_secs(30), agent.ctx.deadline);
    world::run_ok(w, &ctl::promote(&agent.cfg, &agent.pgdba), limit).await?;
    tracing::info!("promote requested");
    Ok(())
}

/// Waits until the server answers as a primary, or the deadline passes.
pub async fn wait_primary<W: World>(w: &mut W, agent: &Agent) -> Result<()> {
    let deadline = agent.ctx.deadline;
    let t0 = Instant::now();
    loop {
        w.disconnect();
        let last = match w.query(crate::pg::queries::IS_IN_RECOVERY, deadline).await {
            Ok(sets) => match sets.first().and_then(|s| s.first()).and_then(|r| r.first()) {
                Some(Some(v)) if v == "f" => {
                    tracing::info!(
                        "PostgreSQL is primary after {:.1}s",
                        t0.elapsed().as_secs_f64()
                    );
                    return Ok(());
                }
                _ => "still in recovery".to_string(),
            },
            Err(e) => e.to_string(),
        };
        if w.postmaster().is_none() {
            return Err(Error::failed("PostgreSQL exited while being promoted"));
        }
        if !clock::has(POLL, deadline) {
            return Err(Error::failed(format!(
                "PostgreSQL did not become primary within {:.0}s: {last}",
                t0.elapsed().as_secs_f64()
            )));
        }
        w.sleep(POLL).await;
    }
}
