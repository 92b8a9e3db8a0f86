//! Black-box lifecycle of one real PostgreSQL 15 cluster under the agent (SPEC section 4,
//! rep_mode none and slave): codes of start/stop/monitor/status, idempotence, crash
//! detection, stop escalation, a server that ignores signals, authentication paths.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::{Duration, Instant};

use crate::common::{self, run_agent, PgCluster};

#[test]
fn start_stop_monitor_status_codes_and_idempotence() {
    let c = PgCluster::new("codes");
    c.agent("monitor").expect(7);
    c.agent("status").expect(7);
    c.agent_with("monitor", &[("OCF_RESKEY_CRM_meta_interval", "0")])
        .expect(7);
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().expect("postmaster running after start");
    c.agent("start").expect(0);
    assert_eq!(
        c.postmaster_pid(),
        Some(pid),
        "second start must not restart"
    );
    c.agent("monitor").expect(0);
    c.agent("status").expect(0);
    assert_eq!(c.psql("select 1").unwrap(), "1");
    let out = c.agent("stop");
    out.expect(0);
    assert!(
        out.stdout.is_empty(),
        "nothing but meta-data prints to stdout"
    );
    assert!(c.postmaster_pid().is_none());
    assert!(!c.data.join("postmaster.pid").exists());
    c.agent("stop").expect(0);
    c.agent("monitor").expect(7);
    c.agent("status").expect(7);
    // promote/demote exist only in replication mode: "not implemented" (OCF, ocf-tester)
    c.agent("promote").expect(3);
    c.agent("demote").expect(3);
}

#[test]
fn kill_9_of_the_postmaster_is_seen_and_start_recovers() {
    let c = PgCluster::new("kill9");
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().unwrap();
    c.signal(pid, "KILL");
    assert!(PgCluster::wait_until(Duration::from_secs(10), || {
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
    }));
    assert!(
        c.data.join("postmaster.pid").exists(),
        "a stale pid file stays behind"
    );
    c.agent("monitor").expect(7);
    c.agent("status").expect(7);
    c.agent("start").expect(0);
    assert_ne!(c.postmaster_pid(), Some(pid));
    c.agent("monitor").expect(0);
    c.agent("stop").expect(0);
}

#[test]
fn pid_file_naming_another_process_is_stale() {
    let c = PgCluster::new("stalepid");
    // a live process that is not a postmaster of this data directory: this test itself
    let me = std::process::id();
    std::fs::write(
        c.data.join("postmaster.pid"),
        format!("{me}\n{}\n", c.data.display()),
    )
    .unwrap();
    c.agent("monitor").expect(7);
    c.agent("status").expect(7);
    c.agent("start").expect(0);
    assert_ne!(c.postmaster_pid(), Some(me as i32));
    c.agent("monitor").expect(0);
    c.agent("stop").expect(0);
}

#[test]
fn failing_monitor_sql_is_a_generic_error_with_reason() {
    let mut c = PgCluster::new("monsql");
    c.agent("start").expect(0);
    c.set("monitor_sql", "select * from no_such_table");
    c.agent("monitor").expect(1).expect_reason("no_such_table");
    c.set("monitor_sql", "select now();");
    c.agent("stop").expect(0);
}

#[test]
fn start_failure_explains_itself_quickly() {
    let mut c = PgCluster::new("badstart");
    c.set("start_opt", "-c no_such_setting=1");
    let out = c.agent("start");
    out.expect(1).expect_reason("exited during start");
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
    assert!(c.postmaster_pid().is_none());
}

#[test]
fn stalled_fast_shutdown_escalates_to_immediate() {
    let mut c = PgCluster::new("escalate");
    // the archiver hangs in archive_command, so a fast shutdown waits for it
    c.append_conf("archive_mode = on\narchive_command = 'sleep 15'");
    c.set("stop_escalate", "2");
    c.agent("start").expect(0);
    c.psql("create table t as select generate_series(1, 10000) g; select pg_switch_wal();")
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let out = c.agent("stop");
    out.expect(0);
    assert!(
        out.stderr.contains("escalating to immediate"),
        "expected the escalation in the log\n{}",
        out.dump()
    );
    assert!(
        out.elapsed >= Duration::from_secs(2) && out.elapsed < Duration::from_secs(12),
        "stop took {:?}",
        out.elapsed
    );
    assert!(c.postmaster_pid().is_none());
}

#[test]
fn postmaster_ignoring_signals_fails_stop_before_the_timeout() {
    let mut c = PgCluster::new("sigstop");
    c.set("stop_escalate", "2");
    c.set_meta("timeout", "8000");
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().unwrap();
    c.signal(pid, "STOP");
    let t0 = Instant::now();
    let out = c.agent("stop");
    out.expect(1).expect_reason("did not stop");
    assert!(
        t0.elapsed() < Duration::from_secs(8),
        "stop ran {:?}, past the 8 s timeout",
        t0.elapsed()
    );
    assert!(
        out.reason().unwrap().contains("stopped by a signal"),
        "{}",
        out.dump()
    );
    c.signal(pid, "CONT");
    c.agent("stop").expect(0);
}

#[test]
fn peer_authentication_works_while_the_agent_runs_as_root() {
    let c = PgCluster::with_initdb("peer", &["--auth-local=peer", "--auth-host=reject"]);
    c.agent("start").expect(0);
    c.agent("monitor").expect(0);
    c.agent("stop").expect(0);
}

#[test]
fn monitor_user_and_password() {
    let mut c = PgCluster::new("password");
    c.agent("start").expect(0);
    c.psql("create role mon login password 'pw''s; $(x)'")
        .unwrap();
    let hba = c.data.join("pg_hba.conf");
    let old = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(&hba, format!("local all mon scram-sha-256\n{old}")).unwrap();
    c.psql("select pg_reload_conf()").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    c.set("monitor_user", "mon")
        .set("monitor_password", "pw's; $(x)");
    c.agent("monitor").expect(0);
    c.set("monitor_password", "wrong");
    c.agent("monitor")
        .expect(1)
        .expect_reason("password authentication failed");
    c.unset("monitor_password").unset("monitor_user");
    c.agent("stop").expect(0);
}

#[test]
fn exit_reason_prefix_is_configurable() {
    let mut c = PgCluster::new("prefix");
    c.set("monitor_password", "x");
    let out = c.agent_with("start", &[("OCF_EXIT_REASON_PREFIX", "REASON=")]);
    out.expect(6);
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("REASON=monitor_password")),
        "{}",
        out.dump()
    );
}

#[test]
fn slave_follows_a_primary_with_generated_recovery_config() {
    let primary = PgCluster::new("primary");
    primary.agent("start").expect(0);
    primary
        .psql("create table r(x int); insert into r values (42)")
        .unwrap();

    // the standby's data: a base backup of the primary
    let mut standby = PgCluster::new("standby");
    std::fs::remove_dir_all(&standby.data).unwrap();
    common::sh(
        std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{}/pg_basebackup", common::clientbin()))
            .arg("-h")
            .arg(&primary.dir)
            .args(["-p", &primary.port.to_string(), "-U", "postgres", "-D"])
            .arg(&standby.data)
            .args(["-X", "stream", "--no-sync"]),
    );
    standby.append_conf(&format!(
        "unix_socket_directories = '{}'\nhot_standby = on",
        standby.dir.display()
    ));
    standby
        .set("rep_mode", "slave")
        .set("master_ip", &primary.dir.display().to_string())
        .set("repuser", "postgres");
    // primary_conninfo names pgport (the standby's own port here, as both run on one
    // machine): point it at the primary's through the option string (later options win)
    standby.set(
        "primary_conninfo_opt",
        &format!("keepalives_idle=60 port={}", primary.port),
    );
    standby.set_meta("on_node", "Node2");
    let tmpdir = standby.dir.join("tmp");
    assert!(!tmpdir.exists());
    standby.agent("start").expect(0);

    let meta = std::fs::metadata(&tmpdir).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o700, "tmpdir mode");
    assert_eq!(meta.uid(), nix_uid("postgres"), "tmpdir owner");
    assert!(standby.data.join("standby.signal").exists());
    let conf = std::fs::read_to_string(standby.data.join("postgresql.conf")).unwrap();
    let include = format!(
        "include '{}/recovery.conf' # added by pgsql RA",
        tmpdir.display()
    );
    assert_eq!(conf.lines().filter(|l| *l == include).count(), 1, "{conf}");
    assert_eq!(standby.psql("select pg_is_in_recovery()").unwrap(), "t");
    assert!(PgCluster::wait_until(Duration::from_secs(15), || {
        primary
            .psql("select application_name || ' ' || state from pg_stat_replication")
            .is_ok_and(|s| s == "node2 streaming")
    }));
    primary.psql("insert into r values (43)").unwrap();
    assert!(PgCluster::wait_until(Duration::from_secs(10), || {
        standby
            .psql("select count(*) from r")
            .is_ok_and(|s| s == "2")
    }));
    standby.agent("monitor").expect(0);
    // a restart rewrites the recovery configuration but adds no second include line
    standby.agent("stop").expect(0);
    standby.agent("start").expect(0);
    let conf = std::fs::read_to_string(standby.data.join("postgresql.conf")).unwrap();
    assert_eq!(conf.lines().filter(|l| *l == include).count(), 1);
    standby.agent("stop").expect(0);
    primary.agent("stop").expect(0);
}

fn nix_uid(user: &str) -> u32 {
    let out = common::sh(std::process::Command::new("id").args(["-u", user]));
    out.trim().parse().unwrap()
}

#[test]
fn unknown_action_and_extra_arguments() {
    let out = run_agent("reload", &[]);
    out.expect(3);
    let out = std::process::Command::new(common::bin())
        .args(["meta-data", "extra", "--more"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<resource-agent name=\"pgsql\""));
}

#[test]
fn a_monitor_without_interval_is_a_probe() {
    // Pacemaker passes no interval on probes; a node without the data is simply "not running"
    let mut c = PgCluster::new("probe");
    c.meta.remove("interval");
    c.set("pgdata", "/nonexistent/pgsql-ra-probe/data");
    let out = c.agent("monitor");
    out.expect(7);
    assert!(
        out.reason().is_none(),
        "a probe reports no failure\n{}",
        out.dump()
    );
    c.set_meta("interval", "10000");
    let out = c.agent("monitor");
    out.expect(7).expect_reason("does not exist");
}

#[test]
fn replication_stop_is_not_blocked_by_an_unreachable_cluster() {
    // no Pacemaker runs for this test: crm_mon and crm_attribute fail; stop must still stop
    let mut c = PgCluster::new("replstop");
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().unwrap();
    c.set("rep_mode", "sync")
        .set("node_list", "node1 node2")
        .set("master_ip", "127.0.0.1");
    c.set_meta("promotable", "true")
        .set_meta("on_node", "node1");
    let out = c.agent("stop");
    out.expect(0);
    assert!(
        c.postmaster_pid().is_none(),
        "postmaster {pid} still runs\n{}",
        out.dump()
    );
    assert!(out.elapsed < Duration::from_secs(25), "{:?}", out.elapsed);
}
