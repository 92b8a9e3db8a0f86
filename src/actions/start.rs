//! start for rep_mode none and slave (SPEC section 4): clear a stale postmaster.pid (and a
//! stale backup_label where exclusive backups existed), prepare the log file, socket and
//! stats directories, write the standby's recovery configuration (slave), `pg_ctl start`,
//! and wait, within the deadline, until monitor_sql answers.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use super::{monitor, Agent, POLL};
use crate::config::RepMode;
use crate::error::{Error, Result};
use crate::exec::RunAs;
use crate::fsutil;
use crate::ocf::OcfStatus;
use crate::pg::conffile::{self, Recovery};
use crate::pg::ctl;
use crate::pg::pidfile::{self, PidFile};
use crate::pg::version::PgVersion;

/// Removes what a crashed server left that would stop the next start.
fn clear_leftovers(agent: &Agent) -> Result<()> {
    let pgdata = &agent.cfg.pgdata;
    if fsutil::remove_if_exists(&PidFile::path(pgdata))? {
        tracing::info!("removed stale postmaster.pid");
    }
    let label = pgdata.join("backup_label");
    if agent.cfg.rep_mode == RepMode::None && label.exists() {
        match agent.version {
            Some(v) if v.has_exclusive_backup() => {
                fsutil::remove_if_exists(&label)?;
                tracing::info!("removed backup_label left by an interrupted exclusive backup");
            }
            _ => tracing::warn!(
                "keeping {}: on PostgreSQL 15 and later it belongs to a restored base backup",
                label.display()
            ),
        }
    }
    Ok(())
}

/// The server log, the socket directory and (before 15) stats_temp_directory.
fn prepare_dirs(agent: &Agent) -> Result<()> {
    let cfg = &agent.cfg;
    let who = &agent.pgdba;
    if cfg.logfile != Path::new("/dev/null") {
        if !fsutil::reachable_by(&cfg.logfile, who) {
            return Err(Error::Permission(format!(
                "log file {} is in a directory {} cannot enter",
                cfg.logfile.display(),
                cfg.pgdba
            )));
        }
        fsutil::ensure_file(&cfg.logfile, who, 0o640)?;
        if !fsutil::writable_by(&cfg.logfile, who) {
            return Err(Error::Permission(format!(
                "log file {} is not writable by {}",
                cfg.logfile.display(),
                cfg.pgdba
            )));
        }
    }
    if let Some(dir) = &cfg.socketdir {
        if !dir.exists() {
            fsutil::ensure_dir(dir, who, 0o2775)?;
        } else if !fsutil::writable_by(dir, who) {
            return Err(Error::Permission(format!(
                "socket directory {} is not writable by {}",
                dir.display(),
                cfg.pgdba
            )));
        }
    }
    if let Ok(text) = std::fs::read_to_string(&cfg.config) {
        if let Some(stats) = conffile::setting(&text, "stats_temp_directory") {
            let p = PathBuf::from(&stats);
            let p = if p.is_absolute() {
                p
            } else {
                cfg.pgdata.join(p)
            };
            if !p.is_dir() {
                fsutil::ensure_dir(&p, who, 0o700)?;
            }
        }
    }
    Ok(())
}

/// Rewrites a file the operator owns (postgresql.conf) keeping its owner and mode.
pub fn rewrite_keeping_owner(path: &Path, text: &str) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let owner = RunAs {
        name: String::new(),
        uid: nix::unistd::Uid::from_raw(meta.uid()),
        gid: nix::unistd::Gid::from_raw(meta.gid()),
        groups: Vec::new(),
        home: PathBuf::new(),
    };
    fsutil::write_atomic(
        path,
        text.as_bytes(),
        Some(&owner),
        meta.permissions().mode() & 0o7777,
    )
}

/// Adds the agent's include line for `file` to postgresql.conf when missing.
pub fn ensure_include(agent: &Agent, file: &Path) -> Result<()> {
    let conf = &agent.cfg.config;
    let text = std::fs::read_to_string(conf)
        .map_err(|e| Error::io(format!("cannot read {}", conf.display()), e))?;
    if let Some(new) = conffile::with_include(&text, file) {
        rewrite_keeping_owner(conf, &new)?;
        tracing::info!("added include of {} to {}", file.display(), conf.display());
    }
    Ok(())
}

/// Creates tmpdir (mode 700, owned by pgdba); failing that is a permission problem.
pub fn ensure_tmpdir(agent: &Agent) -> Result<()> {
    fsutil::ensure_dir(&agent.cfg.tmpdir, &agent.pgdba, 0o700).map_err(|e| {
        Error::Permission(format!(
            "tmpdir {} cannot be prepared: {e}",
            agent.cfg.tmpdir.display()
        ))
    })
}

/// Writes the recovery configuration of a standby that follows master_ip.
pub async fn write_recovery(agent: &Agent) -> Result<()> {
    let cfg = &agent.cfg;
    let who = &agent.pgdba;
    let version = agent.version.unwrap_or(PgVersion::new(12, 0));
    let node = agent.local_node_name().await;
    let rec = Recovery {
        master_ip: cfg.master_ip.clone(),
        port: cfg.pgport,
        repuser: cfg.repuser.clone(),
        application_name: node.clone(),
        conninfo_opt: cfg.primary_conninfo_opt.clone(),
        restore_command: cfg.restore_command.clone(),
        archive_cleanup_command: cfg.archive_cleanup_command.clone(),
        recovery_end_command: cfg.recovery_end_command.clone(),
        slot_name: (!cfg.replication_slot_name.is_empty())
            .then(|| conffile::slot_name(&cfg.replication_slot_name, &node)),
    };
    let text = rec.render(version);
    ensure_tmpdir(agent)?;
    if version.uses_standby_signal() {
        let file = cfg.tmpdir.join("recovery.conf");
        fsutil::write_atomic(&file, text.as_bytes(), Some(who), 0o600)?;
        ensure_include(agent, &file)?;
        fsutil::write_atomic(&cfg.pgdata.join("standby.signal"), b"", Some(who), 0o600)?;
    } else {
        fsutil::write_atomic(
            &cfg.pgdata.join("recovery.conf"),
            text.as_bytes(),
            Some(who),
            0o600,
        )?;
    }
    tracing::info!(
        "wrote the recovery configuration (primary {})",
        cfg.master_ip
    );
    Ok(())
}

/// The line of the server log that explains a failed start: the last FATAL or PANIC
/// line, else the last line.
fn log_tail(path: &Path) -> String {
    if path == Path::new("/dev/null") {
        return String::new();
    }
    let Ok(text) = std::fs::read_to_string(path) else {
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

/// Launches the server with pg_ctl and waits until monitor_sql succeeds.
pub async fn launch_and_wait(agent: &Agent) -> Result<()> {
    let cfg = &agent.cfg;
    let t0 = Instant::now();
    let spec = ctl::start(cfg, &agent.pgdba);
    tracing::info!("starting PostgreSQL: {}", spec.display());
    spec.run_ok(agent.ctx.deadline).await?;
    let mut last_err = String::from("no answer yet");
    loop {
        let alive = pidfile::live_postmaster(&cfg.pgdata).is_some();
        if alive {
            let attempt = (Instant::now() + Duration::from_secs(5)).min(agent.ctx.deadline);
            match monitor::check_sql(agent, attempt).await {
                Ok(()) => {
                    tracing::info!("PostgreSQL started in {:.1}s", t0.elapsed().as_secs_f64());
                    return Ok(());
                }
                Err(Error::Pg(e)) if e.is_transient() => last_err = e.to_string(),
                Err(e) => return Err(e),
            }
        } else if t0.elapsed() > Duration::from_secs(2) {
            return Err(Error::Failed(format!(
                "PostgreSQL exited during start{}",
                log_tail(&cfg.logfile)
            )));
        }
        if Instant::now() + POLL >= agent.ctx.deadline {
            return Err(Error::Failed(format!(
                "PostgreSQL did not accept connections within {:.0}s: {last_err}",
                t0.elapsed().as_secs_f64()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Clears leftovers, prepares directories, launches and waits (the part of start every
/// mode shares once its configuration files are written).
pub async fn prepare_and_launch(agent: &Agent) -> Result<()> {
    clear_leftovers(agent)?;
    prepare_dirs(agent)?;
    launch_and_wait(agent).await
}

pub async fn start(agent: &Agent) -> Result<OcfStatus> {
    if let Some(pid) = pidfile::live_postmaster(&agent.cfg.pgdata) {
        tracing::info!("PostgreSQL is already running (postmaster pid {pid})");
        return Ok(OcfStatus::Success);
    }
    if agent.cfg.rep_mode == RepMode::Slave {
        write_recovery(agent).await?;
    }
    prepare_and_launch(agent).await?;
    Ok(OcfStatus::Success)
}
