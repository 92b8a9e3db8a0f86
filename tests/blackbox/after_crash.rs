//! start right after kill -9 of the postmaster (docs/contract.md §4.1 step 3): a killed
//! postmaster its parent has not reaped yet is a zombie that keeps its pid, so
//! PostgreSQL's own test calls its `.s.PGSQL.<port>.lock` live and refuses to start; and
//! the killed postmaster's backends may still hold the old shared memory for a while.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{pgbin, PgCluster};

/// The state letter of `pid` in /proc (`Z` for a zombie), `None` when it is gone.
fn state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

/// The parent of `pid`.
fn ppid(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Live processes working in `data`, with their command lines.
fn working_in(data: &Path) -> Vec<(i32, String)> {
    let want = std::fs::canonicalize(data).unwrap();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c == want)
            && state(pid).is_some_and(|s| s != 'Z')
        {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            out.push((pid, String::from_utf8_lossy(&cmd).replace('\0', " ")));
        }
    }
    out
}

fn lock_file(c: &PgCluster) -> PathBuf {
    c.dir.join(format!(".s.PGSQL.{}.lock", c.port))
}

/// A process of ours ended when the test ends, passed or not: resumed, then killed.
struct KillOnDrop(i32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for sig in ["-CONT", "-KILL"] {
            let _ = Command::new("kill")
                .arg(sig)
                .arg(self.0.to_string())
                .status();
        }
    }
}

/// Starts the server of `c` as the child of a shell that then becomes `sleep` and never
/// reaps it, so a killed postmaster stays a zombie. Returns the runuser child and the
/// postmaster's pid.
fn start_under_a_parent_that_never_waits(c: &PgCluster) -> (Child, i32) {
    let child = Command::new("runuser")
        .args(["-u", "postgres", "--", "sh", "-c"])
        .arg(r#""$0" -D "$1" -p "$2" >>"$3" 2>&1 & exec sleep 300"#)
        .arg(Path::new(&pgbin()).join("postgres"))
        .arg(&c.data)
        .arg(c.port.to_string())
        .arg(c.dir.join("postgres.log"))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn runuser");
    assert!(
        PgCluster::wait_until(Duration::from_secs(30), || c.psql("select 1").is_ok()),
        "the server did not come up"
    );
    let pid = c.postmaster_pid().expect("postmaster.pid");
    (child, pid)
}

#[test]
fn start_after_kill_9_while_the_postmaster_is_still_a_zombie() {
    let c = PgCluster::new("zombie");
    let (mut runuser, pid) = start_under_a_parent_that_never_waits(&c);
    let parent = KillOnDrop(ppid(pid).expect("the postmaster's parent"));
    c.signal(pid, "KILL");
    assert!(
        PgCluster::wait_until(Duration::from_secs(10), || state(pid) == Some('Z')),
        "postmaster {pid} should be a zombie, is {:?}",
        state(pid)
    );
    // its backends notice and go; the zombie keeps its pid and the socket lock stays
    assert!(
        PgCluster::wait_until(Duration::from_secs(20), || working_in(&c.data).is_empty()),
        "backends left: {:?}",
        working_in(&c.data)
    );
    let lock = std::fs::read_to_string(lock_file(&c)).expect("the socket lock file stays");
    assert_eq!(lock.lines().next(), Some(pid.to_string().as_str()));
    c.agent("start").expect(0);
    assert_eq!(state(pid), Some('Z'), "the zombie is still there");
    assert_ne!(c.postmaster_pid(), Some(pid));
    c.agent("monitor").expect(0);
    assert_eq!(c.psql("select 1").unwrap(), "1");
    c.agent("stop").expect(0);
    drop(parent);
    let _ = runuser.wait();
}

#[test]
fn start_waits_for_the_backends_of_a_killed_postmaster() {
    let c = PgCluster::new("orphans");
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().unwrap();
    let checkpointer = working_in(&c.data)
        .into_iter()
        .find(|(p, cmd)| ppid(*p) == Some(pid) && cmd.starts_with("postgres: checkpointer"))
        .map(|(p, _)| p)
        .expect("the checkpointer");
    let _guard = KillOnDrop(checkpointer);
    // a backend that cannot notice its postmaster died: it keeps the shared memory
    c.signal(checkpointer, "STOP");
    c.signal(pid, "KILL");
    assert!(PgCluster::wait_until(Duration::from_secs(10), || state(
        pid
    )
    .is_none()));
    let out = c.agent_with("start", &[("OCF_RESKEY_CRM_meta_timeout", "5000")]);
    out.expect(1)
        .expect_reason("processes of an earlier server")
        .expect_reason(&checkpointer.to_string());
    assert!(c.postmaster_pid().is_none(), "nothing started beside it");
    // once it may run again it sees the postmaster gone and exits: start then succeeds
    let resume = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        let _ = Command::new("kill")
            .arg("-CONT")
            .arg(checkpointer.to_string())
            .status();
    });
    c.agent("start").expect(0);
    resume.join().unwrap();
    assert!(state(checkpointer).is_none_or(|s| s == 'Z'));
    c.agent("monitor").expect(0);
    c.agent("stop").expect(0);
}
