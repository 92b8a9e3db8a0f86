//! Faulty cluster tools and files never turn a healthy server or a done stop into a failure
//! (docs/contract.md §5.7, §5.10).

use std::path::PathBuf;

use super::*;
use crate::ocf::{Action, OcfStatus};

#[test]
fn failing_cluster_tools_never_fail_a_healthy_monitor() {
    // crm_mon fails: the primary is still reported as a primary
    let mut w = primary_world();
    w.failing.insert("crm_mon".into());
    assert_eq!(
        run(&mut w, &agent(Action::Monitor, &[])).unwrap(),
        OcfStatus::RunningPromoted
    );
    // crm_attribute and attrd_updater fail: warnings, the same answer
    let mut w = primary_world();
    w.crm_mon = w.crm_mon.replace("\"PRI\"", "\"HS:alone\"");
    w.failing.insert("crm_attribute".into());
    w.failing.insert("attrd_updater".into());
    let a = agent(
        Action::Monitor,
        &[("OCF_RESKEY_check_wal_receiver", "true")],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::RunningPromoted);
    // one short budget (retries of the first write), then no other write is tried
    let tried: std::collections::BTreeSet<String> = w.runs("crm_attribute").into_iter().collect();
    assert_eq!(tried.len(), 1, "{:?}", w.events);
    let receiver_tries = w.runs("attrd_updater").len();
    assert!(
        (1..=4).contains(&receiver_tries),
        "receiver-status gets a short budget: {receiver_tries} tries"
    );
    // a standby without a snapshot: running, and no election from a blind view
    let mut w = primary_world();
    w.in_recovery = true;
    w.failing.insert("crm_mon".into());
    assert_eq!(
        run(&mut w, &agent(Action::Monitor, &[])).unwrap(),
        OcfStatus::Success
    );
    assert!(w.written().is_empty() && w.runs("crm_attribute").is_empty());
}

#[test]
fn stop_succeeds_once_postgresql_is_down_even_if_tmpdir_is_read_only() {
    let mut w = primary_world();
    w.files
        .insert(PathBuf::from(TMP).join("PGSQL.lock"), String::new());
    w.read_only = Some(PathBuf::from(TMP));
    let a = agent(
        Action::Stop,
        &[("OCF_RESKEY_CRM_meta_notify_slave_uname", " ")],
    );
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert_eq!(w.postmaster, None);
}
