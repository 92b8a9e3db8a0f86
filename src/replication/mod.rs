//! The replication state machine (SPEC sections 4-5) as pure functions: what the cluster
//! and PostgreSQL look like in, the attribute writes and file changes to make out. A thin
//! layer in `actions/` reads the inputs and applies the effects.

pub mod control;
pub mod election;
pub mod lsn;
pub mod notify;

use std::collections::BTreeMap;

/// Promotion scores the agent uses.
pub const PROMOTE_ME: &str = "1000";
pub const CAN_PROMOTE: &str = "100";
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
}

impl Attr {
    pub fn name(self, rsc: &str) -> String {
        match self {
            Attr::Status => format!("{rsc}-status"),
            Attr::DataStatus => format!("{rsc}-data-status"),
            Attr::XlogLoc => format!("{rsc}-xlog-loc"),
            Attr::MasterBaseline => format!("{rsc}-master-baseline"),
            Attr::Score => format!("master-{rsc}"),
        }
    }

    /// Permanent (`-l forever`, in the CIB's nodes section) or transient (`-l reboot`).
    pub fn forever(self) -> bool {
        self == Attr::DataStatus
    }
}

/// One change the agent makes to the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Set {
        node: String,
        attr: Attr,
        value: String,
    },
    Delete {
        node: String,
        attr: Attr,
    },
}

/// What one node looks like in the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeView {
    pub online: bool,
    /// Every node attribute by its full name.
    pub attrs: BTreeMap<String, String>,
}

/// The cluster as one `crm_mon` snapshot shows it, seen from one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterView {
    pub rsc: String,
    /// By lowercased node name.
    pub nodes: BTreeMap<String, NodeView>,
    /// Nodes where an instance of the resource runs promoted.
    pub promoted: Vec<String>,
}

impl ClusterView {
    pub fn get(&self, node: &str, attr: Attr) -> Option<&str> {
        self.nodes
            .get(node)?
            .attrs
            .get(&attr.name(&self.rsc))
            .map(String::as_str)
    }

    pub fn online(&self, node: &str) -> bool {
        self.nodes.get(node).is_some_and(|n| n.online)
    }

    pub fn exists(&self, node: &str) -> bool {
        self.nodes.contains_key(node)
    }

    /// Records an effect in the view, so later decisions of the same action see it.
    pub fn apply(&mut self, e: &Effect) {
        let rsc = self.rsc.clone();
        match e {
            Effect::Set { node, attr, value } => {
                if let Some(n) = self.nodes.get_mut(node) {
                    n.attrs.insert(attr.name(&rsc), value.clone());
                }
            }
            Effect::Delete { node, attr } => {
                if let Some(n) = self.nodes.get_mut(node) {
                    n.attrs.remove(&attr.name(&rsc));
                }
            }
        }
    }
}

/// Collects effects under the write rules of SPEC section 5: only changes are written;
/// status and score writes skip offline nodes; another node's STOP/UNKNOWN status is that
/// node's own and is never overwritten; another node's score is only changed when it has
/// one (the node's own start sets it first).
#[derive(Debug)]
pub struct Plan {
    pub me: String,
    pub view: ClusterView,
    pub effects: Vec<Effect>,
    /// Why a wanted write was skipped (for the log).
    pub skipped: Vec<String>,
}

impl Plan {
    pub fn new(me: &str, view: ClusterView) -> Plan {
        Plan {
            me: me.to_string(),
            view,
            effects: Vec::new(),
            skipped: Vec::new(),
        }
    }

    pub fn set(&mut self, node: &str, attr: Attr, value: &str) {
        let current = self.view.get(node, attr);
        if current == Some(value) {
            return;
        }
        let mine = node == self.me;
        let allowed = match attr {
            Attr::Status => {
                if !self.view.online(node) && !mine {
                    false
                } else if !mine && matches!(current, Some("STOP") | Some("UNKNOWN")) {
                    self.skipped.push(format!(
                        "{} of {node} stays {} (only {node} changes that)",
                        attr.name(&self.view.rsc),
                        current.unwrap_or_default()
                    ));
                    false
                } else {
                    true
                }
            }
            Attr::Score => mine || (self.view.online(node) && current.is_some()),
            Attr::DataStatus => mine || self.view.exists(node),
            Attr::XlogLoc | Attr::MasterBaseline => true,
        };
        if allowed {
            let e = Effect::Set {
                node: node.to_string(),
                attr,
                value: value.to_string(),
            };
            self.view.apply(&e);
            self.effects.push(e);
        }
    }

    pub fn delete(&mut self, node: &str, attr: Attr) {
        if self.view.get(node, attr).is_none() && self.view.exists(node) {
            return;
        }
        let e = Effect::Delete {
            node: node.to_string(),
            attr,
        };
        self.view.apply(&e);
        self.effects.push(e);
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

    pub fn set(node: &str, attr: Attr, value: &str) -> Effect {
        Effect::Set {
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
            p.effects,
            vec![
                set("n3", Attr::DataStatus, "DISCONNECT"),
                set("n4", Attr::Status, "HS:sync"),
                set("n2", Attr::Score, "100"),
            ]
        );
        assert_eq!(p.skipped.len(), 1);
        // a write is visible to later decisions; a second identical write is dropped
        p.set("n4", Attr::Status, "HS:sync");
        assert_eq!(p.effects.len(), 3);
        p.delete("n1", Attr::XlogLoc); // absent: nothing
        assert_eq!(p.effects.len(), 3);
    }
}
