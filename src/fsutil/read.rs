//! Bounded, non-blocking reads (docs/contract.md §8 Files) of files in directories the
//! PostgreSQL owner controls: a FIFO is opened non-blocking and refused, a size limit
//! bounds memory, and no symlink the owner of the directory may have planted is followed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::Uid;

use super::at::{kind_of_mode, refused};

/// At most this many symlinks are followed when resolving a path.
const MAX_LINKS: usize = 40;

/// Opens `path` for reading without following a symlink at its last component, without
/// blocking on a FIFO and without acquiring a controlling terminal.
fn open_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            let link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            if e.raw_os_error() == Some(libc::ELOOP) && link {
                refused("is a symlink")
            } else {
                e
            }
        })
}

/// Fails unless `meta` describes a regular file.
fn check_regular(meta: &fs::Metadata) -> io::Result<()> {
    if meta.is_file() {
        Ok(())
    } else {
        Err(refused(format!(
            "is not a regular file (it is {})",
            kind_of_mode(meta.mode())
        )))
    }
}

/// Reads an open file: it must be a regular file of at most `max_bytes` bytes, in UTF-8.
fn read_open(file: File, max_bytes: u64) -> io::Result<String> {
    let meta = file.metadata()?;
    check_regular(&meta)?;
    let too_large = || refused(format!("is larger than {max_bytes} bytes"));
    if meta.len() > max_bytes {
        return Err(too_large());
    }
    let mut buf = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut buf)?;
    if u64::try_from(buf.len()).unwrap_or(u64::MAX) > max_bytes {
        return Err(too_large());
    }
    String::from_utf8(buf)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "is not valid UTF-8"))
}

/// Reads a small text file in a directory the PostgreSQL owner controls (postmaster.pid,
/// PG_VERSION, ~pgdba/.pgpass): opened `O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC`; a symlink
/// ("is a symlink"), anything but a regular file ("is not a regular file") or more than
/// `max_bytes` bytes is an error, so no FIFO, device or endless file can hang the agent
/// or fill its memory.
pub fn read_small(path: &Path, max_bytes: u64) -> io::Result<String> {
    read_open(open_nofollow(path)?, max_bytes)
}

/// A path with the symlinks at its last component resolved, and the links on the way
/// that the agent does not trust by their owner.
#[derive(Debug)]
pub struct Resolved {
    /// The path of the file itself (its last component is no symlink when resolved).
    pub path: PathBuf,
    /// Each followed symlink owned by someone other than root or the agent, with its owner.
    untrusted: Vec<(PathBuf, u32)>,
}

impl Resolved {
    /// Fails unless every untrusted link belongs to `file_uid`, the owner of the file it
    /// leads to: a link someone planted may only lead to that someone's own file.
    pub fn check_owner(&self, file_uid: u32) -> io::Result<()> {
        match self.untrusted.iter().find(|(_, uid)| *uid != file_uid) {
            None => Ok(()),
            Some((link, uid)) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is a symlink owned by uid {uid} to a file owned by uid {file_uid}; not following it",
                    link.display()
                ),
            )),
        }
    }
}

/// Follows the symlinks at the last component of `path` (as the operator may have made
/// one, say for postgresql.conf), noting those whose owner is neither root nor the agent.
pub fn resolve(path: &Path) -> io::Result<Resolved> {
    let me = Uid::effective().as_raw();
    let mut cur = path.to_path_buf();
    let mut untrusted = Vec::new();
    for _ in 0..MAX_LINKS {
        let meta = fs::symlink_metadata(&cur)?;
        if !meta.file_type().is_symlink() {
            return Ok(Resolved {
                path: cur,
                untrusted,
            });
        }
        if meta.uid() != 0 && meta.uid() != me {
            untrusted.push((cur.clone(), meta.uid()));
        }
        let target = fs::read_link(&cur)?;
        cur = match cur.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// Like [`read_small`], for files the operator may reach through a symlink
/// (postgresql.conf, the server log, the files of tmpdir): symlinks at the last component
/// are followed when owned by root or the agent, or when they lead to a file of their own
/// owner (see [`Resolved::check_owner`]); the file itself is then read as by
/// [`read_small`].
pub fn read_trusted(path: &Path, max_bytes: u64) -> io::Result<String> {
    let r = resolve(path)?;
    let file = open_nofollow(&r.path)?;
    r.check_owner(file.metadata()?.uid())?;
    read_open(file, max_bytes)
}

/// The end of a file that may be long (the server log), reached like [`read_trusted`]:
/// its last `max_bytes` bytes at most, starting at a line start, invalid UTF-8 replaced.
pub fn read_tail(path: &Path, max_bytes: u64) -> io::Result<String> {
    let r = resolve(path)?;
    let mut file = open_nofollow(&r.path)?;
    let meta = file.metadata()?;
    r.check_owner(meta.uid())?;
    check_regular(&meta)?;
    let start = meta.len().saturating_sub(max_bytes);
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    file.take(max_bytes).read_to_end(&mut buf)?;
    let from = match buf.iter().position(|b| *b == b'\n') {
        Some(i) if start > 0 => i + 1, // the first line is cut: drop it
        _ => 0,
    };
    Ok(String::from_utf8_lossy(&buf[from..]).into_owned())
}
