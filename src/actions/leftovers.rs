//! What a crashed server leaves that would stop the next start (docs/contract.md §4.1
//! step 3): its backends, still holding the old shared memory for a moment after the
//! postmaster was killed (waited for within the deadline), a stale postmaster.pid, stale
//! socket lock files (a killed postmaster that is still a zombie keeps its pid, so the
//! server's own staleness test fails), and before PostgreSQL 15 a backup_label.

use std::path::{Path, PathBuf};

use tokio::time::Instant;

use super::{Agent, POLL};
use crate::clock;
use crate::config::RepMode;
use crate::error::{Error, Result};
use crate::pg::conftree;
use crate::pg::lockfile::{self, Verdict};
use crate::pg::pidfile::PidFile;
use crate::world::World;

fn pid_list(pids: &[i32]) -> String {
    let words: Vec<String> = pids.iter().map(i32::to_string).collect();
    words.join(", ")
}

/// Waits, within the deadline, until no PostgreSQL process of pgdba works in pgdata any
/// more (the backends of a killed postmaster exit once they notice); fails naming them.
pub async fn wait_for_old_processes<W: World>(w: &mut W, agent: &Agent) -> Result<()> {
    let mut pids = w.server_processes();
    if pids.is_empty() {
        return Ok(());
    }
    let pgdata = agent.cfg.pgdata.display();
    let t0 = Instant::now();
    tracing::warn!(
        "processes of an earlier server still work in {pgdata} (pids {}): waiting for them to exit",
        pid_list(&pids)
    );
    loop {
        if !clock::has(POLL, agent.ctx.deadline) {
            return Err(Error::failed(format!(
                "processes of an earlier server still work in {pgdata} after {:.0}s (pids {}): PostgreSQL cannot start while they hold its shared memory",
                t0.elapsed().as_secs_f64(),
                pid_list(&pids)
            )));
        }
        w.sleep(POLL).await;
        pids = w.server_processes();
        if pids.is_empty() {
            tracing::info!(
                "the processes of the earlier server exited after {:.1}s",
                t0.elapsed().as_secs_f64()
            );
            return Ok(());
        }
    }
}

/// The directories the server's sockets may be in: socketdir, an absolute pghost, the
/// directory the crashed server announced, and those the configuration names.
fn socket_dirs<W: World>(w: &W, agent: &Agent, stale: Option<&PidFile>) -> Vec<PathBuf> {
    let cfg = &agent.cfg;
    let mut dirs: Vec<PathBuf> = cfg.socketdir.iter().cloned().collect();
    if cfg.pghost.starts_with('/') {
        dirs.push(PathBuf::from(&cfg.pghost));
    }
    dirs.extend(stale.and_then(|p| p.socket_dir.clone()));
    let read = |p: &Path| w.read_file(p);
    let list = |d: &Path| w.list_dir(d);
    let names = ["unix_socket_directories", "unix_socket_directory"];
    for v in conftree::settings(&cfg.config, &names, &read, &list)
        .into_iter()
        .flatten()
    {
        dirs.extend(
            v.split(',')
                .map(|d| d.trim().trim_matches('"'))
                .filter(|d| d.starts_with('/'))
                .map(PathBuf::from),
        );
    }
    let mut seen = Vec::new();
    dirs.retain(|d| {
        let new = !seen.contains(d);
        seen.push(d.clone());
        new
    });
    dirs
}

/// Removes the socket lock files of pgport that a dead server of pgdata left.
fn clear_socket_locks<W: World>(w: &mut W, agent: &Agent, stale: Option<&PidFile>) -> Result<()> {
    for dir in socket_dirs(w, agent, stale) {
        let path = lockfile::socket_lock_path(&dir, agent.cfg.pgport);
        let Some(lock) = w.lock_file(&path) else {
            continue;
        };
        match lockfile::judge(&lock, agent.pgdba.uid.as_raw()) {
            Verdict::Stale(why) => {
                if w.remove_pgdba_file(&path)? {
                    tracing::info!("removed stale {}: {why}", path.display());
                }
            }
            Verdict::Keep(why) => tracing::warn!("keeping {}: {why}", path.display()),
        }
    }
    Ok(())
}

/// Waits for the old server's processes, then removes what it left (start, §4.1 step 3;
/// only called when no live postmaster runs in pgdata).
pub async fn clear<W: World>(w: &mut W, agent: &Agent) -> Result<()> {
    wait_for_old_processes(w, agent).await?;
    let pgdata = &agent.cfg.pgdata;
    let pid_file = PidFile::path(pgdata);
    let stale = w.read_file(&pid_file).and_then(|t| PidFile::parse(&t));
    if w.remove_file(&pid_file)? {
        tracing::info!("removed stale postmaster.pid");
    }
    clear_socket_locks(w, agent, stale.as_ref())?;
    let label = pgdata.join("backup_label");
    if agent.cfg.rep_mode == RepMode::None && w.exists(&label) {
        match agent.version {
            Some(v) if v.has_exclusive_backup() => {
                w.remove_file(&label)?;
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

#[cfg(test)]
mod tests;
