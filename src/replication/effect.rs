//! What a replication decision asks for (docs/contract.md §5): every change the agent can
//! make as an [`Effect`], in the order to make them, each with what its failure means
//! ([`OnFail`]), and the action's [`Outcome`]. The executor (`actions::repl::apply`) runs
//! them; nothing here does I/O.

use std::fmt;
use std::path::PathBuf;

use super::rejoin::Mark;
use super::{AttrChange, ClusterView};
use crate::ocf::OcfStatus;

/// One change to the cluster, the files or the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A node attribute set or deleted with `crm_attribute`.
    Attr(AttrChange),
    /// Like `Attr`, but only when the server is down by then (a failed restart).
    AttrIfServerDown(AttrChange),
    /// `<rsc>-receiver-status` through `attrd_updater` (`None` deletes it), within a
    /// short budget.
    ReceiverStatus(Option<String>),
    /// `crm_resource --ban` of this instance from this node (pre-promote protection).
    BanSelf,
    /// tmpdir exists, owned by pgdba, mode 700.
    PrepareTmpdir,
    /// A file of the agent written atomically, owned by pgdba, mode 600.
    WriteFile {
        /// Where.
        path: PathBuf,
        /// The whole new text.
        text: String,
    },
    /// A file of the agent removed (absent is fine).
    RemoveFile(PathBuf),
    /// postgresql.conf includes `file` (the line is added when missing).
    AddInclude(PathBuf),
    /// postgresql.conf no longer includes `file`.
    RemoveInclude(PathBuf),
    /// `pg_reload_conf()`.
    Reload,
    /// Clear leftovers, prepare the log and socket directories, `pg_ctl start`, and wait
    /// within the deadline until the server answers.
    LaunchServer,
    /// Like `LaunchServer`, ready once `pg_is_in_recovery()` is true (monitor_sql is never
    /// run on a standby).
    LaunchStandby,
    /// `synchronous_standby_names` of the running server must be `expected`.
    CheckSyncStandbyNames {
        /// What the agent wrote.
        expected: String,
    },
    /// Stop the server: fast, then immediate after the escalation delay.
    StopServer {
        /// Use stop_escalate_in_slave.
        standby: bool,
    },
    /// `pg_ctl promote`.
    PromoteServer,
    /// Wait within the deadline until the server answers as a primary.
    WaitPrimary,
    /// Create (or re-create) a physical replication slot.
    CreateSlot(String),
    /// Drop these replication slots where they exist (a start drops its slots for the
    /// peers, which only a primary needs).
    DropSlots(Vec<String>),
    /// Once the server is down: pg_controldata, then record a clean shutdown or remove an
    /// older record (`rejoin::after_stop`; rejoin_after_switchover, §5.12).
    RecordShutdown,
    /// Before promoting: look in this standby's WAL for `node`'s shutdown checkpoint
    /// `mark` (pg_waldump) and publish the verdict (`rejoin::verdict`) on `node`.
    ProveRejoin {
        /// The former primary.
        node: String,
        /// Its shutdown checkpoint, from its `<rsc>-clean-shutdown`.
        mark: Mark,
    },
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Attr(c) => write!(f, "{c}"),
            Effect::AttrIfServerDown(c) => write!(f, "{c} (if the server is down)"),
            Effect::ReceiverStatus(Some(v)) => write!(f, "receiver-status = {v}"),
            Effect::ReceiverStatus(None) => write!(f, "delete receiver-status"),
            Effect::BanSelf => write!(f, "ban this instance from this node"),
            Effect::PrepareTmpdir => write!(f, "prepare tmpdir"),
            Effect::WriteFile { path, .. } => write!(f, "write {}", path.display()),
            Effect::RemoveFile(p) => write!(f, "remove {}", p.display()),
            Effect::AddInclude(p) => write!(f, "include {} from postgresql.conf", p.display()),
            Effect::RemoveInclude(p) => {
                write!(
                    f,
                    "drop the include of {} from postgresql.conf",
                    p.display()
                )
            }
            Effect::Reload => write!(f, "reload the server configuration"),
            Effect::LaunchServer => write!(f, "start PostgreSQL"),
            Effect::LaunchStandby => write!(f, "start PostgreSQL as a standby"),
            Effect::CheckSyncStandbyNames { expected } => {
                write!(f, "check synchronous_standby_names = {expected:?}")
            }
            Effect::StopServer { standby } => {
                write!(
                    f,
                    "stop PostgreSQL ({})",
                    if *standby { "standby" } else { "primary" }
                )
            }
            Effect::PromoteServer => write!(f, "pg_ctl promote"),
            Effect::WaitPrimary => write!(f, "wait until PostgreSQL is primary"),
            Effect::CreateSlot(n) => write!(f, "create replication slot {n}"),
            Effect::DropSlots(n) => write!(f, "drop replication slots {}", n.join(", ")),
            Effect::RecordShutdown => write!(f, "record a clean shutdown (pg_controldata)"),
            Effect::ProveRejoin { node, mark } => {
                write!(
                    f,
                    "look for the shutdown checkpoint of {node} ({mark}) in the WAL"
                )
            }
        }
    }
}

/// The attribute changes among `steps`, in order.
pub fn attr_changes(steps: &[Step]) -> Vec<AttrChange> {
    steps
        .iter()
        .filter_map(|s| match &s.effect {
            Effect::Attr(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// What a failed step means for the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnFail {
    /// The action fails with the step's error; later steps do not run.
    Abort,
    /// A warning; the action goes on.
    Warn,
    /// Run these (each failure only a warning), then fail with the step's error.
    AbortAfter(Vec<Effect>),
}

/// One effect and what its failure means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The change.
    pub effect: Effect,
    /// What its failure means.
    pub on_fail: OnFail,
}

/// How the action ends once every step has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// This OCF code.
    Status(OcfStatus),
    /// OCF_ERR_GENERIC with this reason.
    Failed(String),
    /// OCF_ERR_CONFIGURED with this reason.
    Misconfigured(String),
}

/// A decision: the steps in order and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What to do, in order.
    pub steps: Vec<Step>,
    /// How the action ends when no step aborts it.
    pub outcome: Outcome,
    /// Lines for the log (level, text), written before the steps run.
    pub notes: Vec<(tracing::Level, String)>,
    /// Stop and demote: attribute writes get a short budget, their failure is a warning,
    /// and after one failure no further attribute is written.
    pub best_effort_cluster: bool,
    /// The cluster view after the decision's attribute changes.
    pub view: ClusterView,
    /// A synchronous standby was just named: look again in 2 s.
    pub recontrol: bool,
}

impl Decision {
    /// Just the attribute changes, in order (for tests and dry runs).
    pub fn attr_changes(&self) -> Vec<AttrChange> {
        attr_changes(&self.steps)
    }

    /// The effects without their failure policies.
    pub fn effects(&self) -> Vec<Effect> {
        self.steps.iter().map(|s| s.effect.clone()).collect()
    }
}
