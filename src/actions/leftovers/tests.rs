//! A start after a crash through the recording fake (docs/contract.md §4.1 step 3): which
//! lock files go before `pg_ctl start`, and the wait for the old server's processes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::actions::{start, Agent, Ctx};
use crate::config::Config;
use crate::error::Result;
use crate::exec::RunAs;
use crate::ocf::{Action, Env, OcfStatus};
use crate::pg::lockfile::{Holder, LockFile};
use crate::pg::pidfile::PidFile;
use crate::pg::version::PgVersion;
use crate::world::fake::{Event, FakeWorld};

const DATA: &str = "/t/data";
const SOCK: &str = "/t/run";

fn agent(timeout_ms: &str) -> Agent {
    let env = Env::from_pairs([
        ("OCF_RESKEY_pgdata", DATA),
        ("OCF_RESKEY_socketdir", SOCK),
        ("OCF_RESKEY_CRM_meta_timeout", timeout_ms),
    ]);
    let ctx = Ctx::new(env, Action::Start);
    let cfg = Config::from_env(&ctx.env, &ctx.meta).expect("valid test configuration");
    Agent {
        ctx,
        cfg,
        // the fake's files belong to uid 0
        pgdba: RunAs::lookup("root").expect("root"),
        version: Some(PgVersion::new(15, 0)),
    }
}

fn lock(data: &str, holder: Holder) -> LockFile {
    LockFile {
        mode: libc::S_IFREG | 0o600,
        uid: 0,
        content: Some(PidFile {
            pid: 4711,
            data_dir: Some(data.into()),
            port: Some(5432),
            socket_dir: None,
        }),
        names_pgdata: data == DATA,
        holder,
    }
}

fn lock_path(dir: &str) -> PathBuf {
    Path::new(dir).join(".s.PGSQL.5432.lock")
}

/// A world after kill -9 of postmaster 4711, which announced `/t/old` in postmaster.pid;
/// postgresql.conf names `/t/conf` as a socket directory too.
fn crashed() -> FakeWorld {
    let mut w = FakeWorld::default();
    w.files.insert(
        Path::new(DATA).join("postmaster.pid"),
        format!("4711\n{DATA}\n1700000000\n5432\n/t/old\n"),
    );
    w.files.insert(
        Path::new(DATA).join("postgresql.conf"),
        "unix_socket_directories = '/t/conf, @abstract'\n".into(),
    );
    w.dirs.insert(SOCK.into());
    w
}

fn run(w: &mut FakeWorld, agent: &Agent) -> Result<OcfStatus> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime")
        .block_on(start::start(w, agent))
}

/// Position of the first `pg_ctl ... start` among the events.
fn launch_at(w: &FakeWorld) -> usize {
    w.events
        .iter()
        .position(|e| matches!(e, Event::Run(a) if a.contains("pg_ctl") && a.ends_with("start")))
        .expect("pg_ctl start ran")
}

#[test]
fn stale_socket_locks_go_before_pg_ctl_start_and_others_stay() {
    let mut w = crashed();
    w.locks.insert(lock_path(SOCK), lock(DATA, Holder::Zombie));
    w.locks
        .insert(lock_path("/t/old"), lock(DATA, Holder::Gone));
    w.locks
        .insert(lock_path("/t/conf"), lock("/elsewhere", Holder::Zombie));
    run(&mut w, &agent("30000")).unwrap();
    let removed: Vec<usize> = [
        Path::new(DATA).join("postmaster.pid"),
        lock_path(SOCK),
        lock_path("/t/old"),
    ]
    .iter()
    .map(|p| {
        w.events
            .iter()
            .position(|e| e == &Event::Remove(p.clone()))
            .unwrap_or_else(|| panic!("{} not removed: {:?}", p.display(), w.events))
    })
    .collect();
    assert!(removed.iter().all(|i| *i < launch_at(&w)), "{:?}", w.events);
    // another data directory's lock file is the server's business
    assert!(w.locks.contains_key(&lock_path("/t/conf")));
}

#[test]
fn the_lock_of_a_live_process_in_pgdata_is_kept() {
    let mut w = crashed();
    w.locks
        .insert(lock_path(SOCK), lock(DATA, Holder::InPgdata));
    run(&mut w, &agent("30000")).unwrap();
    assert!(w.locks.contains_key(&lock_path(SOCK)));
    assert!(!w.events.contains(&Event::Remove(lock_path(SOCK))));
}

#[test]
fn lingering_backends_are_waited_for_before_the_launch() {
    let mut w = crashed();
    w.lingering = vec![4713, 4714];
    w.lingering_for = Some(Duration::from_secs(1));
    run(&mut w, &agent("30000")).unwrap();
    let at = launch_at(&w);
    let slept: Duration = w.events[..at]
        .iter()
        .map(|e| match e {
            Event::Sleep(d) => *d,
            _ => Duration::ZERO,
        })
        .sum();
    assert!(slept >= Duration::from_secs(1), "{:?}", w.events);
}

#[test]
fn backends_still_there_at_the_deadline_fail_the_start_naming_them() {
    let mut w = crashed();
    w.lingering = vec![4713, 4714];
    w.locks.insert(lock_path(SOCK), lock(DATA, Holder::Zombie));
    let e = run(&mut w, &agent("5000")).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("4713, 4714") && text.contains(DATA), "{text}");
    assert_eq!(e.status(), OcfStatus::ErrGeneric);
    assert!(w.runs("pg_ctl").is_empty(), "{:?}", w.events);
    // nothing of the old server was touched while it still had processes
    assert!(w.locks.contains_key(&lock_path(SOCK)));
    assert!(w
        .files
        .contains_key(&Path::new(DATA).join("postmaster.pid")));
}
