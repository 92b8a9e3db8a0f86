//! What a replication action observed before deciding (docs/contract.md §5): the cluster
//! snapshot, the local server and its facts, the agent's files in tmpdir, and for promote
//! the probe of the upstream (§5.9), gathered once by `actions::repl::observe`. Also where
//! the agent's files live.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::ClusterView;
use crate::config::Config;
use crate::ocf::NotifyInfo;
use crate::pg::controldata::ControlData;
use crate::pg::facts::ServerFacts;
use crate::pg::version::PgVersion;

/// The local server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// No live postmaster of pgdata.
    Down,
    /// A live postmaster; its facts when it answered the facts query.
    Up {
        /// The postmaster's pid.
        pid: i32,
        /// What it answered (`None`: not asked, or it did not answer).
        facts: Option<ServerFacts>,
    },
}

impl Server {
    /// Is a postmaster alive?
    pub fn running(&self) -> bool {
        matches!(self, Server::Up { .. })
    }

    /// The facts, when the server answered.
    pub fn facts(&self) -> Option<&ServerFacts> {
        match self {
            Server::Up { facts, .. } => facts.as_ref(),
            Server::Down => None,
        }
    }

    /// Running and answering as a primary.
    pub fn primary(&self) -> bool {
        self.facts().is_some_and(|f| !f.in_recovery)
    }
}

/// What promote's probe of the upstream found (docs/contract.md §5.9): made only while
/// the standby's WAL receiver says `streaming`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The address probed: master_ip, what primary_conninfo names as host.
    pub host: String,
    /// The port probed: pgport.
    pub port: u16,
    /// A TCP connect there succeeded within the probe's limit: a live server holds the
    /// primary's address.
    pub alive: bool,
}

/// The agent's files in tmpdir.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TmpState {
    /// PGSQL.lock exists.
    pub lock: bool,
    /// `xlog_note.N` by N.
    pub notes: BTreeMap<u32, String>,
    /// The text of rep_mode.conf, when it exists.
    pub rep_mode: Option<String>,
    /// The text of standby_streaming, when it exists (`replication::proof`).
    pub streaming: Option<String>,
    /// The text of clean_shutdown, when it exists and rejoin_after_switchover is on
    /// (`replication::rejoin`).
    pub shutdown: Option<String>,
}

/// Everything one replication action decides from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// This node's name, lowercased.
    pub me: String,
    /// The cluster snapshot (empty when it could not be taken).
    pub view: ClusterView,
    /// False when stop or demote went on without a snapshot, or a monitor did not take one.
    pub cluster_reachable: bool,
    /// A standby monitor did not take the snapshot: its proof held (`replication::proof`).
    pub snapshot_skipped: bool,
    /// The local server.
    pub server: Server,
    /// promote only: the probe of the upstream (`None`: not made, as the receiver did not
    /// stream, or another action).
    pub upstream: Option<Upstream>,
    /// tmpdir.
    pub tmp: TmpState,
    /// This monitor is a probe.
    pub probe: bool,
    /// Pacemaker's notification and membership lists.
    pub notify: NotifyInfo,
    /// The server's major version (PG_VERSION; 12 when unknown).
    pub version: PgVersion,
    /// pg_controldata of the stopped server, read by a start (or a former primary's
    /// post-promote notification) that may rejoin after a switchover (§5.12); `None` when
    /// not read.
    pub control: Option<Result<ControlData, String>>,
}

/// `<tmpdir>/PGSQL.lock`, PG-REX's start-prohibition flag.
pub fn lock_file(cfg: &Config) -> PathBuf {
    cfg.tmpdir.join("PGSQL.lock")
}

/// `<tmpdir>/rep_mode.conf`.
pub fn rep_mode_file(cfg: &Config) -> PathBuf {
    cfg.tmpdir.join("rep_mode.conf")
}

/// `<tmpdir>/xlog_note.<i>`.
pub fn note_file(cfg: &Config, i: u32) -> PathBuf {
    cfg.tmpdir.join(format!("xlog_note.{i}"))
}
