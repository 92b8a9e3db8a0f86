//! The version matrix's black-box selection (docs/support.md; `cargo test --test blackbox
//! versions::`, run by tests/versions.sh once per PostgreSQL major with
//! `PGSQL_TEST_PGBIN`): the lifecycle of docs/contract.md §4 on whatever major the tests
//! run, and each place where the agent behaves differently by major, checked on disk and
//! against the running server: the recovery configuration (§6: `<pgdata>/recovery.conf`
//! with `standby_mode = 'on'` before 12, `standby.signal` and an included
//! `<tmpdir>/recovery.conf` from 12), the WAL functions and `pg_stat_wal_receiver` of the
//! facts query (§5.10, §5.5), `stats_temp_directory` (§4.1 step 4, gone in 15) and the stale
//! `backup_label` of an exclusive backup (§4.1 step 3, gone in 15).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::{self, pg_major, PgCluster};

/// The major under test, in the message of every assertion that depends on it.
fn on() -> String {
    format!("PostgreSQL {} ({})", pg_major(), common::pgbin())
}

fn uid_of(user: &str) -> u32 {
    common::sh(Command::new("id").args(["-u", user]))
        .trim()
        .parse()
        .unwrap()
}

/// A base backup of `primary` (pg_basebackup of the client directory, which serves its own
/// and older majors) as the data of a new cluster `name`, with its own socket directory.
fn standby_of(primary: &PgCluster, name: &str) -> PgCluster {
    let standby = PgCluster::new(name);
    std::fs::remove_dir_all(&standby.data).unwrap();
    common::sh(
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(Path::new(&common::clientbin()).join("pg_basebackup"))
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
}

/// `standby` as a plain rep_mode=slave primitive of `primary` (both on this machine: the
/// primary's port goes into primary_conninfo through the option string, later options win).
fn as_slave_of(standby: &mut PgCluster, primary: &PgCluster) {
    standby
        .set("rep_mode", "slave")
        .set("master_ip", &primary.dir.display().to_string())
        .set("repuser", "postgres")
        .set(
            "primary_conninfo_opt",
            &format!("keepalives_idle=60 port={}", primary.port),
        );
    standby.set_meta("on_node", "Node2");
}

/// The command lines of `postmaster`'s children.
fn child_titles(postmaster: i32) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().nth(1)?.parse::<i32>().ok());
        if ppid == Some(postmaster) {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            out.push(String::from_utf8_lossy(&cmd).replace('\0', " "));
        }
    }
    out
}

/// The title of a child of `postmaster` that the agent's rule takes for a WAL receiver
/// (src/pg/walreceiver.rs: `postgres:` and `walreceiver` or `wal receiver`).
fn receiver_title(postmaster: i32) -> Option<String> {
    child_titles(postmaster).into_iter().find(|t| {
        let t = t.to_ascii_lowercase();
        t.starts_with("postgres:") && (t.contains("walreceiver") || t.contains("wal receiver"))
    })
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn start_stop_monitor_status_on_this_major() {
    let c = PgCluster::new("v-codes");
    c.agent("monitor").expect(7);
    c.agent("status").expect(7);
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().expect("postmaster running after start");
    let version = c.psql("show server_version_num").unwrap();
    assert_eq!(
        version.parse::<u32>().unwrap() / 10_000,
        pg_major(),
        "the server that runs is {version}, not {}",
        on()
    );
    c.agent("start").expect(0);
    assert_eq!(
        c.postmaster_pid(),
        Some(pid),
        "second start must not restart"
    );
    c.agent("monitor").expect(0);
    c.agent("status").expect(0);
    c.agent("stop").expect(0);
    assert!(c.postmaster_pid().is_none());
    assert!(!c.data.join("postmaster.pid").exists());
    c.agent("stop").expect(0);
    c.agent("monitor").expect(7);
    c.agent("promote").expect(3);
    c.agent("demote").expect(3);
}

#[test]
fn kill_9_is_seen_and_start_recovers_on_this_major() {
    let c = PgCluster::new("v-kill9");
    c.agent("start").expect(0);
    c.psql("create table k(x int); insert into k values (1)")
        .unwrap();
    let pid = c.postmaster_pid().unwrap();
    c.signal(pid, "KILL");
    assert!(PgCluster::wait_until(Duration::from_secs(10), || {
        !Path::new(&format!("/proc/{pid}")).exists()
    }));
    c.agent("monitor").expect(7);
    c.agent("status").expect(7);
    c.agent("start").expect(0);
    assert_ne!(c.postmaster_pid(), Some(pid));
    assert_eq!(c.psql("select count(*) from k").unwrap(), "1", "{}", on());
    c.agent("monitor").expect(0);
    c.agent("stop").expect(0);
}

#[test]
fn slave_standby_of_a_primary_of_the_same_major() {
    let primary = PgCluster::new("v-primary");
    primary.agent("start").expect(0);
    primary
        .psql("create table r(x int); insert into r values (42)")
        .unwrap();
    let mut standby = standby_of(&primary, "v-standby");
    as_slave_of(&mut standby, &primary);
    let tmpdir = standby.dir.join("tmp");
    standby.agent("start").expect(0);

    // the recovery configuration, in the form of this major
    let include = format!(
        "include '{}/recovery.conf' # added by pgsql RA",
        tmpdir.display()
    );
    let conf = standby.data.join("postgresql.conf");
    let (recovery, signal) = (
        standby.data.join("recovery.conf"),
        standby.data.join("standby.signal"),
    );
    let rec = if pg_major() >= 12 {
        assert!(signal.exists(), "standby.signal missing on {}", on());
        assert!(
            !recovery.exists(),
            "{} would refuse <pgdata>/recovery.conf",
            on()
        );
        let n = lines(&conf).iter().filter(|l| **l == include).count();
        assert_eq!(n, 1, "include lines in postgresql.conf on {}", on());
        tmpdir.join("recovery.conf")
    } else {
        assert!(!signal.exists(), "standby.signal written for {}", on());
        assert!(
            !lines(&conf).iter().any(|l| l.contains("recovery.conf")),
            "postgresql.conf includes a recovery file on {}",
            on()
        );
        assert!(
            lines(&recovery).iter().any(|l| l == "standby_mode = 'on'"),
            "no standby_mode = 'on' in {}: {:?}",
            recovery.display(),
            lines(&recovery)
        );
        recovery.clone()
    };
    let meta = std::fs::metadata(&rec).unwrap();
    assert_eq!(meta.uid(), uid_of("postgres"), "{} owner", rec.display());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "{} mode",
        rec.display()
    );
    let text = lines(&rec);
    assert!(
        text.iter()
            .any(|l| l.starts_with("primary_conninfo = '") && l.contains("application_name=node2")),
        "{}: {text:?}",
        rec.display()
    );
    assert!(text
        .iter()
        .any(|l| l == "recovery_target_timeline = 'latest'"));
    if pg_major() >= 12 {
        assert!(!text.iter().any(|l| l.contains("standby_mode")), "{text:?}");
    }

    // it streams, and the monitor (with the WAL receiver check) sees a standby
    assert_eq!(standby.psql("select pg_is_in_recovery()").unwrap(), "t");
    assert!(
        PgCluster::wait_until(Duration::from_secs(20), || {
            primary
                .psql("select application_name || ' ' || state from pg_stat_replication")
                .is_ok_and(|s| s == "node2 streaming")
        }),
        "node2 does not stream on {}",
        on()
    );
    primary.psql("insert into r values (43)").unwrap();
    assert!(PgCluster::wait_until(Duration::from_secs(10), || {
        standby
            .psql("select count(*) from r")
            .is_ok_and(|s| s == "2")
    }));
    standby.agent("monitor").expect(0);
    // the receiver check of rep_mode none and slave (check_wal_receiver, §5.5) finds the
    // WAL receiver by its process title: this major's title must be one it knows. (The
    // check itself is not run here: it publishes through attrd_updater, which would write
    // into a cluster running in this machine's namespaces.)
    let pm = standby.postmaster_pid().unwrap();
    assert!(
        PgCluster::wait_until(Duration::from_secs(10), || receiver_title(pm).is_some()),
        "no child of the standby's postmaster is titled like a WAL receiver on {}: {:?}",
        on(),
        child_titles(pm)
    );

    // a restart rewrites the recovery configuration, no second include line
    standby.agent("stop").expect(0);
    standby.agent("start").expect(0);
    assert_eq!(standby.psql("select pg_is_in_recovery()").unwrap(), "t");
    let n = lines(&conf).iter().filter(|l| **l == include).count();
    assert_eq!(
        n,
        usize::from(pg_major() >= 12),
        "include lines after a restart"
    );
    standby.agent("stop").expect(0);
    primary.agent("stop").expect(0);
}

/// The replication monitor's one round trip (WAL functions of 10 and later,
/// pg_stat_wal_receiver, pg_stat_replication) on a primary and on its standby: a query
/// this major refuses fails the monitor (1). No Pacemaker runs here: the cluster snapshot
/// fails, which never fails a healthy server's monitor (§5.10), so 8 and 0 come from the
/// facts alone.
#[test]
fn replication_monitor_facts_on_this_major() {
    let mut primary = PgCluster::new("v-fprimary");
    primary.agent("start").expect(0);
    let mut standby = standby_of(&primary, "v-fstandby");
    as_slave_of(&mut standby, &primary);
    standby.agent("start").expect(0);
    assert!(PgCluster::wait_until(Duration::from_secs(20), || {
        primary
            .psql("select count(*) from pg_stat_replication where state = 'streaming'")
            .is_ok_and(|s| s == "1")
    }));
    // node names no cluster of this machine has: the attribute writes fail (warnings)
    for (c, node) in [(&mut primary, "vtest1"), (&mut standby, "vtest2")] {
        c.set("rep_mode", "sync").set("node_list", "vtest1 vtest2");
        if node == "vtest1" {
            c.set("master_ip", "127.0.0.1");
        }
        c.set_meta("promotable", "true").set_meta("on_node", node);
    }
    primary.agent("monitor").expect(8);
    standby.agent("monitor").expect(0);
    for c in [&mut primary, &mut standby] {
        c.set("rep_mode", "none").unset("node_list");
        c.unset_meta("promotable");
    }
    standby.set("rep_mode", "slave");
    standby.agent("stop").expect(0);
    primary.agent("stop").expect(0);
}

/// stats_temp_directory exists before 15: start creates it (mode 700, pgdba's). From 15 on
/// the server no longer knows the setting: start creates nothing for it and fails quoting
/// the server's reason.
#[test]
fn stats_temp_directory_by_major() {
    let c = PgCluster::new("v-stats");
    let dir = c.dir.join("stats_tmp");
    c.append_conf(&format!("stats_temp_directory = '{}'", dir.display()));
    let out = c.agent("start");
    if pg_major() < 15 {
        out.expect(0);
        let meta = std::fs::metadata(&dir).expect("stats_temp_directory created");
        assert!(meta.is_dir());
        assert_eq!(meta.uid(), uid_of("postgres"));
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        assert_eq!(
            c.psql("show stats_temp_directory").unwrap(),
            dir.display().to_string()
        );
        c.agent("stop").expect(0);
    } else {
        out.expect(1).expect_reason("contains errors");
        let log = std::fs::read_to_string(c.dir.join("postgres.log")).unwrap();
        assert!(
            log.contains("unrecognized configuration parameter \"stats_temp_directory\""),
            "{log}"
        );
        assert!(
            !dir.exists(),
            "created a directory {} does not know\n{}",
            on(),
            out.dump()
        );
        assert!(c.postmaster_pid().is_none());
    }
}

/// Before 15, an exclusive backup interrupted by a crash leaves backup_label in pgdata:
/// start removes it before the server sees it (no backup_label.old afterwards). From 15 on
/// there is no exclusive backup; a backup_label is a restored base backup's, kept for the
/// server to recover from (it renames it backup_label.old).
#[test]
fn backup_label_by_major() {
    let c = PgCluster::new("v-label");
    c.agent("start").expect(0);
    c.psql("create table b(x int); insert into b values (1)")
        .unwrap();
    let (label, old) = (c.data.join("backup_label"), c.data.join("backup_label.old"));
    if pg_major() < 15 {
        // exclusive by default before 15
        c.psql("select pg_start_backup('pgsql-ra-test', true)")
            .unwrap();
        assert!(
            label.exists(),
            "no backup_label from pg_start_backup on {}",
            on()
        );
        let pid = c.postmaster_pid().unwrap();
        c.signal(pid, "KILL");
        assert!(PgCluster::wait_until(Duration::from_secs(10), || {
            !Path::new(&format!("/proc/{pid}")).exists()
        }));
        let out = c.agent("start");
        out.expect(0);
        assert!(
            out.stderr.contains("removed backup_label"),
            "removal not logged\n{}",
            out.dump()
        );
        assert!(
            !label.exists() && !old.exists(),
            "the server saw the label on {}",
            on()
        );
        c.agent("monitor").expect(0);
        c.agent("stop").expect(0);
    } else {
        let restored = standby_of(&c, "v-restored");
        c.agent("stop").expect(0);
        assert!(restored.data.join("backup_label").exists());
        let out = restored.agent("start");
        out.expect(0);
        assert!(
            out.stderr.contains("keeping") && out.stderr.contains("backup_label"),
            "{}",
            out.dump()
        );
        assert!(
            restored.data.join("backup_label.old").exists(),
            "the server did not recover from the kept label on {}",
            on()
        );
        assert_eq!(restored.psql("select count(*) from b").unwrap(), "1");
        restored.agent("monitor").expect(0);
        restored.agent("stop").expect(0);
    }
}
