//! When a monitor may go without the cluster snapshot (docs/contract.md §5.10.1): a primary
//! never does; a standby of a two-node cluster does when its WAL receiver
//! streams on the same connection as when a snapshot last showed it had nothing to write,
//! and the primary's address accepts a connection now. The record of that connection is
//! `tmpdir/standby_streaming`.

use std::path::PathBuf;

use super::observation::{Server, TmpState};
use super::{Attr, Effect, Observation, OnFail, Plan};
use crate::config::Config;

/// `<tmpdir>/standby_streaming`: the WAL receiver connection a snapshot found in order.
pub fn record_file(cfg: &Config) -> PathBuf {
    cfg.tmpdir.join("standby_streaming")
}

/// The record's text for receiver connection `id` (`<pid>@<backend_start>`).
pub fn record(id: &str) -> String {
    format!("receiver {id}\n")
}

/// Why this monitor needs the snapshot; `None` when the local facts prove it does not, so
/// that only the probe of the upstream is left to make (`hand_run`: a monitor run at a
/// terminal, which shows the snapshot to the operator).
pub fn snapshot_needed(
    cfg: &Config,
    probe: bool,
    hand_run: bool,
    server: &Server,
    tmp: &TmpState,
) -> Option<&'static str> {
    let Some(f) = server.facts() else {
        return Some("the server's facts are unknown");
    };
    if !f.in_recovery {
        return Some("a primary's writes depend on what the other nodes wrote");
    }
    if probe {
        return Some("a probe sets the promotion score");
    }
    if hand_run {
        return Some("run by hand");
    }
    if cfg.node_list.len() != 2 {
        return Some("with more than two nodes a new primary may hold master_ip");
    }
    if !f.receiver_streaming {
        return Some("the WAL receiver does not stream");
    }
    let Some(id) = &f.receiver else {
        return Some("the receiver's connection is unknown (PostgreSQL before 10)");
    };
    if tmp.streaming.as_deref() != Some(record(id).as_str()) {
        return Some("no snapshot has seen this receiver connection yet");
    }
    None
}

/// After a standby monitor's snapshot: record the receiver connection when the snapshot
/// showed a primary on the other node and nothing to write (own data-status not
/// DISCONNECT, no attribute change planned); otherwise remove a record that is there.
pub fn record_steps(p: &mut Plan, cfg: &Config, obs: &Observation) {
    let Some(f) = obs.server.facts() else {
        return;
    };
    let me = obs.me.as_str();
    let in_order = cfg.node_list.len() == 2
        && !obs.probe
        && obs.cluster_reachable
        && f.in_recovery
        && f.receiver_streaming
        && obs.view.promoted.iter().any(|n| n != me)
        && obs.view.get(me, Attr::DataStatus) != Some("DISCONNECT")
        && p.attr_changes().is_empty();
    let want = f.receiver.as_deref().filter(|_| in_order).map(record);
    if want == obs.tmp.streaming {
        return;
    }
    let effect = match want {
        Some(text) => Effect::WriteFile {
            path: record_file(cfg),
            text,
        },
        None => Effect::RemoveFile(record_file(cfg)),
    };
    p.push_with(effect, OnFail::Warn);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::tables::{cfg, facts, obs, shorts, Srv};

    fn standby(streaming: bool, id: Option<&str>) -> Server {
        let mut f = facts(true, &[]);
        f.receiver_streaming = streaming;
        f.receiver = id.map(str::to_string);
        Server::Up {
            pid: 9,
            facts: Some(f),
        }
    }

    fn tmp(record_of: Option<&str>) -> TmpState {
        TmpState {
            streaming: record_of.map(record),
            ..Default::default()
        }
    }

    /// (case, configuration, probe, by hand, server, record of, needed because)
    type Row = (
        &'static str,
        &'static [(&'static str, &'static str)],
        bool,
        bool,
        Server,
        Option<&'static str>,
        Option<&'static str>,
    );

    #[test]
    fn when_the_snapshot_is_needed() {
        let two: &[(&str, &str)] = &[];
        let three: &[(&str, &str)] = &[("OCF_RESKEY_node_list", "n1 n2 n3")];
        let primary = Server::Up {
            pid: 9,
            facts: Some(facts(false, &[])),
        };
        let silent = Server::Up {
            pid: 9,
            facts: None,
        };
        let rows: [Row; 10] = [
            (
                "proven",
                two,
                false,
                false,
                standby(true, Some("7@1")),
                Some("7@1"),
                None,
            ),
            (
                "down",
                two,
                false,
                false,
                Server::Down,
                Some("7@1"),
                Some("facts"),
            ),
            (
                "no facts",
                two,
                false,
                false,
                silent,
                Some("7@1"),
                Some("facts"),
            ),
            (
                "primary",
                two,
                false,
                false,
                primary,
                Some("7@1"),
                Some("primary"),
            ),
            (
                "probe",
                two,
                true,
                false,
                standby(true, Some("7@1")),
                Some("7@1"),
                Some("probe"),
            ),
            (
                "by hand",
                two,
                false,
                true,
                standby(true, Some("7@1")),
                Some("7@1"),
                Some("hand"),
            ),
            (
                "three nodes",
                three,
                false,
                false,
                standby(true, Some("7@1")),
                Some("7@1"),
                Some("two nodes"),
            ),
            (
                "not streaming",
                two,
                false,
                false,
                standby(false, Some("7@1")),
                Some("7@1"),
                Some("stream"),
            ),
            (
                "before 10",
                two,
                false,
                false,
                standby(true, None),
                Some("7@1"),
                Some("before 10"),
            ),
            (
                "new connection",
                two,
                false,
                false,
                standby(true, Some("8@2")),
                Some("7@1"),
                Some("yet"),
            ),
        ];
        for (case, extra, probe, hand, server, rec, why) in rows {
            let got = snapshot_needed(&cfg(extra), probe, hand, &server, &tmp(rec));
            match (got, why) {
                (None, None) => {}
                (Some(g), Some(w)) => assert!(g.contains(w), "{case}: {g}"),
                _ => panic!("{case}: {got:?}"),
            }
        }
    }

    #[test]
    fn what_a_snapshot_leaves_recorded() {
        let with = |promoted: &[&str], data: &str, rec: Option<&str>, id: Option<&str>| {
            let mut o = obs(Srv::Standby, promoted, &[(Attr::DataStatus, data)]);
            o.server = standby(true, id);
            o.tmp.streaming = rec.map(record);
            let mut p = Plan::new("n1", o.view.clone());
            record_steps(&mut p, &cfg(&[]), &o);
            shorts(&p.finish(crate::replication::Outcome::Status(
                crate::ocf::OcfStatus::Success,
            )))
        };
        let write = vec!["write standby_streaming (warn)".to_string()];
        let rm = vec!["rm standby_streaming (warn)".to_string()];
        let none: Vec<String> = Vec::new();
        // (case, promoted, own data-status, record of, connection, steps)
        let rows = [
            (
                "in order, new",
                &["n2"][..],
                "STREAMING|SYNC",
                None,
                Some("7@1"),
                &write,
            ),
            (
                "in order, recorded",
                &["n2"],
                "STREAMING|SYNC",
                Some("7@1"),
                Some("7@1"),
                &none,
            ),
            (
                "in order, other record",
                &["n2"],
                "STREAMING|SYNC",
                Some("6@1"),
                Some("7@1"),
                &write,
            ),
            (
                "DISCONNECT",
                &["n2"],
                "DISCONNECT",
                Some("7@1"),
                Some("7@1"),
                &rm,
            ),
            (
                "no primary",
                &[],
                "STREAMING|SYNC",
                Some("7@1"),
                Some("7@1"),
                &rm,
            ),
            (
                "promoted is me",
                &["n1"],
                "STREAMING|SYNC",
                None,
                Some("7@1"),
                &none,
            ),
            (
                "no identity",
                &["n2"],
                "STREAMING|SYNC",
                Some("7@1"),
                None,
                &rm,
            ),
        ];
        for (case, promoted, data, rec, id, steps) in rows {
            assert_eq!(&with(promoted, data, rec, id), steps, "{case}");
        }
    }
}
