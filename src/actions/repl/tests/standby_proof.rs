//! The standby monitor's snapshot, taken or not (docs/contract.md §5.10, the standby's
//! proof), through the fake: what runs, what is probed, what is written.

use std::path::PathBuf;

use super::*;
use crate::ocf::{Action, OcfStatus};
use crate::world::fake::{Event, FakeWorld};

const CONN: &str = "4242@1764684000.125";

fn record_path() -> PathBuf {
    PathBuf::from(TMP).join("standby_streaming")
}

/// node1 a standby streaming on connection CONN from node2, the primary.
fn standby_world(data_status: &str) -> FakeWorld {
    let mut w = primary_world();
    w.in_recovery = true;
    w.receiver_streaming = true;
    w.receiver_conn = CONN.into();
    w.upstream_answers = true;
    w.replication.clear();
    w.crm_mon = crm_mon(
        &[
            (
                "node1",
                true,
                &[
                    ("pgsql-status", "HS:sync"),
                    ("pgsql-data-status", data_status),
                    ("master-pgsql", "100"),
                ],
            ),
            ("node2", true, &[("pgsql-status", "PRI")]),
        ],
        &["node2"],
    );
    w
}

fn recorded(mut w: FakeWorld) -> FakeWorld {
    w.files.insert(record_path(), format!("receiver {CONN}\n"));
    w
}

fn probes(w: &FakeWorld) -> usize {
    w.events
        .iter()
        .filter(|e| matches!(e, Event::Probe(..)))
        .count()
}

fn monitor(w: &mut FakeWorld, extra: &[(&str, &str)]) -> OcfStatus {
    run(w, &agent(Action::Monitor, extra)).unwrap()
}

#[test]
fn first_monitor_of_a_connection_takes_the_snapshot_and_records_it() {
    let mut w = standby_world("STREAMING|SYNC");
    assert_eq!(monitor(&mut w, &[]), OcfStatus::Success);
    assert_eq!(w.runs("crm_mon").len(), 1);
    assert_eq!(probes(&w), 0);
    assert_eq!(w.written(), vec![record_path()]);
    assert_eq!(w.files[&record_path()], format!("receiver {CONN}\n"));
    assert!(w.runs("crm_attribute").is_empty(), "{:?}", w.events);
}

#[test]
fn same_connection_and_a_live_upstream_need_no_snapshot() {
    let mut w = recorded(standby_world("STREAMING|SYNC"));
    assert_eq!(monitor(&mut w, &[]), OcfStatus::Success);
    assert!(w.runs("crm_mon").is_empty(), "{:?}", w.events);
    assert_eq!(w.queries().len(), 1);
    // one round trip, one probe of master_ip:pgport within promote's limit, nothing else
    assert_eq!(w.events.len(), 2, "{:?}", w.events);
    assert!(matches!(&w.events[1], Event::Probe(t, l)
        if t == "10.0.0.9:5432" && *l <= crate::replication::promote::PROBE_LIMIT));
}

#[test]
fn receiver_status_is_still_published_without_the_snapshot() {
    let mut w = recorded(standby_world("STREAMING|SYNC"));
    let status = monitor(&mut w, &[("OCF_RESKEY_check_wal_receiver", "true")]);
    assert_eq!(status, OcfStatus::Success);
    assert!(w.runs("crm_mon").is_empty());
    assert_eq!(
        w.runs("attrd_updater"),
        vec!["/usr/sbin/attrd_updater --name=pgsql-receiver-status --update=normal"]
    );
}

#[test]
fn a_silent_upstream_means_the_snapshot() {
    let mut w = recorded(standby_world("STREAMING|SYNC"));
    w.upstream_answers = false;
    assert_eq!(monitor(&mut w, &[]), OcfStatus::Success);
    assert_eq!(probes(&w), 1);
    assert_eq!(w.runs("crm_mon").len(), 1);
    // the record still describes this connection: kept as it is
    assert!(w.written().is_empty());
}

#[test]
fn a_new_connection_means_the_snapshot_and_a_new_record() {
    let mut w = recorded(standby_world("STREAMING|SYNC"));
    w.receiver_conn = "4300@1764684100.5".into();
    assert_eq!(monitor(&mut w, &[]), OcfStatus::Success);
    assert_eq!(probes(&w), 0);
    assert_eq!(w.runs("crm_mon").len(), 1);
    assert_eq!(w.files[&record_path()], "receiver 4300@1764684100.5\n");
}

#[test]
fn disconnect_on_a_new_connection_writes_hs_alone_and_no_record() {
    // the primary marked this node DISCONNECT while it reconnected: the reference's
    // standby monitor sets HS:alone, and so does this one
    let mut w = recorded(standby_world("DISCONNECT"));
    w.receiver_conn = "4300@1764684100.5".into();
    assert_eq!(monitor(&mut w, &[]), OcfStatus::Success);
    assert_eq!(
        w.runs("crm_attribute"),
        vec![attr(
            "--lifetime=reboot --node=node1 --name=pgsql-status --update=HS:alone"
        )]
    );
    assert!(!w.files.contains_key(&record_path()));
    assert!(w.events.contains(&Event::Remove(record_path())));
}

#[test]
fn no_primary_in_the_snapshot_removes_the_record() {
    let mut w = standby_world("STREAMING|SYNC");
    w.receiver_conn = "4300@1764684100.5".into();
    w.crm_mon = w
        .crm_mon
        .replace("role=\"Promoted\"", "role=\"Unpromoted\"");
    w.files.insert(record_path(), "receiver 1@1\n".into());
    assert_eq!(monitor(&mut w, &[]), OcfStatus::Success);
    assert!(!w.files.contains_key(&record_path()));
    // the election's first sample
    assert!(w.runs("crm_attribute").contains(&attr(
        "--lifetime=reboot --node=node1 --name=pgsql-status --update=HS:alone"
    )));
}

/// (name, extra environment, change to the world)
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    fn(&mut FakeWorld),
);

#[test]
fn probes_three_nodes_hand_runs_and_a_receiver_that_does_not_stream_take_the_snapshot() {
    let cases: [Case; 4] = [
        ("probe", &[("OCF_RESKEY_CRM_meta_interval", "0")], |_| {}),
        (
            "three nodes",
            &[("OCF_RESKEY_node_list", "node1 node2 node3")],
            |_| {},
        ),
        ("not streaming", &[], |w| w.receiver_streaming = false),
        ("no identity (9.6)", &[], |w| w.receiver_conn.clear()),
    ];
    for (name, extra, tweak) in cases {
        let mut w = recorded(standby_world("STREAMING|SYNC"));
        tweak(&mut w);
        assert_eq!(monitor(&mut w, extra), OcfStatus::Success, "{name}");
        assert_eq!(w.runs("crm_mon").len(), 1, "{name}");
        assert_eq!(probes(&w), 0, "{name}");
    }
    // run at a terminal (no Pacemaker variable): the operator sees the snapshot
    let mut w = recorded(standby_world("STREAMING|SYNC"));
    let mut a = agent(Action::Monitor, &[]);
    a.ctx.by_pacemaker = false;
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert_eq!(w.runs("crm_mon").len(), 1);
}

#[test]
fn a_primary_always_takes_the_snapshot() {
    let mut w = recorded(primary_world());
    assert_eq!(monitor(&mut w, &[]), OcfStatus::RunningPromoted);
    assert_eq!(w.runs("crm_mon").len(), 1);
    assert_eq!(probes(&w), 0);
}
