//! A recording fake of [`World`] for unit tests (docs/contract.md §5): an in-memory file
//! system, scripted cluster tools and a simulated server, and the list of everything the
//! action did, in order.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

use tokio::time::Instant;

use super::{Rows, World};
use crate::error::Result;
use crate::exec::{CommandSpec, ExecError, Output};
use crate::pg::lockfile::LockFile;
use crate::pg::pidfile::Stopped;
use crate::pg::PgError;

/// One thing the action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A child's argv, space separated.
    Run(String),
    /// One SQL round trip as pgdba.
    Query(String),
    /// One round trip of monitor_sql as monitor_user.
    MonitorQuery(String),
    /// A file written (path, text).
    Write(PathBuf, String),
    /// postgresql.conf rewritten (path, text).
    Replace(PathBuf, String),
    /// A file removed (only when it existed).
    Remove(PathBuf),
    /// A pause.
    Sleep(Duration),
    /// A connection probe (`host:port`, and the time it was given).
    Probe(String, Duration),
}

/// The fake world.
#[derive(Debug, Default)]
pub struct FakeWorld {
    /// What happened, in order.
    pub events: Vec<Event>,
    /// Files by path.
    pub files: BTreeMap<PathBuf, String>,
    /// Directories that exist.
    pub dirs: BTreeSet<PathBuf>,
    /// The postmaster's pid while the simulated server runs.
    pub postmaster: Option<i32>,
    /// The server is a standby.
    pub in_recovery: bool,
    /// The server's WAL position (`X/Y`).
    pub location: String,
    /// pg_stat_replication rows (application_name, state, sync_state).
    pub replication: Vec<[String; 3]>,
    /// What the server reports as synchronous_standby_names.
    pub sync_names: String,
    /// What crm_mon prints.
    pub crm_mon: String,
    /// Tools (file names) that exit 1.
    pub failing: BTreeSet<String>,
    /// pg_ctl stop has no effect (a server that will not stop).
    pub stuck: bool,
    /// A standby's WAL receiver is not running.
    pub receiver_down: bool,
    /// A standby's WAL receiver says `streaming` (when it runs).
    pub receiver_streaming: bool,
    /// The streaming receiver's identity the facts query reports (empty: none).
    pub receiver_conn: String,
    /// A TCP probe finds a server listening (promote's upstream).
    pub upstream_answers: bool,
    /// Writes and removals under this directory fail (a full or read-only tmpdir).
    pub read_only: Option<PathBuf>,
    /// Lock files a server left, by path (removed by `remove_pgdba_file`).
    pub locks: BTreeMap<PathBuf, LockFile>,
    /// Processes of a killed server still working in pgdata...
    pub lingering: Vec<i32>,
    /// ...until the action has slept this long in total (`None`: for ever).
    pub lingering_for: Option<Duration>,
    /// The postmaster is stopped (state T or t: it cannot answer nor shut down)...
    pub frozen: Option<Stopped>,
    /// ...until the action has slept this long in total (`None`: for ever).
    pub frozen_for: Option<Duration>,
    /// What other programs print, by file name (pg_controldata, pg_waldump).
    pub outputs: BTreeMap<String, String>,
}

fn status(code: i32) -> ExitStatus {
    ExitStatus::from_raw(code << 8)
}

impl FakeWorld {
    /// The argv of every child whose program ends with `name`.
    pub fn runs(&self, name: &str) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Run(a) if a.split(' ').next().is_some_and(|p| p.ends_with(name)) => {
                    Some(a.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// Every SQL round trip.
    pub fn queries(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Query(q) => Some(q.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every monitor_sql round trip (as monitor_user).
    pub fn monitor_queries(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::MonitorQuery(q) => Some(q.clone()),
                _ => None,
            })
            .collect()
    }

    /// The paths written, in order.
    pub fn written(&self) -> Vec<PathBuf> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Write(p, _) | Event::Replace(p, _) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// How long the action has slept so far.
    pub fn slept(&self) -> Duration {
        self.events
            .iter()
            .map(|e| match e {
                Event::Sleep(d) => *d,
                _ => Duration::ZERO,
            })
            .sum()
    }

    fn check_writable(&self, path: &Path) -> Result<()> {
        match &self.read_only {
            Some(dir) if path.starts_with(dir) => Err(crate::error::Error::io(
                format!("cannot write {}", path.display()),
                std::io::Error::from_raw_os_error(libc::EROFS),
            )),
            _ => Ok(()),
        }
    }

    /// Is the postmaster stopped at this moment?
    fn frozen_now(&self) -> bool {
        self.postmaster
            .is_some_and(|pid| self.process_stopped(pid).is_some())
    }

    /// No server: unreachable; a stopped one: no answer until the deadline.
    fn reachable(&self) -> Result<(), PgError> {
        if self.postmaster.is_none() {
            return Err(PgError::Unreachable {
                target: "fake".into(),
                detail: "no server".into(),
            });
        }
        if self.frozen_now() {
            return Err(PgError::Timeout {
                target: "fake".into(),
            });
        }
        Ok(())
    }

    fn receiver_streams(&self) -> bool {
        self.in_recovery && !self.receiver_down && self.receiver_streaming
    }

    fn answer(&self, sql: &str) -> Rows {
        let s = |v: &str| Some(v.to_string());
        let t = if self.in_recovery { "t" } else { "f" };
        if sql.starts_with("select pg_is_in_recovery(),") {
            let loc = s(&self.location);
            let (replay, current) = if self.in_recovery {
                (loc, None)
            } else {
                (None, loc)
            };
            return vec![vec![
                s(t),
                replay,
                None,
                current,
                s(if self.in_recovery && !self.receiver_down {
                    "1"
                } else {
                    "0"
                }),
                s(&self.sync_names),
                s(if self.receiver_streams() { "t" } else { "f" }),
                Some(self.receiver_conn.clone())
                    .filter(|c| self.receiver_streams() && !c.is_empty()),
            ]];
        }
        if sql == crate::pg::queries::IS_IN_RECOVERY {
            return vec![vec![s(t)]];
        }
        if sql == crate::pg::queries::SYNC_STANDBY_NAMES {
            return vec![vec![s(&self.sync_names)]];
        }
        Vec::new()
    }
}

impl World for FakeWorld {
    async fn run(&mut self, spec: &CommandSpec, _deadline: Instant) -> Result<Output, ExecError> {
        let argv = spec.display();
        self.events.push(Event::Run(argv.clone()));
        let name = spec
            .program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let args: Vec<String> = spec
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let mut out = Output {
            status: status(0),
            stdout: String::new(),
            stderr: String::new(),
        };
        if self.failing.contains(&name) {
            out.status = status(1);
            out.stderr = format!("{name}: simulated failure");
            return Ok(out);
        }
        match name.as_str() {
            "crm_mon" => out.stdout = self.crm_mon.clone(),
            "cibadmin" => out.stdout = "<nodes/>".into(),
            "pg_ctl" if args.iter().any(|a| a == "start") => self.postmaster = Some(4242),
            // a stopped postmaster cannot shut down either
            "pg_ctl" if args.iter().any(|a| a == "stop") && !self.stuck && !self.frozen_now() => {
                self.postmaster = None;
            }
            "pg_ctl" if args.iter().any(|a| a == "promote") => self.in_recovery = false,
            _ => out.stdout = self.outputs.get(&name).cloned().unwrap_or_default(),
        }
        Ok(out)
    }

    async fn query(&mut self, sql: &str, _deadline: Instant) -> Result<Vec<Rows>, PgError> {
        self.events.push(Event::Query(sql.to_string()));
        self.reachable()?;
        let mut sets: Vec<Rows> = sql.split("; ").map(|q| self.answer(q)).collect();
        if sql.starts_with("select pg_is_in_recovery(),") {
            let s = |v: &String| Some(v.clone());
            sets[1] = self
                .replication
                .iter()
                .map(|r| vec![s(&r[0]), s(&r[1]), s(&r[2])])
                .collect();
        }
        if sql == crate::pg::queries::REPLICATION_STATE {
            let s = |v: &String| Some(v.clone());
            sets[0] = self
                .replication
                .iter()
                .map(|r| vec![s(&r[0]), s(&r[1]), s(&r[2])])
                .collect();
        }
        Ok(sets)
    }

    async fn monitor_query(&mut self, sql: &str, _deadline: Instant) -> Result<Vec<Rows>, PgError> {
        self.events.push(Event::MonitorQuery(sql.to_string()));
        self.reachable()?;
        Ok(sql.split("; ").map(|q| self.answer(q)).collect())
    }

    fn disconnect(&mut self) {}

    fn postmaster(&self) -> Option<i32> {
        self.postmaster
    }

    fn process_stopped(&self, _pid: i32) -> Option<Stopped> {
        match self.frozen_for {
            Some(d) if self.slept() >= d => None,
            _ => self.frozen,
        }
    }

    fn wal_receiver(&self, _postmaster: i32) -> bool {
        self.in_recovery && !self.receiver_down
    }

    fn read_file(&self, path: &Path) -> Option<String> {
        self.files.get(path).cloned()
    }

    fn list_dir(&self, dir: &Path) -> Vec<String> {
        self.files
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect()
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.dirs.contains(path)
    }

    fn write_file(&mut self, path: &Path, contents: &[u8], _mode: u32) -> Result<()> {
        self.check_writable(path)?;
        let text = String::from_utf8_lossy(contents).into_owned();
        self.events.push(Event::Write(path.into(), text.clone()));
        self.files.insert(path.into(), text);
        Ok(())
    }

    fn replace_file(&mut self, path: &Path, text: &str) -> Result<()> {
        self.events.push(Event::Replace(path.into(), text.into()));
        self.files.insert(path.into(), text.into());
        Ok(())
    }

    fn remove_file(&mut self, path: &Path) -> Result<bool> {
        self.check_writable(path)?;
        let had = self.files.remove(path).is_some();
        if had {
            self.events.push(Event::Remove(path.into()));
        }
        Ok(had)
    }

    fn lock_file(&self, path: &Path) -> Option<LockFile> {
        self.locks.get(path).cloned()
    }

    fn remove_pgdba_file(&mut self, path: &Path) -> Result<bool> {
        let had = self.locks.remove(path).is_some();
        if had {
            self.events.push(Event::Remove(path.into()));
        }
        Ok(had)
    }

    fn server_processes(&self) -> Vec<i32> {
        match self.lingering_for {
            Some(d) if self.slept() >= d => Vec::new(),
            _ => self.lingering.clone(),
        }
    }

    fn ensure_dir(&mut self, path: &Path, _mode: u32) -> Result<()> {
        self.dirs.insert(path.into());
        Ok(())
    }

    fn ensure_file(&mut self, path: &Path, _mode: u32) -> Result<()> {
        self.files.entry(path.into()).or_default();
        Ok(())
    }

    fn writable_by_pgdba(&self, _path: &Path) -> bool {
        true
    }

    fn reachable_by_pgdba(&self, _path: &Path) -> bool {
        true
    }

    async fn accepts_connection(&mut self, host: &str, port: u16, deadline: Instant) -> bool {
        let limit = deadline.saturating_duration_since(Instant::now());
        self.events
            .push(Event::Probe(format!("{host}:{port}"), limit));
        self.upstream_answers
    }

    async fn sleep(&mut self, d: Duration) {
        self.events.push(Event::Sleep(d));
        tokio::time::sleep(d).await;
    }
}
