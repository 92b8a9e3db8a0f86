//! Shell metacharacters in every string parameter never reach a shell (SPEC section 8).
//!
//! Each string parameter of the agent gets five hostile values, each of which would create
//! its own marker file if any shell ever evaluated it:
//!
//! ```text
//! x';touch M;'      $(touch M)      `touch M`      a<newline>touch M      "; touch M; "
//! ```
//!
//! For every case the agent runs `start` then `stop` against a real PostgreSQL 15 cluster
//! (rep_mode=slave with master_ip=127.0.0.1 where the value lands in the recovery
//! configuration, rep_mode=none otherwise) and the test asserts:
//! - the marker never appears;
//! - start either refuses (4/5/6, or 1 where PostgreSQL itself rejects the value) with an
//!   exit reason, leaving no postmaster and an unchanged data directory, or works;
//! - when it worked, PostgreSQL parsed what the agent wrote: the server runs and
//!   `current_setting(...)` returns exactly the value (compared as bytes);
//! - stop returns 0 and no postmaster is left.
//!
//! Path parameters get the raw value (relative: must be refused) and `<dir>/<value>`, an
//! absolute path made real by the test (a symlink to the real binary, the data directory
//! renamed, a copy of postgresql.conf, ...), so that only the metacharacters decide.
//! restore_command, archive_cleanup_command and recovery_end_command are shell commands
//! *for PostgreSQL*, which runs them itself; their values get the prefix `exit 1; ` so that
//! PostgreSQL's legitimate execution stops before the hostile part, while an agent that
//! pasted the value into a shell command line of its own would still create the marker.
//!

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{clientbin, pgbin, run_agent, sh, snapshot, PgCluster};
use pgsql::params::{Kind, PARAMS};

/// The five hostile values aimed at `marker`, with a short label.
fn hostile(marker: &Path) -> [(&'static str, String); 5] {
    let m = marker.display();
    [
        ("single quotes", format!("x';touch {m};'")),
        ("$()", format!("$(touch {m})")),
        ("backquotes", format!("`touch {m}`")),
        ("newline", format!("a\ntouch {m}")),
        ("double quotes", format!("\"; touch {m}; \"")),
    ]
}

/// Exit codes a case may end with.
const REFUSE: &[i32] = &[4, 5, 6];
const WORK_OR_REFUSE: &[i32] = &[0, 6];
const MUST_WORK: &[i32] = &[0];
/// 1: PostgreSQL itself rejected the value (bad server argument, listen address, SQL).
const WORK_OR_PG_REJECTS: &[i32] = &[0, 1, 6];
const CONFIG_ERROR: &[i32] = &[6];

/// What to verify once start succeeded.
enum Check {
    /// `current_setting(name)` is exactly this.
    Setting(&'static str, String),
    /// primary_conninfo names these libpq values, then ends with `suffix` (raw options).
    Conninfo {
        host: String,
        user: String,
        suffix: Option<String>,
    },
    /// The agent's own monitor answers 0 with the same parameters.
    Monitor,
    /// This file holds this text after stop (the server log went there).
    FileHas(PathBuf, &'static str),
}

struct Case {
    param: &'static str,
    label: String,
    value: String,
    marker: PathBuf,
    slave: bool,
    /// Other parameters this case needs (name, value); `meta:` prefix for meta attributes.
    extra: Vec<(String, String)>,
    allowed: &'static [i32],
    checks: Vec<Check>,
}

/// One cluster and the cases run against it, one after the other.
struct Group {
    c: PgCluster,
    conf: PathBuf,
    orig_conf: String,
    next: usize,
    cases: usize,
    failures: Vec<String>,
    /// (parameter, start's exit code) per case, printed at the end.
    codes: Vec<(&'static str, i32)>,
}

fn quote_conf(s: &str) -> String {
    let mut out = String::from("'");
    for ch in s.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One word for the agent's start_opt/ctl_opt splitter (POSIX-shell-like quoting).
fn quote_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

/// A libpq connection string as libpq reads it: `key = value` pairs, values bare or in
/// single quotes with backslash escapes.
fn parse_conninfo(s: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut it = s.chars().peekable();
    loop {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = it.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            it.next();
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.next() != Some('=') {
            return Err(format!("missing '=' after {key:?} in {s:?}"));
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        let mut val = String::new();
        if it.peek() == Some(&'\'') {
            it.next();
            loop {
                match it.next() {
                    Some('\\') => val.push(it.next().ok_or("dangling backslash")?),
                    Some('\'') => break,
                    Some(c) => val.push(c),
                    None => return Err(format!("unterminated quote in {s:?}")),
                }
            }
        } else {
            while let Some(&c) = it.peek() {
                if c.is_whitespace() {
                    break;
                }
                it.next();
                if c == '\\' {
                    if let Some(n) = it.next() {
                        val.push(n);
                    }
                } else {
                    val.push(c);
                }
            }
        }
        out.insert(key, val);
    }
}

impl Group {
    fn new(name: &str) -> Group {
        let c = PgCluster::new(name);
        // one run as a primary records this postgresql.conf's settings (max_wal_senders)
        // in pg_control: a standby refuses to start with less than its "primary" had
        c.agent("start").expect(0);
        c.agent("stop").expect(0);
        let conf = c.data.join("postgresql.conf");
        let orig_conf = std::fs::read_to_string(&conf).unwrap();
        Group {
            c,
            conf,
            orig_conf,
            next: 0,
            cases: 0,
            failures: Vec::new(),
            codes: Vec::new(),
        }
    }

    /// A fresh marker path in the cluster's directory (it must never come to exist).
    fn marker(&mut self) -> PathBuf {
        self.next += 1;
        self.c.dir.join(format!("m{}", self.next))
    }

    /// The five hostile values with fresh markers: (label, value, marker).
    fn values(&mut self) -> Vec<(String, String, PathBuf)> {
        (0..5)
            .map(|i| {
                let m = self.marker();
                let (label, v) = hostile(&m)[i].clone();
                (label.to_string(), v, m)
            })
            .collect()
    }

    fn case(&mut self, param: &'static str, allowed: &'static [i32]) -> Vec<Case> {
        self.values()
            .into_iter()
            .map(|(label, value, marker)| Case {
                param,
                label,
                value,
                marker,
                slave: false,
                extra: Vec::new(),
                allowed,
                checks: Vec::new(),
            })
            .collect()
    }

    fn env(&self, case: &Case) -> Vec<(String, String)> {
        let mut env: BTreeMap<String, String> = self.c.env().into_iter().collect();
        env.insert("OCF_RESKEY_CRM_meta_timeout".into(), "20000".into());
        env.insert("OCF_RESKEY_CRM_meta_on_node".into(), "node1".into());
        if case.slave {
            env.insert("OCF_RESKEY_rep_mode".into(), "slave".into());
            env.insert("OCF_RESKEY_master_ip".into(), "127.0.0.1".into());
        }
        for (k, v) in &case.extra {
            let key = match k.strip_prefix("meta:") {
                Some(m) => format!("OCF_RESKEY_CRM_meta_{m}"),
                None => format!("OCF_RESKEY_{k}"),
            };
            env.insert(key, v.clone());
        }
        env.insert(format!("OCF_RESKEY_{}", case.param), case.value.clone());
        env.into_iter().collect()
    }

    fn setting(&self, name: &str) -> Result<String, String> {
        let hex = self.c.psql(&format!(
            "select encode(convert_to(current_setting({}), 'UTF8'), 'hex')",
            quote_literal(name)
        ))?;
        String::from_utf8(unhex(&hex)).map_err(|e| e.to_string())
    }

    fn check(&self, env: &[(String, String)], check: &Check) -> Result<(), String> {
        match check {
            Check::Setting(name, want) => {
                let got = self.setting(name)?;
                if &got != want {
                    return Err(format!("{name} is {got:?}, want {want:?}"));
                }
            }
            Check::Conninfo { host, user, suffix } => {
                let recovery = self.c.psql("select pg_is_in_recovery()")?;
                if recovery != "t" {
                    return Err(format!("not a standby: pg_is_in_recovery() = {recovery}"));
                }
                let got = self.setting("primary_conninfo")?;
                let head = match suffix {
                    Some(sfx) => got
                        .strip_suffix(sfx.as_str())
                        .filter(|h| h.ends_with(' '))
                        .ok_or_else(|| {
                            format!("primary_conninfo {got:?} does not end with \" {sfx}\"")
                        })?,
                    None => got.as_str(),
                };
                let kv = parse_conninfo(head)?;
                let port = self.c.port.to_string();
                for (k, want) in [
                    ("host", host.as_str()),
                    ("port", port.as_str()),
                    ("user", user.as_str()),
                    ("application_name", "node1"),
                ] {
                    if kv.get(k).map(String::as_str) != Some(want) {
                        return Err(format!(
                            "primary_conninfo {got:?}: {k} is {:?}, want {want:?}",
                            kv.get(k)
                        ));
                    }
                }
            }
            Check::Monitor => {
                let out = run_agent("monitor", env);
                if out.code != 0 {
                    return Err(format!("monitor exit {}\n{}", out.code, out.dump()));
                }
            }
            Check::FileHas(..) => {} // after stop
        }
        Ok(())
    }

    /// start, checks, stop; failures are collected, not raised, so one run reports all.
    fn run(&mut self, case: Case) {
        self.cases += 1;
        let env = self.env(&case);
        let data_before = snapshot(&self.c.data);
        let start = run_agent("start", &env);
        self.codes.push((case.param, start.code));
        let mut bad: Vec<String> = Vec::new();
        if case.marker.exists() {
            bad.push("MARKER CREATED by start: a shell evaluated the value".into());
        }
        if !case.allowed.contains(&start.code) {
            bad.push(format!(
                "start exit {} (allowed {:?})",
                start.code, case.allowed
            ));
        }
        if !start.stdout.is_empty() {
            bad.push(format!("start printed to stdout: {:?}", start.stdout));
        }
        if start.code == 0 {
            if self.c.postmaster_pid().is_none() {
                bad.push("start said 0 but no postmaster runs".into());
            } else {
                for check in &case.checks {
                    if let Err(e) = self.check(&env, check) {
                        bad.push(e);
                    }
                }
            }
        } else {
            if !matches!(start.reason(), Some(r) if !r.trim().is_empty()) {
                bad.push("start failed without an exit reason".into());
            }
            if REFUSE.contains(&start.code) {
                if self.c.postmaster_pid().is_some() {
                    bad.push("refused, yet a postmaster runs".into());
                }
                if snapshot(&self.c.data) != data_before {
                    bad.push("refused, yet the data directory changed".into());
                }
            }
        }
        let stop = run_agent("stop", &env);
        if stop.code != 0 {
            bad.push(format!("stop exit {}\n{}", stop.code, stop.dump()));
        }
        if let Some(pid) = self.c.postmaster_pid() {
            bad.push(format!("postmaster {pid} still runs after stop"));
            self.c.signal(pid, "KILL");
            PgCluster::wait_until(std::time::Duration::from_secs(10), || {
                !Path::new(&format!("/proc/{pid}")).exists()
            });
        }
        if start.code == 0 {
            for check in &case.checks {
                if let Check::FileHas(path, text) = check {
                    let got = std::fs::read_to_string(path).unwrap_or_default();
                    if !got.contains(text) {
                        bad.push(format!("{} lacks {text:?}", path.display()));
                    }
                }
            }
        }
        if case.marker.exists() {
            bad.push("MARKER CREATED: a shell evaluated the value".into());
        }
        if !bad.is_empty() {
            self.failures.push(format!(
                "CASE {}={:?} ({}):\n  - {}\n{}",
                case.param,
                case.value,
                case.label,
                bad.join("\n  - "),
                start.dump()
            ));
        }
        self.reset();
    }

    /// Back to the freshly made cluster: our postgresql.conf, no standby marker, no tmpdir.
    fn reset(&self) {
        std::fs::write(&self.conf, &self.orig_conf).unwrap();
        let _ = std::fs::remove_file(self.c.data.join("standby.signal"));
        let _ = std::fs::remove_dir_all(self.c.dir.join("tmp"));
    }

    /// `<dir>/<value>` and the top directory entry it creates (to remove afterwards).
    fn abs(&self, value: &str) -> (PathBuf, PathBuf) {
        let top = value.split('/').next().unwrap();
        (self.c.dir.join(value), self.c.dir.join(top))
    }

    fn finish(self, what: &str) {
        let leftover: Vec<String> = std::fs::read_dir(&self.c.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('m') && n[1..].parse::<u32>().is_ok())
            .collect();
        assert!(
            self.failures.is_empty() && leftover.is_empty(),
            "{what}: {} of {} cases failed; marker files present at the end: {leftover:?}\n\n{}",
            self.failures.len(),
            self.cases,
            self.failures.join("\n\n")
        );
        let mut by_param: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for (p, code) in &self.codes {
            by_param.entry(p).or_default().push(*code);
        }
        eprintln!(
            "{what}: {} cases passed; start exit codes: {by_param:?}",
            self.cases
        );
    }
}

fn mkdirs(p: &Path) {
    std::fs::create_dir_all(p).unwrap();
}

fn remove_any(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).unwrap(),
        Ok(_) => std::fs::remove_file(p).unwrap(),
        Err(_) => {}
    }
}

fn chown_postgres(p: &Path) {
    sh(Command::new("chown").arg("postgres:postgres").arg(p));
}

/// Parameters covered by the groups below; `every_string_parameter_is_covered` keeps
/// this list equal to the agent's table.
const COVERED: &[&str] = &[
    // binaries_and_users
    "pgctl",
    "psql",
    "pgdba",
    // data_config_log
    "pgdata",
    "config",
    "logfile",
    // socketdir_and_tmpdir
    "socketdir",
    "tmpdir",
    // server_options
    "start_opt",
    "ctl_opt",
    "pghost",
    "pglibs",
    "node_list",
    "rep_mode",
    "replication_slot_name",
    "external_standby_node_list",
    // monitor_connection
    "monitor_user",
    "monitor_password",
    "pgdb",
    "monitor_sql",
    // recovery_config
    "master_ip",
    "repuser",
    "primary_conninfo_opt",
    "restore_command",
    "archive_cleanup_command",
    "recovery_end_command",
];

#[test]
fn every_string_parameter_is_covered() {
    let strings: BTreeSet<&str> = PARAMS
        .iter()
        .filter(|p| p.kind == Kind::String)
        .map(|p| p.name)
        .collect();
    let covered: BTreeSet<&str> = COVERED.iter().copied().collect();
    assert_eq!(
        strings, covered,
        "every Kind::String parameter needs metachar cases"
    );
}

#[test]
fn binaries_and_users() {
    let mut g = Group::new("mb");
    for (param, bin) in [
        ("pgctl", pgbin() + "/pg_ctl"),
        ("psql", clientbin() + "/psql"),
    ] {
        for case in g.case(param, REFUSE) {
            g.run(case); // relative path
        }
        for mut case in g.case(param, WORK_OR_REFUSE) {
            let (path, top) = g.abs(&case.value);
            mkdirs(path.parent().unwrap());
            std::os::unix::fs::symlink(&bin, &path).unwrap();
            case.value = path.display().to_string();
            case.checks.push(Check::Monitor);
            g.run(case);
            remove_any(&top);
        }
    }
    for case in g.case("pgdba", REFUSE) {
        g.run(case);
    }
    g.finish("binaries_and_users");
}

#[test]
fn data_config_log() {
    let mut g = Group::new("md");
    for case in g.case("pgdata", REFUSE) {
        g.run(case);
    }
    // the data directory itself moved to <dir>/<value>
    for mut case in g.case("pgdata", WORK_OR_REFUSE) {
        let (path, top) = g.abs(&case.value);
        mkdirs(path.parent().unwrap());
        let home = g.c.data.clone();
        std::fs::rename(&home, &path).unwrap();
        g.c.data = path.clone();
        g.conf = path.join("postgresql.conf");
        case.value = path.display().to_string();
        case.checks
            .push(Check::Setting("data_directory", case.value.clone()));
        case.checks.push(Check::Monitor);
        g.run(case);
        std::fs::rename(&path, &home).unwrap();
        g.c.data = home;
        g.conf = g.c.data.join("postgresql.conf");
        remove_any(&top);
    }
    for case in g.case("config", REFUSE) {
        g.run(case);
    }
    // a copy of postgresql.conf at <dir>/<value>
    for mut case in g.case("config", WORK_OR_REFUSE) {
        let (path, top) = g.abs(&case.value);
        mkdirs(path.parent().unwrap());
        std::fs::write(&path, &g.orig_conf).unwrap();
        chown_postgres(&path);
        case.value = path.display().to_string();
        case.checks
            .push(Check::Setting("config_file", case.value.clone()));
        case.checks.push(Check::Monitor);
        g.run(case);
        remove_any(&top);
    }
    for case in g.case("logfile", REFUSE) {
        g.run(case);
    }
    for mut case in g.case("logfile", WORK_OR_REFUSE) {
        let (path, top) = g.abs(&case.value);
        mkdirs(path.parent().unwrap());
        case.value = path.display().to_string();
        case.checks.push(Check::Monitor);
        case.checks
            .push(Check::FileHas(path, "database system is ready"));
        g.run(case);
        remove_any(&top);
    }
    g.finish("data_config_log");
}

#[test]
fn socketdir_and_tmpdir() {
    let mut g = Group::new("ms");
    for case in g.case("socketdir", REFUSE) {
        g.run(case);
    }
    // the server's socket really goes to <dir>/<value> (postgresql.conf says so too)
    for mut case in g.case("socketdir", WORK_OR_REFUSE) {
        let (path, top) = g.abs(&case.value);
        let list_entry = format!("\"{}\"", path.display().to_string().replace('"', "\"\""));
        g.c.append_conf(&format!(
            "unix_socket_directories = {}",
            quote_conf(&list_entry)
        ));
        case.value = path.display().to_string();
        case.checks.push(Check::Monitor);
        g.run(case);
        remove_any(&top);
    }
    for mut case in g.case("tmpdir", REFUSE) {
        case.slave = true;
        g.run(case);
    }
    for mut case in g.case("tmpdir", WORK_OR_REFUSE) {
        let (path, top) = g.abs(&case.value);
        case.slave = true;
        case.value = path.display().to_string();
        case.checks.push(Check::Conninfo {
            host: "127.0.0.1".into(),
            user: "postgres".into(),
            suffix: None,
        });
        case.checks
            .push(Check::Setting("recovery_target_timeline", "latest".into()));
        g.run(case);
        remove_any(&top);
    }
    g.finish("socketdir_and_tmpdir");
}

#[test]
fn server_options() {
    let mut g = Group::new("mo");
    // raw: the words become server arguments PostgreSQL rejects
    for case in g.case("start_opt", WORK_OR_PG_REJECTS) {
        g.run(case);
    }
    // inside a custom setting: the server must see exactly the value
    for mut case in g.case("start_opt", MUST_WORK) {
        let v = case.value.clone();
        case.value = format!("-c {}", quote_word(&format!("pgsql_ra.v={v}")));
        case.checks.push(Check::Setting("pgsql_ra.v", v));
        g.run(case);
    }
    for case in g.case("ctl_opt", WORK_OR_PG_REJECTS) {
        g.run(case);
    }
    for case in g.case("pghost", WORK_OR_PG_REJECTS) {
        g.run(case);
    }
    for mut case in g.case("pglibs", WORK_OR_REFUSE) {
        case.checks.push(Check::Monitor);
        g.run(case);
    }
    for mut case in g.case("node_list", WORK_OR_REFUSE) {
        case.checks.push(Check::Monitor);
        g.run(case);
    }
    for case in g.case("rep_mode", CONFIG_ERROR) {
        g.run(case);
    }
    for mut case in g.case("replication_slot_name", CONFIG_ERROR) {
        case.slave = true;
        g.run(case);
    }
    for case in g.case("external_standby_node_list", CONFIG_ERROR) {
        g.run(case);
    }
    g.finish("server_options");
}

#[test]
fn monitor_connection() {
    let mut g = Group::new("mq");
    // roles and databases named after the values, and roles mon1..mon5 whose passwords
    // are the values (scram, so a mangled password fails)
    let names = g.values();
    let passwords = g.values();
    g.c.agent("start").expect(0);
    let mut sql = Vec::new();
    for (_, v, _) in &names {
        sql.push(format!("create role {} login", quote_ident(v)));
        sql.push(format!("create database {}", quote_ident(v)));
    }
    let mut mons = Vec::new();
    for (i, (_, v, _)) in passwords.iter().enumerate() {
        let role = format!("mon{}", i + 1);
        sql.push(format!(
            "create role {role} login password {}",
            quote_literal(v)
        ));
        mons.push(role);
    }
    for stmt in &sql {
        g.c.psql(stmt).unwrap();
    }
    let hba = g.c.data.join("pg_hba.conf");
    let old = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!("local all {} scram-sha-256\n{old}", mons.join(",")),
    )
    .unwrap();
    g.c.psql("select pg_reload_conf()").unwrap();
    g.c.agent("stop").expect(0);

    for (label, v, marker) in names.clone() {
        g.run(Case {
            param: "monitor_user",
            label,
            value: v,
            marker,
            slave: false,
            extra: Vec::new(),
            allowed: WORK_OR_REFUSE,
            checks: vec![Check::Monitor],
        });
    }
    for ((label, v, marker), role) in passwords.into_iter().zip(&mons) {
        g.run(Case {
            param: "monitor_password",
            label,
            value: v,
            marker,
            slave: false,
            extra: vec![("monitor_user".into(), role.clone())],
            allowed: MUST_WORK,
            checks: vec![Check::Monitor],
        });
    }
    for (label, v, marker) in names {
        g.run(Case {
            param: "pgdb",
            label,
            value: v,
            marker,
            slave: false,
            extra: Vec::new(),
            allowed: WORK_OR_REFUSE,
            checks: vec![Check::Monitor],
        });
    }
    // raw: not SQL, so the first monitor query fails (start 1, PostgreSQL left running
    // for Pacemaker to stop, as with the reference agent)
    for case in g.case("monitor_sql", WORK_OR_PG_REJECTS) {
        g.run(case);
    }
    // as a string literal the query is valid
    for mut case in g.case("monitor_sql", MUST_WORK) {
        case.value = format!("select {}", quote_literal(&case.value));
        case.checks.push(Check::Monitor);
        g.run(case);
    }
    g.finish("monitor_connection");
}

#[test]
fn recovery_config() {
    let mut g = Group::new("mr");
    for mut case in g.case("master_ip", WORK_OR_REFUSE) {
        case.slave = true;
        let v = case.value.clone();
        case.checks.push(Check::Conninfo {
            host: v,
            user: "postgres".into(),
            suffix: None,
        });
        g.run(case);
    }
    for mut case in g.case("repuser", MUST_WORK) {
        case.slave = true;
        case.checks.push(Check::Conninfo {
            host: "127.0.0.1".into(),
            user: case.value.clone(),
            suffix: None,
        });
        g.run(case);
    }
    for mut case in g.case("primary_conninfo_opt", WORK_OR_REFUSE) {
        case.slave = true;
        case.checks.push(Check::Conninfo {
            host: "127.0.0.1".into(),
            user: "postgres".into(),
            suffix: Some(case.value.trim().to_string()),
        });
        g.run(case);
    }
    for param in [
        "restore_command",
        "archive_cleanup_command",
        "recovery_end_command",
    ] {
        for mut case in g.case(param, MUST_WORK) {
            case.slave = true;
            case.value = format!("exit 1; {}", case.value);
            case.checks.push(Check::Setting(param, case.value.clone()));
            case.checks.push(Check::Monitor);
            g.run(case);
        }
    }
    g.finish("recovery_config");
}

/// ctl_opt is split into words and given to pg_ctl as
/// arguments, but pg_ctl's own `-o`/`--options` values are pasted unquoted into the
/// `/bin/sh -c` command line pg_ctl starts the server with, so `ctl_opt=-o '$(touch M)'`
/// runs a shell command as postgres. start_opt is quoted word by word for exactly this
/// reason; ctl_opt needs the same protection (refuse -o/--options in ctl_opt with exit 6
/// and a reason pointing to start_opt, or quote them).
#[test]
fn ctl_opt_cannot_smuggle_server_options_past_the_quoting() {
    let mut g = Group::new("mx");
    for mut case in g.case("ctl_opt", WORK_OR_PG_REJECTS) {
        case.value = format!("-o {}", quote_word(&case.value));
        g.run(case);
    }
    for mut case in g.case("ctl_opt", WORK_OR_PG_REJECTS) {
        case.value = quote_word(&format!("--options={}", case.value));
        g.run(case);
    }
    g.finish("ctl_opt -o");
}
