//! The agent run by hand (docs/contract.md §1.5): at a terminal every action says what it
//! looked at and found; a monitor or status without any of the variables Pacemaker always
//! passes writes nothing (no attribute tool runs with a write flag, no file in tmpdir) and
//! logs the writes it would have made. Fake cluster tools first in PATH record their argv.

use crate::common::{run_agent, run_agent_tty, FakeTools, PgCluster};

const HEALTHY: &str = include_str!("../fixtures/show/healthy.xml");

#[test]
fn a_probe_at_a_terminal_says_why_it_finds_nothing() {
    let c = PgCluster::new("byhand-tty");
    let mut env = c.env();
    // a data directory that is not there (the storage of another node)
    env.retain(|(k, _)| k != "OCF_RESKEY_pgdata" && k != "OCF_RESKEY_CRM_meta_interval");
    env.push((
        "OCF_RESKEY_pgdata".into(),
        "/nonexistent/pgsql-ra/data".into(),
    ));
    let out = run_agent_tty("monitor", &env);
    out.expect(7);
    for needle in [
        "INFO: monitor run by hand",
        "not checked (a probe may run where the storage is not mounted)",
        "INFO: PostgreSQL is down: no live postmaster named in /nonexistent/pgsql-ra/data/postmaster.pid",
        "INFO: monitor returns OCF_NOT_RUNNING",
    ] {
        assert!(out.stderr.contains(needle), "{needle:?} missing\n{}", out.dump());
    }
    // an invalid parameter: said, not silent
    env.push(("OCF_RESKEY_pgport".into(), "port".into()));
    let out = run_agent_tty("monitor", &env);
    out.expect(7);
    assert!(
        out.stderr
            .contains("INFO: the configuration is not usable here (pgport"),
        "{}",
        out.dump()
    );
    // without a terminal the same probe stays quiet, as under Pacemaker
    let out = run_agent("monitor", &env);
    out.expect(7);
    assert!(!out.stderr.contains("INFO:"), "{}", out.dump());
}

#[test]
fn a_monitor_by_hand_writes_nothing_and_says_what_it_would_write() {
    let mut c = PgCluster::new("byhand");
    c.agent("start").expect(0);
    let tools = FakeTools::new(&c.dir.join("fake"));
    tools.put("crm_mon.xml", HEALTHY).put("node", "node1\n");
    let tmp = c.dir.join("tmp");
    c.set("rep_mode", "sync")
        .set("node_list", "node1 node2")
        .set("master_ip", "127.0.0.1")
        .set("check_wal_receiver", "true")
        .set_meta("promotable", "true");
    let mut env = c.env();
    env.push(("PATH".into(), tools.path()));
    std::fs::create_dir_all(&tmp).unwrap();
    let before = crate::common::snapshot(&tmp);
    // node2 is not in pg_stat_replication: the control pass would mark it DISCONNECT
    let out = run_agent("monitor", &env);
    out.expect(8);
    let writes: Vec<String> = tools
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("crm_attribute") || c.starts_with("attrd_updater"))
        .collect();
    assert!(writes.is_empty(), "{writes:?}\n{}", out.dump());
    assert!(tools.calls().iter().any(|c| c.starts_with("crm_mon")));
    for needle in [
        "would change master-pgsql on node2: 100 -> -INFINITY",
        "would change pgsql-data-status on node2: STREAMING|SYNC -> DISCONNECT",
        "would set pgsql-receiver-status to normal (master)",
    ] {
        assert!(
            out.stderr.contains(needle),
            "{needle:?} missing\n{}",
            out.dump()
        );
    }
    assert_eq!(before, crate::common::snapshot(&tmp), "tmpdir changed");

    // the same monitor from Pacemaker writes: the fakes record it
    env.push(("OCF_RESKEY_crm_feature_set".into(), "3.16.2".into()));
    let out = run_agent("monitor", &env);
    out.expect(8);
    let calls = tools.calls();
    assert!(
        calls.contains(
            &"crm_attribute --lifetime=reboot --node=node2 --name=master-pgsql --update=-INFINITY"
                .to_string()
        ),
        "{calls:?}\n{}",
        out.dump()
    );
    assert!(calls
        .iter()
        .any(|c| c.starts_with("attrd_updater --name=pgsql-receiver-status --update=")));

    c.set("rep_mode", "none")
        .set("check_wal_receiver", "false")
        .unset("node_list")
        .unset("master_ip");
    c.unset_meta("promotable");
    c.agent("stop").expect(0);
}

#[test]
fn other_actions_by_hand_do_their_whole_job() {
    let mut c = PgCluster::new("byhand-start");
    let tools = FakeTools::new(&c.dir.join("fake"));
    c.set("check_wal_receiver", "true");
    let mut env = c.env();
    env.push(("PATH".into(), tools.path()));
    crate::common::run_agent("start", &env).expect(0);
    assert!(c.postmaster_pid().is_some());
    crate::common::run_agent("stop", &env).expect(0);
    // stop deletes receiver-status even by hand
    assert!(
        tools
            .calls()
            .contains(&"attrd_updater --name=pgsql-receiver-status --delete".to_string()),
        "{:?}",
        tools.calls()
    );
}
