//! The primary's standby control pass (docs/contract.md §5.3): from `pg_stat_replication`, set
//! each other node's data-status, promotion score and status, and keep exactly one
//! synchronous standby named in rep_mode.conf (sync mode).

use super::{Attr, Plan, CAN_NOT_PROMOTE, CAN_PROMOTE};
use crate::config::RepMode;
pub use crate::pg::facts::ReplicationRow as Row;

/// What the pass decided about rep_mode.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDecision {
    /// The cluster node named synchronous standby after the pass.
    pub standby: Option<String>,
    /// rep_mode.conf must be rewritten and the server reloaded.
    pub changed: bool,
    /// A standby was just named: look again in 2 s, it will report SYNC then.
    pub recontrol: bool,
}

/// Runs the pass for every node of `node_list` but `plan.me`. `standby` is the node
/// rep_mode.conf names now.
pub fn control_pass(
    plan: &mut Plan,
    mode: RepMode,
    node_list: &[String],
    rows: &[Row],
    standby: Option<String>,
) -> SyncDecision {
    let sync = mode == RepMode::Sync;
    let mut d = SyncDecision {
        standby,
        changed: false,
        recontrol: false,
    };
    let me = plan.me.clone();
    for target in node_list.iter().filter(|n| **n != me) {
        let seen = rows
            .iter()
            .find(|r| &r.app == target)
            .map(|r| format!("{}|{}", r.state, r.sync))
            .unwrap_or_else(|| "DISCONNECT".to_string());
        let drop_to_async = |d: &mut SyncDecision| {
            if sync && d.standby.as_deref() == Some(target) {
                d.standby = None;
                d.changed = true;
            }
        };
        match seen.as_str() {
            "STREAMING|SYNC" => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_PROMOTE);
                plan.set(target, Attr::Status, "HS:sync");
            }
            "STREAMING|ASYNC" => {
                plan.set(target, Attr::DataStatus, &seen);
                if sync {
                    plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                    if d.standby.is_none() {
                        d.standby = Some(target.clone());
                        d.changed = true;
                        d.recontrol = true;
                    }
                } else if node_list.len() <= 2 {
                    plan.set(target, Attr::Score, CAN_PROMOTE);
                } else {
                    // with several async standbys nobody can tell which one is newest
                    plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                }
                plan.set(target, Attr::Status, "HS:async");
            }
            "STREAMING|POTENTIAL" => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                plan.set(target, Attr::Status, "HS:potential");
            }
            "DISCONNECT" => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                drop_to_async(&mut d);
            }
            _ => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                drop_to_async(&mut d);
                plan.set(target, Attr::Status, "HS:connected");
            }
        }
    }
    d
}

/// A standby name as a quoted identifier of synchronous_standby_names (`"` doubled).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The synchronous_standby_names value naming `standby` and the external standbys
/// `external` (those streaming now): empty, one name, or `FIRST n (...)`.
pub fn sync_names(standby: Option<&str>, external: &[String]) -> String {
    let mut names: Vec<String> = standby.into_iter().map(str::to_string).collect();
    names.extend(external.iter().cloned());
    match names.len() {
        0 => String::new(),
        _ if external.is_empty() => ident(&names[0]),
        n => format!(
            "FIRST {n} ({})",
            names
                .iter()
                .map(|s| ident(s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// rep_mode.conf text naming `standby` and the external standbys `external`.
pub fn rep_mode_conf(standby: Option<&str>, external: &[String]) -> String {
    format!(
        "synchronous_standby_names = {}\n",
        crate::pg::conffile::quote_value(&sync_names(standby, external))
    )
}

/// The cluster node rep_mode.conf names as synchronous standby, if any.
pub fn named_standby(conf_text: &str, node_list: &[String]) -> Option<String> {
    let v = crate::pg::conffile::setting(conf_text, "synchronous_standby_names")?;
    node_list.iter().find(|n| v.contains(&ident(n))).cloned()
}

/// The standbys of external_standby_node_list that rep_mode.conf names now.
pub fn named_externals(conf_text: &str, external: &[String]) -> Vec<String> {
    let Some(v) = crate::pg::conffile::setting(conf_text, "synchronous_standby_names") else {
        return Vec::new();
    };
    external
        .iter()
        .filter(|e| v.contains(&ident(e)))
        .cloned()
        .collect()
}

/// The standbys of external_standby_node_list that pg_stat_replication shows STREAMING
/// (application names compare without case, as PostgreSQL compares them), in list order:
/// only those are named, so a lost external standby never stalls commits.
pub fn streaming_externals(external: &[String], rows: &[Row]) -> Vec<String> {
    external
        .iter()
        .filter(|e| {
            rows.iter()
                .any(|r| r.app.eq_ignore_ascii_case(e) && r.state == "STREAMING")
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
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
}
