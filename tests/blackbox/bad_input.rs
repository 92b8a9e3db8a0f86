//! Black-box matrix of misconfigurations (SPEC sections 1 and 3): for every row the agent
//! must answer with the documented exit code and an `ocf-exit-reason:` naming the problem,
//! leave the cluster's files byte-for-byte unchanged and start no postmaster. A few rows
//! show the failure mapping: the same bad configuration gives `stop` 0, `monitor`/`status`
//! 7, level-0 `validate-all` 0 for problems only the level-10 (local) checks see, and the
//! validation code for everything else.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{self, run_agent, sh, snapshot, Outcome, PgCluster};

/// One misconfiguration and the answer it must get.
struct Row {
    name: &'static str,
    /// `validate-all` (OCF_CHECK_LEVEL=10), `validate-all@0` (no check level),
    /// `monitor@probe` (interval 0), or any other action as is.
    action: &'static str,
    /// Parameter changes: `name=value` sets OCF_RESKEY_name, `-name` unsets it,
    /// `meta:name=value` sets OCF_RESKEY_CRM_meta_name, `OCF_...=value` sets a raw variable.
    /// `{dir}`, `{data}` and `{conf}` expand to the cluster's directory, data directory and
    /// postgresql.conf.
    change: &'static [&'static str],
    code: i32,
    /// Text the exit reason must contain (None: no requirement).
    reason: Option<&'static str>,
}

const fn row(
    name: &'static str,
    action: &'static str,
    change: &'static [&'static str],
    code: i32,
    reason: Option<&'static str>,
) -> Row {
    Row {
        name,
        action,
        change,
        code,
        reason,
    }
}

const V: &str = "validate-all";
const SLAVE: [&str; 2] = ["rep_mode=slave", "master_ip=127.0.0.1"];

/// The matrix. Exit codes: 4 permission, 5 not installed, 6 not configured, 7 not running.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    // positive controls: the cluster's own configuration is valid
    row("control: valid config, level 10", V, &[], 0, None),
    row("control: valid config, level 0", "validate-all@0", &[], 0, None),
    row("control: tmpdir ignored without replication", V, &["tmpdir={dir}/afile/tmp"], 0, None),
    row("control: valid slave config", V, &SLAVE, 0, None),
    // --- not installed (5) ------------------------------------------------------------
    row("pgctl missing", V, &["pgctl=/nonexistent/bin/pg_ctl"], 5, Some("pg_ctl")),
    row("pgctl missing: start", "start", &["pgctl=/nonexistent/bin/pg_ctl"], 5, Some("pg_ctl")),
    row("pgctl missing: stop succeeds", "stop", &["pgctl=/nonexistent/bin/pg_ctl"], 0, None),
    row("pgctl missing: monitor not running", "monitor", &["pgctl=/nonexistent/bin/pg_ctl"], 7, None),
    row("pgctl missing: status not running", "status", &["pgctl=/nonexistent/bin/pg_ctl"], 7, None),
    row("pgctl missing: probe not running", "monitor@probe", &["pgctl=/nonexistent/bin/pg_ctl"], 7, None),
    row("pgctl missing: level-0 validate passes", "validate-all@0", &["pgctl=/nonexistent/bin/pg_ctl"], 0, None),
    row("pgctl missing: promote", "promote", &["pgctl=/nonexistent/bin/pg_ctl"], 5, Some("pg_ctl")),
    row("pgctl missing: demote", "demote", &["pgctl=/nonexistent/bin/pg_ctl"], 5, Some("pg_ctl")),
    row("pgctl missing: notify", "notify", &["pgctl=/nonexistent/bin/pg_ctl"], 5, Some("pg_ctl")),
    row("pgctl not executable", V, &["pgctl={dir}/noexec_pg_ctl"], 5, Some("pg_ctl")),
    row("pgctl is a directory", V, &["pgctl={dir}"], 5, Some("pg_ctl")),
    row("psql missing", V, &["psql=/nonexistent/bin/psql"], 5, Some("psql")),
    row("psql missing: start", "start", &["psql=/nonexistent/bin/psql"], 5, Some("psql")),
    row("psql missing: level-0 validate passes", "validate-all@0", &["psql=/nonexistent/bin/psql"], 0, None),
    // a command name PATH does not have (the runner's PATH is /usr/sbin:/usr/bin:/sbin:/bin)
    row("pgctl command not in PATH", "validate-all@0", &["pgctl=pg_ctl"], 5, Some("parameter pgctl")),
    row("psql command not in PATH: start", "start", &["psql=no_such_psql"], 5, Some("parameter psql")),
    row("config file missing", V, &["config={dir}/no-such.conf"], 5, Some("no-such.conf")),
    row("config file missing: start", "start", &["config={dir}/no-such.conf"], 5, Some("no-such.conf")),
    row("config file missing: probe not running", "monitor@probe", &["config={dir}/no-such.conf"], 7, None),
    row("config file missing: level-0 validate passes", "validate-all@0", &["config={dir}/no-such.conf"], 0, None),
    row("pgdba unknown user", V, &["pgdba=nosuchuser_pgsqlra"], 5, Some("nosuchuser_pgsqlra")),
    row("pgdba unknown user: start", "start", &["pgdba=nosuchuser_pgsqlra"], 5, Some("nosuchuser_pgsqlra")),
    row("pgdba unknown user: stop succeeds", "stop", &["pgdba=nosuchuser_pgsqlra"], 0, None),
    row("pgdba unknown user: status not running", "status", &["pgdba=nosuchuser_pgsqlra"], 7, None),
    row("pgdba unknown user: level-0 validate passes", "validate-all@0", &["pgdba=nosuchuser_pgsqlra"], 0, None),
    row("replication on PostgreSQL 9.0", V, &["rep_mode=slave", "master_ip=127.0.0.1", "pgdata={dir}/pg90", "config={conf}"], 5, Some("9.1")),
    // --- permission (4) ---------------------------------------------------------------
    row("pgdata owned by root, mode 700", V, &["pgdata={dir}/rootonly", "config={conf}"], 4, Some("rootonly")),
    row("pgdata owned by root, mode 700: start", "start", &["pgdata={dir}/rootonly", "config={conf}"], 4, Some("rootonly")),
    row("pgdata owned by root, mode 700: stop succeeds", "stop", &["pgdata={dir}/rootonly", "config={conf}"], 0, None),
    row("pgdata owned by root, mode 700: monitor not running", "monitor", &["pgdata={dir}/rootonly", "config={conf}"], 7, None),
    row("pgdata owned by root, mode 700: probe not running", "monitor@probe", &["pgdata={dir}/rootonly", "config={conf}"], 7, None),
    row("pgdata owned by root, mode 700: level-0 validate passes", "validate-all@0", &["pgdata={dir}/rootonly", "config={conf}"], 0, None),
    row("pgdata owned by postgres, mode 500", V, &["pgdata={dir}/readonly", "config={conf}"], 4, Some("readonly")),
    row("pgdata does not exist", V, &["pgdata={dir}/no-such-data", "config={conf}"], 4, Some("no-such-data")),
    row("tmpdir cannot be created (slave)", V, &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir={dir}/afile/tmp"], 4, Some("tmpdir")),
    row("tmpdir cannot be created (slave): start", "start", &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir={dir}/afile/tmp"], 4, Some("tmpdir")),
    row("tmpdir cannot be created (slave): stop succeeds", "stop", &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir={dir}/afile/tmp"], 0, None),
    row("socketdir owned by root, mode 700: start", "start", &["socketdir={dir}/rootonly", "logfile=/dev/null"], 4, Some("rootonly")),
    row("probe on a node without the data", "monitor@probe", &["pgdata={dir}/no-such-data"], 7, None),
    row("tmpdir is a regular file (slave)", V, &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir={dir}/afile"], 4, Some("tmpdir")),
    // --- not configured (6) -----------------------------------------------------------
    row("monitor_password without monitor_user", V, &["monitor_password=secret"], 6, Some("monitor_user")),
    row("monitor_password without monitor_user: start", "start", &["monitor_password=secret"], 6, Some("monitor_user")),
    row("monitor_password without monitor_user: stop succeeds", "stop", &["monitor_password=secret"], 0, None),
    row("monitor_password without monitor_user: monitor not running", "monitor", &["monitor_password=secret"], 7, None),
    row("monitor_password without monitor_user: status not running", "status", &["monitor_password=secret"], 7, None),
    row("monitor_password without monitor_user: level 0", "validate-all@0", &["monitor_password=secret"], 6, Some("monitor_user")),
    row("unix_socket_directories without socketdir", V, &["-socketdir"], 6, Some("socketdir")),
    row("unix_socket_directories without socketdir: start", "start", &["-socketdir"], 6, Some("socketdir")),
    row("unix_socket_directories without socketdir (empty)", V, &["socketdir="], 6, Some("socketdir")),
    row("slave without master_ip", V, &["rep_mode=slave"], 6, Some("master_ip")),
    row("slave without master_ip: start", "start", &["rep_mode=slave"], 6, Some("master_ip")),
    row("slave without master_ip: monitor not running", "monitor", &["rep_mode=slave"], 7, None),
    row("async without master_ip", V, &["rep_mode=async", "node_list=node1 node2", "meta:promotable=true"], 6, Some("master_ip")),
    row("async outside a promotable clone", V, &["rep_mode=async", "master_ip=127.0.0.1", "node_list=node1 node2"], 6, Some("promotable")),
    row("sync outside a promotable clone", V, &["rep_mode=sync", "master_ip=127.0.0.1", "node_list=node1 node2"], 6, Some("promotable")),
    row("sync outside a promotable clone: start", "start", &["rep_mode=sync", "master_ip=127.0.0.1", "node_list=node1 node2"], 6, Some("promotable")),
    row("sync with promotable=false", V, &["rep_mode=sync", "master_ip=127.0.0.1", "node_list=node1 node2", "meta:promotable=false"], 6, Some("promotable")),
    row("slave inside a promotable clone", V, &["rep_mode=slave", "master_ip=127.0.0.1", "meta:promotable=true"], 6, Some("promotable")),
    row("slave inside a promotable clone: start", "start", &["rep_mode=slave", "master_ip=127.0.0.1", "meta:promotable=true"], 6, Some("promotable")),
    row("slave inside a clone with master_max", V, &["rep_mode=slave", "master_ip=127.0.0.1", "meta:master_max=1"], 6, Some("promotable")),
    row("rep_mode bogus", V, &["rep_mode=bogus"], 6, Some("rep_mode")),
    row("rep_mode in capitals", V, &["rep_mode=SYNC"], 6, Some("rep_mode")),
    row("rep_mode bogus: start", "start", &["rep_mode=bogus"], 6, Some("rep_mode")),
    row("sync with empty node_list", V, &["rep_mode=sync", "master_ip=127.0.0.1", "meta:promotable=true"], 6, Some("node_list")),
    row("async with blank node_list", V, &["rep_mode=async", "master_ip=127.0.0.1", "node_list=   ", "meta:promotable=true"], 6, Some("node_list")),
    row("slot name with capitals", V, &["replication_slot_name=Slot1"], 6, Some("replication_slot_name")),
    row("slot name with a dash", V, &["replication_slot_name=my-slot"], 6, Some("replication_slot_name")),
    row("slots on PostgreSQL 9.3", V, &["rep_mode=slave", "master_ip=127.0.0.1", "replication_slot_name=slot", "pgdata={dir}/pg93", "config={conf}"], 6, Some("9.4")),
    row("pgport not a number", V, &["pgport=54x"], 6, Some("pgport")),
    row("pgport not a number: start", "start", &["pgport=54x"], 6, Some("pgport")),
    row("pgport not a number: stop succeeds", "stop", &["pgport=54x"], 0, None),
    row("pgport not a number: monitor not running", "monitor", &["pgport=54x"], 7, None),
    row("pgport not a number: status not running", "status", &["pgport=54x"], 7, None),
    row("pgport not a number: probe not running", "monitor@probe", &["pgport=54x"], 7, None),
    row("pgport not a number: level 0", "validate-all@0", &["pgport=54x"], 6, Some("pgport")),
    row("pgport not a number: promote", "promote", &["pgport=54x"], 6, Some("pgport")),
    row("pgport not a number: demote", "demote", &["pgport=54x"], 6, Some("pgport")),
    row("pgport not a number: notify", "notify", &["pgport=54x"], 6, Some("pgport")),
    row("pgport 65536", V, &["pgport=65536"], 6, Some("pgport")),
    row("pgport 0", V, &["pgport=0"], 6, Some("pgport")),
    row("pgport negative", V, &["pgport=-1"], 6, Some("pgport")),
    row("stop_escalate not a number", V, &["stop_escalate=ninety"], 6, Some("stop_escalate")),
    row("stop_escalate_in_slave fractional", V, &["stop_escalate_in_slave=1.5"], 6, Some("stop_escalate_in_slave")),
    row("xlog_check_count not a number", V, &["xlog_check_count=three"], 6, Some("xlog_check_count")),
    row("crm_attr_timeout with a unit", V, &["crm_attr_timeout=5s"], 6, Some("crm_attr_timeout")),
    row("restart_on_promote not a boolean", V, &["restart_on_promote=maybe"], 6, Some("restart_on_promote")),
    row("check_wal_receiver not a boolean", V, &["check_wal_receiver=2"], 6, Some("check_wal_receiver")),
    row("pgdata relative", V, &["pgdata=data", "config={conf}"], 6, Some("pgdata")),
    row("pgdata relative: start", "start", &["pgdata=data", "config={conf}"], 6, Some("pgdata")),
    row("config relative", V, &["config=postgresql.conf"], 6, Some("config")),
    row("tmpdir relative (slave)", V, &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir=tmp"], 6, Some("tmpdir")),
    row("logfile relative", V, &["logfile=postgres.log"], 6, Some("logfile")),
    row("socketdir relative", V, &["socketdir=run"], 6, Some("socketdir")),
    row("pgctl relative", V, &["pgctl=bin/pg_ctl"], 6, Some("pgctl")),
    row("psql relative", V, &["psql=./psql"], 6, Some("psql")),
    row("pgdata with $(", V, &["pgdata={dir}/$(touch {dir}/pwned)"], 6, Some("pgdata")),
    row("pgdata with $(: start", "start", &["pgdata={dir}/$(touch {dir}/pwned)"], 6, Some("pgdata")),
    row("pgdata with a double quote", V, &["pgdata={dir}/a\"b"], 6, Some("pgdata")),
    row("pgdata with a backquote", V, &["pgdata={dir}/a`id`"], 6, Some("pgdata")),
    row("logfile with $(", V, &["logfile={dir}/$(touch {dir}/pwned).log"], 6, Some("logfile")),
    row("pgctl with a double quote", V, &["pgctl={dir}/bin\"/pg_ctl"], 6, Some("pgctl")),
    row("start_opt unbalanced single quote", V, &["start_opt=-c 'work_mem=4MB"], 6, Some("start_opt")),
    row("start_opt unbalanced single quote: start", "start", &["start_opt=-c 'work_mem=4MB"], 6, Some("start_opt")),
    row("start_opt unbalanced double quote", V, &["start_opt=-c \"work_mem=4MB"], 6, Some("start_opt")),
    row("start_opt trailing backslash", V, &["start_opt=-c work_mem=4MB\\"], 6, Some("start_opt")),
    row("ctl_opt unbalanced quote", V, &["ctl_opt=-t '60"], 6, Some("ctl_opt")),
    row("ctl_opt unbalanced quote: start", "start", &["ctl_opt=-t '60"], 6, Some("ctl_opt")),
    row("pgdba with a colon", V, &["pgdba=post:gres"], 6, Some("pgdba")),
    row("external_standby_node_list with rep_mode none", V, &["external_standby_node_list=ext1"], 6, Some("external_standby_node_list")),
    row("external_standby_node_list with async", V, &["rep_mode=async", "master_ip=127.0.0.1", "node_list=node1 node2", "meta:promotable=true", "external_standby_node_list=ext1"], 6, Some("external_standby_node_list")),
    row("external_standby_node_list with slave", V, &["rep_mode=slave", "master_ip=127.0.0.1", "external_standby_node_list=ext1"], 6, Some("external_standby_node_list")),
    // a tmpdir whose parent cannot hold new directories (root passes mode bits there)
    row("tmpdir under /proc (slave), level 10", V, &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir=/proc/pgsql-ra-no-such/tmp"], 4, Some("tmpdir")),
    row("tmpdir under /proc (slave): start", "start", &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir=/proc/pgsql-ra-no-such/tmp"], 4, Some("tmpdir")),
    // a log file inside a directory postgres cannot enter (root's, mode 700): refused
    // before anything is created or launched
    row("logfile in a directory postgres cannot enter: start", "start", &["logfile={dir}/rootonly/pg.log"], 4, Some("pg.log")),
];

fn expand(s: &str, c: &PgCluster) -> String {
    s.replace("{dir}", &c.dir.display().to_string())
        .replace("{data}", &c.data.display().to_string())
        .replace(
            "{conf}",
            &c.data.join("postgresql.conf").display().to_string(),
        )
}

/// The environment of `row`: the cluster's own with the row's changes.
fn row_env(c: &PgCluster, row: &Row) -> (String, Vec<(String, String)>) {
    let mut env: BTreeMap<String, String> = c.env().into_iter().collect();
    let (action, mode) = row.action.split_once('@').unwrap_or((row.action, ""));
    match (action, mode) {
        ("validate-all", "") => {
            env.insert("OCF_CHECK_LEVEL".into(), "10".into());
        }
        ("validate-all", "0") => {}
        ("monitor", "probe") => {
            env.insert("OCF_RESKEY_CRM_meta_interval".into(), "0".into());
        }
        (_, "") => {}
        _ => panic!("row {:?}: bad action {:?}", row.name, row.action),
    }
    if action == "monitor" && mode.is_empty() {
        env.insert("OCF_RESKEY_CRM_meta_interval".into(), "10000".into());
    }
    for ch in row.change {
        if let Some(name) = ch.strip_prefix('-') {
            env.remove(&format!("OCF_RESKEY_{name}"));
            continue;
        }
        let (k, v) = ch.split_once('=').expect("change is name=value");
        let key = if let Some(m) = k.strip_prefix("meta:") {
            format!("OCF_RESKEY_CRM_meta_{m}")
        } else if k.starts_with("OCF_") {
            k.to_string()
        } else {
            format!("OCF_RESKEY_{k}")
        };
        env.insert(key, expand(v, c));
    }
    (action.to_string(), env.into_iter().collect())
}

fn chown(user: &str, p: &Path) {
    sh(Command::new("chown").arg(user).arg(p));
}

fn chmod(mode: u32, p: &Path) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Files and directories the rows point at, all inside the cluster's own directory (the
/// real data directory is never touched).
fn fixtures(c: &PgCluster) {
    let d = &c.dir;
    // a data directory postgres cannot write: root's, mode 700
    std::fs::create_dir(d.join("rootonly")).unwrap();
    chmod(0o700, &d.join("rootonly"));
    // postgres's own, but read-only
    std::fs::create_dir(d.join("readonly")).unwrap();
    chown("postgres:postgres", &d.join("readonly"));
    chmod(0o500, &d.join("readonly"));
    // a regular file where a directory would have to be
    std::fs::write(d.join("afile"), "not a directory\n").unwrap();
    // a pg_ctl that is not executable
    std::fs::write(d.join("noexec_pg_ctl"), "#!/bin/sh\nexit 0\n").unwrap();
    chmod(0o644, &d.join("noexec_pg_ctl"));
    // data directories of old PostgreSQL versions (only PG_VERSION matters)
    for (name, ver) in [("pg90", "9.0"), ("pg93", "9.3")] {
        let p = d.join(name);
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("PG_VERSION"), format!("{ver}\n")).unwrap();
        sh(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&p));
        chmod(0o700, &p);
    }
}

/// Every postmaster.pid under the cluster's directory that names a live process.
fn live_postmasters(c: &PgCluster) -> Vec<String> {
    let mut found = Vec::new();
    for (path, (_, bytes)) in snapshot(&c.dir) {
        if path.file_name().is_some_and(|n| n == "postmaster.pid") {
            let text = String::from_utf8_lossy(&bytes);
            if let Some(pid) = text
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<i32>().ok())
            {
                if Path::new(&format!("/proc/{pid}")).exists() {
                    found.push(format!("{} (pid {pid})", path.display()));
                }
            }
        }
    }
    found
}

/// What is wrong with `out` for `row`, if anything.
fn judge(row: &Row, out: &Outcome) -> Vec<String> {
    let mut bad = Vec::new();
    if out.code != row.code {
        bad.push(format!("exit code {} instead of {}", out.code, row.code));
    }
    if let Some(want) = row.reason {
        match out.reason() {
            Some(r) if r.contains(want) => {}
            Some(r) => bad.push(format!("exit reason {r:?} lacks {want:?}")),
            None => bad.push(format!("no ocf-exit-reason line (wanted {want:?})")),
        }
    }
    let has_reason = matches!(out.reason(), Some(r) if !r.trim().is_empty());
    if out.code != 0 && out.code != 7 && !has_reason {
        bad.push("a failure without an exit reason".into());
    }
    let reasons = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("ocf-exit-reason:"))
        .count();
    if reasons > 1 {
        bad.push(format!("{reasons} exit reason lines; one is the most"));
    }
    if !out.stdout.is_empty() {
        bad.push(format!("printed to stdout: {:?}", out.stdout));
    }
    bad
}

/// Runs every row against `c`; returns one report per failing row. With `strict_files`,
/// any change under the cluster's directory fails the row.
fn run_matrix(c: &PgCluster, rows: &[Row], strict_files: bool) -> Vec<String> {
    let mut failures = Vec::new();
    for row in rows {
        let (action, env) = row_env(c, row);
        let before = snapshot(&c.dir);
        let data_before = snapshot(&c.data);
        let out = run_agent(&action, &env);
        let after = snapshot(&c.dir);
        let mut bad = judge(row, &out);
        if snapshot(&c.data) != data_before {
            bad.push("the data directory changed".into());
        }
        if strict_files && before != after {
            let changed: Vec<String> = before
                .keys()
                .chain(after.keys())
                .filter(|k| before.get(*k) != after.get(*k))
                .map(|k| k.display().to_string())
                .collect();
            bad.push(format!("files changed: {changed:?}"));
        }
        let live = live_postmasters(c);
        if !live.is_empty() {
            bad.push(format!("postmaster running afterwards: {live:?}"));
        }
        if c.postmaster_pid().is_some() {
            bad.push("the cluster's postmaster is running".into());
        }
        if c.dir.join("pwned").exists() {
            bad.push("a shell ran the injected command".into());
        }
        if !bad.is_empty() {
            failures.push(format!(
                "ROW {:?}:\n  - {}\n{}",
                row.name,
                bad.join("\n  - "),
                out.dump()
            ));
        }
    }
    failures
}

#[test]
fn misconfigurations_get_their_code_and_reason_and_change_nothing() {
    let c = PgCluster::new("badinput");
    fixtures(&c);
    assert!(ROWS.len() >= 24);
    let failures = run_matrix(&c, ROWS, true);
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n\n")
    );
}

#[test]
fn meta_data_and_methods_validate_nothing() {
    let mut c = PgCluster::new("badmeta");
    c.set("pgctl", "/nonexistent/bin/pg_ctl")
        .set("psql", "/nonexistent/bin/psql")
        .set("pgport", "not-a-port")
        .set("pgdba", "nosuchuser_pgsqlra");
    let before = snapshot(&c.data);
    let out = c.agent("meta-data");
    out.expect(0);
    assert!(
        out.stdout.starts_with("<?xml") && out.stdout.contains("<resource-agent name=\"pgsql\""),
        "{}",
        out.dump()
    );
    assert!(out.stdout.trim_end().ends_with("</resource-agent>"));
    let out = c.agent("methods");
    out.expect(0);
    assert!(out.stdout.contains("validate-all"), "{}", out.dump());
    // even with no environment at all
    let out = run_agent("meta-data", &[]);
    out.expect(0);
    assert!(out.stdout.contains("<resource-agent name=\"pgsql\""));
    assert_eq!(snapshot(&c.data), before);
}

/// Runs the binary with raw arguments and the cluster's environment.
fn raw(c: &PgCluster, args: &[&str], extra: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(common::bin())
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(c.env())
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run the pgsql binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_actions_and_extra_arguments() {
    let c = PgCluster::new("badargs");
    let before = snapshot(&c.data);
    for action in ["reload", "bogus", "START", "migrate_to", ""] {
        let (code, stdout, stderr) = raw(&c, &[action], &[]);
        assert_eq!(code, 3, "action {action:?}\n{stderr}");
        assert!(stdout.is_empty(), "action {action:?} printed {stdout:?}");
    }
    // unknown action with extra arguments is still unknown
    let (code, _, stderr) = raw(&c, &["reload", "now"], &[]);
    assert_eq!(code, 3, "{stderr}");
    // no action at all: a usage error, never success, nothing on stdout
    let (code, stdout, stderr) = raw(&c, &[], &[]);
    assert!(code != 0, "no action exited 0\n{stderr}");
    assert!(stdout.is_empty(), "{stdout:?}");

    // further arguments after a valid action are ignored (OCF 1.1)
    let lvl = [("OCF_CHECK_LEVEL", "10")];
    let (code, stdout, stderr) = raw(&c, &["validate-all", "extra", "words"], &lvl);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let (code, _, stderr) = raw(&c, &["validate-all", "x"], &[("OCF_RESKEY_pgport", "54x")]);
    assert_eq!(
        code, 6,
        "validation still happens with extra args\n{stderr}"
    );
    let (code, stdout, stderr) = raw(&c, &["meta-data", "extra"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("<resource-agent name=\"pgsql\""));
    let (code, _, stderr) = raw(&c, &["monitor", "extra"], &[]);
    assert_eq!(code, 7, "{stderr}");
    let (code, _, stderr) = raw(&c, &["status", "1", "2", "3"], &[]);
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(snapshot(&c.data), before);
    let (code, _, stderr) = raw(&c, &["start", "extra"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(c.postmaster_pid().is_some());
    let (code, _, stderr) = raw(&c, &["monitor", "extra", "args"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = raw(&c, &["stop", "extra"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(c.postmaster_pid().is_none());
}

/// AGENT DEFECT (clap): an extra argument that looks like an option (`--help`, `-h`,
/// `--version`, `-V`) makes the binary print help/version text on stdout and exit 0
/// instead of running the action; `--help` as the action itself exits 0 instead of 3.
/// OCF 1.1 says further arguments are ignored, SPEC 1 says unknown actions exit 3 and
/// nothing but meta-data/methods prints to stdout.
#[test]
fn extra_arguments_that_look_like_options_are_ignored() {
    let c = PgCluster::new("badopts");
    let mut failures = Vec::new();
    for args in [
        &["monitor", "--help"][..],
        &["monitor", "-h"],
        &["status", "--version"],
        &["status", "-V"],
        &["monitor", "--", "x"],
    ] {
        let (code, stdout, stderr) = raw(&c, args, &[]);
        if code != 7 || !stdout.is_empty() {
            failures.push(format!(
                "{args:?}: exit {code} (want 7), stdout {stdout:?}, stderr {stderr:?}"
            ));
        }
    }
    for action in ["--help", "-h", "--version"] {
        let (code, stdout, stderr) = raw(&c, &[action], &[]);
        if code != 3 || !stdout.is_empty() {
            failures.push(format!(
                "[{action:?}]: exit {code} (want 3, unknown action), stdout {:?}, stderr {stderr:?}",
                stdout.lines().next().unwrap_or("")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "AGENT DEFECT: option-like arguments are not ignored:\n{}",
        failures.join("\n")
    );
}
