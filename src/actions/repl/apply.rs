//! Apply (docs/contract.md §5): the one executor of a replication decision. It runs the
//! steps in order, logs each change, and follows each step's failure policy, which is part
//! of the decision; it reports, it does not judge.

use std::time::Duration;

use super::super::{server, Agent};
use super::observe::BEST_EFFORT;
use crate::cluster::Crm;
use crate::error::{chain, Error, Result};
use crate::ocf::OcfStatus;
use crate::pg::queries;
use crate::replication::{
    rejoin, Attr, AttrChange, ClusterView, Decision, Effect, OnFail, Outcome,
};
use crate::world::World;

/// The executor of one action.
pub struct Executor<'a, W: World> {
    /// The outside world.
    pub w: &'a mut W,
    /// The invocation.
    pub agent: &'a Agent,
    /// This node.
    pub me: String,
    crm: Crm,
    /// The view, kept in step with the writes (for the log's "old -> new").
    view: ClusterView,
    /// Best-effort attribute writes failed once, or there was no snapshot: skip the rest.
    unreachable: bool,
    /// A monitor run by hand: log each step as what it would do, apply none
    /// (docs/contract.md §1.5).
    dry_run: bool,
}

impl<'a, W: World> Executor<'a, W> {
    /// An executor starting from `view`; `reachable` false when there was no snapshot.
    pub fn new(
        w: &'a mut W,
        agent: &'a Agent,
        me: &str,
        view: ClusterView,
        reachable: bool,
    ) -> Self {
        Executor {
            crm: super::observe::crm(agent),
            w,
            agent,
            me: me.to_string(),
            view,
            unreachable: !reachable,
            dry_run: agent.ctx.read_only(),
        }
    }

    /// What a step would do, as a hand-run monitor reports it instead of doing it.
    fn would(&self, e: &Effect) -> String {
        match e {
            Effect::Attr(AttrChange::Set { node, attr, value }) => format!(
                "change {} on {node}: {} -> {value}",
                attr.name(&self.crm.rsc),
                self.view.get(node, *attr).unwrap_or("")
            ),
            Effect::Attr(AttrChange::Delete { node, attr }) => {
                format!("delete {} on {node}", attr.name(&self.crm.rsc))
            }
            Effect::ReceiverStatus(Some(v)) => {
                format!("set {}-receiver-status to {v}", self.crm.rsc)
            }
            other => other.to_string(),
        }
    }

    async fn attr(&mut self, c: &AttrChange, best_effort: bool) -> Result<()> {
        match c {
            AttrChange::Set { node, attr, value } => tracing::info!(
                "changing {} on {node}: {} -> {value}",
                attr.name(&self.crm.rsc),
                self.view.get(node, *attr).unwrap_or("")
            ),
            AttrChange::Delete { node, attr } => {
                tracing::debug!("deleting {} on {node}", attr.name(&self.crm.rsc))
            }
        }
        let res = if best_effort {
            if self.unreachable {
                tracing::warn!("cluster unreachable: not recording {c}");
                return Ok(());
            }
            let mut quick = self.crm.clone();
            quick.deadline = crate::clock::within(BEST_EFFORT, self.crm.deadline);
            let r = quick.write(self.w, c).await;
            if r.is_err() {
                self.unreachable = true;
            }
            r
        } else {
            self.crm.write(self.w, c).await
        };
        self.view.apply(c);
        res
    }

    /// Runs one effect.
    pub async fn effect(&mut self, e: &Effect, best_effort: bool) -> Result<()> {
        let agent = self.agent;
        let deadline = agent.ctx.deadline;
        if server::apply_file_effect(self.w, agent, e)? {
            return Ok(());
        }
        match e {
            Effect::Attr(c) => self.attr(c, best_effort).await?,
            Effect::AttrIfServerDown(c) => {
                if self.w.postmaster().is_none() {
                    self.attr(c, best_effort).await?;
                }
            }
            Effect::ReceiverStatus(v) => {
                let mut quick = self.crm.clone();
                quick.deadline = crate::clock::within(super::super::receiver::BUDGET, deadline);
                quick.receiver_status(self.w, v.as_deref()).await?
            }
            Effect::BanSelf => {
                let me = self.me.clone();
                self.crm.ban(self.w, &agent.ctx.instance.full, &me).await?
            }
            Effect::Reload => {
                self.w.query(queries::RELOAD, deadline).await?;
            }
            Effect::LaunchServer => {
                server::prepare_and_launch(self.w, agent, server::Ready::MonitorSql).await?
            }
            Effect::LaunchStandby => {
                server::prepare_and_launch(self.w, agent, server::Ready::Standby).await?
            }
            Effect::CheckSyncStandbyNames { expected } => {
                self.w.disconnect();
                let sets = self.w.query(queries::SYNC_STANDBY_NAMES, deadline).await?;
                let names = sets
                    .first()
                    .and_then(|s| s.first())
                    .and_then(|r| r.first().cloned().flatten())
                    .unwrap_or_default();
                if names.trim() != expected.trim() {
                    return Err(Error::configured(format!(
                        "synchronous_standby_names is {names:?} at start: remove it from postgresql.conf (the agent manages it through rep_mode.conf)"
                    )));
                }
            }
            Effect::StopServer { standby } => server::stop_server(self.w, agent, *standby).await?,
            Effect::PromoteServer => server::promote(self.w, agent).await?,
            Effect::WaitPrimary => server::wait_primary(self.w, agent).await?,
            Effect::DropSlots(names) => {
                let sets = self.w.query(&queries::drop_slots(names), deadline).await?;
                for row in sets.first().into_iter().flatten() {
                    if let Some(Some(name)) = row.first() {
                        tracing::info!("dropped replication slot {name}");
                    }
                }
            }
            Effect::CreateSlot(name) => {
                self.w
                    .query(&queries::recreate_slot(name), deadline)
                    .await?;
                tracing::info!("created replication slot {name}");
            }
            Effect::RecordShutdown => self.record_shutdown().await,
            Effect::ProveRejoin { node, mark } => {
                let found = super::rejoin::find_checkpoint(self.w, agent, mark).await;
                let verdict = crate::replication::rejoin::verdict(&self.me, mark, &found);
                if verdict.starts_with("received") {
                    tracing::info!("rejoin of {node}: {verdict}");
                } else {
                    tracing::warn!("rejoin of {node}: {verdict}");
                }
                let c = AttrChange::Set {
                    node: node.clone(),
                    attr: Attr::RejoinProof,
                    value: verdict,
                };
                self.attr(&c, best_effort).await?
            }
            Effect::PrepareTmpdir
            | Effect::WriteFile { .. }
            | Effect::RemoveFile(_)
            | Effect::AddInclude(_)
            | Effect::RemoveInclude(_) => {}
        }
        Ok(())
    }

    /// Runs the decision's steps and returns its outcome, or the error of the step that
    /// aborted it.
    pub async fn run(&mut self, d: &Decision) -> Result<OcfStatus> {
        for (level, text) in &d.notes {
            log(*level, text);
        }
        let best_effort = d.best_effort_cluster;
        if self.dry_run {
            for step in &d.steps {
                tracing::info!(
                    "run by hand, not applied: would {}",
                    self.would(&step.effect)
                );
                if let Effect::Attr(c) = &step.effect {
                    self.view.apply(c);
                }
            }
            return outcome(d);
        }
        for step in &d.steps {
            let Err(e) = self.effect(&step.effect, best_effort).await else {
                continue;
            };
            match &step.on_fail {
                OnFail::Warn => {
                    tracing::warn!("{} failed, going on: {}", step.effect, chain(&e))
                }
                OnFail::Abort => return Err(e),
                OnFail::AbortAfter(then) => {
                    for t in then {
                        if let Err(e2) = Box::pin(self.effect(t, true)).await {
                            tracing::warn!("{t} failed too: {}", chain(&e2));
                        }
                    }
                    return Err(e);
                }
            }
        }
        outcome(d)
    }

    /// Once the server is down (§5.12): record its clean shutdown, or remove an older
    /// record; every failure here is a warning, PostgreSQL being down already.
    async fn record_shutdown(&mut self) {
        let control = super::rejoin::control_data(self.w, self.agent).await;
        let (effects, line) = rejoin::after_stop(&self.agent.cfg, &self.me, &control);
        tracing::info!("{line}");
        for e in effects {
            let gone = |v: &ClusterView, me: &str| {
                v.exists(me) && v.get(me, Attr::CleanShutdown).is_none()
            };
            if matches!(e, Effect::Attr(AttrChange::Delete { .. })) && gone(&self.view, &self.me) {
                continue;
            }
            if let Err(err) = Box::pin(self.effect(&e, true)).await {
                tracing::warn!("{e} failed, going on: {}", chain(&err));
            }
        }
    }

    /// The view after the writes so far.
    pub fn view(&self) -> &ClusterView {
        &self.view
    }

    /// Waits `d` when the deadline leaves room for it and one more look; false otherwise.
    pub async fn pause(&mut self, d: Duration) -> bool {
        if !crate::clock::has(d + Duration::from_secs(1), self.agent.ctx.deadline) {
            return false;
        }
        self.w.sleep(d).await;
        true
    }
}

fn outcome(d: &Decision) -> Result<OcfStatus> {
    match &d.outcome {
        Outcome::Status(s) => Ok(*s),
        Outcome::Failed(why) => Err(Error::failed(why.clone())),
        Outcome::Misconfigured(why) => Err(Error::configured(why.clone())),
    }
}

fn log(level: tracing::Level, text: &str) {
    match level {
        tracing::Level::ERROR => tracing::error!("{text}"),
        tracing::Level::WARN => tracing::warn!("{text}"),
        tracing::Level::INFO => tracing::info!("{text}"),
        _ => tracing::debug!("{text}"),
    }
}
