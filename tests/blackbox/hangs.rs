//! Waits that must end at the deadline (docs/contract.md §8): a full accept queue, a
//! statement that outlives the operation timeout. Each action ends before its deadline,
//! and the slow statement does not keep running in the server. (A SIGSTOPped postmaster
//! fails monitor at once: `frozen.rs`.)

use std::os::fd::AsRawFd;
use std::time::Duration;

use crate::common::PgCluster;

/// A new unix stream socket, non-blocking and closed on exec (the tests run in parallel:
/// children spawned meanwhile must not inherit it).
fn unix_socket() -> std::os::fd::OwnedFd {
    use std::os::fd::FromRawFd;
    let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: a plain system call without pointers
    let fd = unsafe { libc::socket(libc::AF_UNIX, kind, 0) };
    assert!(fd >= 0, "socket()");
    // SAFETY: fd was just returned by socket() and is owned by nothing else
    unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }
}

/// `path` as a sockaddr_un.
fn address(path: &std::path::Path) -> libc::sockaddr_un {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: an all-zero sockaddr_un is a valid value
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::sa_family_t::try_from(libc::AF_UNIX).expect("AF_UNIX fits");
    let bytes = path.as_os_str().as_bytes();
    assert!(bytes.len() < addr.sun_path.len(), "socket path too long");
    for (dst, b) in addr.sun_path.iter_mut().zip(bytes) {
        *dst = *b as libc::c_char;
    }
    addr
}

/// The length of a sockaddr_un.
fn addr_len() -> libc::socklen_t {
    libc::socklen_t::try_from(std::mem::size_of::<libc::sockaddr_un>()).expect("fits")
}

/// A socket listening at `path` with a short accept queue, which never accepts.
fn listen_unix(path: &std::path::Path) -> std::os::fd::OwnedFd {
    let fd = unix_socket();
    let addr = address(path);
    // SAFETY: addr is a valid sockaddr_un of addr_len() bytes for the duration of the call
    let r = unsafe { libc::bind(fd.as_raw_fd(), (&raw const addr).cast(), addr_len()) };
    assert_eq!(r, 0, "bind {}", path.display());
    // SAFETY: a plain system call on a socket we own
    assert_eq!(unsafe { libc::listen(fd.as_raw_fd(), 16) }, 0, "listen");
    fd
}

/// Fills the accept queue of the unix socket at `path`, which never accepts; returns the
/// queued sockets.
fn fill_accept_queue(path: &std::path::Path) -> Vec<std::os::fd::OwnedFd> {
    let addr = address(path);
    let mut held = Vec::new();
    for _ in 0..10_000 {
        let fd = unix_socket();
        // SAFETY: addr is a valid sockaddr_un of addr_len() bytes for the duration of the call
        let r = unsafe { libc::connect(fd.as_raw_fd(), (&raw const addr).cast(), addr_len()) };
        // a non-blocking connect fails with EAGAIN once the queue is full
        if r != 0 {
            return held;
        }
        held.push(fd);
    }
    panic!("the accept queue never filled");
}

#[test]
fn monitor_ends_at_its_deadline_with_a_full_accept_queue() {
    use std::os::unix::fs::PermissionsExt;
    let mut c = PgCluster::new("hang-queue");
    c.agent("start").expect(0);
    // the postmaster runs; the monitor is pointed (pghost) at a socket that never accepts
    let queue = c.dir.join("queue");
    std::fs::create_dir(&queue).unwrap();
    let path = queue.join(format!(".s.PGSQL.{}", c.port));
    let listener = listen_unix(&path);
    // the agent connects with pgdba's effective uid
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    let held = fill_accept_queue(&path);
    eprintln!(
        "{} connections queued before the queue was full",
        held.len()
    );
    c.set("pghost", &queue.display().to_string());
    c.set_meta("timeout", "5000");
    let out = c.agent("monitor");
    drop(held);
    drop(listener);
    out.expect(1);
    eprintln!("full accept queue: monitor took {:?}", out.elapsed);
    assert!(
        out.elapsed >= Duration::from_secs(3) && out.elapsed < Duration::from_secs(5),
        "{}",
        out.dump()
    );
    c.unset("pghost").unset_meta("timeout");
    c.agent("monitor").expect(0);
    c.agent("stop").expect(0);
}

#[test]
fn a_slow_monitor_sql_is_cancelled_at_the_deadline() {
    let mut c = PgCluster::new("hang-sql");
    c.agent("start").expect(0);
    c.set("monitor_sql", "select pg_sleep(30)");
    c.set_meta("timeout", "3000");
    let out = c.agent("monitor");
    out.expect(1);
    eprintln!(
        "30 s monitor_sql, 3 s timeout: monitor took {:?}",
        out.elapsed
    );
    assert!(out.elapsed < Duration::from_secs(3), "{}", out.dump());
    // the statement does not go on in the server
    let gone = PgCluster::wait_until(Duration::from_secs(2), || {
        c.psql("select count(*) from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()")
            .map(|n| n == "0")
            .unwrap_or(false)
    });
    assert!(
        gone,
        "pg_sleep(30) still running after the monitor returned"
    );
}
