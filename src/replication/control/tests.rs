//! Tests of the standby control pass (docs/contract.md §5.3).

use super::*;
use crate::replication::testutil::{set, view};
use crate::replication::AttrChange;

fn nodes(n: &[&str]) -> Vec<String> {
    n.iter().map(|s| s.to_string()).collect()
}

fn standby_view() -> crate::replication::ClusterView {
    let hs = |st: &'static str| -> Vec<(Attr, &'static str)> {
        vec![(Attr::Status, st), (Attr::Score, "-INFINITY")]
    };
    let a = hs("HS:alone");
    let b = hs("HS:alone");
    view(
        &[
            (
                "n1",
                true,
                &[(Attr::Status, "PRI"), (Attr::DataStatus, "LATEST")],
            ),
            ("n2", true, &a),
            ("n3", true, &b),
        ],
        &["n1"],
    )
}

struct Case {
    name: &'static str,
    mode: RepMode,
    nodes: &'static [&'static str],
    rows: Vec<Row>,
    standby: Option<&'static str>,
    want: Vec<AttrChange>,
    want_standby: Option<&'static str>,
    changed: bool,
    recontrol: bool,
}

#[test]
fn control_pass_table() {
    let cases = vec![
        Case {
            name: "sync standby streaming SYNC",
            mode: RepMode::Sync,
            nodes: &["n1", "n2"],
            rows: vec![Row::new("n2", "streaming", "sync")],
            standby: Some("n2"),
            want: vec![
                set("n2", Attr::DataStatus, "STREAMING|SYNC"),
                set("n2", Attr::Score, "100"),
                set("n2", Attr::Status, "HS:sync"),
            ],
            want_standby: Some("n2"),
            changed: false,
            recontrol: false,
        },
        Case {
            name: "first ASYNC standby becomes the sync standby",
            mode: RepMode::Sync,
            nodes: &["n1", "n2"],
            rows: vec![Row::new("n2", "streaming", "async")],
            standby: None,
            want: vec![
                set("n2", Attr::DataStatus, "STREAMING|ASYNC"),
                set("n2", Attr::Status, "HS:async"),
            ],
            want_standby: Some("n2"),
            changed: true,
            recontrol: true,
        },
        Case {
            name: "one sync standby at a time",
            mode: RepMode::Sync,
            nodes: &["n1", "n2", "n3"],
            rows: vec![
                Row::new("n2", "streaming", "sync"),
                Row::new("n3", "streaming", "async"),
            ],
            standby: Some("n2"),
            want: vec![
                set("n2", Attr::DataStatus, "STREAMING|SYNC"),
                set("n2", Attr::Score, "100"),
                set("n2", Attr::Status, "HS:sync"),
                set("n3", Attr::DataStatus, "STREAMING|ASYNC"),
                set("n3", Attr::Status, "HS:async"),
            ],
            want_standby: Some("n2"),
            changed: false,
            recontrol: false,
        },
        Case {
            name: "sync standby gone: DISCONNECT, drop to async, status kept",
            mode: RepMode::Sync,
            nodes: &["n1", "n2"],
            rows: vec![],
            standby: Some("n2"),
            want: vec![set("n2", Attr::DataStatus, "DISCONNECT")],
            want_standby: None,
            changed: true,
            recontrol: false,
        },
        Case {
            name: "catchup counts as connected, not sync",
            mode: RepMode::Sync,
            nodes: &["n1", "n2"],
            rows: vec![Row::new("n2", "catchup", "async")],
            standby: Some("n2"),
            want: vec![
                set("n2", Attr::DataStatus, "CATCHUP|ASYNC"),
                set("n2", Attr::Status, "HS:connected"),
            ],
            want_standby: None,
            changed: true,
            recontrol: false,
        },
        Case {
            name: "potential",
            mode: RepMode::Sync,
            nodes: &["n1", "n2", "n3"],
            rows: vec![Row::new("n3", "streaming", "potential")],
            standby: Some("n2"),
            want: vec![
                set("n2", Attr::DataStatus, "DISCONNECT"),
                set("n3", Attr::DataStatus, "STREAMING|POTENTIAL"),
                set("n3", Attr::Status, "HS:potential"),
            ],
            want_standby: None,
            changed: true,
            recontrol: false,
        },
        Case {
            name: "async two nodes: the standby may be promoted",
            mode: RepMode::Async,
            nodes: &["n1", "n2"],
            rows: vec![Row::new("n2", "streaming", "async")],
            standby: None,
            want: vec![
                set("n2", Attr::DataStatus, "STREAMING|ASYNC"),
                set("n2", Attr::Score, "100"),
                set("n2", Attr::Status, "HS:async"),
            ],
            want_standby: None,
            changed: false,
            recontrol: false,
        },
        Case {
            name: "async three nodes: nobody knows who is newest",
            mode: RepMode::Async,
            nodes: &["n1", "n2", "n3"],
            rows: vec![
                Row::new("n2", "streaming", "async"),
                Row::new("n3", "streaming", "async"),
            ],
            standby: None,
            want: vec![
                set("n2", Attr::DataStatus, "STREAMING|ASYNC"),
                set("n2", Attr::Status, "HS:async"),
                set("n3", Attr::DataStatus, "STREAMING|ASYNC"),
                set("n3", Attr::Status, "HS:async"),
            ],
            want_standby: None,
            changed: false,
            recontrol: false,
        },
    ];
    for c in cases {
        let mut plan = Plan::new("n1", standby_view());
        let d = control_pass(
            &mut plan,
            c.mode,
            &nodes(c.nodes),
            &c.rows,
            c.standby.map(str::to_string),
        );
        assert_eq!(plan.attr_changes(), c.want, "{}", c.name);
        assert_eq!(d.standby.as_deref(), c.want_standby, "{}", c.name);
        assert_eq!(d.changed, c.changed, "{}", c.name);
        assert_eq!(d.recontrol, c.recontrol, "{}", c.name);
    }
}

#[test]
fn stopped_node_keeps_its_status() {
    let v = view(
        &[
            ("n1", true, &[]),
            (
                "n2",
                true,
                &[(Attr::Status, "STOP"), (Attr::Score, "-INFINITY")],
            ),
        ],
        &["n1"],
    );
    let mut plan = Plan::new("n1", v);
    control_pass(
        &mut plan,
        RepMode::Sync,
        &nodes(&["n1", "n2"]),
        &[Row::new("n2", "streaming", "sync")],
        Some("n2".into()),
    );
    assert!(!plan.attr_changes().iter().any(|e| matches!(
        e,
        AttrChange::Set {
            attr: Attr::Status,
            ..
        }
    )));
}

#[test]
fn rep_mode_conf_text() {
    assert_eq!(rep_mode_conf(None, &[]), "synchronous_standby_names = ''\n");
    assert_eq!(
        rep_mode_conf(Some("node2"), &[]),
        "synchronous_standby_names = '\"node2\"'\n"
    );
    let ext = vec!["dr1".to_string()];
    assert_eq!(
        rep_mode_conf(Some("node2"), &ext),
        "synchronous_standby_names = 'FIRST 2 (\"node2\", \"dr1\")'\n"
    );
    assert_eq!(
        rep_mode_conf(None, &ext),
        "synchronous_standby_names = 'FIRST 1 (\"dr1\")'\n"
    );
    let list = nodes(&["node1", "node2"]);
    assert_eq!(
        named_standby(&rep_mode_conf(Some("node2"), &ext), &list).as_deref(),
        Some("node2")
    );
    assert_eq!(named_standby(&rep_mode_conf(None, &[]), &list), None);
    assert_eq!(named_standby("", &list), None);
    assert_eq!(
        named_externals(&rep_mode_conf(Some("node2"), &ext), &ext),
        ext
    );
    assert!(named_externals(&rep_mode_conf(Some("node2"), &[]), &ext).is_empty());
    assert_eq!(sync_names(None, &[]), "");
}

#[test]
fn external_standbys_are_named_only_while_streaming() {
    let ext = nodes(&["dr1", "dr2"]);
    let rows = vec![
        Row::new("DR2", "streaming", "async"),
        Row::new("dr1", "catchup", "async"),
        Row::new("node2", "streaming", "sync"),
    ];
    assert_eq!(streaming_externals(&ext, &rows), nodes(&["dr2"]));
    assert!(streaming_externals(&ext, &[]).is_empty());
    let both = vec![
        Row::new("dr1", "streaming", "potential"),
        Row::new("dr2", "streaming", "sync"),
    ];
    assert_eq!(streaming_externals(&ext, &both), ext);
}
