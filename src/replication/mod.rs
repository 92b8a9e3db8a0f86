//! The replication state machine (docs/contract.md §5) as pure functions: an
//! [`Observation`] in, a [`Decision`] (effects in order, and the outcome) out. No I/O, no
//! clock, no environment; `actions::repl` observes and applies.

pub mod control;
pub mod effect;
pub mod election;
pub mod monitor;
pub mod notify;
pub mod observation;
pub mod promote;
pub mod proof;
pub mod rejoin;
pub mod start;
pub mod stop;
#[cfg(test)]
mod tables;

use std::collections::BTreeMap;
use std::fmt;

pub use effect::{Decision, Effect, OnFail, Outcome, Step};
pub use observation::Observation;

/// The promotion score of the primary, and of the election's winner.
pub const PROMOTE_ME: &str = "1000";
/// The promotion score of a standby that may take over (sync, or async with two nodes).
pub const CAN_PROMOTE: &str = "100";
/// The promotion score of a node that must not be promoted.
pub const CAN_NOT_PROMOTE: &str = "-INFINITY";

/// The node attributes the agent keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attr {
    /// `<rsc>-status` (reboot)
    Status,
    /// `<rsc>-data-status` (forever)
    DataStatus,
    /// `<rsc>-xlog-loc` (reboot)
    XlogLoc,
    /// `<rsc>-master-baseline` (reboot)
    MasterBaseline,
    /// `master-<rsc>`, the promotion score (reboot)
    Score,
    /// `<rsc>-clean-shutdown`: a primary's last clean shutdown (forever; rejoin, §5.12)
    CleanShutdown,
    /// `<rsc>-rejoin-proof`: what the new primary found of it (forever; rejoin, §5.12)
    RejoinProof,
}

impl Attr {
    /// The attribute's name for resource `rsc`.
    pub fn name(self, rsc: &str) -> String {
        match self {
            Attr::Status => format!("{rsc}-status"),
            Attr::DataStatus => format!("{rsc}-data-status"),
            Attr::XlogLoc => format!("{rsc}-xlog-loc"),
            Attr::MasterBaseline => format!("{rsc}-master-baseline"),
            Attr::Score => format!("master-{rsc}"),
            Attr::CleanShutdown => format!("{rsc}-clean-shutdown"),
            Attr::RejoinProof => format!("{rsc}-rejoin-proof"),
        }
    }

    /// Permanent (`-l forever`, in the CIB's nodes section) or transient (`-l reboot`).
    pub fn forever(self) -> bool {
        matches!(
            self,
            Attr::DataStatus | Attr::CleanShutdown | Attr::RejoinProof
        )
    }
}

/// One change of a node attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrChange {
    /// `node`'s `attr` becomes `value`.
    Set {
        /// Lowercased node name.
        node: String,
        /// Which attribute.
        attr: Attr,
        /// The new value.
        value: String,
    },
    /// `node`'s `attr` is deleted.
    Delete {
        /// Lowercased node name.
        node: String,
        /// Which attribute.
        attr: Attr,
    },
}

impl fmt::Display for AttrChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrChange::Set { node, attr, value } => {
                write!(f, "{} of {node} = {value}", attr.name("<rsc>"))
            }
            AttrChange::Delete { node, attr } => {
                write!(f, "delete {} of {node}", attr.name("<rsc>"))
            }
        }
    }
}

/// What one node looks like in the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeView {
    /// The node is a cluster member now.
    pub online: bool,
    /// Every node attribute by its full name.
    pub attrs: BTreeMap<String, String>,
}

/// The cluster as one `crm_mon` snapshot shows it, seen from one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterView {
    /// The resource name (attributes are named after it).
    pub rsc: String,
    /// By lowercased node name.
    pub nodes: BTreeMap<String, NodeView>,
    /// Nodes where an instance of the resource runs promoted.
    pub promoted: Vec<String>,
}

impl ClusterView {
    /// `node`'s `attr`, if set.
    pub fn get(&self, node: &str, attr: Attr) -> Option<&str> {
        self.nodes
            .get(node)?
            .attrs
            .get(&attr.name(&self.rsc))
            .map(String::as_str)
    }

    /// Is `node` online?
    pub fn online(&self, node: &str) -> bool {
        self.nodes.get(node).is_some_and(|n| n.online)
    }

    /// Does the cluster know `node`?
    pub fn exists(&self, node: &str) -> bool {
        self.nodes.contains_key(node)
    }

    /// Records an effect in the view, so later decisions of the same action see it.
    pub fn apply(&mut self, e: &AttrChange) {
        let rsc = self.rsc.clone();
        match e {
            AttrChange::Set { node, attr, value } => {
                if let Some(n) = self.nodes.get_mut(node) {
                    n.attrs.insert(attr.name(&rsc), value.clone());
                }
            }
            AttrChange::Delete { node, attr } => {
                if let Some(n) = self.nodes.get_mut(node) {
                    n.attrs.remove(&attr.name(&rsc));
                }
            }
        }
    }
}

/// Collects a decision's steps; attribute changes follow the write rules of
/// docs/contract.md §5.2: only changes are written; status and score writes skip offline
/// nodes; another node's STOP/UNKNOWN status is that node's own and is never overwritten;
/// another node's score is only changed when it has one (the node's own start sets it
/// first). The view follows the changes, so later rules see earlier writes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// This node.
    pub me: String,
    /// The snapshot with the changes so far.
    pub view: ClusterView,
    /// The steps so far.
    pub steps: Vec<Step>,
    /// Lines for the log.
    pub notes: Vec<(tracing::Level, String)>,
    /// What a failed attribute write means (Abort, or Warn for stop and demote).
    pub attr_on_fail: OnFail,
}

impl Plan {
    /// An empty plan for node `me` seeing `view`.
    pub fn new(me: &str, view: ClusterView) -> Plan {
        Plan {
            me: me.to_string(),
            view,
            steps: Vec::new(),
            notes: Vec::new(),
            attr_on_fail: OnFail::Abort,
        }
    }

    /// Adds a step that aborts the action when it fails.
    pub fn push(&mut self, effect: Effect) {
        self.push_with(effect, OnFail::Abort);
    }

    /// Adds a step with its failure policy.
    pub fn push_with(&mut self, effect: Effect, on_fail: OnFail) {
        self.steps.push(Step { effect, on_fail });
    }

    /// Adds a log line.
    pub fn note(&mut self, level: tracing::Level, text: impl Into<String>) {
        self.notes.push((level, text.into()));
    }

    /// The attribute change setting `node`'s `attr` to `value`, if the rules allow it.
    pub fn set_change(&mut self, node: &str, attr: Attr, value: &str) -> Option<AttrChange> {
        let current = self.view.get(node, attr);
        if current == Some(value) {
            return None;
        }
        let mine = node == self.me;
        let allowed = match attr {
            Attr::Status => {
                if !self.view.online(node) && !mine {
                    false
                } else if !mine && matches!(current, Some("STOP") | Some("UNKNOWN")) {
                    let why = format!(
                        "{} of {node} stays {} (only {node} changes that)",
                        attr.name(&self.view.rsc),
                        current.unwrap_or_default()
                    );
                    self.note(tracing::Level::WARN, why);
                    false
                } else {
                    true
                }
            }
            Attr::Score => mine || (self.view.online(node) && current.is_some()),
            Attr::DataStatus | Attr::RejoinProof => mine || self.view.exists(node),
            Attr::CleanShutdown => mine,
            Attr::XlogLoc | Attr::MasterBaseline => true,
        };
        allowed.then(|| AttrChange::Set {
            node: node.to_string(),
            attr,
            value: value.to_string(),
        })
    }

    /// Sets `node`'s `attr` to `value` (when the rules allow it).
    pub fn set(&mut self, node: &str, attr: Attr, value: &str) {
        if let Some(c) = self.set_change(node, attr, value) {
            self.view.apply(&c);
            let on_fail = self.attr_on_fail.clone();
            self.push_with(Effect::Attr(c), on_fail);
        }
    }

    /// Deletes `node`'s `attr` (when it has one, or the node is unknown to the snapshot).
    pub fn delete(&mut self, node: &str, attr: Attr) {
        if self.view.get(node, attr).is_none() && self.view.exists(node) {
            return;
        }
        let c = AttrChange::Delete {
            node: node.to_string(),
            attr,
        };
        self.view.apply(&c);
        let on_fail = self.attr_on_fail.clone();
        self.push_with(Effect::Attr(c), on_fail);
    }

    /// The attribute changes so far, in order.
    pub fn attr_changes(&self) -> Vec<AttrChange> {
        effect::attr_changes(&self.steps)
    }

    /// The decision: these steps, then `outcome`.
    pub fn finish(self, outcome: Outcome) -> Decision {
        Decision {
            best_effort_cluster: matches!(self.attr_on_fail, OnFail::Warn),
            steps: self.steps,
            outcome,
            notes: self.notes,
            view: self.view,
            recontrol: false,
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// `(node, online, [(attr, value)])`
    pub type NodeRow<'a> = (&'a str, bool, &'a [(Attr, &'a str)]);

    /// A view from rows for resource `pgsql`.
    pub fn view(rows: &[NodeRow], promoted: &[&str]) -> ClusterView {
        let mut v = ClusterView {
            rsc: "pgsql".into(),
            ..Default::default()
        };
        for (node, online, attrs) in rows {
            let mut n = NodeView {
                online: *online,
                ..Default::default()
            };
            for (a, val) in attrs.iter() {
                n.attrs.insert(a.name("pgsql"), val.to_string());
            }
            v.nodes.insert(node.to_string(), n);
        }
        v.promoted = promoted.iter().map(|s| s.to_string()).collect();
        v
    }

    pub fn set(node: &str, attr: Attr, value: &str) -> AttrChange {
        AttrChange::Set {
            node: node.into(),
            attr,
            value: value.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn attribute_names() {
        assert_eq!(Attr::Status.name("pgsql"), "pgsql-status");
        assert_eq!(Attr::DataStatus.name("pgsql"), "pgsql-data-status");
        assert_eq!(Attr::XlogLoc.name("pgsql"), "pgsql-xlog-loc");
        assert_eq!(Attr::MasterBaseline.name("pgsql"), "pgsql-master-baseline");
        assert_eq!(Attr::Score.name("pgsql"), "master-pgsql");
        assert!(Attr::DataStatus.forever() && !Attr::Status.forever());
    }

    #[test]
    fn write_rules() {
        let v = view(
            &[
                ("n1", true, &[(Attr::Status, "PRI")]),
                (
                    "n2",
                    true,
                    &[(Attr::Status, "STOP"), (Attr::Score, "-INFINITY")],
                ),
                (
                    "n3",
                    false,
                    &[(Attr::Status, "HS:sync"), (Attr::Score, "100")],
                ),
                ("n4", true, &[(Attr::Status, "HS:async")]),
            ],
            &["n1"],
        );
        let mut p = Plan::new("n1", v);
        p.set("n1", Attr::Status, "PRI"); // unchanged: nothing
        p.set("n2", Attr::Status, "HS:sync"); // STOP belongs to n2
        p.set("n3", Attr::Status, "HS:alone"); // offline
        p.set("n3", Attr::Score, "-INFINITY"); // offline
        p.set("n3", Attr::DataStatus, "DISCONNECT"); // exists: written
        p.set("n4", Attr::Score, "100"); // no score yet: not created by others
        p.set("n4", Attr::Status, "HS:sync");
        p.set("n2", Attr::Score, "100");
        p.set("n9", Attr::DataStatus, "DISCONNECT"); // unknown node
        assert_eq!(
            p.attr_changes(),
            vec![
                set("n3", Attr::DataStatus, "DISCONNECT"),
                set("n4", Attr::Status, "HS:sync"),
                set("n2", Attr::Score, "100"),
            ]
        );
        assert_eq!(p.notes.len(), 1);
        // a write is visible to later decisions; a second identical write is dropped
        p.set("n4", Attr::Status, "HS:sync");
        assert_eq!(p.attr_changes().len(), 3);
        p.delete("n1", Attr::XlogLoc); // absent: nothing
        assert_eq!(p.attr_changes().len(), 3);
    }
}
