//! Table tests of every replication decision (docs/contract.md §5.6-§5.11): one row = one
//! situation, the effects in order (compactly written) and the outcome the contract asks.

use std::path::Path;

use super::observation::{Server, TmpState};
use super::testutil::view;
use super::{monitor, notify, promote, start, stop};
use super::{Attr, AttrChange, Decision, Effect, Observation, OnFail, Outcome};
use crate::config::Config;
use crate::ocf::{Env, Meta, NotifyInfo, OcfStatus};
use crate::pg::facts::{ReplicationRow, ServerFacts};
use crate::pg::lsn::Lsn;
use crate::pg::version::PgVersion;

fn cfg(extra: &[(&str, &str)]) -> Config {
    let mut pairs = vec![
        ("OCF_RESKEY_pgdata", "/d"),
        ("OCF_RESKEY_tmpdir", "/t"),
        ("OCF_RESKEY_rep_mode", "sync"),
        ("OCF_RESKEY_node_list", "n1 n2"),
        ("OCF_RESKEY_master_ip", "vip"),
        ("OCF_RESKEY_CRM_meta_promotable", "true"),
    ];
    pairs.extend_from_slice(extra);
    let env = Env::from_pairs(pairs);
    Config::from_env(&env, &Meta::from_env(&env)).expect("valid")
}

fn label(a: Attr) -> &'static str {
    match a {
        Attr::Status => "status",
        Attr::DataStatus => "data",
        Attr::XlogLoc => "xlog",
        Attr::MasterBaseline => "baseline",
        Attr::Score => "score",
    }
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn short(e: &Effect) -> String {
    let attr = |c: &AttrChange| match c {
        AttrChange::Set { node, attr, value } => format!("{node} {}={value}", label(*attr)),
        AttrChange::Delete { node, attr } => format!("{node} -{}", label(*attr)),
    };
    match e {
        Effect::Attr(c) => attr(c),
        Effect::AttrIfServerDown(c) => format!("if down: {}", attr(c)),
        Effect::WriteFile { path, text } if name(path) == "rep_mode.conf" => {
            format!("rep_mode {}", text.trim_end())
        }
        Effect::WriteFile { path, .. } => format!("write {}", name(path)),
        Effect::RemoveFile(p) => format!("rm {}", name(p)),
        Effect::AddInclude(p) => format!("include {}", name(p)),
        Effect::RemoveInclude(p) => format!("uninclude {}", name(p)),
        Effect::PrepareTmpdir => "tmpdir".into(),
        Effect::ReceiverStatus(v) => format!("receiver {v}"),
        Effect::BanSelf => "ban".into(),
        Effect::Reload => "reload".into(),
        Effect::LaunchServer => "launch".into(),
        Effect::CheckSyncStandbyNames { .. } => "check names".into(),
        Effect::StopServer { standby } => format!("stop standby={standby}"),
        Effect::PromoteServer => "promote".into(),
        Effect::WaitPrimary => "wait primary".into(),
        Effect::CreateSlot(n) => format!("slot {n}"),
    }
}

fn shorts(d: &Decision) -> Vec<String> {
    d.steps
        .iter()
        .map(|s| {
            let mut t = short(&s.effect);
            match &s.on_fail {
                OnFail::Abort => {}
                OnFail::Warn => t.push_str(" (warn)"),
                OnFail::AbortAfter(c) => {
                    let c: Vec<String> = c.iter().map(short).collect();
                    t.push_str(&format!(" (else {})", c.join(", ")));
                }
            }
            t
        })
        .collect()
}

fn facts(in_recovery: bool, rows: &[(&str, &str, &str)]) -> ServerFacts {
    ServerFacts {
        in_recovery,
        location: Lsn::parse("0/5000060"),
        wal_receiver: in_recovery,
        sync_standby_names: String::new(),
        replication: rows
            .iter()
            .map(|(a, s, y)| ReplicationRow::new(a, s, y))
            .collect(),
    }
}

/// How the local server looks in a row.
#[derive(Clone, Copy)]
enum Srv {
    Down,
    Primary,
    Standby,
    Silent,
}

fn obs(srv: Srv, promoted: &[&str], mine: &[(Attr, &str)]) -> Observation {
    let others = [(Attr::Status, "HS:sync"), (Attr::Score, "100")];
    Observation {
        me: "n1".into(),
        view: view(&[("n1", true, mine), ("n2", true, &others)], promoted),
        cluster_reachable: true,
        server: match srv {
            Srv::Down => Server::Down,
            Srv::Primary => Server::Up {
                pid: 9,
                facts: Some(facts(false, &[("n2", "streaming", "sync")])),
            },
            Srv::Standby => Server::Up {
                pid: 9,
                facts: Some(facts(true, &[])),
            },
            Srv::Silent => Server::Up {
                pid: 9,
                facts: None,
            },
        },
        tmp: TmpState {
            rep_mode: Some("synchronous_standby_names = '\"n2\"'\n".into()),
            ..Default::default()
        },
        probe: false,
        notify: NotifyInfo::default(),
        version: PgVersion::new(15, 0),
    }
}

type Decide = fn(&Config, &Observation) -> Decision;

struct Row {
    name: &'static str,
    decide: Decide,
    cfg: &'static [(&'static str, &'static str)],
    obs: Observation,
    steps: &'static [&'static str],
    outcome: Outcome,
}

fn ok(s: OcfStatus) -> Outcome {
    Outcome::Status(s)
}

fn check(rows: Vec<Row>) -> usize {
    let n = rows.len();
    for r in rows {
        let d = (r.decide)(&cfg(r.cfg), &r.obs);
        assert_eq!(shorts(&d), r.steps, "{}", r.name);
        assert_eq!(d.outcome, r.outcome, "{}", r.name);
    }
    n
}

const START_HEAD: &[&str] = &["n1 status=STOP", "n1 score=-INFINITY", "tmpdir"];

fn with_lock(mut o: Observation) -> Observation {
    o.tmp.lock = true;
    o
}

fn with_notes(mut o: Observation) -> Observation {
    o.tmp.notes.insert(0, "n1 0000000005000060\n".into());
    o
}

fn probe(mut o: Observation) -> Observation {
    o.probe = true;
    o
}

fn no_standby_left(mut o: Observation) -> Observation {
    o.tmp.lock = true;
    o.notify.unpromoted_given = true;
    o
}

fn unreachable(mut o: Observation) -> Observation {
    o.cluster_reachable = false;
    o
}

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
            steps: tail(sync_files.clone(), &["launch", "check names", "n1 status=HS:alone"]),
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "already running as a standby: no launch",
            decide: start::decide,
            cfg: &[],
            obs: obs(Srv::Standby, &["n2"], &[]),
            steps: tail(sync_files.clone(), &["check names", "n1 status=HS:alone"]),
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
                "write standby.signal", "n1 -xlog", "launch", "check names", "n1 status=HS:alone"],
            outcome: ok(OcfStatus::Success),
        },
    ];
    assert_eq!(check(rows), 5);
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
                "tmpdir",
                "rep_mode synchronous_standby_names = ''",
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
                "rm PGSQL.lock",
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
    ];
    assert_eq!(check(rows), 5);
}

#[test]
fn monitor_table() {
    let primary = ["n1 data=LATEST", "n1 status=PRI", "n2 data=STREAMING|SYNC"];
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
                "receiver normal (master)",
                "n1 score=1000",
                "n1 data=LATEST",
                "n1 status=PRI",
                "n2 data=STREAMING|SYNC",
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
                "receiver normal",
                "n1 score=-INFINITY",
                "n1 status=HS:alone",
            ],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "standby without a primary: first sample",
            decide: monitor::decide,
            cfg: &[],
            obs: obs(Srv::Standby, &[], &[]),
            steps: &[
                "n1 status=HS:alone",
                "n1 xlog=0000000005000060",
                "write xlog_note.0",
            ],
            outcome: ok(OcfStatus::Success),
        },
        Row {
            name: "standby without a primary, out of date: no claim",
            decide: monitor::decide,
            cfg: &[],
            obs: obs(Srv::Standby, &[], &[(Attr::DataStatus, "DISCONNECT")]),
            steps: &["n1 status=HS:alone"],
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
            "n1 data=LATEST",
            "n1 status=PRI",
            "n2 data=DISCONNECT",
            "n2 score=-INFINITY",
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
            vec![],
            Outcome::Failed("no WAL position to record as master-baseline".into()),
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
        assert_eq!(
            notify::needs_facts(&step),
            matches!(step, N::RecordBaseline | N::ControlPass)
        );
    }
    assert_eq!(n, 7);
}
