//! The values of `pgsql show` (docs/contract.md §10): what it observed ([`Seen`], one CIB
//! read, one snapshot, the local server) and what it reports ([`Report`], serialised as
//! its JSON form).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::cib::Resource;
use crate::cluster::history::Details;
use crate::config::RepMode;
use crate::pg::facts::ServerFacts;
use crate::replication::ClusterView;

/// The parameters show needs, from the CIB's instance attributes (defaults for the
/// unset ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// rep_mode (`None` when it does not parse).
    pub rep_mode: Option<RepMode>,
    /// node_list, lowercased.
    pub node_list: Vec<String>,
    /// xlog_check_count.
    pub xlog_check_count: u32,
    /// pgdata.
    pub pgdata: PathBuf,
    /// tmpdir.
    pub tmpdir: PathBuf,
    /// pgdba.
    pub pgdba: String,
    /// master_ip.
    pub master_ip: String,
}

/// Replication lag of one standby as the primary sees it (pg_stat_replication).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StandbyLag {
    /// application_name, lowercased.
    pub app: String,
    /// replay_lsn, `X/Y`.
    pub replay: Option<String>,
    /// Bytes from replay_lsn to the primary's current position.
    pub bytes: Option<i64>,
    /// replay_lag in seconds.
    pub seconds: Option<f64>,
}

/// The local server.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalPg {
    /// Not looked at, and why (the node is not in node_list, the parameters are invalid).
    Unknown(String),
    /// No live postmaster of pgdata.
    Down,
    /// A live postmaster.
    Up {
        /// Its facts (`None`: it did not answer; `error` says why).
        facts: Option<ServerFacts>,
        /// Why there are no facts.
        error: Option<String>,
        /// On a primary: each standby's lag.
        standbys: Vec<StandbyLag>,
        /// On a standby: bytes between the primary's end of WAL the receiver last heard of
        /// and the replay position, and the seconds since the last replayed transaction
        /// while behind.
        own_lag: (Option<i64>, Option<f64>),
    },
}

/// What this node holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    /// This node's name, lowercased.
    pub node: String,
    /// The server.
    pub pg: LocalPg,
    /// `<tmpdir>/PGSQL.lock` exists (`None`: not known).
    pub lock: Option<bool>,
    /// `xlog_note.N` by N.
    pub notes: BTreeMap<u32, String>,
}

/// Everything show decides from.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    /// The resource from the CIB.
    pub resource: Resource,
    /// Its parameters.
    pub settings: Settings,
    /// The snapshot (nodes, attributes, promoted instances).
    pub view: ClusterView,
    /// Instances, fail counts and failures from the same crm_mon output.
    pub details: Details,
    /// This node.
    pub local: Local,
}

/// The cluster's verdict, and show's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// One primary and a synchronous standby (async mode: a streaming standby), and no
    /// node with a problem: 0.
    Healthy,
    /// A primary, but not all is well: 1.
    Degraded,
    /// No primary: 2.
    NoPrimary,
}

impl Verdict {
    /// The word scripts read (`healthy`, `degraded`, `no-primary`).
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Degraded => "degraded",
            Verdict::NoPrimary => "no-primary",
        }
    }

    /// show's exit status.
    pub fn code(self) -> u8 {
        match self {
            Verdict::Healthy => 0,
            Verdict::Degraded => 1,
            Verdict::NoPrimary => 2,
        }
    }
}

/// One node of node_list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    /// The node's name.
    pub name: String,
    /// A cluster member now.
    pub online: bool,
    /// `Promoted`, `Unpromoted`, `Stopped` or `failed`.
    pub role: String,
    /// `<rsc>-status`.
    pub status: Option<String>,
    /// `<rsc>-data-status`.
    pub data_status: Option<String>,
    /// `master-<rsc>`.
    pub score: Option<String>,
    /// WAL position, `X/Y`.
    pub wal: Option<String>,
    /// Where the position comes from: `local server`, `pg_stat_replication`, `xlog-loc`.
    pub wal_source: Option<String>,
    /// Lag behind the primary in bytes, where known.
    pub lag_bytes: Option<i64>,
    /// Lag behind the primary in seconds, where known.
    pub lag_seconds: Option<f64>,
    /// PGSQL.lock exists (known on the local node only).
    pub lock: Option<bool>,
    /// The resource's fail count on the node (`INFINITY` as such).
    pub fail_count: String,
    /// The last failed operation and its reason.
    pub last_failure: Option<String>,
}

/// Why a node cannot start or be promoted, and what the operator does about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The node.
    pub node: String,
    /// One sentence: why.
    pub why: String,
    /// One sentence: what to do.
    pub action: String,
}

/// What `pgsql show` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The clone's id.
    pub clone: String,
    /// The primitive's id (`<rsc>`).
    pub resource: String,
    /// `ocf:<provider>:pgsql`.
    pub agent: String,
    /// rep_mode.
    pub rep_mode: String,
    /// The node show ran on.
    pub local_node: String,
    /// The verdict.
    pub verdict: Verdict,
    /// One sentence on the cluster.
    pub summary: String,
    /// One row per node of node_list.
    pub nodes: Vec<NodeRow>,
    /// Per node: why it cannot start or be promoted, and what to do.
    pub problems: Vec<Problem>,
    /// What show could not read locally, and other remarks.
    pub notes: Vec<String>,
}
