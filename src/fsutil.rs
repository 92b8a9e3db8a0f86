//! File-system effects of the agent (docs/contract.md §6, §8 Files): real-world file
//! primitives for a root process working in directories the PostgreSQL owner controls:
//! atomic writes with owner and mode (`O_EXCL | O_NOFOLLOW` temporary files owned through
//! their descriptor), directories and the server log created without re-owning anything
//! that exists, bounded non-blocking reads, and the ownership question "can pgdba write
//! here" answered without side effects.

mod at;
mod dirs;
mod read;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_read;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::sys::stat::fstat;
use nix::unistd::{Gid, Uid};

use crate::error::{Error, Result};
use crate::exec::RunAs;

pub use at::kind_of_mode;
pub use dirs::{ensure_dir, ensure_file};
pub use read::{read_small, read_tail, read_trusted, resolve, Resolved};

/// The largest text file the agent reads whole (postgresql.conf, the server log, the
/// files of tmpdir); a larger one counts as unreadable.
pub const MAX_TEXT: u64 = 16 << 20;

/// Writes `contents` to `path` through a new temporary file in the same directory
/// (`.<name>.pgsql-ra.<pid>.<random>`, created `O_CREAT | O_EXCL | O_NOFOLLOW`, owned by
/// `owner` when given and moded `mode` through its descriptor, fsync, `renameat`).
/// Readers see the old or the new file, never a partial one; a symlink at `path` is
/// replaced, never followed. When the agent is root and `owner` is given, the directory
/// must belong to `owner` (pgdata and tmpdir do), so a link planted on the way can only
/// lead to another directory of that owner (else OCF_ERR_PERM).
pub fn write_atomic(path: &Path, contents: &[u8], owner: Option<&RunAs>, mode: u32) -> Result<()> {
    let ctx = |e| Error::io(format!("cannot write {}", path.display()), e);
    let (dir, name) = at::split(path).map_err(ctx)?;
    let dirfd = at::open_dir(dir).map_err(ctx)?;
    if let Some(o) = owner.filter(|_| at::is_root()) {
        let uid = fstat(&dirfd).map_err(|e| ctx(e.into()))?.st_uid;
        if uid != o.uid.as_raw() {
            return Err(Error::permission(format!(
                "cannot write {}: {} is owned by uid {uid}, not {}",
                path.display(),
                dir.display(),
                o.name
            )));
        }
    }
    let ids = owner.map(|o| (o.uid.as_raw(), o.gid.as_raw()));
    at::write_in(&dirfd, name, contents, ids, mode).map_err(ctx)
}

/// Rewrites a file the operator owns (postgresql.conf) keeping its owner and mode. A
/// symlink there (the operator's) is resolved and the real file edited, the link kept; a
/// link owned by neither root nor the agent must lead to a file of its own owner.
pub fn rewrite_keeping_owner(path: &Path, text: &str) -> Result<()> {
    let ctx = |e| Error::io(format!("cannot rewrite {}", path.display()), e);
    let real = resolve(path).map_err(ctx)?;
    let (dir, name) = at::split(&real.path).map_err(ctx)?;
    let dirfd = at::open_dir(dir).map_err(ctx)?;
    let Some(st) = at::lstat_at(&dirfd, name).map_err(ctx)? else {
        return Err(ctx(std::io::ErrorKind::NotFound.into()));
    };
    if !at::is_regular(&st) {
        return Err(Error::permission(format!(
            "cannot rewrite {}: {} is not a regular file (it is {})",
            path.display(),
            real.path.display(),
            at::kind_of_mode(st.st_mode)
        )));
    }
    real.check_owner(st.st_uid)
        .map_err(|e| Error::permission(format!("cannot rewrite {}: {e}", path.display())))?;
    at::write_in(
        &dirfd,
        name,
        text.as_bytes(),
        Some((st.st_uid, st.st_gid)),
        st.st_mode & 0o7777,
    )
    .map_err(ctx)
}

/// Removes a file; a missing file is fine.
pub fn remove_if_exists(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(format!("cannot remove {}", path.display()), e)),
    }
}

/// Removes `path` only when it is a regular file owned by `uid` (a lock file a crashed
/// server left): looked at with `lstat` relative to its directory's descriptor and
/// removed with `unlinkat` there, so a symlink is never followed (it is refused with
/// OCF_ERR_PERM, as is another owner's file). A missing file is fine (false).
pub fn remove_owned_regular(path: &Path, uid: u32) -> Result<bool> {
    let ctx = |e| Error::io(format!("cannot remove {}", path.display()), e);
    let (dir, name) = at::split(path).map_err(ctx)?;
    let dirfd = at::open_dir(dir).map_err(ctx)?;
    let Some(st) = at::lstat_at(&dirfd, name).map_err(ctx)? else {
        return Ok(false);
    };
    if !at::is_regular(&st) || st.st_uid != uid {
        return Err(Error::permission(format!(
            "not removing {}: it is {} owned by uid {}, not a regular file of uid {uid}",
            path.display(),
            at::kind_of_mode(st.st_mode),
            st.st_uid
        )));
    }
    match nix::unistd::unlinkat(&dirfd, name, nix::unistd::UnlinkatFlags::NoRemoveDir) {
        Ok(()) => Ok(true),
        Err(nix::errno::Errno::ENOENT) => Ok(false),
        Err(e) => Err(ctx(e.into())),
    }
}

/// Would `who` be allowed to write to `path` (by its mode bits)? Answers without creating
/// anything; root may write anywhere.
pub fn writable_by(path: &Path, who: &RunAs) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    access_bits(&meta, who) & 0o2 != 0
}

fn access_bits(meta: &fs::Metadata, who: &RunAs) -> u32 {
    let mode = meta.mode();
    if who.uid.is_root() {
        return 0o7;
    }
    let (group, other) = ((mode >> 3) & 0o7, mode & 0o7);
    if meta.uid() == who.uid.as_raw() {
        (mode >> 6) & 0o7
    } else if group == other {
        // membership would not change the answer: no group database lookup
        other
    } else if meta.gid() == who.gid.as_raw() || who.groups().contains(&Gid::from_raw(meta.gid())) {
        group
    } else {
        other
    }
}

/// Could the agent (root) create something in the existing directory `p`? Asks the kernel
/// (`access(W_OK)`, which sees read-only mounts), and refuses pseudo file systems where
/// root passes every permission check but nothing can be made.
fn can_create_in(p: &Path) -> bool {
    // statfs magic numbers: proc, sysfs, devpts, cgroup, cgroup2, securityfs, debugfs
    const PSEUDO: [i64; 7] = [
        0x9fa0,
        0x6265_6572,
        0x1cd1,
        0x0027_e0eb,
        0x6367_7270,
        0x7363_6673,
        0x6462_6720,
    ];
    if !p.is_dir() || nix::unistd::access(p, nix::unistd::AccessFlags::W_OK).is_err() {
        return false;
    }
    match nix::sys::statfs::statfs(p) {
        Ok(fs) => !PSEUDO.contains(&fs.filesystem_type().0),
        Err(_) => false,
    }
}

/// Could `dir` be made ready for `who`? True when it exists and `who` may write it, or
/// when it does not exist and the agent can create it under its nearest existing parent.
pub fn dir_preparable(dir: &Path, who: &RunAs) -> bool {
    if dir.exists() {
        return dir.is_dir() && (Uid::effective().is_root() || writable_by(dir, who));
    }
    let mut cur = dir.parent();
    while let Some(p) = cur {
        if p.exists() {
            return can_create_in(p);
        }
        cur = p.parent();
    }
    false
}

/// Can `who` reach `path`: search permission on every directory above it?
pub fn reachable_by(path: &Path, who: &RunAs) -> bool {
    path.ancestors().skip(1).all(|d| {
        fs::metadata(d)
            .map(|m| access_bits(&m, who) & 0o1 != 0)
            .unwrap_or(true) // a missing directory is created later, owned by who
    })
}
