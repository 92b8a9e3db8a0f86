//! promote (docs/contract.md §5.9): refuse while the WAL receiver streams from a live
//! primary (two primaries otherwise); mark every other node DISCONNECT / -INFINITY, create
//! PGSQL.lock, record the master-baseline, promote (pg_ctl promote, or a restart without
//! the standby marker with restart_on_promote), wait for the primary, create the slots,
//! then LATEST / 1000 / PRI.

use std::time::Duration;

use super::observation::{lock_file, note_file, Server, Upstream};
use super::rejoin::Mark;
use super::{
    Attr, Decision, Effect, Observation, OnFail, Outcome, Plan, CAN_NOT_PROMOTE, PROMOTE_ME,
};
use crate::config::Config;
use crate::ocf::OcfStatus;
use crate::pg::conffile::slot_name;

/// How long the probe of the upstream may take (never past the action's deadline).
pub const PROBE_LIMIT: Duration = Duration::from_secs(1);

/// The guard against two primaries: the reason to refuse promote when this standby's WAL
/// receiver streams and a live server answered at the upstream's address. It needs
/// neither the cluster view nor this node's name, so promote decides it before the
/// snapshot; a refusal writes nothing.
pub fn refusal(server: &Server, upstream: Option<&Upstream>) -> Option<String> {
    let streaming = server
        .facts()
        .is_some_and(|f| f.in_recovery && f.receiver_streaming);
    let up = upstream.filter(|u| streaming && u.alive)?;
    Some(format!(
        "refusing to promote: the WAL receiver streams from a live primary at {}:{} (partitioned without fencing?)",
        up.host, up.port
    ))
}

/// Before the promotion (§5.12): each other node that recorded a clean shutdown gets the
/// verdict of this standby's WAL; a proof left from an older switchover goes.
fn prove_rejoins(p: &mut Plan, cfg: &Config, obs: &Observation) {
    for other in cfg.node_list.iter().filter(|n| **n != obs.me) {
        match obs.view.get(other, Attr::CleanShutdown).map(Mark::parse) {
            Some(Some(mark)) => p.push_with(
                Effect::ProveRejoin {
                    node: other.clone(),
                    mark,
                },
                OnFail::Warn,
            ),
            Some(None) => p.note(
                tracing::Level::WARN,
                format!("{other}'s clean-shutdown attribute cannot be read: no verdict for it"),
            ),
            None if obs.view.get(other, Attr::RejoinProof).is_some() => {
                p.delete(other, Attr::RejoinProof)
            }
            None => {}
        }
    }
}

/// Decides promote.
pub fn decide(cfg: &Config, obs: &Observation) -> Decision {
    let mut p = Plan::new(&obs.me, obs.view.clone());
    let Some(facts) = obs.server.facts() else {
        return p.finish(Outcome::Failed("PostgreSQL is not running".into()));
    };
    if !facts.in_recovery {
        p.note(
            tracing::Level::INFO,
            "PostgreSQL is already primary; nothing to promote",
        );
        return p.finish(Outcome::Status(OcfStatus::Success));
    }
    if let Some(why) = refusal(&obs.server, obs.upstream.as_ref()) {
        return p.finish(Outcome::Failed(why));
    }
    if let Some(up) = obs
        .upstream
        .as_ref()
        .filter(|u| facts.receiver_streaming && !u.alive)
    {
        p.note(
            tracing::Level::INFO,
            format!(
                "the WAL receiver still said streaming, but the upstream at {}:{} did not \
                 answer within {} s: promoting",
                up.host,
                up.port,
                PROBE_LIMIT.as_secs()
            ),
        );
    }
    let Some(baseline) = facts.location else {
        return p.finish(Outcome::Failed(
            "the standby reports no WAL position to record as master-baseline".into(),
        ));
    };
    let me = obs.me.clone();
    for i in obs.tmp.notes.keys() {
        p.push(Effect::RemoveFile(note_file(cfg, *i)));
    }
    for other in cfg.node_list.iter().filter(|n| **n != me) {
        p.set(other, Attr::DataStatus, "DISCONNECT");
        p.set(other, Attr::Score, CAN_NOT_PROMOTE);
    }
    if cfg.rejoin_after_switchover {
        prove_rejoins(&mut p, cfg, obs);
    }
    p.push(Effect::WriteFile {
        path: lock_file(cfg),
        text: String::new(),
    });
    p.note(
        tracing::Level::INFO,
        format!("my master baseline: {baseline}"),
    );
    p.set(&me, Attr::MasterBaseline, &baseline.to_string());
    if cfg.restart_on_promote {
        p.note(
            tracing::Level::INFO,
            "promoting by restart (restart_on_promote)",
        );
        p.push(Effect::StopServer { standby: true });
        p.push(Effect::RemoveFile(cfg.pgdata.join("standby.signal")));
        p.push(Effect::RemoveFile(cfg.pgdata.join("recovery.conf")));
        let stopped = p.set_change(&me, Attr::Status, "STOP");
        p.push_with(
            Effect::LaunchServer,
            OnFail::AbortAfter(stopped.into_iter().map(Effect::AttrIfServerDown).collect()),
        );
    } else {
        p.push(Effect::PromoteServer);
    }
    p.push(Effect::WaitPrimary);
    if !cfg.replication_slot_name.is_empty() {
        for other in cfg.node_list.iter().filter(|n| **n != me) {
            p.push(Effect::CreateSlot(slot_name(
                &cfg.replication_slot_name,
                other,
            )));
        }
    }
    p.set(&me, Attr::DataStatus, "LATEST");
    p.set(&me, Attr::Score, PROMOTE_ME);
    p.set(&me, Attr::Status, "PRI");
    p.finish(Outcome::Status(OcfStatus::Success))
}
