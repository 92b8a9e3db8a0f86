//! Waits that must end at the deadline (docs/contract.md §8): a full accept queue, a
//! SIGSTOPped postmaster, a statement that outlives the operation timeout. Each action
//! ends before its deadline, and the slow statement does not keep running in the server.

use std::os::fd::AsRawFd;
use std::time::Duration;

use crate::common::PgCluster;

/// Fills the accept queue of the (stopped) postmaster's socket; returns the queued sockets.
fn fill_accept_queue(c: &PgCluster) -> Vec<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let path = c.dir.join(format!(".s.PGSQL.{}", c.port));
    let mut held = Vec::new();
    for _ in 0..100_000 {
        // SAFETY: a plain system call without pointers
        let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 0) };
        assert!(fd >= 0, "socket()");
        // SAFETY: fd was just returned by socket() and is owned by nothing else
        let owned = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
        // a non-blocking connect fails with EAGAIN once the queue is full
        if !connect_nonblocking(owned.as_raw_fd(), &path) {
            return held;
        }
        held.push(owned);
    }
    panic!("the accept queue never filled");
}

fn connect_nonblocking(fd: i32, path: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: an all-zero sockaddr_un is a valid value
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::sa_family_t::try_from(libc::AF_UNIX).expect("AF_UNIX fits");
    let bytes = path.as_os_str().as_bytes();
    assert!(bytes.len() < addr.sun_path.len(), "socket path too long");
    for (dst, b) in addr.sun_path.iter_mut().zip(bytes) {
        *dst = *b as libc::c_char;
    }
    let len = libc::socklen_t::try_from(std::mem::size_of::<libc::sockaddr_un>()).expect("fits");
    // SAFETY: addr is a valid sockaddr_un of `len` bytes for the duration of the call
    let r = unsafe { libc::connect(fd, (&raw const addr).cast::<libc::sockaddr>(), len) };
    r == 0
}

#[test]
fn monitor_ends_at_its_deadline_with_a_full_accept_queue() {
    let mut c = PgCluster::new("hang-queue");
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().unwrap();
    c.signal(pid, "STOP");
    let held = fill_accept_queue(&c);
    eprintln!(
        "{} connections queued before the queue was full",
        held.len()
    );
    c.set_meta("timeout", "5000");
    let out = c.agent("monitor");
    c.signal(pid, "CONT");
    drop(held);
    out.expect(1);
    eprintln!("full accept queue: monitor took {:?}", out.elapsed);
    assert!(out.elapsed < Duration::from_secs(5), "{}", out.dump());
    c.unset_meta("timeout");
    assert!(PgCluster::wait_until(Duration::from_secs(10), || c
        .agent("monitor")
        .code
        == 0));
}

#[test]
fn monitor_of_a_stopped_postmaster_ends_before_its_timeout() {
    let mut c = PgCluster::new("hang-sigstop");
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().unwrap();
    c.signal(pid, "STOP");
    c.set_meta("timeout", "3000");
    let out = c.agent("monitor");
    c.signal(pid, "CONT");
    out.expect(1);
    eprintln!("SIGSTOPped postmaster: monitor took {:?}", out.elapsed);
    assert!(out.elapsed < Duration::from_secs(3), "{}", out.dump());
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
