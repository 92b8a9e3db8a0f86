//! Hostile and unlucky inputs (docs/contract.md §3, §8): for each row the agent answers with
//! the documented code and reason, never panics (exit 101), and changes nothing it was not
//! asked to change: a checksum of the cluster's directory (pgdata, tmpdir, socket and log
//! files) and of every path a planted symlink points at is taken before and after.
//! `cargo test --test blackbox hostile -- --nocapture` prints the table.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{bin, sh, snapshot, PgCluster};

/// One input and the answer it must get.
struct Row {
    name: &'static str,
    /// The action; `monitor` is a recurring monitor (interval 10 s).
    action: &'static str,
    /// `name=value` (OCF_RESKEY_), `meta:name=value`, `OCF_...=value`, `-name` (unset);
    /// `{dir}`, `{data}`, `{watch}` expand to the cluster's directory, its data directory
    /// and the directory of watched outside targets.
    change: &'static [&'static str],
    /// A variable whose value is these raw bytes (not UTF-8).
    raw: Option<(&'static str, &'static [u8])>,
    code: i32,
    /// Text the exit reason must contain.
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
        raw: None,
        code,
        reason,
    }
}

const fn raw(
    name: &'static str,
    key: &'static str,
    bytes: &'static [u8],
    code: i32,
    reason: &'static str,
) -> Row {
    Row {
        name,
        action: "start",
        change: &[],
        raw: Some((key, bytes)),
        code,
        reason: Some(reason),
    }
}

/// A promotable sync clone on node1 (valid: the rows break one thing each).
const SYNC: &[&str] = &[
    "rep_mode=sync",
    "master_ip=127.0.0.1",
    "node_list=node1 node2",
    "meta:promotable=true",
    "meta:on_node=node1",
    "tmpdir={dir}/tmp",
];

macro_rules! sync {
    ($($x:expr),*) => { &["rep_mode=sync", "master_ip=127.0.0.1", "meta:promotable=true", "meta:on_node=node1", "tmpdir={dir}/tmp", $($x),*] };
}

#[rustfmt::skip]
const ROWS: &[Row] = &[
    row("control: valid sync clone configuration", "validate-all", SYNC, 0, None),
    // values that are not UTF-8: the parameter's name, never a silent default
    raw("pgdata not UTF-8", "OCF_RESKEY_pgdata", b"/var/lib/\xffdata", 6, "pgdata is not valid UTF-8"),
    raw("pgctl not UTF-8", "OCF_RESKEY_pgctl", b"/usr/bin/pg_\xfectl", 6, "pgctl is not valid UTF-8"),
    raw("psql not UTF-8", "OCF_RESKEY_psql", b"\xc3\x28", 6, "psql is not valid UTF-8"),
    raw("config not UTF-8", "OCF_RESKEY_config", b"/etc/\x80.conf", 6, "config is not valid UTF-8"),
    raw("logfile not UTF-8", "OCF_RESKEY_logfile", b"/tmp/\xfflog", 6, "logfile is not valid UTF-8"),
    raw("tmpdir not UTF-8", "OCF_RESKEY_tmpdir", b"/tmp/\xff", 6, "tmpdir is not valid UTF-8"),
    raw("node_list not UTF-8", "OCF_RESKEY_node_list", b"node1 n\xffde2", 6, "node_list is not valid UTF-8"),
    raw("master_ip not UTF-8", "OCF_RESKEY_master_ip", b"10.0.0.\xff", 6, "master_ip is not valid UTF-8"),
    raw("monitor_sql not UTF-8", "OCF_RESKEY_monitor_sql", b"select '\xff'", 6, "monitor_sql is not valid UTF-8"),
    raw("start_opt not UTF-8", "OCF_RESKEY_start_opt", b"-c work_mem=\xff", 6, "start_opt is not valid UTF-8"),
    raw("ctl_opt not UTF-8", "OCF_RESKEY_ctl_opt", b"-t \xff", 6, "ctl_opt is not valid UTF-8"),
    raw("pgdb not UTF-8", "OCF_RESKEY_pgdb", b"templ\xffate1", 6, "pgdb is not valid UTF-8"),
    raw("repuser not UTF-8", "OCF_RESKEY_repuser", b"rep\xff", 6, "repuser is not valid UTF-8"),
    raw("restore_command not UTF-8", "OCF_RESKEY_restore_command", b"cp %f \xff", 6, "restore_command is not valid UTF-8"),
    raw("pgport not UTF-8", "OCF_RESKEY_pgport", b"54\xff32", 6, "pgport is not valid UTF-8"),
    Row { name: "not UTF-8, stopped server: monitor says not running", action: "monitor", change: &[], raw: Some(("OCF_RESKEY_pgdb", b"\xff")), code: 7, reason: None },
    Row { name: "not UTF-8, stopped server: stop succeeds", action: "stop", change: &[], raw: Some(("OCF_RESKEY_pgdb", b"\xff")), code: 0, reason: None },
    // numbers of the OCF environment that do not parse
    row("OCF_CHECK_LEVEL=ten", "validate-all", &["OCF_CHECK_LEVEL=ten"], 6, Some("OCF_CHECK_LEVEL")),
    row("CRM_meta_timeout=abc", "start", &["meta:timeout=abc"], 6, Some("CRM_meta_timeout")),
    row("CRM_meta_timeout=-5", "start", &["meta:timeout=-5"], 6, Some("CRM_meta_timeout")),
    row("CRM_meta_interval=10s", "start", &["meta:interval=10s"], 6, Some("CRM_meta_interval")),
    // numbers at the edge: no overflow, no panic
    row("crm_attr_timeout = u64 max: valid", "validate-all", &["crm_attr_timeout=18446744073709551615"], 0, None),
    row("stop_escalate = u64 max: valid", "validate-all", &["stop_escalate=18446744073709551615"], 0, None),
    row("CRM_meta_timeout = u64 max: valid", "validate-all", &["meta:timeout=18446744073709551615"], 0, None),
    row("crm_attr_timeout = u64 max: stop of a sync clone", "stop", sync!("node_list=node1 node2", "crm_attr_timeout=18446744073709551615"), 0, None),
    row("xlog_check_count beyond u64", "start", &["xlog_check_count=18446744073709551616"], 6, Some("xlog_check_count")),
    row("xlog_check_count beyond u32", "start", &["xlog_check_count=4294967296"], 6, Some("xlog_check_count")),
    row("stop_escalate_in_slave beyond u64", "start", &["stop_escalate_in_slave=99999999999999999999"], 6, Some("stop_escalate_in_slave")),
    // values that would damage the data or the cluster
    row("tmpdir = pgdata", "start", sync!("node_list=node1 node2", "tmpdir={data}"), 6, Some("must not be pgdata")),
    row("tmpdir inside pgdata", "start", sync!("node_list=node1 node2", "tmpdir={data}/pgsql_tmp"), 6, Some("inside it")),
    row("tmpdir inside pgdata, spelt with ./", "start", sync!("node_list=node1 node2", "tmpdir={data}/./t"), 6, Some("inside it")),
    row("tmpdir inside pgdata, slave", "start", &["rep_mode=slave", "master_ip=127.0.0.1", "tmpdir={data}/t"], 6, Some("inside it")),
    row("control: tmpdir beside pgdata via ..", "validate-all", sync!("node_list=node1 node2", "tmpdir={data}/../tmp"), 0, None),
    row("pgdba = root", "start", &["pgdba=root"], 6, Some("must not be root")),
    row("node_list with commas", "start", sync!("node_list=node1,node2"), 6, Some("commas")),
    row("node_list with a duplicate", "start", sync!("node_list=node1 node2 node2"), 6, Some("twice")),
    row("node_list with a duplicate in capitals", "start", sync!("node_list=node1 Node2 node2"), 6, Some("twice")),
    row("node_list without this node", "start", sync!("node_list=node2 node3"), 6, Some("does not name this node")),
    row("node name with a quote", "start", sync!("node_list=node1 no'de2"), 6, Some("may contain only")),
    row("node name with a double quote", "start", sync!("node_list=node1 no\"de2"), 6, Some("may contain only")),
    row("node name with a backslash", "start", sync!("node_list=node1 no\\de2"), 6, Some("may contain only")),
    row("node name with a semicolon", "start", sync!("node_list=node1 n;drop"), 6, Some("may contain only")),
    row("node name with a dollar", "start", sync!("node_list=node1 $(id)"), 6, Some("may contain only")),
    row("external standby with a double quote", "start", sync!("node_list=node1 node2", "external_standby_node_list=dr\"1"), 6, Some("may contain only")),
    row("slot names over 63 bytes", "start", sync!("node_list=node1 node2", "replication_slot_name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 6, Some("longer than 63")),
    row("control: dotted and dashed node names", "validate-all", sync!("node_list=node1 db-2.example_x"), 0, None),
    // files that are not what they should be: say what is wrong
    row("config is a directory", "start", &["config={dir}"], 5, Some("is a directory")),
    row("config is /dev/null", "start", &["config=/dev/null"], 5, Some("not a regular file")),
    row("config path too long", "start", &["config=/LONG"], 5, Some("too long")),
    row("config unreadable by postgres", "start", &["config={dir}/rootonly.conf"], 4, Some("cannot be read by postgres")),
    row("logfile is a directory", "start", &["logfile={dir}"], 6, Some("is a directory")),
    row("socket directory set in an included conf.d", "start", &["config={dir}/with-confd.conf", "-socketdir"], 6, Some("socketdir")),
    // the log
    row("a line break in OCF_RESOURCE_INSTANCE", "monitor", &["OCF_RESOURCE_INSTANCE=pgsql\nFORGED: root login"], 7, None),
    row("HA_LOGFILE is a directory", "monitor", &["OCF_RESKEY_CRM_meta_interval=10000", "HA_LOGFACILITY=none", "HA_LOGFILE={dir}"], 7, None),
    // the action argument
    row("action --help", "--help", &[], 3, Some("unknown action")),
    row("action empty", "", &[], 3, Some("unknown action")),
    row("extra arguments are ignored (1000 of them)", "validate-all +1000", &[], 0, None),
    row("a non-UTF-8 extra argument is ignored", "validate-all +raw", &[], 0, None),
    row("stderr closed: still the code, no panic", "start !stderr", &["pgport=54x"], 6, None),
];

/// Builds the environment of `row` on `c`.
fn env_of(c: &PgCluster, row: &Row, watch: &Path) -> Vec<(String, String)> {
    let mut env: BTreeMap<String, String> = c.env().into_iter().collect();
    if row.action.starts_with("monitor") {
        env.insert("OCF_RESKEY_CRM_meta_interval".into(), "10000".into());
    }
    let long = format!("/{}", "x".repeat(5000));
    for ch in row.change {
        if let Some(name) = ch.strip_prefix('-') {
            env.remove(&format!("OCF_RESKEY_{name}"));
            continue;
        }
        let (k, v) = ch.split_once('=').expect("name=value");
        let key = if let Some(m) = k.strip_prefix("meta:") {
            format!("OCF_RESKEY_CRM_meta_{m}")
        } else if k.starts_with("OCF_") {
            k.to_string()
        } else {
            format!("OCF_RESKEY_{k}")
        };
        let v = v
            .replace("{data}", &c.data.display().to_string())
            .replace("{dir}", &c.dir.display().to_string())
            .replace("{watch}", &watch.display().to_string())
            .replace("/LONG", &long);
        env.insert(key, v);
    }
    env.into_iter().collect()
}

/// Runs the agent for `row`: (exit code, stderr).
fn run(row: &Row, env: &[(String, String)]) -> (i32, String) {
    use std::os::unix::ffi::OsStrExt;
    let mut words = row.action.split(' ');
    let action = words.next().unwrap_or("");
    let mut cmd = Command::new(bin());
    cmd.arg(action)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let mut close_stderr = false;
    for w in words {
        match w {
            "+1000" => {
                cmd.args((0..1000).map(|i| format!("--junk{i}")));
            }
            "+raw" => {
                cmd.arg(std::ffi::OsStr::from_bytes(b"\xff\xfe-x"));
            }
            "!stderr" => close_stderr = true,
            _ => panic!("unknown modifier {w}"),
        }
    }
    if let Some((k, bytes)) = row.raw {
        cmd.env(k, std::ffi::OsStr::from_bytes(bytes));
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if close_stderr {
        // SAFETY: close(2) is async-signal-safe and touches only the child's descriptor
        unsafe {
            cmd.pre_exec(|| {
                libc::close(2);
                Ok(())
            });
        }
    }
    let out = cmd.output().expect("run the agent");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// FNV-1a over paths, modes and contents: one number for "nothing changed".
fn checksum(dirs: &[&Path]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: &[u8]| {
        for x in b {
            h ^= u64::from(*x);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for d in dirs {
        for (p, (mode, bytes)) in snapshot(d) {
            eat(p.as_os_str().as_encoded_bytes());
            eat(&mode.to_le_bytes());
            // live server files change by themselves; these rows never start one
            eat(&bytes);
        }
    }
    h
}

fn fixtures(c: &PgCluster, watch: &Path) {
    std::fs::create_dir_all(watch).unwrap();
    std::fs::write(watch.join("target"), "root's file\n").unwrap();
    std::fs::write(c.dir.join("rootonly.conf"), "port = 5432\n").unwrap();
    sh(Command::new("chmod")
        .arg("600")
        .arg(c.dir.join("rootonly.conf")));
    let confd = c.dir.join("conf.d");
    std::fs::create_dir_all(&confd).unwrap();
    std::fs::write(
        confd.join("50-socket.conf"),
        format!("unix_socket_directories = '{}'\n", c.dir.display()),
    )
    .unwrap();
    let main = std::fs::read_to_string(c.data.join("postgresql.conf")).unwrap();
    let main: String = main
        .lines()
        .filter(|l| !l.starts_with("unix_socket_directories"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(
        c.dir.join("with-confd.conf"),
        format!("{main}include_dir '{}'\n", confd.display()),
    )
    .unwrap();
    sh(Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&confd)
        .arg(c.dir.join("with-confd.conf")));
}

#[test]
fn hostile_inputs_table() {
    let c = PgCluster::new("hostile");
    let watch = PathBuf::from(format!(
        "/tmp/pgsql-ra-tests/hostile-targets-{}",
        std::process::id()
    ));
    fixtures(&c, &watch);
    let mut report = vec![
        format!("| # | input | action | exit | reason | checksum before = after | time |"),
        "|---|---|---|---|---|---|---|".to_string(),
    ];
    let mut failures = Vec::new();
    for (i, r) in ROWS.iter().enumerate() {
        let env = env_of(&c, r, &watch);
        let before = checksum(&[&c.dir, &watch]);
        let t0 = std::time::Instant::now();
        let (code, stderr) = run(r, &env);
        let took = t0.elapsed();
        let after = checksum(&[&c.dir, &watch]);
        let reason = stderr
            .lines()
            .find_map(|l| l.strip_prefix("ocf-exit-reason:"))
            .unwrap_or("")
            .to_string();
        let mut bad = Vec::new();
        if code != r.code {
            bad.push(format!("exit {code}, wanted {}", r.code));
        }
        if let Some(want) = r.reason {
            if !reason.contains(want) {
                bad.push(format!("reason {reason:?} lacks {want:?}"));
            }
        }
        if before != after {
            bad.push("files changed".into());
        }
        if c.postmaster_pid().is_some() {
            bad.push("a postmaster is running".into());
        }
        let short: String = reason.chars().take(90).collect();
        report.push(format!(
            "| {} | {} | {} | {code} | {} | {:016x} {} | {:.2}s |",
            i + 1,
            r.name,
            r.action.split(' ').next().unwrap_or(""),
            short.replace('|', "\\|"),
            after,
            if before == after { "=" } else { "CHANGED" },
            took.as_secs_f64()
        ));
        if !bad.is_empty() {
            failures.push(format!("{}: {}\n{stderr}", r.name, bad.join("; ")));
        }
    }
    eprintln!("{}", report.join("\n"));
    let _ = std::fs::remove_dir_all(&watch);
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
    assert!(ROWS.len() >= 60, "{} rows", ROWS.len());
}

#[test]
fn log_lines_are_neither_forged_nor_lost() {
    let c = PgCluster::new("hostile-log");
    let mut env = c.env();
    env.retain(|(k, _)| k != "OCF_RESOURCE_INSTANCE");
    env.push((
        "OCF_RESOURCE_INSTANCE".into(),
        "pgsql\nFORGED: root login".into(),
    ));
    env.push(("OCF_RESKEY_CRM_meta_interval".into(), "10000".into()));
    env.push(("OCF_RESKEY_pgport".into(), "54x".into()));
    let out = crate::common::run_agent("monitor", &env);
    assert!(
        !out.stderr.lines().any(|l| l.starts_with("FORGED")),
        "a forged line:\n{}",
        out.dump()
    );
    let mut env = c.env();
    env.push(("HA_LOGFACILITY".into(), "none".into()));
    env.push(("HA_LOGFILE".into(), c.dir.display().to_string()));
    env.push(("OCF_RESKEY_CRM_meta_interval".into(), "10000".into()));
    let out = crate::common::run_agent("monitor", &env);
    out.expect(7);
    assert!(
        out.stderr.contains("cannot append to HA_LOGFILE")
            && out.stderr.contains("PostgreSQL is not running"),
        "the log line must reach stderr when HA_LOGFILE is unusable:\n{}",
        out.dump()
    );
}
