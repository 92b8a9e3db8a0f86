//! Regression tests for docs/contract.md §8 (Files): as root, in directories the PostgreSQL
//! owner controls, the agent follows no symlink it did not trust, re-owns nothing that
//! already exists, and no FIFO or device can hang it or fill its memory. Each test plants
//! what a hostile `postgres` could plant and checks that nothing outside changed.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, Outcome, PgCluster};

/// Removes a path outside the cluster directory when the test ends, pass or fail.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        let _ = std::fs::remove_file(&self.0);
    }
}

fn ids(user: &str) -> (u32, u32) {
    let uid = common::sh(Command::new("id").args(["-u", user]));
    let gid = common::sh(Command::new("id").args(["-g", user]));
    (uid.trim().parse().unwrap(), gid.trim().parse().unwrap())
}

/// A symlink at `link` to `target`, owned by postgres as if postgres had planted it.
fn plant_symlink(target: &Path, link: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).unwrap();
    let (uid, gid) = ids("postgres");
    std::os::unix::fs::lchown(link, Some(uid), Some(gid)).unwrap();
}

/// Owner, group and mode of `p` (not following a symlink).
fn stat(p: &Path) -> (u32, u32, u32) {
    let m = std::fs::symlink_metadata(p).unwrap();
    (m.uid(), m.gid(), m.permissions().mode() & 0o7777)
}

/// A root-owned directory outside the cluster with one file in it: what a planted link
/// points at. Returns the directory and its cleanup guard.
fn root_victim(tag: &str, mode: u32) -> (PathBuf, Cleanup) {
    let dir = PathBuf::from(common::ROOT).join(format!("victim-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
    std::fs::write(dir.join("keep"), "root's file\n").unwrap();
    (dir.clone(), Cleanup(dir))
}

/// Makes `c` a plain standby (rep_mode slave) of a primary that does not exist: its start
/// writes the recovery configuration into tmpdir and an include line into the config.
fn as_slave(c: &mut PgCluster) {
    // a hot standby needs at least the primary's max_wal_senders (initdb's 10)
    c.append_conf("max_wal_senders = 10");
    c.set("rep_mode", "slave")
        .set("master_ip", "/nonexistent/pgsql-ra-no-primary")
        .set_meta("on_node", "node1");
}

/// Runs the agent like `run_agent`, but kills it after `limit` (a hang must not hang the
/// test) and optionally caps its address space (a read of /dev/zero must not eat the
/// machine). A killed or aborted agent has code -1. Also returns how far its peak RSS
/// grew, in KiB, beyond what it inherited: a forked child starts with the RSS of this
/// (multi-threaded, busy) test process, which the kernel counts in its peak.
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives the RSS
fn run_bounded_rss(
    c: &PgCluster,
    action: &str,
    limit: Duration,
    max_as: Option<u64>,
) -> (Outcome, i64) {
    let env = c.env();
    let mut cmd = Command::new(common::bin());
    cmd.arg(action)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(bytes) = max_as {
        let lim = libc::rlimit {
            rlim_cur: bytes,
            rlim_max: bytes,
        };
        // SAFETY: setrlimit is async-signal-safe and touches only the child's own limits.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_AS, &lim) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let inherited = self_rss_kib();
    let t0 = Instant::now();
    let mut child = cmd.spawn().expect("run the pgsql binary");
    let mut pipes = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        use std::io::Read;
        let (mut o, mut e) = (String::new(), String::new());
        let _ = pipes.0.read_to_string(&mut o);
        let _ = pipes.1.read_to_string(&mut e);
        (o, e)
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: `pid` is our unreaped child; status and usage are valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if !killed && t0.elapsed() > limit {
            let _ = child.kill();
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let elapsed = t0.elapsed();
    let (stdout, mut stderr) = out.join().unwrap();
    if killed {
        stderr.push_str(&format!("\n[test: killed after {limit:?}]"));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let outcome = Outcome {
        action: action.to_string(),
        env,
        code,
        stdout,
        stderr,
        elapsed,
    };
    if std::env::var_os("SHOW").is_some() {
        eprintln!(
            "{}\npeak RSS: {} KiB ({inherited} KiB inherited)\n",
            outcome.dump(),
            usage.ru_maxrss
        );
    }
    (outcome, usage.ru_maxrss - inherited)
}

/// The resident set of this test process, in KiB.
fn self_rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// [`run_bounded_rss`] without the address-space cap and the RSS.
fn run_bounded(c: &PgCluster, action: &str, limit: Duration) -> Outcome {
    run_bounded_rss(c, action, limit, None).0
}

#[test]
fn a_symlinked_tmpdir_is_refused_and_its_target_untouched() {
    let mut c = PgCluster::new("symtmp");
    as_slave(&mut c);
    let (victim, _guard) = root_victim("symtmp", 0o755);
    let before = (stat(&victim), common::snapshot(&victim));
    plant_symlink(&victim, &c.dir.join("tmp"));
    let out = run_bounded(&c, "start", Duration::from_secs(60));
    out.expect(4).expect_reason("is a symlink");
    assert_eq!(
        (stat(&victim), common::snapshot(&victim)),
        before,
        "the link target changed\n{}",
        out.dump()
    );
    assert!(
        c.postmaster_pid().is_none(),
        "started anyway\n{}",
        out.dump()
    );
}

#[test]
fn a_tmpdir_not_owned_by_postgres_is_refused() {
    let mut c = PgCluster::new("roottmp");
    as_slave(&mut c);
    // a stand-in for /tmp first (root-owned, 1777), so that an agent that still re-owns
    // directories fails here and never reaches the real /tmp below
    let (sticky, _guard) = root_victim("roottmp", 0o1777);
    let before = (stat(&sticky), common::snapshot(&sticky));
    c.set("tmpdir", &sticky.display().to_string());
    let out = run_bounded(&c, "start", Duration::from_secs(60));
    out.expect(4)
        .expect_reason("is owned by uid 0, not postgres");
    assert_eq!(
        (stat(&sticky), common::snapshot(&sticky)),
        before,
        "{}",
        out.dump()
    );
    assert!(
        c.postmaster_pid().is_none(),
        "started anyway\n{}",
        out.dump()
    );

    // the operator's mistake itself: tmpdir=/tmp
    let tmp = Path::new("/tmp");
    if stat(tmp).0 != 0 {
        return; // not the usual root-owned /tmp: nothing more to show here
    }
    let before = stat(tmp);
    let rec = tmp.join("recovery.conf");
    let had_rec = rec.exists();
    c.set("tmpdir", "/tmp");
    let out = run_bounded(&c, "start", Duration::from_secs(60));
    out.expect(4)
        .expect_reason("/tmp is owned by uid 0, not postgres");
    assert_eq!(stat(tmp), before, "/tmp changed\n{}", out.dump());
    assert_eq!(rec.exists(), had_rec, "/tmp/recovery.conf written");
}

#[test]
fn a_dangling_log_symlink_is_not_followed() {
    let c = PgCluster::new("symlog");
    let target = PathBuf::from(format!("/etc/pgsql-ra-test-{}.log", std::process::id()));
    let _guard = Cleanup(target.clone());
    assert!(!target.exists());
    plant_symlink(&target, &c.dir.join("postgres.log"));
    let out = run_bounded(&c, "start", Duration::from_secs(60));
    out.expect(4).expect_reason("is a symlink");
    assert!(
        std::fs::symlink_metadata(&target).is_err(),
        "{} was created\n{}",
        target.display(),
        out.dump()
    );
    assert!(
        c.postmaster_pid().is_none(),
        "started anyway\n{}",
        out.dump()
    );
}

#[test]
fn a_symlinked_config_is_edited_in_place() {
    let mut c = PgCluster::new("symconf");
    as_slave(&mut c);
    // the real file lives outside pgdata; pgdata/postgresql.conf is the operator's link
    let etc = c.dir.join("etc");
    std::fs::create_dir(&etc).unwrap();
    let real = etc.join("postgresql.conf");
    let link = c.data.join("postgresql.conf");
    std::fs::rename(&link, &real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    common::sh(Command::new("chown").arg("postgres:postgres").arg(&etc));
    std::os::unix::fs::symlink("../etc/postgresql.conf", &link).unwrap();
    let owner_mode = stat(&real);
    let out = run_bounded(&c, "start", Duration::from_secs(60));
    out.expect(0);
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the config symlink was replaced by a regular file\n{}",
        out.dump()
    );
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("../etc/postgresql.conf")
    );
    let include = format!(
        "include '{}/recovery.conf' # added by pgsql RA",
        c.dir.join("tmp").display()
    );
    let text = std::fs::read_to_string(&real).unwrap();
    assert_eq!(text.lines().filter(|l| *l == include).count(), 1, "{text}");
    assert_eq!(
        stat(&real),
        owner_mode,
        "the real file's owner or mode changed"
    );
    let names: Vec<_> = std::fs::read_dir(&etc).unwrap().flatten().collect();
    assert_eq!(
        names.len(),
        1,
        "a temporary file was left in {}",
        etc.display()
    );
    c.agent("stop").expect(0);
}

#[test]
fn a_fifo_as_postmaster_pid_does_not_hang_monitor_status_or_stop() {
    let c = PgCluster::new("fifopid");
    let pidfile = c.data.join("postmaster.pid");
    // dropped before `c`, whose own clean-up reads postmaster.pid (and would block)
    let _fifo = Cleanup(pidfile.clone());
    common::sh(
        Command::new("runuser")
            .args(["-u", "postgres", "--", "mkfifo"])
            .arg(&pidfile),
    );
    for action in ["monitor", "status", "stop"] {
        // the monitor timeout is 30 s; a hang is killed at 25 s, a refusal takes well
        // under a second (10 s leaves room for a loaded CI machine)
        let out = run_bounded(&c, action, Duration::from_secs(25));
        assert!(
            out.elapsed < Duration::from_secs(10),
            "{action} took {:?}\n{}",
            out.elapsed,
            out.dump()
        );
        out.expect(if action == "stop" { 0 } else { 7 });
    }
}

#[test]
fn pg_version_linked_to_dev_zero_is_refused_without_eating_memory() {
    let c = PgCluster::new("zeroversion");
    let version = c.data.join("PG_VERSION");
    std::fs::remove_file(&version).unwrap();
    plant_symlink(Path::new("/dev/zero"), &version);
    // 1 GiB of address space: plenty for the agent, a wall for a read of /dev/zero
    let cap = Some(1 << 30);
    let small = |grown_kib: i64, out: &Outcome| {
        assert!(
            grown_kib < 256 * 1024,
            "the agent grew by {} MiB\n{}",
            grown_kib / 1024,
            out.dump()
        );
    };
    let (out, rss) = run_bounded_rss(&c, "monitor", Duration::from_secs(30), cap);
    small(rss, &out);
    out.expect(7);
    assert!(out.elapsed < Duration::from_secs(10), "{}", out.dump());
    let (out, rss) = run_bounded_rss(&c, "start", Duration::from_secs(60), cap);
    small(rss, &out);
    // PostgreSQL refuses such a data directory itself; the agent must say why, not crash
    out.expect(1);
    assert!(
        out.stderr.contains("PG_VERSION") && out.stderr.contains("is a symlink"),
        "no clear word about PG_VERSION\n{}",
        out.dump()
    );
    assert!(c.postmaster_pid().is_none());
}
