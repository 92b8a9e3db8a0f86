//! Directories and the server log (docs/contract.md §4.1 step 4, §6 tmpdir, §8 Files),
//! prepared as root without giving anything away: a missing directory or file is created
//! by the agent and owned and moded through the descriptor of what it just made; an
//! existing one is never re-owned or re-moded, and a symlink is never followed.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, mkdirat, Mode};
use nix::unistd::Uid;

use super::at::{self, is_symlink, kind_of_mode, lstat_at, open_dir, split};
use crate::error::{Error, Result};
use crate::exec::RunAs;

/// Mode of the directories created above a missing one (as `mkdir -p` with umask 022).
const PARENT_MODE: u32 = 0o755;

/// Judges what already exists at `dir`: it must be a real directory owned by `owner`
/// (or, when the agent is not root, by the agent).
fn check_existing_dir(dir: &Path, uid: u32, mode: u32, owner: &RunAs) -> Result<()> {
    if mode & libc::S_IFMT == libc::S_IFLNK {
        return Err(Error::permission(format!("{} is a symlink", dir.display())));
    }
    if mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Error::permission(format!(
            "{} is not a directory (it is {})",
            dir.display(),
            kind_of_mode(mode)
        )));
    }
    // a non-root agent cannot give a directory away: one of its own is accepted too
    let own = !at::is_root() && uid == Uid::effective().as_raw();
    if uid != owner.uid.as_raw() && !own {
        return Err(Error::permission(format!(
            "{} is owned by uid {uid}, not {}",
            dir.display(),
            owner.name
        )));
    }
    Ok(())
}

/// Creates the missing directories above `dir` (root-owned, mode 755), like `mkdir -p`.
fn create_parents(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let missing: Vec<&Path> = dir.ancestors().take_while(|p| !p.is_dir()).collect();
    for p in missing.into_iter().rev() {
        let (parent, name) = split(p)?;
        let fd = open_dir(parent)?;
        match mkdirat(&fd, name, Mode::from_bits_truncate(PARENT_MODE)) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// What creating a directory found.
enum Made {
    /// The agent made it and set its owner and mode.
    Created,
    /// Something was there already (it appeared meanwhile): its owner and mode.
    Existing(u32, u32),
}

/// Makes the directory `name` in `parent` owned by `owner` with `mode`: mkdir, then
/// fchown/fchmod through an `O_NOFOLLOW | O_DIRECTORY` descriptor of what was just made.
fn make_dir_at(parent: &Path, name: &OsStr, owner: &RunAs, mode: u32) -> io::Result<Made> {
    let pfd = open_dir(parent)?;
    match mkdirat(&pfd, name, Mode::from_bits_truncate(0o700)) {
        Ok(()) => {}
        Err(Errno::EEXIST) => {
            if let Some(st) = lstat_at(&pfd, name)? {
                return Ok(Made::Existing(st.st_uid, st.st_mode));
            }
            return Err(Errno::EEXIST.into());
        }
        Err(e) => return Err(e.into()),
    }
    let fd = at::open_subdir_nofollow(&pfd, name)?;
    if fstat(&fd)?.st_uid != Uid::effective().as_raw() {
        return Err(at::refused("was replaced while it was being created"));
    }
    let f = File::from(fd);
    at::own_and_mode(&f, Some((owner.uid.as_raw(), owner.gid.as_raw())), mode)?;
    Ok(Made::Created)
}

/// Makes sure `dir` is a directory of `owner`. A missing one is created (missing parents
/// root-owned, mode 755), owned by `owner` with exactly `mode`. An existing one is left
/// as it is; it is an error (OCF_ERR_PERM, the reason naming what is wrong) when it is a
/// symlink ("is a symlink"), not a directory, or owned by another user ("is owned by uid
/// 0, not postgres").
pub fn ensure_dir(dir: &Path, owner: &RunAs, mode: u32) -> Result<()> {
    let ctx = |e| Error::io(format!("cannot prepare directory {}", dir.display()), e);
    match fs::symlink_metadata(dir) {
        Ok(m) => return check_existing_dir(dir, m.uid(), m.mode(), owner),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(ctx(e)),
    }
    let (parent, name) = split(dir).map_err(ctx)?;
    create_parents(parent).map_err(ctx)?;
    match make_dir_at(parent, name, owner, mode).map_err(ctx)? {
        Made::Created => Ok(()),
        Made::Existing(uid, mode) => check_existing_dir(dir, uid, mode, owner),
    }
}

/// Makes sure the server log `path` exists, never following a symlink: an existing file
/// is left alone; a missing one is created `O_CREAT | O_EXCL | O_NOFOLLOW` and owned by
/// `owner` with `mode` through its descriptor (a missing parent directory is created
/// owned by `owner`, mode 755). A symlink there is an error (OCF_ERR_PERM, "is a
/// symlink"), dangling or not.
pub fn ensure_file(path: &Path, owner: &RunAs, mode: u32) -> Result<()> {
    let ctx = |e| Error::io(format!("cannot create {}", path.display()), e);
    let symlink = || Error::permission(format!("{} is a symlink", path.display()));
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(symlink()),
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(ctx(e)),
    }
    let (parent, name) = split(path).map_err(ctx)?;
    if !parent.is_dir() {
        ensure_dir(parent, owner, PARENT_MODE)?;
    }
    let pfd = open_dir(parent).map_err(ctx)?;
    let created = openat(
        &pfd,
        name,
        OFlag::O_WRONLY
            | OFlag::O_CREAT
            | OFlag::O_EXCL
            | OFlag::O_NOFOLLOW
            | OFlag::O_NOCTTY
            | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o600),
    );
    match created {
        Ok(fd) => {
            let f = File::from(fd);
            at::own_and_mode(&f, Some((owner.uid.as_raw(), owner.gid.as_raw())), mode).map_err(ctx)
        }
        // it appeared meanwhile: judge it like one that was there before
        Err(Errno::EEXIST) => match lstat_at(&pfd, name).map_err(ctx)? {
            Some(st) if is_symlink(&st) => Err(symlink()),
            _ => Ok(()),
        },
        Err(e) => Err(ctx(e.into())),
    }
}
