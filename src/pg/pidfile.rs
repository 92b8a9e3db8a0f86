//! postmaster.pid: who runs in the data directory (docs/contract.md §3.3, §4.3; read as a
//! file of pgdba's per §8 Files). A pid counts as our postmaster only when that process
//! exists, is not a zombie, and works in this data directory. Also the processes of a
//! server that still work there after their postmaster died (§4.1 step 3).

use std::fs;
use std::path::{Path, PathBuf};

use crate::fsutil;

/// The largest postmaster.pid the agent reads (the server writes a few hundred bytes).
pub const MAX_BYTES: u64 = 64 * 1024;

/// The parts of postmaster.pid the agent uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidFile {
    /// The postmaster's pid (line 1), always positive.
    pub pid: i32,
    /// The data directory (line 2), if any.
    pub data_dir: Option<PathBuf>,
    /// The port the server listens on (line 4), if readable.
    pub port: Option<u16>,
    /// First unix socket directory the server listens in (line 5), if any.
    pub socket_dir: Option<PathBuf>,
}

impl PidFile {
    /// Where the pid file of `pgdata` lives.
    pub fn path(pgdata: &Path) -> PathBuf {
        pgdata.join("postmaster.pid")
    }

    /// The pid file's text parsed; `None` when line 1 is not a positive pid.
    pub fn parse(text: &str) -> Option<PidFile> {
        let lines: Vec<&str> = text.lines().collect();
        let pid = lines
            .first()?
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|p| *p > 0)?;
        let path_line = |i: usize| {
            lines
                .get(i)
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
        };
        Some(PidFile {
            pid,
            data_dir: path_line(1),
            port: lines.get(3).and_then(|l| l.trim().parse().ok()),
            socket_dir: path_line(4),
        })
    }

    /// Reads and parses the pid file of `pgdata`; `None` when it is missing or unreadable.
    /// It is read as pgdba's file: a symlink, FIFO, device or anything larger than
    /// [`MAX_BYTES`] counts as unreadable (`fsutil::read_small`), and never blocks.
    pub fn read(pgdata: &Path) -> Option<PidFile> {
        let path = PidFile::path(pgdata);
        match fsutil::read_small(&path, MAX_BYTES) {
            Ok(text) => PidFile::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!("ignoring {}: {e}", path.display());
                None
            }
        }
    }
}

/// Why a live process is stopped (it runs no code until it is resumed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Stopped by a signal (SIGSTOP, SIGTSTP, ...): state `T`.
    Signal,
    /// Stopped by its tracer (a debugger at a breakpoint or just attached): state `t`.
    Tracer,
}

impl Stopped {
    /// The state letter of `/proc/<pid>/stat`.
    pub fn letter(self) -> char {
        match self {
            Stopped::Signal => 'T',
            Stopped::Tracer => 't',
        }
    }
}

/// What /proc says about a pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    /// No such process.
    Gone,
    /// Dead and not yet reaped (state Z or X).
    Zombie,
    /// Alive; `stopped` says why it is stopped (state T or t), `None` when it is not.
    Alive {
        /// `Some` for state T or t.
        stopped: Option<Stopped>,
    },
}

/// Reads the state of `pid` from `/proc/<pid>/stat`.
pub fn proc_state(pid: i32) -> ProcState {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return ProcState::Gone;
    };
    // the state letter follows the parenthesised command name, which may contain spaces
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .unwrap_or("?");
    match state {
        "Z" | "X" => ProcState::Zombie,
        "T" => ProcState::Alive {
            stopped: Some(Stopped::Signal),
        },
        "t" => ProcState::Alive {
            stopped: Some(Stopped::Tracer),
        },
        _ => ProcState::Alive { stopped: None },
    }
}

/// True when `pid` works in `pgdata` (a postmaster and its backends chdir into the data
/// directory), or when that cannot be read (not root) and the process exists.
pub fn works_in(pid: i32, pgdata: &Path) -> bool {
    match fs::read_link(format!("/proc/{pid}/cwd")) {
        Ok(cwd) => {
            let want = fs::canonicalize(pgdata).unwrap_or_else(|_| pgdata.to_path_buf());
            cwd == want
        }
        Err(_) => true,
    }
}

/// The pid of the live postmaster of `pgdata`, if there is one.
pub fn live_postmaster(pgdata: &Path) -> Option<i32> {
    let pf = PidFile::read(pgdata)?;
    match proc_state(pf.pid) {
        ProcState::Alive { .. } if works_in(pf.pid, pgdata) => Some(pf.pid),
        _ => None,
    }
}

/// Is `pid` a PostgreSQL server process: a title `postgres: ...` (backends, checkpointer)
/// or the postgres program itself (a postmaster)?
fn is_postgres(pid: i32) -> bool {
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let exe = fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
    let exe_name = exe.file_name().map(|n| n.to_string_lossy().into_owned());
    cmdline.starts_with(b"postgres:")
        || exe_name.is_some_and(|n| n == "postgres" || n == "postgres (deleted)")
}

/// The live (not zombie) PostgreSQL processes of user `uid` whose working directory is
/// `pgdata`: after a postmaster is killed, its backends linger there until they notice,
/// holding the old shared memory the next server refuses to start beside. Found by
/// scanning /proc (at most [`MAX_SCANNED`] entries); empty when /proc cannot be read.
pub fn server_processes(pgdata: &Path, uid: u32) -> Vec<i32> {
    use std::os::unix::fs::MetadataExt;
    let Ok(want) = fs::canonicalize(pgdata) else {
        return Vec::new();
    };
    let Ok(proc) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<i32> = proc
        .flatten()
        .take(MAX_SCANNED)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| fs::metadata(format!("/proc/{pid}")).is_ok_and(|m| m.uid() == uid))
        .filter(|pid| fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c == want))
        .filter(|pid| matches!(proc_state(*pid), ProcState::Alive { .. }))
        .filter(|pid| is_postgres(*pid))
        .collect();
    pids.sort_unstable();
    pids
}

/// At most this many /proc entries are looked at.
pub const MAX_SCANNED: usize = 1 << 22;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_pid_file() {
        let text = "12345\n/var/lib/pgsql/data\n1700000000\n5432\n/var/run/postgresql\n*\n  5432001     32768\nready   \n";
        let pf = PidFile::parse(text).unwrap();
        assert_eq!(pf.pid, 12345);
        assert_eq!(pf.port, Some(5432));
        assert_eq!(pf.socket_dir, Some(PathBuf::from("/var/run/postgresql")));
        assert_eq!(pf.data_dir, Some(PathBuf::from("/var/lib/pgsql/data")));
        let pf = PidFile::parse("77\n/d\n1\n5433\n\n").unwrap();
        assert_eq!(pf.socket_dir, None);
        assert_eq!(pf.data_dir, Some(PathBuf::from("/d")));
        assert_eq!(PidFile::parse("77\n").unwrap().data_dir, None);
        assert!(PidFile::parse("").is_none());
        assert!(PidFile::parse("abc\n").is_none());
        assert!(PidFile::parse("-3\n").is_none());
    }

    #[test]
    fn own_process_is_alive_and_a_free_pid_is_gone() {
        let me = std::process::id() as i32;
        assert_eq!(proc_state(me), ProcState::Alive { stopped: None });
        assert_eq!(proc_state(i32::MAX), ProcState::Gone);
        // our cwd is not a data directory we name
        assert!(
            !works_in(me, Path::new("/nonexistent-pgdata"))
                || fs::read_link("/proc/self/cwd").is_err()
        );
    }
}
