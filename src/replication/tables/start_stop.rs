//! Table tests of start, stop and demote (docs/contract.md §5.6-§5.8).

use super::*;
use crate::ocf::OcfStatus;
use crate::replication::{start, stop, Attr, Outcome};

#[test]
fn start_table() {
    let sync_files: Vec<&str> = START_HEAD
        .iter()
        .copied()
        .chain([
            "tmpdir",
            "rep_mode synchronous_standby_names = ''",
            "include rep_mode.conf",
            "tmpdir",
            "write recovery.conf",
            "include recovery.conf",
            "write standby.signal",
        ])
        .collect();
    let leak = |v: Vec<&'static str>| -> &'static [&'static str] { Vec::leak(v) };
    let tail = |mut v: Vec<&'static str>, t: &[&'static str]| {
        v.extend_from_slice(t);
        leak(v)
    };
    let rows = vec![
        Row {
            name: "running as primary: refused, nothing done",
            decide: start::decide,
            cfg: &[],
            obs: obs(Srv::Primary, &[], &[]),
            steps: &[],
            outcome: Outcome::Failed("PostgreSQL is already running as a primary here; it cannot be started as a standby".into()),
        },
        Row {
            name: "stopped, sync: files, launch, check, HS:alone",
            decide: start::decide,
            cfg: &[],
            obs: obs(Srv::Down, &["n2"], &[]),
            steps: tail(sync_files.clone(), &["launch standby", "check names ''", "n1 status=HS:alone"]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "external standbys: none named at start, and the server must agree",
            decide: start::decide,
            cfg: &[("OCF_RESKEY_external_standby_node_list", "dr1 dr2")],
            obs: obs(Srv::Down, &["n2"], &[]),
            steps: tail(sync_files.clone(), &["launch standby", "check names ''", "n1 status=HS:alone"]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "replication slots: the peers' slots are dropped after the start",
            decide: start::decide,
            cfg: &[("OCF_RESKEY_replication_slot_name", "pgsql")],
            obs: obs(Srv::Down, &["n2"], &[]),
            steps: tail(sync_files.clone(), &["launch standby", "check names ''", "drop slots pgsql_n2", "n1 status=HS:alone"]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "already running as a standby: no launch",
            decide: start::decide,
            cfg: &[],
            obs: obs(Srv::Standby, &["n2"], &[]),
            steps: tail(sync_files.clone(), &["check names ''", "n1 status=HS:alone"]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "PGSQL.lock: files written, then refused",
            decide: start::decide,
            cfg: &[],
            obs: with_lock(obs(Srv::Down, &["n2"], &[])),
            steps: leak(sync_files.clone()),
            outcome: Outcome::Failed("My data may be inconsistent. You have to remove /t/PGSQL.lock file to force start.".into()),
        },
        Row {
            name: "async: rep_mode include removed; old notes and baseline go",
            decide: start::decide,
            cfg: &[("OCF_RESKEY_rep_mode", "async")],
            obs: with_notes(obs(Srv::Down, &["n2"], &[(Attr::MasterBaseline, "00"), (Attr::XlogLoc, "01")])),
            steps: &["n1 status=STOP", "n1 -baseline", "n1 score=-INFINITY", "rm xlog_note.0", "tmpdir",
                "uninclude rep_mode.conf", "tmpdir", "write recovery.conf", "include recovery.conf",
                "write standby.signal", "n1 -xlog", "launch standby", "check names ''", "n1 status=HS:alone"],
            outcome: ok(OcfStatus::Success),
        },
    ];
    assert_eq!(check(rows), 7);
}

#[test]
fn stop_and_demote_table() {
    let unknown = "(else n1 status=UNKNOWN)";
    let rows = vec![
        Row {
            name: "stop, already stopped",
            decide: stop::decide_stop,
            cfg: &[],
            obs: obs(Srv::Down, &[], &[]),
            steps: &["n1 score=-INFINITY (warn)", "n1 status=STOP (warn)"],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "stop of a standby",
            decide: stop::decide_stop,
            cfg: &[],
            obs: obs(
                Srv::Standby,
                &[],
                &[(Attr::XlogLoc, "01"), (Attr::MasterBaseline, "02")],
            ),
            steps: Vec::leak(vec![
                "n1 score=-INFINITY (warn)",
                "n1 -xlog (warn)",
                Box::leak(format!("stop standby=true {unknown}").into_boxed_str()),
                "n1 status=STOP (warn)",
                "tmpdir (warn)",
                "rep_mode synchronous_standby_names = '' (warn)",
                "n1 -baseline (warn)",
            ]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "stop of a server that does not answer: stopped as a standby",
            decide: stop::decide_stop,
            cfg: &[("OCF_RESKEY_rep_mode", "async")],
            obs: obs(Srv::Silent, &[], &[]),
            steps: Vec::leak(vec![
                "n1 score=-INFINITY (warn)",
                Box::leak(format!("stop standby=true {unknown}").into_boxed_str()),
                "n1 status=STOP (warn)",
            ]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "stop of a primary with standbys: the lock stays",
            decide: stop::decide_stop,
            cfg: &[("OCF_RESKEY_rep_mode", "async")],
            obs: with_lock(obs(Srv::Primary, &["n1"], &[])),
            steps: Vec::leak(vec![
                "n1 score=-INFINITY (warn)",
                Box::leak(format!("stop standby=false {unknown}").into_boxed_str()),
                "n1 status=STOP (warn)",
            ]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "stop of a primary with no standby left: the lock goes",
            decide: stop::decide_stop,
            cfg: &[("OCF_RESKEY_rep_mode", "async")],
            obs: no_standby_left(obs(Srv::Primary, &["n1"], &[])),
            steps: Vec::leak(vec![
                "n1 score=-INFINITY (warn)",
                Box::leak(format!("stop standby=false {unknown}").into_boxed_str()),
                "rm PGSQL.lock (warn)",
                "n1 status=STOP (warn)",
            ]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "stop without a snapshot: the same steps, marked best-effort",
            decide: stop::decide_stop,
            cfg: &[("OCF_RESKEY_rep_mode", "async")],
            obs: unreachable(obs(Srv::Down, &[], &[])),
            steps: &["n1 score=-INFINITY (warn)", "n1 status=STOP (warn)"],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "demote of a running primary",
            decide: stop::decide_demote,
            cfg: &[],
            obs: obs(Srv::Silent, &["n1"], &[(Attr::MasterBaseline, "02")]),
            steps: Vec::leak(vec![
                "n1 score=-INFINITY (warn)",
                "n1 -baseline (warn)",
                Box::leak(format!("stop standby=false {unknown}").into_boxed_str()),
                "n1 status=STOP (warn)",
            ]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "demote when already stopped",
            decide: stop::decide_demote,
            cfg: &[],
            obs: obs(Srv::Down, &[], &[]),
            steps: &["n1 score=-INFINITY (warn)", "n1 status=STOP (warn)"],
            outcome: ok(OcfStatus::Success),
        },
    ];
    assert_eq!(check(rows), 8);
    assert!(stop::decide_stop(&cfg(&[]), &obs(Srv::Down, &[], &[])).best_effort_cluster);
}
