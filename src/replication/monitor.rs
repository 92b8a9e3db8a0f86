//! monitor of the promotable clone (docs/contract.md §5.10): 7 when down, 8 on a primary
//! after the standby control pass (§5.3), 0 on a standby after the election when no
//! primary exists (§5.4); receiver-status when asked for (§5.5).

use std::collections::BTreeMap;

use super::control::{control_pass, named_externals, named_standby, streaming_externals};
use super::election::{election_round, Notes, Verdict};
use super::observation::note_file;
use super::start::rep_mode_steps;
use super::{
    Attr, ClusterView, Decision, Effect, Observation, OnFail, Outcome, Plan, CAN_NOT_PROMOTE,
    PROMOTE_ME,
};
use crate::config::{Config, RepMode};
use crate::ocf::OcfStatus;
use crate::pg::facts::ReplicationRow;
use tracing::Level;

/// Does this monitor need any cluster tool? Not when PostgreSQL is down. When it runs,
/// `proof::snapshot_needed` tells whether a standby may go without the snapshot.
pub fn needs_cluster(server_running: bool) -> bool {
    server_running
}

/// The control pass over `rows` as steps: attribute changes, and in sync mode
/// rep_mode.conf and a reload when the synchronous standby changes. `rep_mode` is the text
/// of rep_mode.conf now.
pub fn control_steps(
    p: &mut Plan,
    cfg: &Config,
    rows: &[ReplicationRow],
    rep_mode: Option<&str>,
) -> bool {
    let current = rep_mode.and_then(|t| named_standby(t, &cfg.node_list));
    let d = control_pass(p, cfg.rep_mode, &cfg.node_list, rows, current);
    let external = &cfg.external_standby_node_list;
    let named_ext = rep_mode
        .map(|t| named_externals(t, external))
        .unwrap_or_default();
    let streaming_ext = streaming_externals(external, rows);
    let ext_changed = named_ext != streaming_ext;
    if (d.changed || ext_changed) && cfg.rep_mode == RepMode::Sync {
        p.note(
            Level::INFO,
            format!(
                "synchronous standby: {}",
                d.standby.as_deref().unwrap_or("none (all standbys async)")
            ),
        );
        if ext_changed {
            p.note(
                Level::INFO,
                format!(
                    "external synchronous standbys streaming: {}",
                    if streaming_ext.is_empty() {
                        "none".to_string()
                    } else {
                        streaming_ext.join(", ")
                    }
                ),
            );
        }
        for e in rep_mode_steps(cfg, d.standby.as_deref(), &streaming_ext) {
            p.push(e);
        }
        p.push(Effect::Reload);
    }
    d.recontrol
}

/// The second look 2 s after naming a synchronous standby (and notify's control pass).
pub fn decide_control(
    cfg: &Config,
    me: &str,
    view: ClusterView,
    rows: &[ReplicationRow],
    rep_mode: Option<&str>,
) -> Decision {
    let mut p = Plan::new(me, view);
    let recontrol = control_steps(&mut p, cfg, rows, rep_mode);
    let mut d = p.finish(Outcome::Status(OcfStatus::Success));
    d.recontrol = recontrol;
    d
}

fn note_steps(p: &mut Plan, cfg: &Config, existing: &BTreeMap<u32, String>, change: Notes) {
    let remove_all = |p: &mut Plan| {
        for i in existing.keys() {
            p.push(Effect::RemoveFile(note_file(cfg, *i)));
        }
    };
    match change {
        Notes::Keep => {}
        Notes::RemoveAll => remove_all(p),
        Notes::Write { index, content } => p.push(Effect::WriteFile {
            path: note_file(cfg, index),
            text: content,
        }),
        Notes::Reset { content } => {
            remove_all(p);
            p.push(Effect::WriteFile {
                path: note_file(cfg, 0),
                text: content,
            });
        }
    }
}

/// Decides the monitor from the observation (the server's facts included).
pub fn decide(cfg: &Config, obs: &Observation) -> Decision {
    let mut p = Plan::new(&obs.me, obs.view.clone());
    let Some(facts) = obs.server.facts() else {
        p.note(Level::INFO, "PostgreSQL is not running");
        return p.finish(Outcome::Status(OcfStatus::NotRunning));
    };
    let me = obs.me.clone();
    // a failing cluster tool never fails the monitor of a healthy server: attribute
    // writes are warnings, and the next monitor tries again
    p.attr_on_fail = OnFail::Warn;
    if cfg.check_wal_receiver {
        let status = if !facts.in_recovery {
            "normal (master)"
        } else if facts.wal_receiver {
            "normal"
        } else {
            p.note(Level::WARN, "the WAL receiver is not running");
            "ERROR"
        };
        p.push_with(Effect::ReceiverStatus(Some(status.into())), OnFail::Warn);
    }
    if !facts.in_recovery {
        if obs.probe {
            p.set(&me, Attr::Score, PROMOTE_ME);
        }
        p.set(&me, Attr::DataStatus, "LATEST");
        p.set(&me, Attr::Status, "PRI");
        let recontrol = control_steps(&mut p, cfg, &facts.replication, obs.tmp.rep_mode.as_deref());
        let mut d = p.finish(Outcome::Status(OcfStatus::RunningPromoted));
        d.recontrol = recontrol;
        return d;
    }
    if obs.probe {
        p.set(&me, Attr::Score, CAN_NOT_PROMOTE);
    }
    if obs.snapshot_skipped {
        p.note(
            Level::DEBUG,
            "streaming from the primary on the connection a snapshot saw in order: no snapshot",
        );
        return p.finish(Outcome::Status(OcfStatus::Success));
    }
    if !obs.cluster_reachable {
        // without a snapshot nobody can tell whether a primary exists: no election
        p.note(
            Level::WARN,
            "no cluster snapshot: reporting the standby as running, no election this time",
        );
        return p.finish(Outcome::Status(OcfStatus::Success));
    }
    if obs.view.promoted.is_empty() {
        p.note(Level::INFO, "no primary exists");
        p.set(&me, Attr::Status, "HS:alone");
        let Some(loc) = facts.location else {
            return p.finish(Outcome::Failed(
                "the standby reports no WAL position".into(),
            ));
        };
        let (verdict, change) = election_round(
            &mut p,
            cfg.rep_mode,
            &cfg.node_list,
            &loc.to_string(),
            &obs.tmp.notes,
            cfg.xlog_check_count,
        );
        match &verdict {
            Verdict::OutOfDate(why) => p.note(Level::WARN, why.clone()),
            Verdict::Sampling => p.note(Level::DEBUG, format!("WAL position {loc} noted")),
            Verdict::Won => p.note(
                Level::INFO,
                format!("my data is the newest ({loc}): I may be promoted"),
            ),
            Verdict::Lost => p.note(
                Level::INFO,
                format!("another node has newer data than mine ({loc})"),
            ),
        }
        note_steps(&mut p, cfg, &obs.tmp.notes, change);
    } else if obs.view.get(&me, Attr::DataStatus) == Some("DISCONNECT") {
        p.set(&me, Attr::Status, "HS:alone");
    }
    super::proof::record_steps(&mut p, cfg, obs);
    p.finish(Outcome::Status(OcfStatus::Success))
}
