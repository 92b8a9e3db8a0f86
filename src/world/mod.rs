//! The seam between the agent and the outside world (docs/contract.md §8): every child
//! process, every SQL round trip, every file the agent reads or writes, promote's probe of
//! the upstream (§5.9) and every pause goes through [`World`]. The binary has one implementation, [`RealWorld`]; unit tests pass a
//! recording fake (`world::fake`) to check an action's whole sequence without root,
//! Pacemaker or PostgreSQL.

#[cfg(test)]
pub mod fake;
pub mod probe;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;
use tokio_postgres::Client;

use crate::error::Result;
use crate::exec::{CommandSpec, ExecError, Output, RunAs};
use crate::fsutil;
use crate::pg::lockfile::LockFile;
use crate::pg::pidfile::Stopped;
use crate::pg::sql::{self, Login, Target};
use crate::pg::{pidfile, PgError};

/// At most this many names of one directory are listed (the real world).
pub const MAX_LISTED: usize = 10_000;

/// The rows of one statement, each column as text (NULL as `None`).
pub type Rows = Vec<Vec<Option<String>>>;

/// Everything an action does outside its own memory.
#[allow(async_fn_in_trait)]
pub trait World {
    /// Runs one child process to completion or until `deadline`.
    async fn run(&mut self, spec: &CommandSpec, deadline: Instant) -> Result<Output, ExecError>;
    /// One round trip of SQL text (one or more statements) on the agent's connection, as
    /// pgdba, connecting first when there is none; one [`Rows`] per statement.
    async fn query(&mut self, sql: &str, deadline: Instant) -> Result<Vec<Rows>, PgError>;
    /// One round trip of monitor_sql, as monitor_user (on the pgdba connection when
    /// monitor_user is empty or pgdba).
    async fn monitor_query(&mut self, sql: &str, deadline: Instant) -> Result<Vec<Rows>, PgError>;
    /// Closes the connections (the server is about to stop, restart or change role).
    fn disconnect(&mut self);
    /// The pid of the live postmaster of pgdata, if there is one.
    fn postmaster(&self) -> Option<i32>;
    /// Is process `pid` stopped, by a signal (state T) or by its tracer (state t), and so
    /// unable to answer or react until somebody resumes it? `None` when it is not (or is
    /// gone).
    fn process_stopped(&self, pid: i32) -> Option<Stopped>;
    /// Does the postmaster `pid` have a WAL receiver child (/proc, every version)?
    fn wal_receiver(&self, postmaster: i32) -> bool;
    /// The text of a file, `None` when it cannot be read. The real world reads without
    /// blocking and within a size limit, and follows a symlink only when it trusts it
    /// (`fsutil::read_trusted`).
    fn read_file(&self, path: &Path) -> Option<String>;
    /// The last `max_bytes` of a file that may be long (the server log), from a line
    /// start; `None` when it cannot be read. By default the whole [`World::read_file`].
    fn read_tail(&self, path: &Path, max_bytes: u64) -> Option<String> {
        let _ = max_bytes;
        self.read_file(path)
    }
    /// The names of the entries of a directory (empty when it cannot be read; the real
    /// world lists at most [`MAX_LISTED`]).
    fn list_dir(&self, dir: &Path) -> Vec<String>;
    /// Does `path` exist?
    fn exists(&self, path: &Path) -> bool;
    /// Writes a file atomically, owned by pgdba, with `mode`.
    fn write_file(&mut self, path: &Path, contents: &[u8], mode: u32) -> Result<()>;
    /// Rewrites a file the operator owns (postgresql.conf), keeping its owner and mode.
    fn replace_file(&mut self, path: &Path, text: &str) -> Result<()>;
    /// Removes a file; true when there was one.
    fn remove_file(&mut self, path: &Path) -> Result<bool>;
    /// The facts about a lock file a server left (`.s.PGSQL.<port>.lock`), gathered
    /// without following a symlink; `None` when there is none.
    fn lock_file(&self, path: &Path) -> Option<LockFile>;
    /// Removes a regular file owned by pgdba, never through a symlink (anything else is
    /// an error, OCF_ERR_PERM); true when there was one.
    fn remove_pgdba_file(&mut self, path: &Path) -> Result<bool>;
    /// The live PostgreSQL processes of pgdba working in pgdata (with no live
    /// postmaster: the backends of a killed one, still holding its shared memory).
    fn server_processes(&self) -> Vec<i32>;
    /// Makes sure a directory exists, owned by pgdba: a missing one is created with
    /// `mode`; an existing one that is a symlink or belongs to another user is an error
    /// (OCF_ERR_PERM) and is never re-owned or re-moded.
    fn ensure_dir(&mut self, path: &Path, mode: u32) -> Result<()>;
    /// Creates an empty file owned by pgdba when it does not exist (the server log); a
    /// symlink there is an error (OCF_ERR_PERM), never followed.
    fn ensure_file(&mut self, path: &Path, mode: u32) -> Result<()>;
    /// Could pgdba write to `path`?
    fn writable_by_pgdba(&self, path: &Path) -> bool;
    /// Could pgdba reach (traverse to) `path`?
    fn reachable_by_pgdba(&self, path: &Path) -> bool;
    /// Does a server accept a connection at `host` and `port` by `deadline`? `host` as
    /// libpq reads it: an address or a name (resolved here) for TCP, an absolute path for a
    /// socket directory. Refused, unreachable, unresolvable or no answer in time is false.
    /// promote's probe of the upstream (docs/contract.md §5.9).
    async fn accepts_connection(&mut self, host: &str, port: u16, deadline: Instant) -> bool;
    /// Waits `d`.
    async fn sleep(&mut self, d: Duration);
}

/// How the real world reaches the server with a login; called at each connect, since the
/// socket directory may come from postmaster.pid.
pub type TargetFn = Box<dyn Fn(Login) -> Target>;

/// The real world of one invocation.
pub struct RealWorld {
    pgdata: PathBuf,
    /// Owner of the files the agent writes (`None`: leave ownership as created).
    pgdba: Option<RunAs>,
    /// `None`: no SQL in this world (a stop with an unusable configuration).
    target: Option<TargetFn>,
    client: Option<Client>,
    /// The monitor_user connection, when it is another login than pgdba.
    monitor_client: Option<Client>,
}

impl RealWorld {
    /// A world for the server of `pgdata`, run by `pgdba`, reached through `target`.
    pub fn new(pgdata: PathBuf, pgdba: Option<RunAs>, target: Option<TargetFn>) -> RealWorld {
        RealWorld {
            pgdata,
            pgdba,
            target,
            client: None,
            monitor_client: None,
        }
    }
}

impl RealWorld {
    /// One round trip on the connection of `login`, connecting first when there is none.
    async fn round_trip(
        &mut self,
        login: Login,
        text: &str,
        deadline: Instant,
    ) -> Result<Vec<Rows>, PgError> {
        let Some(target) = &self.target else {
            return Err(PgError::Other {
                target: "-".into(),
                detail: "no connection settings".into(),
            });
        };
        let slot = match login {
            Login::Admin => &mut self.client,
            Login::Monitor => &mut self.monitor_client,
        };
        if slot.is_none() {
            *slot = Some(sql::connect(&target(login), deadline).await?);
        }
        let Some(client) = slot.as_ref() else {
            return Ok(Vec::new());
        };
        let res = sql::result_sets(client, text, deadline).await;
        if matches!(res, Err(PgError::Timeout { .. })) {
            sql::cancel(client, &target(login)).await;
        }
        if res.is_err() {
            // the next round trip starts on a fresh connection
            *slot = None;
        }
        res
    }

    fn owner(&self) -> Result<&RunAs> {
        self.pgdba
            .as_ref()
            .ok_or_else(|| crate::error::Error::failed("no PostgreSQL owner known"))
    }
}

impl World for RealWorld {
    async fn run(&mut self, spec: &CommandSpec, deadline: Instant) -> Result<Output, ExecError> {
        spec.run(deadline).await
    }

    async fn query(&mut self, text: &str, deadline: Instant) -> Result<Vec<Rows>, PgError> {
        self.round_trip(Login::Admin, text, deadline).await
    }

    async fn monitor_query(&mut self, text: &str, deadline: Instant) -> Result<Vec<Rows>, PgError> {
        let separate = self
            .target
            .as_ref()
            .is_some_and(|t| t(Login::Monitor) != t(Login::Admin));
        let login = if separate {
            Login::Monitor
        } else {
            Login::Admin
        };
        self.round_trip(login, text, deadline).await
    }

    fn disconnect(&mut self) {
        self.client = None;
        self.monitor_client = None;
    }

    fn postmaster(&self) -> Option<i32> {
        pidfile::live_postmaster(&self.pgdata)
    }

    fn process_stopped(&self, pid: i32) -> Option<Stopped> {
        match pidfile::proc_state(pid) {
            pidfile::ProcState::Alive { stopped } => stopped,
            _ => None,
        }
    }

    fn wal_receiver(&self, postmaster: i32) -> bool {
        crate::pg::walreceiver::receiver_child(postmaster)
    }

    fn read_file(&self, path: &Path) -> Option<String> {
        match fsutil::read_trusted(path, fsutil::MAX_TEXT) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!("not reading {}: {e}", path.display());
                None
            }
        }
    }

    fn read_tail(&self, path: &Path, max_bytes: u64) -> Option<String> {
        match fsutil::read_tail(path, max_bytes) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!("not reading {}: {e}", path.display());
                None
            }
        }
    }

    fn list_dir(&self, dir: &Path) -> Vec<String> {
        // tmpdir belongs to pgdba: a directory flooded with names must not fill memory
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .take(MAX_LISTED)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn write_file(&mut self, path: &Path, contents: &[u8], mode: u32) -> Result<()> {
        fsutil::write_atomic(path, contents, self.pgdba.as_ref(), mode)
    }

    fn replace_file(&mut self, path: &Path, text: &str) -> Result<()> {
        fsutil::rewrite_keeping_owner(path, text)
    }

    fn remove_file(&mut self, path: &Path) -> Result<bool> {
        fsutil::remove_if_exists(path)
    }

    fn lock_file(&self, path: &Path) -> Option<LockFile> {
        LockFile::inspect(path, &self.pgdata)
    }

    fn remove_pgdba_file(&mut self, path: &Path) -> Result<bool> {
        fsutil::remove_owned_regular(path, self.owner()?.uid.as_raw())
    }

    fn server_processes(&self) -> Vec<i32> {
        self.pgdba.as_ref().map_or_else(Vec::new, |o| {
            pidfile::server_processes(&self.pgdata, o.uid.as_raw())
        })
    }

    fn ensure_dir(&mut self, path: &Path, mode: u32) -> Result<()> {
        fsutil::ensure_dir(path, self.owner()?, mode)
    }

    fn ensure_file(&mut self, path: &Path, mode: u32) -> Result<()> {
        fsutil::ensure_file(path, self.owner()?, mode)
    }

    fn writable_by_pgdba(&self, path: &Path) -> bool {
        self.pgdba
            .as_ref()
            .is_some_and(|o| fsutil::writable_by(path, o))
    }

    fn reachable_by_pgdba(&self, path: &Path) -> bool {
        self.pgdba
            .as_ref()
            .is_some_and(|o| fsutil::reachable_by(path, o))
    }

    async fn accepts_connection(&mut self, host: &str, port: u16, deadline: Instant) -> bool {
        probe::accepts_connection(host, port, deadline).await
    }

    async fn sleep(&mut self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

/// Runs `spec` through `w`; a non-zero exit becomes [`ExecError::Failed`] with the
/// child's stderr.
pub async fn run_ok<W: World>(
    w: &mut W,
    spec: &CommandSpec,
    deadline: Instant,
) -> Result<Output, ExecError> {
    let out = w.run(spec, deadline).await?;
    if out.success() {
        Ok(out)
    } else {
        Err(ExecError::Failed {
            program: spec.program.display().to_string(),
            status: out.status.to_string(),
            stderr: out.stderr.trim().to_string(),
        })
    }
}
