//! The promotable clone's actions (docs/contract.md §5): each one pipeline, observe
//! (`observe`) → decide (`replication::*`, pure) → apply (`apply::Executor`). The
//! 2-second re-control after naming a synchronous standby is the one second look;
//! promote's guard against two primaries (§5.9) is decided before its snapshot.

pub mod apply;
pub mod observe;
pub mod rejoin;
#[cfg(test)]
mod tests;

use std::time::Duration;

use super::receiver::Seen;
use super::{Agent, Ctx};
use crate::error::{Error, Result};
use crate::ocf::{Action, OcfStatus};
use crate::pg::facts;
use crate::replication::observation::rep_mode_file;
use crate::replication::{self, Attr, Decision, Observation, Plan};
use crate::world::World;
use apply::Executor;
use observe::{Cluster, Facts};
use replication::notify::Needed;

/// The monitor_sql default: only a changed value is run on a primary.
pub const DEFAULT_MONITOR_SQL: &str = "select now();";

/// Records `<rsc>-status=UNKNOWN` for this node (stop with an unusable configuration).
pub async fn mark_unknown<W: World>(w: &mut W, ctx: &Ctx) -> Result<()> {
    let crm = crate::cluster::Crm::new(
        &ctx.instance.resource,
        ctx.deadline,
        Duration::from_secs(5),
        &ctx.env,
    );
    let me = super::node_name(w, ctx).await;
    let view = crm.snapshot(w).await?;
    let mut p = Plan::new(&me, view);
    p.set(&me, Attr::Status, "UNKNOWN");
    for c in p.attr_changes() {
        crm.write(w, &c).await?;
    }
    Ok(())
}

async fn apply<W: World>(
    w: &mut W,
    agent: &Agent,
    obs: &Observation,
    d: &Decision,
) -> Result<OcfStatus> {
    Executor::new(w, agent, &obs.me, obs.view.clone(), obs.cluster_reachable)
        .run(d)
        .await
}

/// Applies a decision of the standby control pass, and when it named a synchronous
/// standby, looks again 2 s later (once).
async fn control<W: World>(
    w: &mut W,
    agent: &Agent,
    obs: &Observation,
    d: &Decision,
) -> Result<OcfStatus> {
    let mut ex = Executor::new(w, agent, &obs.me, obs.view.clone(), obs.cluster_reachable);
    let status = ex.run(d).await?;
    // a monitor run by hand wrote nothing: there is nothing to look at again
    if d.recontrol && !agent.ctx.read_only() && ex.pause(Duration::from_secs(2)).await {
        tracing::info!("looking at the standbys again");
        let sets =
            ex.w.query(crate::pg::queries::REPLICATION_STATE, agent.ctx.deadline)
                .await?;
        let rows = facts::parse_replication(&sets);
        let rep_mode = ex.w.read_file(&rep_mode_file(&agent.cfg));
        let again = replication::monitor::decide_control(
            &agent.cfg,
            &obs.me,
            ex.view().clone(),
            &rows,
            rep_mode.as_deref(),
        );
        ex.run(&again).await?;
    }
    Ok(status)
}

/// A former primary's post-promote notification (§5.12): with the proof, the start of a
/// standby now; without it nothing, and the next monitor finds the server down as before.
/// The notification succeeds either way.
async fn rejoin_now<W: World>(w: &mut W, agent: &Agent, mut obs: Observation) {
    obs.control = Some(rejoin::control_data(w, agent).await);
    if let Err(why) = replication::start::rejoin_proof(&obs) {
        tracing::info!("not rejoining as a standby: {why}");
        return;
    }
    tracing::info!(
        "the new primary proved this node's data a prefix of its history: starting as a standby"
    );
    let d = replication::start::decide(&agent.cfg, &obs);
    if let Err(e) = apply(w, agent, &obs, &d).await {
        tracing::warn!(
            "the rejoin as a standby failed: {}",
            crate::error::chain(&e)
        );
    }
}

/// Runs the replication action of `agent` in `w`.
pub async fn run<W: World>(w: &mut W, agent: &Agent) -> Result<OcfStatus> {
    let cfg = &agent.cfg;
    match agent.ctx.action {
        Action::Start => {
            let server = observe::server(w, agent, Facts::Required).await?;
            let mut obs = observe::observe(w, agent, server, Cluster::Required).await?;
            if replication::rejoin::needs_control(cfg, &obs) {
                obs.control = Some(rejoin::control_data(w, agent).await);
            }
            apply(w, agent, &obs, &replication::start::decide(cfg, &obs)).await
        }
        Action::Stop => {
            let server = observe::server(w, agent, Facts::Optional).await?;
            let obs = observe::observe(w, agent, server, Cluster::BestEffort).await?;
            apply(w, agent, &obs, &replication::stop::decide_stop(cfg, &obs)).await
        }
        Action::Demote => {
            let server = observe::server(w, agent, Facts::No).await?;
            let obs = observe::observe(w, agent, server, Cluster::BestEffort).await?;
            apply(w, agent, &obs, &replication::stop::decide_demote(cfg, &obs)).await
        }
        Action::Promote => {
            let server = observe::server(w, agent, Facts::Required).await?;
            let upstream = observe::upstream(w, agent, &server).await;
            // the guard against two primaries needs no cluster view: a refusal is decided
            // before the snapshot, and writes nothing
            if let Some(why) = replication::promote::refusal(&server, upstream.as_ref()) {
                return Err(Error::failed(why));
            }
            let mut obs = observe::observe(w, agent, server, Cluster::Required).await?;
            obs.upstream = upstream;
            apply(w, agent, &obs, &replication::promote::decide(cfg, &obs)).await
        }
        Action::Monitor => {
            let server = observe::server(w, agent, Facts::Required).await?;
            agent.ctx.tell(&observe::describe(&server));
            if !replication::monitor::needs_cluster(server.running()) {
                tracing::info!("PostgreSQL is not running");
                // no cluster tool decides "not running"; receiver-status is a best effort
                super::receiver::publish(w, agent, Some(super::receiver::value(Seen::Down))).await;
                return Ok(OcfStatus::NotRunning);
            }
            if server.primary() && cfg.monitor_sql != DEFAULT_MONITOR_SQL {
                w.monitor_query(&cfg.monitor_sql, agent.ctx.deadline)
                    .await?;
            }
            let tmp = observe::tmp_state(w, agent);
            let ctx = &agent.ctx;
            let need = replication::proof::snapshot_needed(
                cfg,
                ctx.is_probe(),
                ctx.read_only(),
                &server,
                &tmp,
            );
            let mut upstream = None;
            let cluster = match need {
                Some(why) => {
                    tracing::debug!("taking the cluster snapshot: {why}");
                    Cluster::BestEffort
                }
                None => {
                    upstream = observe::upstream(w, agent, &server).await;
                    if upstream.as_ref().is_some_and(|u| u.alive) {
                        Cluster::Skipped
                    } else {
                        tracing::debug!("taking the cluster snapshot: master_ip does not answer");
                        Cluster::BestEffort
                    }
                }
            };
            let mut obs = observe::observe_with(w, agent, server, cluster, tmp).await?;
            obs.upstream = upstream;
            agent.ctx.tell(&observe::describe_view(&obs));
            control(w, agent, &obs, &replication::monitor::decide(cfg, &obs)).await
        }
        Action::Notify => {
            let n = &agent.ctx.meta.notify;
            tracing::debug!(
                "notify {} {}",
                n.kind.as_deref().unwrap_or("?"),
                n.operation.as_deref().unwrap_or("?")
            );
            let server = observe::server(w, agent, Facts::No).await?;
            let mut obs = observe::observe(w, agent, server, Cluster::Required).await?;
            let step =
                replication::notify::decide(&obs.me, cfg.rep_mode, &cfg.node_list, n, &obs.view);
            if let Some(need) = replication::notify::needs_facts(&step) {
                let want = match need {
                    Needed::Required => Facts::Required,
                    Needed::Optional => Facts::Optional,
                };
                obs.server = observe::server(w, agent, want).await?;
            }
            let d = replication::notify::decide_steps(cfg, &obs, &step);
            let status = control(w, agent, &obs, &d).await?;
            if replication::rejoin::rejoins_on_notify(cfg, &obs) {
                obs.view = d.view.clone();
                rejoin_now(w, agent, obs).await;
            }
            Ok(status)
        }
        Action::Status => Ok(super::monitor::status(w, agent)),
        Action::MetaData | Action::Methods | Action::ValidateAll => Ok(OcfStatus::Success),
    }
}
