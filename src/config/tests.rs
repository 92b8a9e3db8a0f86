//! Tests of `Config::from_env`: defaults, level-0 rejections, replication settings.
//! Contract: docs/contract.md §3.1.

use super::*;
use crate::ocf::OcfStatus;

fn load(pairs: &[(&str, &str)], promotable: bool) -> Result<Config, Error> {
    let mut all: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.to_string()))
        .collect();
    if promotable {
        all.push(("OCF_RESKEY_CRM_meta_promotable".into(), "true".into()));
    }
    let env = Env::from_pairs(all);
    Config::from_env(&env, &Meta::from_env(&env))
}

#[test]
fn defaults() {
    let c = load(&[], false).unwrap();
    assert_eq!(c.pgdata, PathBuf::from("/var/lib/pgsql/data"));
    assert_eq!(
        c.config,
        PathBuf::from("/var/lib/pgsql/data/postgresql.conf")
    );
    assert_eq!(c.pgport, 5432);
    assert_eq!(c.rep_mode, RepMode::None);
    assert_eq!(c.stop_escalate, Duration::from_secs(90));
    assert_eq!(c.monitor_sql, "select now();");
    assert!(c.socketdir.is_none());
    assert!(c.start_opt.is_empty());
    let c = load(&[("pgdata", "/srv/pg"), ("start_opt", "-c a=1")], false).unwrap();
    assert_eq!(c.config, PathBuf::from("/srv/pg/postgresql.conf"));
    assert_eq!(c.start_opt, vec!["-c", "a=1"]);
}

#[test]
fn level0_rejections() {
    type Row<'a> = (&'a [(&'a str, &'a str)], bool, &'a str);
    let table: &[Row] = &[
        (&[("rep_mode", "bogus")], false, "invalid rep_mode"),
        (&[("pgport", "54x")], false, "pgport must be"),
        (&[("pgport", "70000")], false, "out of range"),
        (&[("pgport", "0")], false, "out of range"),
        (&[("stop_escalate", "-1")], false, "stop_escalate must be"),
        (&[("restart_on_promote", "maybe")], false, "true or false"),
        (&[("monitor_password", "x")], false, "monitor_user is empty"),
        (&[("rep_mode", "slave")], false, "master_ip is required"),
        (
            &[("rep_mode", "sync"), ("master_ip", "10.0.0.1")],
            true,
            "node_list is required",
        ),
        (
            &[
                ("rep_mode", "async"),
                ("master_ip", "h"),
                ("node_list", "a b"),
            ],
            false,
            "promotable clone",
        ),
        (
            &[("rep_mode", "slave"), ("master_ip", "h")],
            true,
            "needs rep_mode async or sync",
        ),
        (&[], true, "needs rep_mode async or sync"),
        (&[("replication_slot_name", "Bad-Name")], false, "a-z, 0-9"),
        (&[("pgdata", "relative/dir")], false, "absolute path"),
        (
            &[("pgctl", "bin/pg_ctl")],
            false,
            "a command name found in PATH",
        ),
        (&[("psql", "./psql")], false, "a command name found in PATH"),
        (&[("pgctl", "pg_ctl\"x")], false, "passes it to a shell"),
        // a parameter error wins over a command PATH does not have
        (
            &[("pgctl", "no_such_pg_ctl"), ("pgport", "0")],
            false,
            "out of range",
        ),
        (&[("pgdata", "/tmp/$(id)")], false, "passes it to a shell"),
        (&[("logfile", "/tmp/a\"b")], false, "passes it to a shell"),
        (&[("start_opt", "-c 'x")], false, "unterminated"),
        (&[("ctl_opt", "-o '-c a=1'")], false, "start_opt"),
        (&[("ctl_opt", "--options=x")], false, "start_opt"),
        (
            &[("ctl_opt", "-l /tmp/$(id)")],
            false,
            "passes it to a shell",
        ),
        (&[("pgdba", "a:b")], false, "not a valid user name"),
        (
            &[("external_standby_node_list", "x")],
            false,
            "only used with rep_mode sync",
        ),
    ];
    for (pairs, promotable, want) in table {
        match load(pairs, *promotable) {
            Ok(_) => panic!("{pairs:?} accepted"),
            Err(e) => {
                assert_eq!(e.status(), OcfStatus::ErrConfigured, "{pairs:?}");
                assert!(e.to_string().contains(want), "{pairs:?}: {e}");
            }
        }
    }
}

#[test]
fn replication_accepted_in_a_promotable_clone() {
    let c = load(
        &[
            ("rep_mode", "sync"),
            ("master_ip", "vip"),
            ("node_list", "Node1 node2"),
        ],
        true,
    )
    .unwrap();
    assert!(c.rep_mode.is_replication());
    assert_eq!(c.node_list, vec!["node1", "node2"]);
    assert_eq!(c.escalate_after(true), c.stop_escalate_in_slave);
}

#[test]
fn command_names_are_looked_up_in_path() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("pgsql-cfg-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["pg_ctl", "psql"] {
        std::fs::write(dir.join(name), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("/nonexistent:{}", dir.display());
    let env = |pgctl: &str| {
        Env::from_pairs([
            ("PATH", path.as_str()),
            ("OCF_RESKEY_pgctl", pgctl),
            ("OCF_RESKEY_psql", "psql"),
        ])
    };
    let e = env("pg_ctl");
    let c = Config::from_env(&e, &Meta::from_env(&e)).unwrap();
    assert_eq!(c.pgctl, dir.join("pg_ctl"));
    assert_eq!(c.psql, dir.join("psql"));
    // absolute paths are kept as given
    let e = env("/opt/pg/bin/pg_ctl");
    let c = Config::from_env(&e, &Meta::from_env(&e)).unwrap();
    assert_eq!(c.pgctl, PathBuf::from("/opt/pg/bin/pg_ctl"));
    let e = env("no_such_pg_ctl");
    let err = Config::from_env(&e, &Meta::from_env(&e)).unwrap_err();
    assert_eq!(err.status(), OcfStatus::ErrInstalled);
    assert!(err.to_string().contains("parameter pgctl"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
