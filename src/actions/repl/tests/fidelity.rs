//! The reference agent's behaviours kept (docs/contract.md §5.3, §5.5, §5.6, §5.7, §5.9):
//! external standbys, the logins of each query, receiver-status, the peers' slots, a
//! failed stop's attributes, post-demote without a position.

use std::path::PathBuf;

use super::*;
use crate::ocf::{Action, OcfStatus};

fn standby_start_world() -> FakeWorld {
    let mut w = primary_world();
    w.postmaster = None;
    w.in_recovery = true;
    w.sync_names = String::new();
    w.crm_mon = crm_mon(&[("node1", true, &[]), ("node2", true, &[])], &["node2"]);
    w
}

#[test]
fn start_with_external_standbys_names_none_and_succeeds() {
    let mut w = standby_start_world();
    let a = agent(
        Action::Start,
        &[("OCF_RESKEY_external_standby_node_list", "dr1 dr2")],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert_eq!(
        w.files[&PathBuf::from(TMP).join("rep_mode.conf")],
        "synchronous_standby_names = ''\n"
    );
}

#[test]
fn replication_sql_runs_as_pgdba_and_only_monitor_sql_as_monitor_user() {
    let mut w = primary_world();
    // the sync standby is gone: rep_mode.conf is rewritten and the server reloaded
    w.replication.clear();
    let a = agent(
        Action::Monitor,
        &[
            ("OCF_RESKEY_monitor_user", "watcher"),
            ("OCF_RESKEY_monitor_sql", "select 1"),
        ],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::RunningPromoted);
    assert_eq!(w.monitor_queries(), ["select 1"]);
    let q = w.queries();
    assert!(q[0].starts_with("select pg_is_in_recovery(),"), "{q:?}");
    assert!(q.contains(&crate::pg::queries::RELOAD.to_string()), "{q:?}");
}

#[test]
fn receiver_status_down_standby_and_stop() {
    let receiver = [("OCF_RESKEY_check_wal_receiver", "true")];
    let upd = |v: &str| format!("/usr/sbin/attrd_updater --name=pgsql-receiver-status {v}");
    // PostgreSQL down: ERROR, 7, and still no crm_mon
    let mut w = primary_world();
    w.postmaster = None;
    assert_eq!(
        run(&mut w, &agent(Action::Monitor, &receiver)).unwrap(),
        OcfStatus::NotRunning
    );
    assert_eq!(w.runs("attrd_updater"), [upd("--update=ERROR")]);
    assert!(w.runs("crm_mon").is_empty());
    // ... and a failing attrd_updater changes nothing
    let mut w = primary_world();
    w.postmaster = None;
    w.failing.insert("attrd_updater".into());
    assert_eq!(
        run(&mut w, &agent(Action::Monitor, &receiver)).unwrap(),
        OcfStatus::NotRunning
    );
    // a standby whose receiver is not running
    let mut w = primary_world();
    w.in_recovery = true;
    w.receiver_down = true;
    assert_eq!(
        run(&mut w, &agent(Action::Monitor, &receiver)).unwrap(),
        OcfStatus::Success
    );
    assert_eq!(w.runs("attrd_updater"), [upd("--update=ERROR")]);
    // stop and demote delete it
    for action in [Action::Stop, Action::Demote] {
        let mut w = primary_world();
        assert_eq!(
            run(&mut w, &agent(action, &receiver)).unwrap(),
            OcfStatus::Success
        );
        assert_eq!(w.runs("attrd_updater"), [upd("--delete")], "{action:?}");
    }
}

#[test]
fn receiver_status_without_replication() {
    let slave = [
        ("OCF_RESKEY_check_wal_receiver", "true"),
        ("OCF_RESKEY_rep_mode", "slave"),
        ("OCF_RESKEY_CRM_meta_promotable", "false"),
    ];
    let upd = |v: &str| format!("/usr/sbin/attrd_updater --name=pgsql-receiver-status {v}");
    let mut w = primary_world();
    w.in_recovery = true;
    w.files
        .insert(PathBuf::from("/t/data/standby.signal"), String::new());
    let a = agent(Action::Monitor, &slave);
    assert_eq!(
        block_on(crate::actions::monitor::monitor(&mut w, &a)).unwrap(),
        OcfStatus::Success
    );
    assert_eq!(w.runs("attrd_updater"), [upd("--update=normal")]);
    assert_eq!(w.monitor_queries(), ["select now();"]);
    let mut w = primary_world();
    let a = agent(Action::Monitor, &slave);
    assert_eq!(
        block_on(crate::actions::monitor::monitor(&mut w, &a)).unwrap(),
        OcfStatus::Success
    );
    assert_eq!(w.runs("attrd_updater"), [upd("--update=normal (master)")]);
}

#[test]
fn start_drops_the_slots_for_the_peers() {
    let mut w = standby_start_world();
    let a = agent(
        Action::Start,
        &[("OCF_RESKEY_replication_slot_name", "pgsql")],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(
        w.queries()
            .contains(&crate::pg::queries::drop_slots(&["pgsql_node2".into()])),
        "{:?}",
        w.queries()
    );
}

#[test]
fn failed_stop_records_what_is_known_before_failing() {
    for action in [Action::Stop, Action::Demote] {
        let mut w = primary_world();
        w.stuck = true;
        let e = run(&mut w, &agent(action, &[])).unwrap_err();
        assert!(e.to_string().contains("did not stop within"), "{e}");
        let attrs = w.runs("crm_attribute");
        assert_eq!(
            attrs.first().unwrap(),
            &attr("--lifetime=reboot --node=node1 --name=master-pgsql --update=-INFINITY"),
            "{action:?}"
        );
        assert_eq!(
            attrs.last().unwrap(),
            &attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=UNKNOWN"),
            "{action:?}"
        );
    }
}

#[test]
fn post_demote_without_a_position_still_says_hs_alone() {
    let mut w = primary_world();
    w.postmaster = None;
    w.crm_mon = crm_mon(&[("node1", true, &[]), ("node2", true, &[])], &[]);
    let a = agent(
        Action::Notify,
        &[
            ("OCF_RESKEY_CRM_meta_notify_type", "post"),
            ("OCF_RESKEY_CRM_meta_notify_operation", "demote"),
            ("OCF_RESKEY_CRM_meta_notify_demote_uname", "node2"),
            ("OCF_RESKEY_CRM_meta_notify_master_uname", " "),
        ],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(w.runs("crm_attribute").contains(&attr(
        "--lifetime=reboot --node=node1 --name=pgsql-status --update=HS:alone"
    )));
}
