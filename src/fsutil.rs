//! File-system effects of the agent (docs/contract.md §6, §8): real-world file primitives:
//! atomic writes with owner and mode, directories created with owner and mode, and the
//! ownership question "can pgdba write here" answered without side effects.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use nix::unistd::{Gid, Uid};

use crate::error::{Error, Result};
use crate::exec::RunAs;

/// Writes `contents` to `path` through a temporary file in the same directory (fsync,
/// rename), owned by `owner` when given, with `mode`. Readers see the old or the new file,
/// never a partial one.
pub fn write_atomic(path: &Path, contents: &[u8], owner: Option<&RunAs>, mode: u32) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::failed(format!("{} has no parent directory", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.pgsql-ra.{}", std::process::id()));
    let res = (|| -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(contents)?;
        f.sync_all()?;
        if let Some(o) = owner {
            chown_if_root(&tmp, o)?;
        }
        fs::rename(&tmp, path)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res.map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

fn chown_if_root(path: &Path, owner: &RunAs) -> std::io::Result<()> {
    if Uid::effective().is_root() {
        std::os::unix::fs::chown(path, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))?;
    }
    Ok(())
}

/// Creates `dir` (and missing parents) when absent, then makes sure it is owned by
/// `owner` with `mode`.
pub fn ensure_dir(dir: &Path, owner: &RunAs, mode: u32) -> Result<()> {
    let ctx = |e| Error::io(format!("cannot prepare directory {}", dir.display()), e);
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(ctx)?;
    }
    let meta = fs::metadata(dir).map_err(ctx)?;
    if meta.uid() != owner.uid.as_raw() || meta.gid() != owner.gid.as_raw() {
        chown_if_root(dir, owner).map_err(ctx)?;
    }
    if meta.permissions().mode() & 0o7777 != mode {
        fs::set_permissions(dir, fs::Permissions::from_mode(mode)).map_err(ctx)?;
    }
    Ok(())
}

/// Creates an empty file owned by `owner` when it does not exist yet (the server log).
pub fn ensure_file(path: &Path, owner: &RunAs, mode: u32) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let ctx = |e| Error::io(format!("cannot create {}", path.display()), e);
    if let Some(parent) = path.parent() {
        if !parent.is_dir() {
            fs::create_dir_all(parent).map_err(ctx)?;
            chown_if_root(parent, owner).map_err(ctx)?;
        }
    }
    fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|f| f.set_permissions(fs::Permissions::from_mode(mode)))
        .map_err(ctx)?;
    chown_if_root(path, owner).map_err(ctx)
}

/// Rewrites a file the operator owns (postgresql.conf) keeping its owner and mode.
pub fn rewrite_keeping_owner(path: &Path, text: &str) -> Result<()> {
    let meta =
        fs::metadata(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let owner = RunAs {
        name: String::new(),
        uid: Uid::from_raw(meta.uid()),
        gid: Gid::from_raw(meta.gid()),
        groups: Vec::new(),
        home: std::path::PathBuf::new(),
    };
    write_atomic(
        path,
        text.as_bytes(),
        Some(&owner),
        meta.permissions().mode() & 0o7777,
    )
}

/// Removes a file; a missing file is fine.
pub fn remove_if_exists(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(format!("cannot remove {}", path.display()), e)),
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
    if meta.uid() == who.uid.as_raw() {
        (mode >> 6) & 0o7
    } else if meta.gid() == who.gid.as_raw() || who.groups.contains(&Gid::from_raw(meta.gid())) {
        (mode >> 3) & 0o7
    } else {
        mode & 0o7
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

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> RunAs {
        RunAs {
            name: "me".into(),
            uid: Uid::effective(),
            gid: Gid::effective(),
            groups: vec![],
            home: "/".into(),
        }
    }

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let d = std::env::temp_dir().join(format!("pgsql-ra-fsutil-{}", std::process::id()));
        fs::create_dir_all(&d).unwrap();
        let f = d.join("rep_mode.conf");
        write_atomic(&f, b"one\n", None, 0o600).unwrap();
        write_atomic(&f, b"two\n", Some(&me()), 0o640).unwrap();
        assert_eq!(fs::read_to_string(&f).unwrap(), "two\n");
        assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, 0o640);
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1, "no temp file left");
        assert!(remove_if_exists(&f).unwrap());
        assert!(!remove_if_exists(&f).unwrap());
        let sub = d.join("a/b");
        assert!(dir_preparable(&sub, &me()));
        ensure_dir(&sub, &me(), 0o700).unwrap();
        assert_eq!(fs::metadata(&sub).unwrap().mode() & 0o7777, 0o700);
        assert!(writable_by(&sub, &me()));
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn access_bits_by_owner_group_other() {
        let d = std::env::temp_dir();
        let meta = fs::metadata(&d).unwrap();
        let stranger = RunAs {
            uid: Uid::from_raw(54_321),
            gid: Gid::from_raw(54_321),
            ..me()
        };
        // /tmp is 1777: anybody may write
        assert_eq!(access_bits(&meta, &stranger) & 0o2, meta.mode() & 0o2);
        assert!(!writable_by(Path::new("/nonexistent/x"), &stranger));
    }
}
