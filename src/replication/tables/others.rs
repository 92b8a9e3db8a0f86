//! Table tests of promote, monitor and notify (docs/contract.md §5.9-§5.11).

use super::*;
use crate::ocf::OcfStatus;
use crate::replication::observation::Server;
use crate::replication::testutil::view;
use crate::replication::{monitor, notify, promote, Attr, Outcome};

#[test]
fn promote_table() {
    let others = [
        "n2 data=DISCONNECT",
        "n2 score=-INFINITY",
        "write PGSQL.lock",
        "n1 baseline=0000000005000060",
    ];
    let end = ["n1 data=LATEST", "n1 score=1000", "n1 status=PRI"];
    let join = |mid: &[&'static str]| -> &'static [&'static str] {
        Vec::leak(
            others
                .iter()
                .chain(mid)
                .chain(end.iter())
                .copied()
                .collect(),
        )
    };
    let rows = vec![
        Row {
            name: "already primary",
            decide: promote::decide,
            cfg: &[],
            obs: obs(Srv::Primary, &[], &[]),
            steps: &[],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "not running",
            decide: promote::decide,
            cfg: &[],
            obs: obs(Srv::Down, &[], &[]),
            steps: &[],
            outcome: Outcome::Failed("PostgreSQL is not running".into()),
        },
        Row {
            name: "pg_ctl promote",
            decide: promote::decide,
            cfg: &[],
            obs: obs(Srv::Standby, &[], &[]),
            steps: join(&["promote", "wait primary"]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "restart_on_promote and slots",
            decide: promote::decide,
            cfg: &[
                ("OCF_RESKEY_restart_on_promote", "true"),
                ("OCF_RESKEY_replication_slot_name", "s"),
            ],
            obs: obs(Srv::Standby, &[], &[]),
            steps: join(&[
                "stop standby=true",
                "rm standby.signal",
                "rm recovery.conf",
                "launch (else if down: n1 status=STOP)",
                "wait primary",
                "slot s_n2",
            ]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "election notes are removed",
            decide: promote::decide,
            cfg: &[],
            obs: with_notes(obs(Srv::Standby, &[], &[])),
            steps: Vec::leak(
                ["rm xlog_note.0"]
                    .iter()
                    .chain(join(&["promote", "wait primary"]))
                    .copied()
                    .collect(),
            ),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "the receiver streams from a live primary: refused, nothing written",
            decide: promote::decide,
            cfg: &[],
            obs: streaming(obs(Srv::Standby, &[], &[]), true),
            steps: &[],
            outcome: Outcome::Failed(
                "refusing to promote: the WAL receiver streams from a live primary at vip:5432 (partitioned without fencing?)"
                    .into(),
            ),
        },
        Row {
            name: "the receiver says streaming, the upstream does not answer: promoted",
            decide: promote::decide,
            cfg: &[],
            obs: streaming(obs(Srv::Standby, &[], &[]), false),
            steps: join(&["promote", "wait primary"]),
            outcome: ok(OcfStatus::Success),
        },
    ];
    assert_eq!(check(rows), 7);
    // the guard needs no view: the same refusal before the snapshot
    let refused = streaming(obs(Srv::Standby, &[], &[]), true);
    assert!(promote::refusal(&refused.server, refused.upstream.as_ref())
        .is_some_and(|r| r.starts_with("refusing to promote")));
    let silent = streaming(obs(Srv::Standby, &[], &[]), false);
    assert_eq!(
        promote::refusal(&silent.server, silent.upstream.as_ref()),
        None
    );
    let d = promote::decide(&cfg(&[]), &silent);
    assert!(
        d.notes.iter().any(|(l, t)| *l == tracing::Level::INFO
            && t.contains("still said streaming")
            && t.contains("vip:5432 did not answer within 1 s")),
        "{:?}",
        d.notes
    );
    // a receiver that does not stream is never a reason, whatever a probe said
    let mut quiet = streaming(obs(Srv::Standby, &[], &[]), true);
    if let Server::Up { facts: Some(f), .. } = &mut quiet.server {
        f.receiver_streaming = false;
    }
    assert_eq!(
        promote::refusal(&quiet.server, quiet.upstream.as_ref()),
        None
    );
    assert!(promote::decide(&cfg(&[]), &quiet)
        .notes
        .iter()
        .all(|(_, t)| !t.contains("streaming")));
}

#[test]
fn monitor_table() {
    let primary = [
        "n1 data=LATEST (warn)",
        "n1 status=PRI (warn)",
        "n2 data=STREAMING|SYNC (warn)",
    ];
    let rows = vec![
        Row {
            name: "down",
            decide: monitor::decide,
            cfg: &[],
            obs: obs(Srv::Down, &[], &[]),
            steps: &[],
            outcome: ok(OcfStatus::NotRunning),
        },
        Row {
            name: "primary: own attributes and the control pass",
            decide: monitor::decide,
            cfg: &[],
            obs: obs(Srv::Primary, &["n1"], &[]),
            steps: Vec::leak(primary.to_vec()),
            outcome: ok(OcfStatus::RunningPromoted),
        },
        Row {
            name: "primary probe sets its score; receiver-status",
            decide: monitor::decide,
            cfg: &[("OCF_RESKEY_check_wal_receiver", "true")],
            obs: probe(obs(Srv::Primary, &["n1"], &[])),
            steps: &[
                "receiver normal (master) (warn)",
                "n1 score=1000 (warn)",
                "n1 data=LATEST (warn)",
                "n1 status=PRI (warn)",
                "n2 data=STREAMING|SYNC (warn)",
            ],
            outcome: ok(OcfStatus::RunningPromoted),
        },
        Row {
            name: "standby with a primary: nothing",
            decide: monitor::decide,
            cfg: &[],
            obs: obs(
                Srv::Standby,
                &["n2"],
                &[(Attr::DataStatus, "STREAMING|SYNC")],
            ),
            steps: &[],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "standby probe; DISCONNECT with a primary: HS:alone",
            decide: monitor::decide,
            cfg: &[("OCF_RESKEY_check_wal_receiver", "true")],
            obs: probe(obs(
                Srv::Standby,
                &["n2"],
                &[(Attr::DataStatus, "DISCONNECT")],
            )),
            steps: &[
                "receiver normal (warn)",
                "n1 score=-INFINITY (warn)",
                "n1 status=HS:alone (warn)",
            ],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "standby without a primary: first sample",
            decide: monitor::decide,
            cfg: &[],
            obs: obs(Srv::Standby, &[], &[]),
            steps: &[
                "n1 status=HS:alone (warn)",
                "n1 xlog=0000000005000060 (warn)",
                "write xlog_note.0",
            ],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "standby without a primary, out of date: no claim",
            decide: monitor::decide,
            cfg: &[],
            obs: obs(Srv::Standby, &[], &[(Attr::DataStatus, "DISCONNECT")]),
            steps: &["n1 status=HS:alone (warn)"],
            outcome: ok(OcfStatus::Success),
        },
    ];
    assert_eq!(check(rows), 7);
    // the sync standby drops out: DISCONNECT, rep_mode.conf emptied, reload
    let mut o = obs(Srv::Primary, &["n1"], &[]);
    o.server = Server::Up {
        pid: 9,
        facts: Some(facts(false, &[])),
    };
    let d = monitor::decide(&cfg(&[]), &o);
    assert_eq!(
        shorts(&d),
        [
            "n1 data=LATEST (warn)",
            "n1 status=PRI (warn)",
            "n2 data=DISCONNECT (warn)",
            "n2 score=-INFINITY (warn)",
            "tmpdir",
            "rep_mode synchronous_standby_names = ''",
            "reload"
        ]
    );
    assert!(!d.recontrol);
    // a new standby streaming async is named, and looked at again
    o.tmp.rep_mode = None;
    o.server = Server::Up {
        pid: 9,
        facts: Some(facts(false, &[("n2", "streaming", "async")])),
    };
    let d = monitor::decide(&cfg(&[]), &o);
    assert!(d.recontrol);
    assert!(shorts(&d).contains(&"rep_mode synchronous_standby_names = '\"n2\"'".to_string()));
}

#[test]
fn external_standbys_are_named_while_streaming() {
    let ext = &[("OCF_RESKEY_external_standby_node_list", "dr1")];
    let primary = |rows: &[(&str, &str, &str)], conf: &str| {
        let mut o = obs(Srv::Primary, &["n1"], &[]);
        o.server = Server::Up {
            pid: 9,
            facts: Some(facts(false, rows)),
        };
        o.tmp.rep_mode = Some(conf.into());
        o
    };
    let rep_mode_writes = |d: &Decision| -> Vec<String> {
        shorts(d)
            .into_iter()
            .filter(|s| s.starts_with("rep_mode") || s == "reload")
            .collect()
    };
    let n2 = "synchronous_standby_names = '\"n2\"'\n";
    let both = "synchronous_standby_names = 'FIRST 2 (\"n2\", \"dr1\")'\n";
    // dr1 starts streaming: named next to the cluster's sync standby, reload
    let o = primary(
        &[("n2", "streaming", "sync"), ("dr1", "streaming", "async")],
        n2,
    );
    assert_eq!(
        rep_mode_writes(&monitor::decide(&cfg(ext), &o)),
        [
            "rep_mode synchronous_standby_names = 'FIRST 2 (\"n2\", \"dr1\")'",
            "reload"
        ]
    );
    // dr1 is gone: no longer named, so commits do not wait for it
    let o = primary(&[("n2", "streaming", "sync")], both);
    assert_eq!(
        rep_mode_writes(&monitor::decide(&cfg(ext), &o)),
        ["rep_mode synchronous_standby_names = '\"n2\"'", "reload"]
    );
    // dr1 never streamed: nothing to change
    let o = primary(&[("n2", "streaming", "sync")], n2);
    assert!(rep_mode_writes(&monitor::decide(&cfg(ext), &o)).is_empty());
    // dr1 still streaming: nothing to change
    let o = primary(
        &[("n2", "streaming", "sync"), ("dr1", "streaming", "sync")],
        both,
    );
    assert!(rep_mode_writes(&monitor::decide(&cfg(ext), &o)).is_empty());
}

#[test]
fn notify_steps_table() {
    use notify::NotifyStep as N;
    let table: Vec<(N, Srv, Vec<&str>, Outcome)> = vec![
        (N::Nothing, Srv::Down, vec![], ok(OcfStatus::Success)),
        (
            N::BanSelf {
                reason: "newer".into(),
            },
            Srv::Down,
            vec!["ban"],
            Outcome::Failed("newer".into()),
        ),
        (
            N::AfterPromote {
                delete_baseline: true,
            },
            Srv::Down,
            vec!["n1 -xlog", "n1 -baseline"],
            ok(OcfStatus::Success),
        ),
        (
            N::AfterPromote {
                delete_baseline: false,
            },
            Srv::Down,
            vec!["n1 -xlog"],
            ok(OcfStatus::Success),
        ),
        (
            N::RecordBaseline,
            Srv::Standby,
            vec!["n1 baseline=0000000005000060", "n1 status=HS:alone"],
            ok(OcfStatus::Success),
        ),
        (
            N::RecordBaseline,
            Srv::Down,
            vec!["n1 status=HS:alone"],
            ok(OcfStatus::Success),
        ),
        (
            N::RecordBaseline,
            Srv::Silent,
            vec!["n1 status=HS:alone"],
            ok(OcfStatus::Success),
        ),
        (
            N::ControlPass,
            Srv::Primary,
            vec!["n2 data=STREAMING|SYNC"],
            ok(OcfStatus::Success),
        ),
    ];
    let n = table.len();
    for (step, srv, want, outcome) in table {
        let mut o = obs(
            srv,
            &["n1"],
            &[(Attr::XlogLoc, "01"), (Attr::MasterBaseline, "02")],
        );
        o.view.nodes.get_mut("n1").unwrap().attrs.clear();
        o.view = view(
            &[
                (
                    "n1",
                    true,
                    &[(Attr::XlogLoc, "01"), (Attr::MasterBaseline, "02")],
                ),
                (
                    "n2",
                    true,
                    &[(Attr::Status, "HS:sync"), (Attr::Score, "100")],
                ),
            ],
            &["n1"],
        );
        let d = notify::decide_steps(&cfg(&[]), &o, &step);
        assert_eq!(shorts(&d), want, "{step:?}");
        assert_eq!(d.outcome, outcome, "{step:?}");
        let need = match step {
            N::RecordBaseline => Some(notify::Needed::Optional),
            N::ControlPass => Some(notify::Needed::Required),
            _ => None,
        };
        assert_eq!(notify::needs_facts(&step), need, "{step:?}");
    }
    assert_eq!(n, 8);
}
