//! Tests of the file primitives (docs/contract.md §6, §8 Files). As root (CI's first lane)
//! the directories belong to `nobody`, as a hostile PostgreSQL owner's would, and each
//! test plants what that owner could plant (symlinks at predictable names, FIFOs, links to
//! /dev/zero) and checks that nothing outside changed. As another user (the non-root
//! lane) the same tests run with that user as the owner; root-only checks are skipped.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::{Gid, Uid};

use super::*;
use crate::exec::RunAs;

fn me() -> RunAs {
    RunAs {
        name: "me".into(),
        uid: Uid::effective(),
        gid: Gid::effective(),
        groups: Default::default(),
        home: "/".into(),
    }
}

fn root() -> bool {
    Uid::effective().is_root()
}

/// The owner of the test directories: `nobody` as root, else the test user.
fn owner() -> RunAs {
    if root() {
        RunAs::lookup("nobody").expect("user nobody")
    } else {
        me()
    }
}

/// A fresh directory for one test, owned by [`owner`], removed when dropped.
pub(super) struct TestDir(pub(super) PathBuf);

impl TestDir {
    pub(super) fn new(tag: &str) -> TestDir {
        let d = std::env::temp_dir().join(format!("pgsql-ra-fsutil-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let o = owner();
        std::os::unix::fs::chown(&d, Some(o.uid.as_raw()), Some(o.gid.as_raw())).unwrap();
        TestDir(d)
    }

    pub(super) fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

/// The paths beside a test directory that its tests create (see [`victim`]).
const BESIDE: [&str; 5] = ["victim", "rootdir", "dirtarget", "behind", "created-behind"];

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
        for ext in BESIDE {
            let p = self.0.with_extension(ext);
            let _ = fs::remove_file(&p);
            let _ = fs::remove_dir_all(&p);
        }
    }
}

/// Content, owner, group and mode of a file, to prove it did not change.
fn fingerprint(p: &Path) -> (Vec<u8>, u32, u32, u32) {
    let m = fs::symlink_metadata(p).unwrap();
    (fs::read(p).unwrap_or_default(), m.uid(), m.gid(), m.mode())
}

/// A file the attacker must not reach: outside the test directory, the agent's own.
fn victim(t: &TestDir) -> PathBuf {
    let v = t.0.with_extension("victim");
    fs::write(&v, "precious\n").unwrap();
    fs::set_permissions(&v, fs::Permissions::from_mode(0o644)).unwrap();
    v
}

fn is_link(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

#[test]
fn atomic_write_replaces_and_sets_mode() {
    let t = TestDir::new("atomic");
    let f = t.join("rep_mode.conf");
    write_atomic(&f, b"one\n", None, 0o600).unwrap();
    write_atomic(&f, b"two\n", Some(&owner()), 0o640).unwrap();
    assert_eq!(fs::read_to_string(&f).unwrap(), "two\n");
    let m = fs::metadata(&f).unwrap();
    assert_eq!(m.mode() & 0o777, 0o640);
    assert_eq!(m.uid(), owner().uid.as_raw());
    assert_eq!(fs::read_dir(&t.0).unwrap().count(), 1, "no temp file left");
    assert!(remove_if_exists(&f).unwrap());
    assert!(!remove_if_exists(&f).unwrap());
    let sub = t.join("a/b");
    assert!(dir_preparable(&sub, &owner()));
    ensure_dir(&sub, &owner(), 0o700).unwrap();
    assert_eq!(fs::metadata(&sub).unwrap().mode() & 0o7777, 0o700);
    assert!(writable_by(&sub, &owner()));
}

#[test]
fn a_symlink_at_the_old_temp_name_or_the_target_is_never_written_through() {
    let t = TestDir::new("tempname");
    let v = victim(&t);
    let before = fingerprint(&v);
    // the old predictable temporary name, and the file name itself
    let old_tmp = t.join(&format!(".rep_mode.conf.pgsql-ra.{}", std::process::id()));
    symlink(&v, &old_tmp).unwrap();
    let f = t.join("rep_mode.conf");
    symlink(&v, &f).unwrap();
    write_atomic(
        &f,
        b"synchronous_standby_names = ''\n",
        Some(&owner()),
        0o600,
    )
    .unwrap();
    assert_eq!(fingerprint(&v), before, "the victim changed");
    assert!(is_link(&old_tmp), "the planted link is left alone");
    assert!(
        !is_link(&f),
        "the link at the name is replaced by the new file"
    );
    assert_eq!(
        fs::read_to_string(&f).unwrap(),
        "synchronous_standby_names = ''\n"
    );
    assert_eq!(fs::metadata(&f).unwrap().uid(), owner().uid.as_raw());
    let names: Vec<_> = fs::read_dir(&t.0).unwrap().flatten().collect();
    assert_eq!(names.len(), 2, "only the planted link and the file");
    let _ = fs::remove_file(&v);
}

#[test]
fn temp_names_are_unpredictable() {
    let a = at::random_hex().unwrap();
    let b = at::random_hex().unwrap();
    assert_eq!(a.len(), 16);
    assert_ne!(a, b);
}

#[test]
fn a_write_into_a_directory_of_someone_else_is_refused() {
    if !root() {
        return; // only root gives files away
    }
    let t = TestDir::new("foreign");
    // tmpdir linked to a root directory: the file would land there, owned by nobody
    let rootdir = t.0.with_extension("rootdir");
    fs::create_dir_all(&rootdir).unwrap();
    symlink(&rootdir, t.join("tmp")).unwrap();
    let e = write_atomic(&t.join("tmp/PGSQL.lock"), b"", Some(&owner()), 0o600).unwrap_err();
    assert!(
        e.to_string().contains("is owned by uid 0, not nobody"),
        "{e}"
    );
    assert_eq!(e.status(), crate::ocf::OcfStatus::ErrPerm);
    assert_eq!(
        fs::read_dir(&rootdir).unwrap().count(),
        0,
        "nothing created"
    );
    fs::remove_dir_all(&rootdir).unwrap();
}

#[test]
fn ensure_dir_creates_but_never_re_owns_or_follows() {
    let t = TestDir::new("dirs");
    let o = owner();
    // missing: created with exactly the mode, setgid included, owned by the owner
    let sock = t.join("run/sock");
    ensure_dir(&sock, &o, 0o2775).unwrap();
    let m = fs::symlink_metadata(&sock).unwrap();
    assert_eq!((m.mode() & 0o7777, m.uid()), (0o2775, o.uid.as_raw()));
    // existing and the owner's: left as it is (no re-mode)
    fs::set_permissions(&sock, fs::Permissions::from_mode(0o755)).unwrap();
    ensure_dir(&sock, &o, 0o700).unwrap();
    assert_eq!(fs::metadata(&sock).unwrap().mode() & 0o7777, 0o755);
    // a symlink to a directory: refused, the target untouched
    let target = t.0.with_extension("dirtarget");
    fs::create_dir_all(&target).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o751)).unwrap();
    let before = fingerprint(&target);
    let link = t.join("tmp");
    symlink(&target, &link).unwrap();
    let e = ensure_dir(&link, &o, 0o700).unwrap_err();
    assert_eq!(e.to_string(), format!("{} is a symlink", link.display()));
    assert_eq!(e.status(), crate::ocf::OcfStatus::ErrPerm);
    assert_eq!(fingerprint(&target), before);
    // a dangling symlink: refused, nothing created behind it
    let dangling = t.join("gone");
    let behind = t.0.with_extension("behind");
    symlink(&behind, &dangling).unwrap();
    assert!(ensure_dir(&dangling, &o, 0o700)
        .unwrap_err()
        .to_string()
        .ends_with("is a symlink"));
    assert!(fs::symlink_metadata(&behind).is_err());
    // a file: refused
    fs::write(t.join("plain"), "").unwrap();
    let e = ensure_dir(&t.join("plain"), &o, 0o700).unwrap_err();
    assert!(
        e.to_string()
            .contains("is not a directory (it is a regular file)"),
        "{e}"
    );
    // somebody else's directory (tmpdir=/tmp): refused, not re-owned
    let slash = fingerprint(Path::new("/"));
    let postgres = RunAs {
        name: "postgres".into(),
        uid: Uid::from_raw(4242),
        ..o.clone()
    };
    let e = ensure_dir(Path::new("/"), &postgres, 0o700).unwrap_err();
    assert_eq!(e.to_string(), "/ is owned by uid 0, not postgres");
    assert_eq!(fingerprint(Path::new("/")), slash);
    fs::remove_dir_all(&target).unwrap();
}

#[test]
fn ensure_file_never_follows_a_symlink() {
    let t = TestDir::new("log");
    let o = owner();
    let v = victim(&t);
    let before = fingerprint(&v);
    // a link to an existing file: refused, the file untouched
    let log = t.join("postgres.log");
    symlink(&v, &log).unwrap();
    let e = ensure_file(&log, &o, 0o640).unwrap_err();
    assert_eq!(e.to_string(), format!("{} is a symlink", log.display()));
    assert_eq!(e.status(), crate::ocf::OcfStatus::ErrPerm);
    assert_eq!(fingerprint(&v), before);
    // a dangling link: refused, nothing created behind it
    fs::remove_file(&log).unwrap();
    let behind = t.0.with_extension("created-behind");
    symlink(&behind, &log).unwrap();
    assert!(ensure_file(&log, &o, 0o640).is_err());
    assert!(
        fs::symlink_metadata(&behind).is_err(),
        "created through the link"
    );
    // missing (with its directory): created, owned, moded
    let log = t.join("log/postgres.log");
    ensure_file(&log, &o, 0o640).unwrap();
    let m = fs::symlink_metadata(&log).unwrap();
    assert!(m.is_file());
    assert_eq!((m.mode() & 0o7777, m.uid()), (0o640, o.uid.as_raw()));
    assert_eq!(fs::metadata(t.join("log")).unwrap().uid(), o.uid.as_raw());
    // existing: left alone
    fs::set_permissions(&log, fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(&log, "old lines\n").unwrap();
    ensure_file(&log, &o, 0o640).unwrap();
    assert_eq!(fs::read_to_string(&log).unwrap(), "old lines\n");
    assert_eq!(fs::metadata(&log).unwrap().mode() & 0o7777, 0o600);
    let _ = fs::remove_file(&v);
}

#[test]
fn a_config_symlink_is_kept_and_its_target_edited() {
    let t = TestDir::new("conf");
    let real = t.join("real.conf");
    fs::write(&real, "port = 5432\n").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    let o = owner();
    std::os::unix::fs::chown(&real, Some(o.uid.as_raw()), Some(o.gid.as_raw())).unwrap();
    let before = fingerprint(&real);
    let link = t.join("postgresql.conf");
    symlink("real.conf", &link).unwrap(); // the operator's (root's, or the agent's own) link
    rewrite_keeping_owner(&link, "port = 5432\ninclude 'x' # added by pgsql RA\n").unwrap();
    assert!(is_link(&link), "the link was replaced");
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real.conf"));
    let after = fingerprint(&real);
    assert_eq!(after.0, b"port = 5432\ninclude 'x' # added by pgsql RA\n");
    assert_eq!(
        (after.1, after.2, after.3),
        (before.1, before.2, before.3),
        "owner or mode changed"
    );
    assert_eq!(fs::read_dir(&t.0).unwrap().count(), 2, "no temp file left");
}

#[test]
fn a_link_planted_by_another_user_may_not_lead_to_a_file_of_root() {
    if !root() {
        return; // a non-root agent cannot make a link of another user
    }
    let t = TestDir::new("planted");
    let v = victim(&t);
    let before = fingerprint(&v);
    let link = t.join("postgresql.conf");
    symlink(&v, &link).unwrap();
    let o = owner();
    nix::unistd::fchownat(
        nix::fcntl::AT_FDCWD,
        &link,
        Some(o.uid),
        Some(o.gid),
        nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
    )
    .unwrap();
    let e = rewrite_keeping_owner(&link, "include 'x'\n").unwrap_err();
    assert!(
        e.to_string()
            .contains("is a symlink owned by uid 65534 to a file owned by uid 0"),
        "{e}"
    );
    assert_eq!(fingerprint(&v), before);
    let e = read_trusted(&link, MAX_TEXT).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied, "{e}");
    // to a file of its own owner it may lead
    let own = t.join("own.conf");
    fs::write(&own, "a = 1\n").unwrap();
    std::os::unix::fs::chown(&own, Some(o.uid.as_raw()), None).unwrap();
    fs::remove_file(&link).unwrap();
    symlink(&own, &link).unwrap();
    nix::unistd::fchownat(
        nix::fcntl::AT_FDCWD,
        &link,
        Some(o.uid),
        None,
        nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
    )
    .unwrap();
    assert_eq!(read_trusted(&link, MAX_TEXT).unwrap(), "a = 1\n");
    let _ = fs::remove_file(&v);
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

#[test]
fn remove_owned_regular_never_follows_and_checks_the_owner() {
    let t = TestDir::new("rmowned");
    let uid = Uid::effective().as_raw();
    let f = t.join(".s.PGSQL.5432.lock");
    fs::write(&f, "1\n").unwrap();
    // another owner's file (as the agent sees it: not uid + 1's) is refused and kept
    let e = remove_owned_regular(&f, uid.wrapping_add(1)).unwrap_err();
    assert!(e.to_string().contains("not removing"), "{e}");
    assert!(f.exists());
    assert!(remove_owned_regular(&f, uid).unwrap());
    assert!(!f.exists());
    assert!(
        !remove_owned_regular(&f, uid).unwrap(),
        "a missing file is fine"
    );
    // a symlink planted at the name: refused, neither it nor its target removed
    let v = victim(&t);
    let before = fingerprint(&v);
    symlink(&v, &f).unwrap();
    let e = remove_owned_regular(&f, uid).unwrap_err();
    assert!(e.to_string().contains("a symlink"), "{e}");
    assert!(is_link(&f));
    assert_eq!(fingerprint(&v), before);
}
