//! Whole sequences of each replication action through the fake (docs/contract.md §5.6-§5.11).

use std::path::PathBuf;

use super::*;
use crate::ocf::{Action, OcfStatus};
use crate::world::fake::Event;

#[test]
fn primary_monitor_steady_state_is_one_snapshot_and_one_round_trip() {
    let mut w = primary_world();
    let a = agent(Action::Monitor, &[]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::RunningPromoted);
    assert_eq!(
        w.runs("crm_mon"),
        vec!["/usr/sbin/crm_mon -1 --output-as=xml --fence-history=0 --include=none --include=nodes,resources,attributes"]
    );
    assert_eq!(w.queries().len(), 1, "{:?}", w.queries());
    assert!(w.runs("crm_attribute").is_empty(), "{:?}", w.events);
    assert!(w.written().is_empty());
    assert_eq!(w.events.len(), 2, "{:?}", w.events);
}

#[test]
fn primary_monitor_names_a_new_sync_standby_and_looks_again() {
    let mut w = primary_world();
    w.files.insert(
        PathBuf::from(TMP).join("rep_mode.conf"),
        "synchronous_standby_names = ''\n".into(),
    );
    w.replication = vec![["node2".into(), "STREAMING".into(), "ASYNC".into()]];
    w.crm_mon = w
        .crm_mon
        .replace("HS:sync", "HS:alone")
        .replace("STREAMING|SYNC", "DISCONNECT")
        .replace("\"100\"", "\"-INFINITY\"");
    let a = agent(Action::Monitor, &[]);
    let status = run(&mut w, &a);
    assert_eq!(status.unwrap(), OcfStatus::RunningPromoted);
    assert_eq!(
        w.runs("crm_attribute"),
        vec![
            attr(
                "--lifetime=forever --node=node2 --name=pgsql-data-status --update=STREAMING|ASYNC"
            ),
            attr("--lifetime=reboot --node=node2 --name=pgsql-status --update=HS:async"),
        ]
    );
    let rep_mode = PathBuf::from(TMP).join("rep_mode.conf");
    assert_eq!(w.written(), vec![rep_mode.clone()]);
    assert_eq!(
        w.files[&rep_mode],
        "synchronous_standby_names = '\"node2\"'\n"
    );
    let q = w.queries();
    assert_eq!(q.len(), 3, "{q:?}");
    assert_eq!(q[1], "select pg_reload_conf()");
    assert!(q[2].starts_with("select a.application_name"));
    assert!(w
        .events
        .contains(&Event::Sleep(std::time::Duration::from_secs(2))));
}

#[test]
fn monitor_of_a_stopped_server_calls_no_cluster_tool() {
    let mut w = primary_world();
    w.postmaster = None;
    let a = agent(Action::Monitor, &[]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::NotRunning);
    assert!(w.events.is_empty(), "{:?}", w.events);
}

#[test]
fn standby_start_sequence() {
    let mut w = primary_world();
    w.postmaster = None;
    w.in_recovery = true;
    w.sync_names = String::new();
    w.crm_mon = crm_mon(&[("node1", true, &[]), ("node2", true, &[])], &["node2"]);
    let a = agent(Action::Start, &[]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert_eq!(
        w.runs("crm_attribute"),
        vec![
            attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=STOP"),
            attr("--lifetime=reboot --node=node1 --name=master-pgsql --update=-INFINITY"),
            attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=HS:alone"),
        ]
    );
    let t = PathBuf::from(TMP);
    assert_eq!(
        w.written(),
        vec![
            t.join("rep_mode.conf"),
            PathBuf::from(CONF),
            t.join("recovery.conf"),
            PathBuf::from(CONF),
            PathBuf::from("/t/data/standby.signal"),
        ]
    );
    assert!(w.files[&t.join("recovery.conf")].contains(
        "primary_conninfo = 'host=10.0.0.9 port=5432 user=postgres application_name=node1'"
    ));
    assert_eq!(w.runs("pg_ctl").len(), 1);
    assert!(w.runs("pg_ctl")[0].contains(" start"));
    // the standby is ready once it is in recovery; monitor_sql is never run on it
    assert_eq!(
        w.queries(),
        vec![
            "select pg_is_in_recovery()",
            "show synchronous_standby_names"
        ]
    );
}

#[test]
fn start_with_the_lock_is_refused_before_the_server_starts() {
    let mut w = primary_world();
    w.postmaster = None;
    w.files
        .insert(PathBuf::from(TMP).join("PGSQL.lock"), String::new());
    w.crm_mon = crm_mon(&[("node1", true, &[]), ("node2", true, &[])], &["node2"]);
    let a = agent(Action::Start, &[]);
    let e = run(&mut w, &a).unwrap_err();
    assert_eq!(
        e.to_string(),
        "My data may be inconsistent. You have to remove /t/tmp/PGSQL.lock file to force start."
    );
    assert!(w.runs("pg_ctl").is_empty());
}

#[test]
fn primary_stop_with_no_standby_left_removes_the_lock() {
    let mut w = primary_world();
    w.files
        .insert(PathBuf::from(TMP).join("PGSQL.lock"), String::new());
    let a = agent(
        Action::Stop,
        &[("OCF_RESKEY_CRM_meta_notify_slave_uname", " ")],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(w
        .events
        .contains(&Event::Remove(PathBuf::from(TMP).join("PGSQL.lock"))));
    assert_eq!(
        w.runs("crm_attribute"),
        vec![
            attr("--lifetime=reboot --node=node1 --name=master-pgsql --update=-INFINITY"),
            attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=STOP"),
        ]
    );
    assert_eq!(w.written(), vec![PathBuf::from(TMP).join("rep_mode.conf")]);
    assert!(w.runs("pg_ctl")[0].contains("-m fast"));
}

#[test]
fn stop_without_a_cluster_stops_postgresql_and_writes_no_attribute() {
    let mut w = primary_world();
    w.failing.insert("crm_mon".into());
    let a = agent(Action::Stop, &[]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(w.runs("crm_attribute").is_empty());
    assert_eq!(w.postmaster, None);
}

#[test]
fn demote_that_cannot_stop_records_unknown() {
    let mut w = primary_world();
    w.stuck = true;
    let a = agent(Action::Demote, &[]);
    let e = run(&mut w, &a).unwrap_err();
    assert!(e.to_string().contains("did not stop within"), "{e}");
    let stops = w.runs("pg_ctl");
    assert!(stops[0].contains("-m fast") && stops[1].contains("-m immediate"));
    // the stop plan keeps a last moment of the deadline to record UNKNOWN
    assert_eq!(
        w.runs("crm_attribute").last().unwrap(),
        &attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=UNKNOWN")
    );
}

#[test]
fn promote_sequence() {
    let mut w = promotee_world(&[("pgsql-status", "STOP"), ("master-pgsql", "-INFINITY")]);
    let a = agent(
        Action::Promote,
        &[("OCF_RESKEY_replication_slot_name", "pgsql")],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert_eq!(
        w.runs("crm_attribute"),
        vec![
            attr("--lifetime=forever --node=node2 --name=pgsql-data-status --update=DISCONNECT"),
            attr("--lifetime=reboot --node=node1 --name=pgsql-master-baseline --update=0000000005000060"),
            attr("--lifetime=forever --node=node1 --name=pgsql-data-status --update=LATEST"),
            attr("--lifetime=reboot --node=node1 --name=master-pgsql --update=1000"),
            attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=PRI"),
        ]
    );
    assert_eq!(w.written(), vec![PathBuf::from(TMP).join("PGSQL.lock")]);
    assert!(w.runs("pg_ctl")[0].contains(" promote"));
    let q = w.queries();
    assert!(q
        .last()
        .unwrap()
        .contains("pg_create_physical_replication_slot('pgsql_node2')"));
}

#[test]
fn pre_promote_ban_on_a_newer_standby() {
    let mut w = primary_world();
    w.crm_mon = crm_mon(
        &[
            (
                "node1",
                true,
                &[("pgsql-master-baseline", "0000000005000060")],
            ),
            (
                "node2",
                true,
                &[("pgsql-master-baseline", "0000000005000000")],
            ),
            ("node3", true, &[]),
        ],
        &[],
    );
    let a = agent(
        Action::Notify,
        &[
            ("OCF_RESKEY_node_list", "node1 node2 node3"),
            ("OCF_RESKEY_CRM_meta_notify_type", "pre"),
            ("OCF_RESKEY_CRM_meta_notify_operation", "promote"),
            ("OCF_RESKEY_CRM_meta_notify_promote_uname", "node2"),
        ],
    );
    assert!(run(&mut w, &a).is_err());
    assert_eq!(
        w.runs("crm_resource"),
        vec!["/usr/sbin/crm_resource --ban --resource=pgsql --node=node1 --quiet"]
    );
    assert!(w.queries().is_empty());
}

#[test]
fn standby_without_a_primary_samples_its_position() {
    let mut w = primary_world();
    w.in_recovery = true;
    w.crm_mon = crm_mon(
        &[
            (
                "node1",
                true,
                &[
                    ("pgsql-data-status", "STREAMING|SYNC"),
                    ("pgsql-status", "HS:sync"),
                ],
            ),
            ("node2", false, &[]),
        ],
        &[],
    );
    let a = agent(Action::Monitor, &[]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert_eq!(
        w.runs("crm_attribute"),
        vec![
            attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=HS:alone"),
            attr("--lifetime=reboot --node=node1 --name=pgsql-xlog-loc --update=0000000005000060"),
        ]
    );
    assert_eq!(w.written(), vec![PathBuf::from(TMP).join("xlog_note.0")]);
}

#[test]
fn standby_start_never_runs_monitor_sql() {
    let mut w = primary_world();
    w.postmaster = None;
    w.in_recovery = true;
    w.sync_names = String::new();
    w.crm_mon = crm_mon(&[("node1", true, &[]), ("node2", true, &[])], &["node2"]);
    let a = agent(
        Action::Start,
        &[("OCF_RESKEY_monitor_sql", "select pg_current_wal_lsn()")],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(
        !w.queries().iter().any(|q| q.contains("pg_current_wal_lsn")),
        "{:?}",
        w.queries()
    );
    assert!(w.monitor_queries().is_empty(), "{:?}", w.monitor_queries());
}

#[test]
fn stop_escalate_zero_is_an_immediate_shutdown_straight_away() {
    let mut w = primary_world();
    w.in_recovery = true;
    let a = agent(Action::Stop, &[("OCF_RESKEY_stop_escalate_in_slave", "0")]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    let stops = w.runs("pg_ctl");
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert!(stops[0].contains("-m immediate"), "{stops:?}");
}
