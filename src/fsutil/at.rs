//! Descriptor-based file primitives (docs/contract.md §6, §8 Files) for directories the
//! PostgreSQL owner controls: a directory is opened once and everything below happens
//! relative to its descriptor; new files are created `O_CREAT | O_EXCL | O_NOFOLLOW` under
//! an unpredictable name, owned and moded through their own descriptor, then renamed into
//! place.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{openat, renameat, AtFlags, OFlag, AT_FDCWD};
use nix::sys::stat::{fstatat, FileStat, Mode, SFlag};
use nix::unistd::{unlinkat, Uid, UnlinkatFlags};

/// How many unpredictable temporary names are tried before giving up.
const TEMP_TRIES: usize = 16;

/// Is the agent root (and so the one who sets owners)?
pub fn is_root() -> bool {
    Uid::effective().is_root()
}

/// An error of the agent's own refusals: `what` is wrong with the path.
pub fn refused(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.into())
}

/// The directory holding `path` and the file's name in it.
pub fn split(path: &Path) -> io::Result<(&Path, &OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| refused(format!("{} has no file name", path.display())))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Ok((dir, name))
}

/// Opens the directory `dir` by its path (the operator's path: symlinks on the way are
/// followed), for use as the base of `*at` calls.
pub fn open_dir(dir: &Path) -> io::Result<OwnedFd> {
    Ok(openat(
        AT_FDCWD,
        dir,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?)
}

/// Opens the directory `name` in `dir` without following a symlink there.
pub fn open_subdir_nofollow<Fd: AsFd>(dir: Fd, name: &OsStr) -> io::Result<OwnedFd> {
    Ok(openat(
        dir,
        name,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?)
}

/// `lstat` of `name` in `dir`; `None` when there is nothing.
pub fn lstat_at<Fd: AsFd>(dir: Fd, name: &OsStr) -> io::Result<Option<FileStat>> {
    match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(st)),
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The file type bits of a stat result.
fn file_type(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

/// True for a symlink.
pub fn is_symlink(st: &FileStat) -> bool {
    file_type(st) == SFlag::S_IFLNK
}

/// True for a regular file.
pub fn is_regular(st: &FileStat) -> bool {
    file_type(st) == SFlag::S_IFREG
}

/// What kind of file a mode describes, for messages ("a FIFO").
pub fn kind_of_mode(mode: u32) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFREG => "a regular file",
        libc::S_IFDIR => "a directory",
        libc::S_IFLNK => "a symlink",
        libc::S_IFIFO => "a FIFO",
        libc::S_IFSOCK => "a socket",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        _ => "of an unknown type",
    }
}

/// 16 hex digits from the kernel's random source (getrandom, else /dev/urandom).
pub fn random_hex() -> io::Result<String> {
    let mut buf = [0u8; 8];
    // SAFETY: the pointer and length describe `buf`, which lives for the whole call.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if usize::try_from(n).ok() != Some(buf.len()) {
        use std::io::Read;
        File::open("/dev/urandom")?.read_exact(&mut buf)?;
    }
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Creates a new, empty temporary file for `name` in `dir`: `.<name>.pgsql-ra.<pid>.<random>`,
/// `O_CREAT | O_EXCL | O_NOFOLLOW`, mode 600, a fresh name on every collision.
pub fn create_temp<Fd: AsFd + Copy>(dir: Fd, name: &OsStr) -> io::Result<(File, OsString)> {
    for _ in 0..TEMP_TRIES {
        let mut tmp = OsString::from(".");
        tmp.push(name);
        tmp.push(format!(
            ".pgsql-ra.{}.{}",
            std::process::id(),
            random_hex()?
        ));
        match openat(
            dir,
            tmp.as_os_str(),
            OFlag::O_WRONLY
                | OFlag::O_CREAT
                | OFlag::O_EXCL
                | OFlag::O_NOFOLLOW
                | OFlag::O_NOCTTY
                | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o600),
        ) {
            Ok(fd) => return Ok((File::from(fd), tmp)),
            Err(Errno::EEXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

/// Sets the owner (when root) and then the mode of a file the agent has just created,
/// through its descriptor.
pub fn own_and_mode(f: &File, owner: Option<(u32, u32)>, mode: u32) -> io::Result<()> {
    if let Some((uid, gid)) = owner {
        if is_root() {
            std::os::unix::fs::fchown(f, Some(uid), Some(gid))?;
        }
    }
    f.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// Writes `contents` as `name` in `dir`: a new temporary file (see [`create_temp`]),
/// owner and mode set through its descriptor, data, fsync, `renameat` over `name` (which
/// replaces whatever entry is there, a symlink included, without following it), fsync of
/// the directory. On failure the temporary file is removed.
pub fn write_in<Fd: AsFd + Copy>(
    dir: Fd,
    name: &OsStr,
    contents: &[u8],
    owner: Option<(u32, u32)>,
    mode: u32,
) -> io::Result<()> {
    let (mut f, tmp) = create_temp(dir, name)?;
    let res = (|| -> io::Result<()> {
        own_and_mode(&f, owner, mode)?;
        f.write_all(contents)?;
        f.sync_all()?;
        renameat(dir, tmp.as_os_str(), dir, name)?;
        Ok(())
    })();
    match res {
        Ok(()) => {
            let _ = nix::unistd::fsync(dir);
            Ok(())
        }
        Err(e) => {
            let _ = unlinkat(dir, tmp.as_os_str(), UnlinkatFlags::NoRemoveDir);
            Err(e)
        }
    }
}
