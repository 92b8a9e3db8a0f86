//! Observe (docs/contract.md §5): everything a replication action decides from, read once:
//! this node's name, one cluster snapshot, the local server and one round trip of facts
//! (none from a postmaster stopped by a signal or its tracer, §5.10), the agent's files in
//! tmpdir, and for promote the probe of the upstream (§5.9).

use std::collections::BTreeMap;
use std::time::Duration;

use super::super::{frozen, node_name, Agent};
use crate::cluster::Crm;
use crate::error::{Error, Result};
use crate::pg::facts::{self, ServerFacts};
use crate::pg::version::PgVersion;
use crate::replication::observation::{lock_file, rep_mode_file, Server, TmpState, Upstream};
use crate::replication::promote::PROBE_LIMIT;
use crate::replication::{ClusterView, Observation};
use crate::world::World;

/// How long stop and demote may spend on the snapshot.
pub const BEST_EFFORT: Duration = Duration::from_secs(5);

/// Whether and how the action needs the cluster snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cluster {
    /// The action fails without it.
    Required,
    /// Short budget; without it the action goes on (stop, demote, monitor).
    BestEffort,
    /// Not taken: a standby monitor's proof held (`replication::proof`).
    Skipped,
}

/// Whether the action needs the server's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facts {
    /// Not asked.
    No,
    /// Asked when the server runs; a failure fails the action.
    Required,
    /// Asked when the server runs; a failure leaves them unknown.
    Optional,
}

/// The cluster tools of this action.
pub fn crm(agent: &Agent) -> Crm {
    Crm::new(
        &agent.ctx.instance.resource,
        agent.ctx.deadline,
        agent.cfg.crm_attr_timeout,
        &agent.ctx.env,
    )
}

/// The facts query, one round trip.
pub async fn server_facts<W: World>(w: &mut W, agent: &Agent) -> Result<ServerFacts> {
    let sets = w
        .query(&facts::facts_sql(agent.version), agent.ctx.deadline)
        .await?;
    Ok(facts::parse_facts(&sets)?)
}

/// The local server, with its facts as asked. Before asking, a postmaster that stays
/// stopped (state T or t, `frozen::stays_stopped`) fails the action at once when the facts
/// are required, and leaves them unknown when they are optional (stop).
pub async fn server<W: World>(w: &mut W, agent: &Agent, want: Facts) -> Result<Server> {
    let Some(pid) = w.postmaster() else {
        return Ok(Server::Down);
    };
    if want != Facts::No {
        // a stopped postmaster cannot answer: do not wait for it until the deadline
        if let Some(how) = frozen::stays_stopped(w, pid, agent.ctx.deadline).await {
            let why = frozen::cannot_answer(pid, how);
            if want == Facts::Required {
                return Err(Error::failed(why));
            }
            tracing::warn!("{why}; going on without its facts");
            return Ok(Server::Up { pid, facts: None });
        }
    }
    let mut facts = match want {
        Facts::No => None,
        Facts::Required => Some(server_facts(w, agent).await?),
        Facts::Optional => server_facts(w, agent)
            .await
            .inspect_err(|e| tracing::debug!("no facts from the server: {e}"))
            .ok(),
    };
    if let Some(f) = facts.as_mut() {
        if f.in_recovery && !facts::has_receiver_view(agent.version) {
            // no pg_stat_wal_receiver before 9.6: the postmaster's children tell
            f.wal_receiver = w.wal_receiver(pid);
        }
    }
    Ok(Server::Up { pid, facts })
}

/// promote's probe of the upstream (docs/contract.md §5.9): only while this standby's WAL
/// receiver says `streaming`, a TCP connect to master_ip:pgport (what primary_conninfo
/// names) limited to [`PROBE_LIMIT`] and never past the deadline.
pub async fn upstream<W: World>(w: &mut W, agent: &Agent, server: &Server) -> Option<Upstream> {
    let streaming = server
        .facts()
        .is_some_and(|f| f.in_recovery && f.receiver_streaming);
    if !streaming {
        return None;
    }
    let cfg = &agent.cfg;
    let limit = crate::clock::within(PROBE_LIMIT, agent.ctx.deadline);
    let alive = w
        .accepts_connection(&cfg.master_ip, cfg.pgport, limit)
        .await;
    tracing::debug!(
        "the WAL receiver streams; {}:{} {}",
        cfg.master_ip,
        cfg.pgport,
        if alive { "answers" } else { "does not answer" }
    );
    Some(Upstream {
        host: cfg.master_ip.clone(),
        port: cfg.pgport,
        alive,
    })
}

/// The agent's files in tmpdir.
pub fn tmp_state<W: World>(w: &W, agent: &Agent) -> TmpState {
    let cfg = &agent.cfg;
    let mut notes = BTreeMap::new();
    for name in w.list_dir(&cfg.tmpdir) {
        if let Some(i) = name
            .strip_prefix("xlog_note.")
            .and_then(|n| n.parse::<u32>().ok())
        {
            notes.insert(i, w.read_file(&cfg.tmpdir.join(&name)).unwrap_or_default());
        }
    }
    TmpState {
        lock: w.exists(&lock_file(cfg)),
        notes,
        rep_mode: w.read_file(&rep_mode_file(cfg)),
        streaming: w.read_file(&crate::replication::proof::record_file(cfg)),
        shutdown: cfg
            .rejoin_after_switchover
            .then(|| w.read_file(&crate::replication::rejoin::record_file(cfg)))
            .flatten(),
    }
}

/// Everything but the server: node name, snapshot, tmpdir.
pub async fn observe<W: World>(
    w: &mut W,
    agent: &Agent,
    server: Server,
    cluster: Cluster,
) -> Result<Observation> {
    let tmp = tmp_state(w, agent);
    observe_with(w, agent, server, cluster, tmp).await
}

/// [`observe`] with tmpdir already read.
pub async fn observe_with<W: World>(
    w: &mut W,
    agent: &Agent,
    server: Server,
    cluster: Cluster,
    tmp: TmpState,
) -> Result<Observation> {
    let me = node_name(w, &agent.ctx).await;
    let crm = crm(agent);
    let empty = || ClusterView {
        rsc: crm.rsc.clone(),
        ..Default::default()
    };
    let (view, reachable) = match cluster {
        Cluster::Required => (crm.snapshot(w).await?, true),
        Cluster::Skipped => (empty(), false),
        Cluster::BestEffort => {
            let mut quick = crm.clone();
            quick.deadline = crate::clock::within(BEST_EFFORT, crm.deadline);
            match quick.snapshot(w).await {
                Ok(v) => (v, true),
                Err(e) => {
                    tracing::warn!(
                        "no cluster snapshot ({}); going on without it",
                        crate::error::chain(&e)
                    );
                    (empty(), false)
                }
            }
        }
    };
    Ok(Observation {
        me,
        view,
        cluster_reachable: reachable,
        snapshot_skipped: cluster == Cluster::Skipped,
        server,
        upstream: None,
        tmp,
        probe: agent.ctx.is_probe(),
        notify: agent.ctx.meta.notify.clone(),
        version: agent.version.unwrap_or(PgVersion::new(12, 0)),
        control: None,
    })
}

/// One line on the local server, for an operator at a terminal.
pub fn describe(server: &Server) -> String {
    match server {
        Server::Down => "PostgreSQL is down: no live postmaster".into(),
        Server::Up { pid, facts: None } => format!("postmaster pid {pid} is alive"),
        Server::Up {
            pid,
            facts: Some(f),
        } => {
            let at = f
                .location
                .map_or_else(|| "unknown".to_string(), |l| l.to_string());
            if f.in_recovery {
                format!(
                    "postmaster pid {pid}: a standby at WAL {at}, WAL receiver {}",
                    if f.receiver_streaming {
                        "streaming"
                    } else if f.wal_receiver {
                        "running"
                    } else {
                        "not running"
                    }
                )
            } else {
                let rows: Vec<String> = f
                    .replication
                    .iter()
                    .map(|r| format!("{} {}|{}", r.app, r.state, r.sync))
                    .collect();
                format!(
                    "postmaster pid {pid}: the primary at WAL {at}; pg_stat_replication: {}",
                    if rows.is_empty() {
                        "no standby".to_string()
                    } else {
                        rows.join(", ")
                    }
                )
            }
        }
    }
}

/// One line on the snapshot, for an operator at a terminal.
pub fn describe_view(obs: &Observation) -> String {
    if obs.snapshot_skipped {
        return "no cluster snapshot needed: streaming from the primary".into();
    }
    if !obs.cluster_reachable {
        return "no cluster snapshot".into();
    }
    let nodes: Vec<String> = obs
        .view
        .nodes
        .iter()
        .map(|(n, v)| format!("{n} {}", if v.online { "online" } else { "offline" }))
        .collect();
    format!(
        "this node is {}; cluster: {}; promoted: {}; PGSQL.lock {}",
        obs.me,
        nodes.join(", "),
        if obs.view.promoted.is_empty() {
            "none".to_string()
        } else {
            obs.view.promoted.join(", ")
        },
        if obs.tmp.lock { "exists" } else { "absent" }
    )
}
