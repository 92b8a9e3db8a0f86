//! stop and demote of the promotable clone (docs/contract.md §5.7, §5.8): record STOP (or
//! UNKNOWN when PostgreSQL will not stop), attribute writes best-effort, and PGSQL.lock
//! removed only when a primary stops while no standby instance exists anywhere. Once
//! PostgreSQL is down, no bookkeeping step (rep_mode.conf, the lock) fails the action.

use super::observation::lock_file;
use super::start::rep_mode_steps;
use super::{Attr, Decision, Effect, Observation, OnFail, Outcome, Plan, CAN_NOT_PROMOTE};
use crate::config::Config;
use crate::ocf::OcfStatus;

fn best_effort_plan(obs: &Observation) -> Plan {
    let mut p = Plan::new(&obs.me, obs.view.clone());
    p.attr_on_fail = OnFail::Warn;
    if !obs.cluster_reachable {
        p.note(
            tracing::Level::WARN,
            "no cluster snapshot; stopping anyway without recording attributes",
        );
    }
    p
}

/// receiver-status is deleted by every stop and demote (check_wal_receiver).
fn forget_receiver(p: &mut Plan, cfg: &Config) {
    if cfg.check_wal_receiver {
        p.push_with(Effect::ReceiverStatus(None), OnFail::Warn);
    }
}

/// The stop of the server, with UNKNOWN recorded when it fails, and the lock rule.
fn stop_server(p: &mut Plan, cfg: &Config, obs: &Observation, primary: bool) {
    let unknown = p.set_change(&obs.me.clone(), Attr::Status, "UNKNOWN");
    p.push_with(
        Effect::StopServer { standby: !primary },
        OnFail::AbortAfter(unknown.into_iter().map(Effect::Attr).collect()),
    );
    let n = &obs.notify;
    if primary && cfg.rejoin_after_switchover {
        p.push_with(Effect::RecordShutdown, OnFail::Warn);
    }
    if primary && n.unpromoted_given && n.unpromoted.is_empty() && obs.tmp.lock {
        p.note(
            tracing::Level::INFO,
            format!(
                "removing {}: no standby was running",
                lock_file(cfg).display()
            ),
        );
        // PostgreSQL is down by then: a failed removal is a warning
        p.push_with(Effect::RemoveFile(lock_file(cfg)), OnFail::Warn);
    }
}

/// Decides stop.
pub fn decide_stop(cfg: &Config, obs: &Observation) -> Decision {
    let mut p = best_effort_plan(obs);
    let me = obs.me.clone();
    p.set(&me, Attr::Score, CAN_NOT_PROMOTE);
    p.delete(&me, Attr::XlogLoc);
    forget_receiver(&mut p, cfg);
    if !obs.server.running() {
        p.note(tracing::Level::INFO, "PostgreSQL is already stopped");
        p.set(&me, Attr::Status, "STOP");
        return p.finish(Outcome::Status(OcfStatus::Success));
    }
    stop_server(&mut p, cfg, obs, obs.server.primary());
    p.set(&me, Attr::Status, "STOP");
    // PostgreSQL is down: bookkeeping failures are warnings, never a failed stop
    for e in rep_mode_steps(cfg, None, &[]) {
        p.push_with(e, OnFail::Warn);
    }
    p.delete(&me, Attr::MasterBaseline);
    p.finish(Outcome::Status(OcfStatus::Success))
}

/// Decides demote.
pub fn decide_demote(cfg: &Config, obs: &Observation) -> Decision {
    let mut p = best_effort_plan(obs);
    let me = obs.me.clone();
    p.set(&me, Attr::Score, CAN_NOT_PROMOTE);
    p.delete(&me, Attr::MasterBaseline);
    forget_receiver(&mut p, cfg);
    if obs.server.running() {
        stop_server(&mut p, cfg, obs, true);
    } else {
        p.note(
            tracing::Level::INFO,
            "PostgreSQL is already stopped on demote",
        );
        // stopped by someone else (pg-rex_switchover's pg_ctl stop -m fast) or crashed:
        // the control data tells which
        if cfg.rejoin_after_switchover {
            p.push_with(Effect::RecordShutdown, OnFail::Warn);
        }
    }
    p.set(&me, Attr::Status, "STOP");
    p.finish(Outcome::Status(OcfStatus::Success))
}
