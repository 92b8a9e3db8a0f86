//! The table tests of `pgsql show` (docs/contract.md §10): real crm_mon and cibadmin
//! output (tests/fixtures/show, made by its regen.sh from CIB files) with a local server
//! as seen, through decide and both renders.

use std::collections::BTreeMap;

use super::cib;
use super::decide::decide;
use super::model::{Local, LocalPg, Report, Seen, StandbyLag, Verdict};
use super::observe::settings;
use super::render::{json, plain, WIDTH};
use crate::cluster::{history, snapshot};
use crate::pg::facts::ServerFacts;
use crate::pg::lsn::Lsn;
use crate::replication::{Attr, AttrChange};

const RESOURCES: &str = include_str!("../../tests/fixtures/show/resources.xml");

fn fixture(case: &str) -> (&'static str, &'static str) {
    match case {
        "healthy" => (
            include_str!("../../tests/fixtures/show/healthy.xml"),
            include_str!("../../tests/fixtures/show/healthy-nodes.xml"),
        ),
        "lock" => (
            include_str!("../../tests/fixtures/show/lock.xml"),
            include_str!("../../tests/fixtures/show/lock-nodes.xml"),
        ),
        "disconnect" => (
            include_str!("../../tests/fixtures/show/disconnect.xml"),
            include_str!("../../tests/fixtures/show/disconnect-nodes.xml"),
        ),
        "election" => (
            include_str!("../../tests/fixtures/show/election.xml"),
            include_str!("../../tests/fixtures/show/election-nodes.xml"),
        ),
        _ => unreachable!("no fixture {case}"),
    }
}

fn primary(at: &str, standbys: &[(&str, &str, i64)]) -> LocalPg {
    LocalPg::Up {
        facts: Some(ServerFacts {
            location: Lsn::parse(at),
            ..Default::default()
        }),
        error: None,
        standbys: standbys
            .iter()
            .map(|(app, replay, bytes)| StandbyLag {
                app: app.to_string(),
                replay: Some(replay.to_string()),
                bytes: Some(*bytes),
                seconds: None,
            })
            .collect(),
        own_lag: (None, None),
    }
}

fn standby(at: &str) -> LocalPg {
    LocalPg::Up {
        facts: Some(ServerFacts {
            in_recovery: true,
            location: Lsn::parse(at),
            ..Default::default()
        }),
        error: None,
        standbys: Vec::new(),
        own_lag: (Some(0), Some(0.0)),
    }
}

fn seen(case: &str, me: &str, pg: LocalPg, lock: Option<bool>, notes: &[(u32, &str)]) -> Seen {
    let resource = cib::choose(cib::resources(RESOURCES).unwrap(), None).unwrap();
    let (mon, nodes) = fixture(case);
    let mut view = snapshot::parse(mon, "pgsql").unwrap();
    snapshot::merge_offline_node_attributes(&mut view, nodes).unwrap();
    Seen {
        settings: settings(&resource),
        resource,
        view,
        details: history::parse(mon, "pgsql").unwrap(),
        local: Local {
            node: me.into(),
            pg,
            lock,
            notes: notes
                .iter()
                .map(|(i, t)| (*i, t.to_string()))
                .collect::<BTreeMap<_, _>>(),
        },
    }
}

/// Both renders hold the report: plain within 80 columns, JSON readable back.
fn rendered(rep: &Report) -> (String, serde_json::Value) {
    let text = plain(rep);
    for l in text.lines() {
        assert!(
            l.chars().count() <= WIDTH,
            "{} columns: {l:?}",
            l.chars().count()
        );
    }
    assert!(text.contains(&rep.summary[..20.min(rep.summary.len())]));
    let v: serde_json::Value = serde_json::from_str(&json(rep)).expect("valid JSON");
    assert_eq!(v["verdict"], rep.verdict.word());
    assert_eq!(v["nodes"].as_array().unwrap().len(), rep.nodes.len());
    (text, v)
}

#[test]
fn healthy_primary_and_sync_standby() {
    let s = seen(
        "healthy",
        "node1",
        primary("0/5000060", &[("node2", "0/5000060", 0)]),
        Some(true),
        &[],
    );
    let rep = decide(&s);
    assert_eq!(rep.verdict, Verdict::Healthy, "{rep:#?}");
    assert_eq!(rep.verdict.code(), 0);
    assert!(rep.problems.is_empty(), "{:#?}", rep.problems);
    let (n1, n2) = (&rep.nodes[0], &rep.nodes[1]);
    assert_eq!(
        (n1.role.as_str(), n2.role.as_str()),
        ("Promoted", "Unpromoted")
    );
    assert_eq!(n1.status.as_deref(), Some("PRI"));
    assert_eq!(n2.data_status.as_deref(), Some("STREAMING|SYNC"));
    assert_eq!(n2.score.as_deref(), Some("100"));
    assert_eq!(n1.wal.as_deref(), Some("0/5000060"));
    assert_eq!(n2.wal_source.as_deref(), Some("pg_stat_replication"));
    assert_eq!(
        (n2.lag_bytes, n1.lock, n2.lock),
        (Some(0), Some(true), None)
    );
    let (text, v) = rendered(&rep);
    assert!(text.contains("healthy: node1 is the primary, node2 its STREAMING|SYNC standby"));
    assert_eq!(v["nodes"][1]["data_status"], "STREAMING|SYNC");
    assert_eq!(v["nodes"][0]["fail_count"], "0");
}

#[test]
fn the_old_primary_with_its_lock_after_a_failover() {
    // seen on the old primary: its lock file, its server down
    let s = seen("lock", "node1", LocalPg::Down, Some(true), &[]);
    let rep = decide(&s);
    assert_eq!(rep.verdict, Verdict::Degraded);
    assert!(rep
        .summary
        .contains("node2 is the primary without a STREAMING|SYNC standby"));
    let n1 = &rep.nodes[0];
    assert_eq!(
        (n1.role.as_str(), n1.fail_count.as_str()),
        ("failed", "INFINITY")
    );
    assert!(n1.last_failure.as_deref().unwrap().contains("PGSQL.lock"));
    assert_eq!(rep.problems.len(), 1, "{:#?}", rep.problems);
    let p = &rep.problems[0];
    assert_eq!(p.node, "node1");
    assert!(p.why.contains("PGSQL.lock exists"), "{}", p.why);
    for needle in [
        "pg_basebackup -h 192.168.0.10 -D /var/lib/pgsql/data -X stream",
        "documented rejoin",
        "remove /var/lib/pgsql/tmp/PGSQL.lock",
        "crm_resource --cleanup -r pgsql-clone --node node1",
    ] {
        assert!(p.action.contains(needle), "{needle:?} not in {}", p.action);
    }
    rendered(&rep);
    // seen from the new primary: the failed start's reason tells the same
    let s = seen("lock", "node2", primary("0/7000060", &[]), Some(true), &[]);
    let rep = decide(&s);
    assert!(rep.problems[0].why.contains("PGSQL.lock exists"));
    assert_eq!(
        rep.nodes[1].lock,
        Some(true),
        "the primary's own lock is no problem"
    );
    assert_eq!(rep.problems.len(), 1);
}

#[test]
fn a_running_standby_that_does_not_stream() {
    let s = seen(
        "disconnect",
        "node1",
        primary("0/5000060", &[]),
        Some(true),
        &[],
    );
    let rep = decide(&s);
    assert_eq!(rep.verdict, Verdict::Degraded);
    assert_eq!(rep.verdict.code(), 1);
    let p = &rep.problems[0];
    assert_eq!(p.node, "node2");
    assert!(
        p.why.contains("DISCONNECT") && p.why.contains("behind"),
        "{}",
        p.why
    );
    assert!(
        p.action.contains("wait") && p.action.contains("rebuild"),
        "{}",
        p.action
    );
    let (text, _) = rendered(&rep);
    assert!(text.contains("node2: it runs as a standby"), "{text}");
}

#[test]
fn an_election_in_progress_counts_the_samples_as_the_monitor_does() {
    let sample = "node1 0000000009000060\n";
    let table: [(&[(u32, &str)], u32); 4] = [
        (&[], 4),
        (&[(0, sample)], 3),
        (&[(0, sample), (1, sample)], 2),
        (&[(0, sample), (1, sample), (2, sample)], 1),
    ];
    for (notes, more) in table {
        let s = seen(
            "election",
            "node1",
            standby("0/9000060"),
            Some(false),
            notes,
        );
        let rep = decide(&s);
        assert_eq!(rep.verdict, Verdict::NoPrimary);
        assert_eq!(rep.verdict.code(), 2);
        let p = rep.problems.iter().find(|p| p.node == "node1").unwrap();
        let word = if more == 1 { "monitor" } else { "monitors" };
        assert!(
            p.why.contains(&format!("needs {more} more {word}")),
            "{notes:?}: {}",
            p.why
        );
        assert!(
            p.action.contains("this node has the newest data"),
            "{}",
            p.action
        );
        let off = rep.problems.iter().find(|p| p.node == "node2").unwrap();
        assert!(off.why.contains("offline"), "{}", off.why);
        // the offline node's permanent data-status comes from cibadmin
        assert_eq!(rep.nodes[1].data_status.as_deref(), Some("DISCONNECT"));
        rendered(&rep);
    }
    // a sample that moved starts the count again
    let s = seen(
        "election",
        "node1",
        standby("0/9000100"),
        Some(false),
        &[(0, sample), (1, sample)],
    );
    assert!(decide(&s).problems[0].why.contains("needs 4 more monitors"));
}

#[test]
fn the_election_advice_names_the_nodes_with_the_newest_data() {
    let action = |node2_at: &str| {
        let mut s = seen("election", "node1", standby("0/9000060"), Some(false), &[]);
        s.view.apply(&AttrChange::Set {
            node: "node2".into(),
            attr: Attr::XlogLoc,
            value: node2_at.into(),
        });
        let rep = decide(&s);
        let p = rep.problems.iter().find(|p| p.node == "node1").unwrap();
        p.action.clone()
    };
    let table = [
        (
            "0000000009000000",
            "wait about 4 monitor intervals: this node has the newest data (0/9000060) and will claim promotion",
        ),
        (
            "0000000009000060",
            "wait about 4 monitor intervals: this node and node2 have the newest data (0/9000060); each claims promotion and Pacemaker promotes one",
        ),
        (
            "00000000090000A0",
            "wait about 4 monitor intervals: node2 has newer data (0/90000A0); this node will mark itself DISCONNECT and leave it to that node",
        ),
    ];
    for (at, want) in table {
        assert_eq!(action(at), want, "node2 at {at}");
    }
}

#[test]
fn out_of_date_data_cannot_win_and_remote_standbys_are_pointed_at() {
    let mut s = seen("election", "node1", standby("0/9000060"), Some(false), &[]);
    s.view
        .nodes
        .get_mut("node1")
        .unwrap()
        .attrs
        .insert("pgsql-data-status".into(), "DISCONNECT".into());
    let p = &decide(&s).problems[0];
    assert!(
        p.why.contains("out of date (data-status DISCONNECT)"),
        "{}",
        p.why
    );
    assert!(p.action.contains("LATEST"), "{}", p.action);
    // seen from node2 (not running here): node1's count is node1's to tell
    let s = seen("election", "node2", LocalPg::Down, None, &[]);
    let rep = decide(&s);
    let p = rep.problems.iter().find(|p| p.node == "node1").unwrap();
    assert!(p.why.contains("xlog-loc 0/9000060"), "{}", p.why);
    assert!(p.action.contains("pgsql show on node1"), "{}", p.action);
}

#[test]
fn a_local_server_that_cannot_be_read_is_a_note() {
    let s = seen(
        "healthy",
        "node3",
        LocalPg::Unknown("the parameters do not hold here: node3 is not in node_list".into()),
        None,
        &[],
    );
    let rep = decide(&s);
    assert_eq!(rep.verdict, Verdict::Healthy);
    assert!(rep.notes[0].contains("node3 is not in node_list"));
    let (text, v) = rendered(&rep);
    assert!(text.contains("note: local PostgreSQL not read"));
    assert_eq!(v["local_node"], "node3");
}
