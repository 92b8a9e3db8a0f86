//! The socket lock file `.s.PGSQL.<port>.lock` a killed postmaster leaves in its socket
//! directory, and when it is stale (docs/contract.md §4.1 step 3, §6). PostgreSQL removes
//! such a file itself only when its pid is gone; a postmaster killed with SIGKILL whose
//! parent has not reaped it yet is a zombie that still has that pid, and the next server
//! refuses to start. The agent removes the file when it is a regular file of pgdba's that
//! names this data directory and its pid is not a live process working there.

use std::path::{Path, PathBuf};

use super::pidfile::{self, PidFile, ProcState};
use crate::config::rules::lexical;
use crate::fsutil;

/// The lock file of the unix socket of `port` in `dir`.
pub fn socket_lock_path(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}.lock"))
}

/// What the pid of a lock file is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// No such process.
    Gone,
    /// Dead and not yet reaped by its parent.
    Zombie,
    /// Alive, working somewhere else: the pid was reused.
    Elsewhere,
    /// Alive and working in this data directory (or that cannot be told).
    InPgdata,
}

impl Holder {
    /// The state of `pid` as /proc tells it, relative to `pgdata`.
    pub fn of(pid: i32, pgdata: &Path) -> Holder {
        match pidfile::proc_state(pid) {
            ProcState::Gone => Holder::Gone,
            ProcState::Zombie => Holder::Zombie,
            ProcState::Alive { .. } if pidfile::works_in(pid, pgdata) => Holder::InPgdata,
            ProcState::Alive { .. } => Holder::Elsewhere,
        }
    }
}

/// The facts about one lock file, gathered without following a symlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockFile {
    /// File type and permission bits, as `lstat` reports them.
    pub mode: u32,
    /// The owner's uid.
    pub uid: u32,
    /// The contents (the layout of postmaster.pid), when a small regular file that parses.
    pub content: Option<PidFile>,
    /// Line 2 names the data directory of this resource.
    pub names_pgdata: bool,
    /// What the pid of line 1 is now (`Gone` without one).
    pub holder: Holder,
}

/// Do `a` and `b` name the same directory (as written, or once resolved)?
pub fn same_dir(a: &Path, b: &Path) -> bool {
    lexical(a) == lexical(b)
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

impl LockFile {
    /// The facts about the lock file at `path`, for the server of `pgdata`; `None` when
    /// there is no file there.
    pub fn inspect(path: &Path, pgdata: &Path) -> Option<LockFile> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(path).ok()?;
        let content = meta
            .is_file()
            .then(|| fsutil::read_small(path, pidfile::MAX_BYTES).ok())
            .flatten()
            .and_then(|t| PidFile::parse(&t));
        let names_pgdata = content
            .as_ref()
            .and_then(|c| c.data_dir.as_deref())
            .is_some_and(|d| same_dir(d, pgdata));
        let holder = content
            .as_ref()
            .map_or(Holder::Gone, |c| Holder::of(c.pid, pgdata));
        Some(LockFile {
            mode: meta.mode(),
            uid: meta.uid(),
            content,
            names_pgdata,
            holder,
        })
    }
}

/// Whether a lock file goes, and why (for the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Left by a dead server of this data directory: remove it.
    Stale(String),
    /// Not the agent's to remove: the server decides (and says why it cannot start).
    Keep(String),
}

/// The decision for `lock`, where `pgdba_uid` owns the server's files.
pub fn judge(lock: &LockFile, pgdba_uid: u32) -> Verdict {
    if lock.mode & libc::S_IFMT != libc::S_IFREG {
        let kind = fsutil::kind_of_mode(lock.mode);
        return Verdict::Keep(format!("it is {kind}, not a regular file"));
    }
    if lock.uid != pgdba_uid {
        return Verdict::Keep(format!("it is owned by uid {}, not pgdba", lock.uid));
    }
    let Some(content) = &lock.content else {
        return Verdict::Keep("its contents cannot be read".into());
    };
    if !lock.names_pgdata {
        let dir = content
            .data_dir
            .as_deref()
            .map_or("no data directory".into(), |d| d.display().to_string());
        return Verdict::Keep(format!("it belongs to {dir}, not this data directory"));
    }
    let pid = content.pid;
    match lock.holder {
        Holder::InPgdata => Verdict::Keep(format!("process {pid} still works in pgdata")),
        Holder::Gone => Verdict::Stale(format!("postmaster {pid} is gone")),
        Holder::Zombie => Verdict::Stale(format!("postmaster {pid} is dead (a zombie)")),
        Holder::Elsewhere => Verdict::Stale(format!(
            "postmaster {pid} is gone (the pid now belongs to another process)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PGDBA: u32 = 101;
    const REG: u32 = libc::S_IFREG | 0o600;

    fn lock(mode: u32, uid: u32, data: Option<&str>, ours: bool, holder: Holder) -> LockFile {
        LockFile {
            mode,
            uid,
            content: data.map(|d| PidFile {
                pid: 4711,
                data_dir: Some(d.into()),
                port: Some(5432),
                socket_dir: Some("/run/pg".into()),
            }),
            names_pgdata: ours,
            holder,
        }
    }

    #[test]
    fn which_lock_files_are_stale() {
        let ours = Some("/srv/pg/data");
        type Row = (LockFile, Option<&'static str>, &'static str);
        let table: Vec<Row> = vec![
            // a dead postmaster of this data directory: gone, a zombie, pid reused
            (
                lock(REG, PGDBA, ours, true, Holder::Zombie),
                Some("zombie"),
                "",
            ),
            (
                lock(REG, PGDBA, ours, true, Holder::Gone),
                Some("is gone"),
                "",
            ),
            (
                lock(REG, PGDBA, ours, true, Holder::Elsewhere),
                Some("another process"),
                "",
            ),
            // a live server here: kept
            (
                lock(REG, PGDBA, ours, true, Holder::InPgdata),
                None,
                "still works",
            ),
            // another data directory's file, even with a dead pid: the server decides
            (
                lock(REG, PGDBA, Some("/other"), false, Holder::Zombie),
                None,
                "/other",
            ),
            // not pgdba's, not a regular file, unreadable
            (
                lock(REG, 0, ours, true, Holder::Gone),
                None,
                "owned by uid 0",
            ),
            (
                lock(libc::S_IFLNK | 0o777, PGDBA, None, false, Holder::Gone),
                None,
                "a symlink",
            ),
            (
                lock(libc::S_IFIFO | 0o600, PGDBA, None, false, Holder::Gone),
                None,
                "a FIFO",
            ),
            (
                lock(REG, PGDBA, None, false, Holder::Gone),
                None,
                "cannot be read",
            ),
        ];
        for (l, stale, keep) in table {
            match (judge(&l, PGDBA), stale) {
                (Verdict::Stale(why), Some(want)) => assert!(why.contains(want), "{l:?}: {why}"),
                (Verdict::Keep(why), None) => assert!(why.contains(keep), "{l:?}: {why}"),
                (v, _) => panic!("{l:?}: {v:?}"),
            }
        }
    }

    #[test]
    fn lock_path_and_directory_comparison() {
        assert_eq!(
            socket_lock_path(Path::new("/run/pg"), 5433),
            Path::new("/run/pg/.s.PGSQL.5433.lock")
        );
        assert!(same_dir(
            Path::new("/srv/pg/./data"),
            Path::new("/srv/pg/data")
        ));
        assert!(same_dir(
            Path::new("/srv/x/../pg/data"),
            Path::new("/srv/pg/data")
        ));
        assert!(!same_dir(
            Path::new("/srv/pg/data2"),
            Path::new("/srv/pg/data")
        ));
        // this process is alive and does not work in a data directory that is not there
        let me = std::process::id() as i32;
        assert_eq!(
            Holder::of(i32::MAX, Path::new("/nonexistent")),
            Holder::Gone
        );
        assert_ne!(Holder::of(me, Path::new("/nonexistent")), Holder::Gone);
    }
}
