//! Table tests of every replication decision (docs/contract.md §5.6-§5.11): one row = one
//! situation, the effects in order (compactly written) and the outcome the contract asks.

mod others;
mod start_stop;

use std::path::Path;

use super::observation::{Server, TmpState, Upstream};
use super::testutil::view;
use super::{Attr, AttrChange, Decision, Effect, Observation, OnFail, Outcome};
use crate::config::Config;
use crate::ocf::{Env, Meta, NotifyInfo, OcfStatus};
use crate::pg::facts::{ReplicationRow, ServerFacts};
use crate::pg::lsn::Lsn;
use crate::pg::version::PgVersion;

pub(super) fn cfg(extra: &[(&str, &str)]) -> Config {
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

pub(super) fn label(a: Attr) -> &'static str {
    match a {
        Attr::Status => "status",
        Attr::DataStatus => "data",
        Attr::XlogLoc => "xlog",
        Attr::MasterBaseline => "baseline",
        Attr::Score => "score",
        Attr::CleanShutdown => "clean",
        Attr::RejoinProof => "proof",
    }
}

pub(super) fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

pub(super) fn short(e: &Effect) -> String {
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
        Effect::ReceiverStatus(Some(v)) => format!("receiver {v}"),
        Effect::ReceiverStatus(None) => "receiver -".into(),
        Effect::BanSelf => "ban".into(),
        Effect::Reload => "reload".into(),
        Effect::LaunchServer => "launch".into(),
        Effect::LaunchStandby => "launch standby".into(),
        Effect::CheckSyncStandbyNames { expected } => format!("check names '{expected}'"),
        Effect::StopServer { standby } => format!("stop standby={standby}"),
        Effect::PromoteServer => "promote".into(),
        Effect::WaitPrimary => "wait primary".into(),
        Effect::CreateSlot(n) => format!("slot {n}"),
        Effect::DropSlots(n) => format!("drop slots {}", n.join(" ")),
        Effect::RecordShutdown => "record shutdown".into(),
        Effect::ProveRejoin { node, mark } => format!("prove {node} {mark}"),
    }
}

pub(super) fn shorts(d: &Decision) -> Vec<String> {
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

pub(super) fn facts(in_recovery: bool, rows: &[(&str, &str, &str)]) -> ServerFacts {
    ServerFacts {
        in_recovery,
        location: Lsn::parse("0/5000060"),
        wal_receiver: in_recovery,
        receiver_streaming: false,
        receiver: None,
        sync_standby_names: String::new(),
        replication: rows
            .iter()
            .map(|(a, s, y)| ReplicationRow::new(a, s, y))
            .collect(),
    }
}

/// How the local server looks in a row.
#[derive(Clone, Copy)]
pub(super) enum Srv {
    Down,
    Primary,
    Standby,
    Silent,
}

pub(super) fn obs(srv: Srv, promoted: &[&str], mine: &[(Attr, &str)]) -> Observation {
    let others = [(Attr::Status, "HS:sync"), (Attr::Score, "100")];
    Observation {
        me: "n1".into(),
        view: view(&[("n1", true, mine), ("n2", true, &others)], promoted),
        cluster_reachable: true,
        snapshot_skipped: false,
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
        upstream: None,
        tmp: TmpState {
            rep_mode: Some("synchronous_standby_names = '\"n2\"'\n".into()),
            ..Default::default()
        },
        probe: false,
        notify: NotifyInfo::default(),
        version: PgVersion::new(15, 0),
        control: None,
    }
}

pub(super) type Decide = fn(&Config, &Observation) -> Decision;

pub(super) struct Row {
    pub(super) name: &'static str,
    pub(super) decide: Decide,
    pub(super) cfg: &'static [(&'static str, &'static str)],
    pub(super) obs: Observation,
    pub(super) steps: &'static [&'static str],
    pub(super) outcome: Outcome,
}

pub(super) fn ok(s: OcfStatus) -> Outcome {
    Outcome::Status(s)
}

pub(super) fn check(rows: Vec<Row>) -> usize {
    let n = rows.len();
    for r in rows {
        let d = (r.decide)(&cfg(r.cfg), &r.obs);
        assert_eq!(shorts(&d), r.steps, "{}", r.name);
        assert_eq!(d.outcome, r.outcome, "{}", r.name);
    }
    n
}

pub(super) const START_HEAD: &[&str] = &["n1 status=STOP", "n1 score=-INFINITY", "tmpdir"];

pub(super) fn with_lock(mut o: Observation) -> Observation {
    o.tmp.lock = true;
    o
}

pub(super) fn with_notes(mut o: Observation) -> Observation {
    o.tmp.notes.insert(0, "n1 0000000005000060\n".into());
    o
}

/// A standby whose WAL receiver streams, and what the probe of its upstream found.
pub(super) fn streaming(mut o: Observation, alive: bool) -> Observation {
    if let Server::Up { facts: Some(f), .. } = &mut o.server {
        f.receiver_streaming = true;
    }
    o.upstream = Some(Upstream {
        host: "vip".into(),
        port: 5432,
        alive,
    });
    o
}

pub(super) fn probe(mut o: Observation) -> Observation {
    o.probe = true;
    o
}

pub(super) fn no_standby_left(mut o: Observation) -> Observation {
    o.tmp.lock = true;
    o.notify.unpromoted_given = true;
    o
}

pub(super) fn unreachable(mut o: Observation) -> Observation {
    o.cluster_reachable = false;
    o
}
