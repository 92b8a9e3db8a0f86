//! Notifications (docs/contract.md §5.11): what each pre/post event asks of this node.

use super::monitor::decide_control;
use super::{Attr, ClusterView, Decision, Effect, Observation, Outcome, Plan};
use crate::config::{Config, RepMode};
use crate::ocf::{NotifyInfo, OcfStatus};

/// What a notification asks this node to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyStep {
    /// Nothing to do.
    Nothing,
    /// pre-promote: this node's data is newer than the promotee's baseline: ban itself
    /// from the node and fail, so the newer data is not overwritten.
    BanSelf {
        /// Why (the exit reason).
        reason: String,
    },
    /// post-promote: delete own xlog-loc, and own master-baseline unless promotee.
    AfterPromote {
        /// This node is not the promotee.
        delete_baseline: bool,
    },
    /// post-demote: record own master-baseline and set HS:alone.
    RecordBaseline,
    /// post-start / post-stop on the primary: run the standby control pass.
    ControlPass,
}

fn first(list: &[String]) -> Option<&str> {
    list.first().map(String::as_str)
}

/// Does `step` need the server's facts? The control pass cannot go on without them
/// (it would see every standby DISCONNECT); the baseline is a best effort.
pub fn needs_facts(step: &NotifyStep) -> Option<Needed> {
    match step {
        NotifyStep::ControlPass => Some(Needed::Required),
        NotifyStep::RecordBaseline => Some(Needed::Optional),
        _ => None,
    }
}

/// How much a notification step needs the server's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    /// A failed query fails the notification.
    Required,
    /// Without them the step does what it can.
    Optional,
}

/// The steps of `step`; `obs` carries the server's facts when [`needs_facts`] says so.
pub fn decide_steps(cfg: &Config, obs: &Observation, step: &NotifyStep) -> Decision {
    let mut p = Plan::new(&obs.me, obs.view.clone());
    let me = obs.me.clone();
    let ok = Outcome::Status(OcfStatus::Success);
    match step {
        NotifyStep::Nothing => p.finish(ok),
        NotifyStep::BanSelf { reason } => {
            p.push(Effect::BanSelf);
            p.finish(Outcome::Failed(reason.clone()))
        }
        NotifyStep::AfterPromote { delete_baseline } => {
            p.delete(&me, Attr::XlogLoc);
            if *delete_baseline {
                p.delete(&me, Attr::MasterBaseline);
            }
            p.finish(ok)
        }
        NotifyStep::RecordBaseline => {
            // HS:alone is written even when the position cannot be read (the reference
            // does both independently); the notification itself succeeds
            match obs.server.facts().and_then(|f| f.location) {
                Some(loc) => {
                    p.note(tracing::Level::INFO, format!("my master baseline: {loc}"));
                    p.set(&me, Attr::MasterBaseline, &loc.to_string());
                }
                None => p.note(
                    tracing::Level::WARN,
                    "no WAL position to record as master-baseline",
                ),
            }
            p.set(&me, Attr::Status, "HS:alone");
            p.finish(ok)
        }
        NotifyStep::ControlPass => {
            let rows = obs
                .server
                .facts()
                .map(|f| f.replication.clone())
                .unwrap_or_default();
            decide_control(
                cfg,
                &me,
                obs.view.clone(),
                &rows,
                obs.tmp.rep_mode.as_deref(),
            )
        }
    }
}

/// What a notification asks of node `me`.
pub fn decide(
    me: &str,
    mode: RepMode,
    node_list: &[String],
    n: &NotifyInfo,
    view: &ClusterView,
) -> NotifyStep {
    let kind = n.kind.as_deref().unwrap_or("");
    let op = n.operation.as_deref().unwrap_or("");
    match (kind, op) {
        ("pre", "promote") => {
            let promotee = first(&n.promote).unwrap_or("");
            if node_list.len() < 3 || mode != RepMode::Sync || promotee == me || promotee.is_empty()
            {
                return NotifyStep::Nothing;
            }
            let Some(theirs) = view.get(promotee, Attr::MasterBaseline) else {
                return NotifyStep::Nothing;
            };
            let mine = view.get(me, Attr::MasterBaseline).unwrap_or("");
            // the older of the two (fixed-width hex compares as text); mine newer = danger
            if theirs < mine {
                NotifyStep::BanSelf {
                    reason: format!(
                        "my data is newer than that of the new primary {promotee} (its baseline {theirs}, mine {mine})"
                    ),
                }
            } else {
                NotifyStep::Nothing
            }
        }
        ("post", "promote") => NotifyStep::AfterPromote {
            delete_baseline: first(&n.promote) != Some(me),
        },
        ("post", "demote") => {
            let demoted = first(&n.demote).unwrap_or("");
            if demoted != me && !n.promoted.iter().any(|p| p == me) {
                NotifyStep::RecordBaseline
            } else {
                NotifyStep::Nothing
            }
        }
        ("post", "start") | ("post", "stop") => {
            if first(&n.promoted) == Some(me) {
                NotifyStep::ControlPass
            } else {
                NotifyStep::Nothing
            }
        }
        _ => NotifyStep::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::testutil::view;

    fn info(
        kind: &str,
        op: &str,
        promote: &[&str],
        demote: &[&str],
        promoted: &[&str],
    ) -> NotifyInfo {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        NotifyInfo {
            kind: Some(kind.into()),
            operation: Some(op.into()),
            promote: l(promote),
            demote: l(demote),
            promoted: l(promoted),
            ..Default::default()
        }
    }

    #[test]
    fn notify_table() {
        let three: Vec<String> = ["n1", "n2", "n3"].iter().map(|s| s.to_string()).collect();
        let two: Vec<String> = three[..2].to_vec();
        let v = view(
            &[
                ("n1", true, &[(Attr::MasterBaseline, "0000000005000000")]),
                ("n2", true, &[(Attr::MasterBaseline, "0000000005000060")]),
                ("n3", true, &[(Attr::MasterBaseline, "0000000004000000")]),
            ],
            &[],
        );
        let pre = info("pre", "promote", &["n1"], &[], &[]);
        // n2 has newer data than the promotee n1: it bans itself
        assert!(matches!(
            decide("n2", RepMode::Sync, &three, &pre, &v),
            NotifyStep::BanSelf { .. }
        ));
        assert_eq!(
            decide("n3", RepMode::Sync, &three, &pre, &v),
            NotifyStep::Nothing
        );
        assert_eq!(
            decide("n1", RepMode::Sync, &three, &pre, &v),
            NotifyStep::Nothing
        );
        // only with three or more nodes in sync mode
        assert_eq!(
            decide("n2", RepMode::Sync, &two, &pre, &v),
            NotifyStep::Nothing
        );
        assert_eq!(
            decide("n2", RepMode::Async, &three, &pre, &v),
            NotifyStep::Nothing
        );

        let post = info("post", "promote", &["n1"], &[], &[]);
        assert_eq!(
            decide("n1", RepMode::Sync, &two, &post, &v),
            NotifyStep::AfterPromote {
                delete_baseline: false
            }
        );
        assert_eq!(
            decide("n2", RepMode::Sync, &two, &post, &v),
            NotifyStep::AfterPromote {
                delete_baseline: true
            }
        );

        let demote = info("post", "demote", &[], &["n1"], &[]);
        assert_eq!(
            decide("n1", RepMode::Sync, &two, &demote, &v),
            NotifyStep::Nothing
        );
        assert_eq!(
            decide("n2", RepMode::Sync, &two, &demote, &v),
            NotifyStep::RecordBaseline
        );
        let demote_with_primary = info("post", "demote", &[], &["n1"], &["n2"]);
        assert_eq!(
            decide("n2", RepMode::Sync, &two, &demote_with_primary, &v),
            NotifyStep::Nothing
        );

        let start = info("post", "start", &[], &[], &["n1"]);
        assert_eq!(
            decide("n1", RepMode::Sync, &two, &start, &v),
            NotifyStep::ControlPass
        );
        assert_eq!(
            decide("n2", RepMode::Sync, &two, &start, &v),
            NotifyStep::Nothing
        );
        let stop = info("post", "stop", &[], &[], &["n1"]);
        assert_eq!(
            decide("n1", RepMode::Sync, &two, &stop, &v),
            NotifyStep::ControlPass
        );
        let pre_start = info("pre", "start", &[], &[], &["n1"]);
        assert_eq!(
            decide("n1", RepMode::Sync, &two, &pre_start, &v),
            NotifyStep::Nothing
        );
    }
}
