//! The promotable clone (rep_mode async / sync): the context every replication action
//! shares (this node's name, one cluster snapshot, the agent's files in tmpdir) and the
//! helpers that apply the state machine's decisions.

pub mod monitor;
pub mod notify;
pub mod promote;
pub mod start_stop;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use tokio_postgres::Client;

use super::Agent;
use crate::cluster::Crm;
use crate::config::RepMode;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::ocf::Action;
use crate::pg::{conffile, queries, sql};
use crate::replication::control::{self, control_pass};
use crate::replication::{Attr, ClusterView, Plan};

/// How long stop and demote may spend on one round of cluster tool calls.
const BEST_EFFORT: Duration = Duration::from_secs(5);

/// Records `<rsc>-status=UNKNOWN` for this node (stop with an unusable configuration).
pub async fn mark_unknown(ctx: &super::Ctx) -> Result<()> {
    let crm = Crm {
        rsc: ctx.instance.resource.clone(),
        deadline: ctx.deadline,
        forever_timeout: std::time::Duration::from_secs(5),
    };
    let me = ctx.local_node_name().await;
    let view = crm.snapshot().await?;
    let mut p = Plan::new(&me, view.clone());
    p.set(&me, Attr::Status, "UNKNOWN");
    crm.apply(&p.effects, &view).await
}

/// A replication action in progress.
pub struct Repl<'a> {
    pub agent: &'a Agent,
    pub crm: Crm,
    pub me: String,
    /// The snapshot taken at the start of the action, updated with our own writes.
    pub view: ClusterView,
    /// Stop/demote found the cluster tools failing: skip further attribute writes.
    unreachable: bool,
}

impl<'a> Repl<'a> {
    pub async fn new(agent: &'a Agent) -> Result<Repl<'a>> {
        let crm = Crm {
            rsc: agent.ctx.instance.resource.clone(),
            deadline: agent.ctx.deadline,
            forever_timeout: agent.cfg.crm_attr_timeout,
        };
        let me = agent.local_node_name().await;
        let mut unreachable = false;
        let view = match agent.ctx.action {
            // stop and demote must not fail because the cluster tools do: they work from
            // what they can see and keep their attribute writes best-effort
            Action::Stop | Action::Demote => {
                let mut quick = crm.clone();
                quick.deadline = (Instant::now() + BEST_EFFORT).min(crm.deadline);
                quick.snapshot().await.unwrap_or_else(|e| {
                    tracing::warn!("no cluster snapshot ({e}); stopping anyway");
                    unreachable = true;
                    ClusterView {
                        rsc: crm.rsc.clone(),
                        ..Default::default()
                    }
                })
            }
            _ => crm.snapshot().await?,
        };
        Ok(Repl {
            agent,
            crm,
            me,
            view,
            unreachable,
        })
    }

    /// Stop and demote: attribute writes get a short budget and their failure is a warning.
    fn best_effort(&self) -> bool {
        matches!(self.agent.ctx.action, Action::Stop | Action::Demote)
    }

    pub fn tmp(&self, name: &str) -> PathBuf {
        self.agent.cfg.tmpdir.join(name)
    }

    pub fn lock_file(&self) -> PathBuf {
        self.tmp("PGSQL.lock")
    }

    pub fn plan(&self) -> Plan {
        Plan::new(&self.me, self.view.clone())
    }

    /// Applies the plan's effects and keeps the view in step.
    pub async fn commit(&mut self, plan: Plan) -> Result<()> {
        for s in &plan.skipped {
            tracing::warn!("{s}");
        }
        if self.best_effort() {
            if self.unreachable && !plan.effects.is_empty() {
                tracing::warn!("cluster unreachable: not recording {:?}", plan.effects);
            } else if !self.unreachable {
                let mut quick = self.crm.clone();
                quick.deadline = (Instant::now() + BEST_EFFORT).min(self.crm.deadline);
                if let Err(e) = quick.apply(&plan.effects, &self.view).await {
                    tracing::warn!("attribute update failed, going on: {e}");
                    self.unreachable = true;
                }
            }
        } else {
            self.crm.apply(&plan.effects, &self.view).await?;
        }
        self.view = plan.view;
        Ok(())
    }

    /// Sets one of this node's own attributes (written only on change).
    pub async fn set_own(&mut self, attr: Attr, value: &str) -> Result<()> {
        let mut p = self.plan();
        let me = self.me.clone();
        p.set(&me, attr, value);
        self.commit(p).await
    }

    pub async fn delete_own(&mut self, attr: Attr) -> Result<()> {
        let mut p = self.plan();
        let me = self.me.clone();
        p.delete(&me, attr);
        self.commit(p).await
    }

    pub async fn connect(&self) -> Result<Client> {
        Ok(sql::connect(&self.agent.sql_target(), self.agent.ctx.deadline).await?)
    }

    /// Removes every `xlog_note.N`.
    pub fn remove_notes(&self) -> Result<()> {
        for (i, _) in self.read_notes() {
            fsutil::remove_if_exists(&self.tmp(&format!("xlog_note.{i}")))?;
        }
        Ok(())
    }

    /// The note files by index.
    pub fn read_notes(&self) -> BTreeMap<u32, String> {
        let mut out = BTreeMap::new();
        if let Ok(dir) = std::fs::read_dir(&self.agent.cfg.tmpdir) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if let Some(i) = name.strip_prefix("xlog_note.").and_then(|n| n.parse().ok()) {
                    out.insert(i, std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        out
    }

    pub fn write_file(&self, path: &Path, text: &str) -> Result<()> {
        fsutil::write_atomic(path, text.as_bytes(), Some(&self.agent.pgdba), 0o600)
    }

    /// rep_mode.conf naming `standby` (sync mode only).
    pub fn write_rep_mode(&self, standby: Option<&str>) -> Result<()> {
        if self.agent.cfg.rep_mode != RepMode::Sync {
            return Ok(());
        }
        super::start::ensure_tmpdir(self.agent)?;
        let text = control::rep_mode_conf(standby, &self.agent.cfg.external_standby_node_list);
        tracing::info!(
            "synchronous standby: {}",
            standby.unwrap_or("none (all standbys async)")
        );
        self.write_file(&self.tmp("rep_mode.conf"), &text)
    }

    /// The include lines of postgresql.conf this mode needs: the recovery configuration
    /// (PostgreSQL 12+) and rep_mode.conf (sync; removed in async).
    pub fn ensure_includes(&self) -> Result<()> {
        let agent = self.agent;
        super::start::ensure_tmpdir(agent)?;
        let rep_mode = self.tmp("rep_mode.conf");
        if agent.cfg.rep_mode == RepMode::Sync {
            if !rep_mode.exists() {
                self.write_rep_mode(None)?;
            }
            super::start::ensure_include(agent, &rep_mode)?;
        } else {
            let conf = &agent.cfg.config;
            let text = std::fs::read_to_string(conf)
                .map_err(|e| Error::io(format!("cannot read {}", conf.display()), e))?;
            if let Some(new) = conffile::without_include(&text, &rep_mode) {
                super::start::rewrite_keeping_owner(conf, &new)?;
                tracing::info!("removed the rep_mode.conf include from {}", conf.display());
            }
        }
        Ok(())
    }

    /// The primary's standby control pass, with rep_mode.conf kept in step; after naming a
    /// new synchronous standby it looks once more 2 s later.
    pub async fn control_standbys(&mut self, client: &Client) -> Result<()> {
        let cfg = &self.agent.cfg;
        let deadline = self.agent.ctx.deadline;
        for round in 0..2 {
            let rows = queries::replication_rows(client, deadline).await?;
            let current = std::fs::read_to_string(self.tmp("rep_mode.conf"))
                .ok()
                .and_then(|t| control::named_standby(&t, &cfg.node_list));
            let mut plan = self.plan();
            let d = control_pass(&mut plan, cfg.rep_mode, &cfg.node_list, &rows, current);
            self.commit(plan).await?;
            if d.changed && cfg.rep_mode == RepMode::Sync {
                self.write_rep_mode(d.standby.as_deref())?;
                queries::reload(client, deadline).await?;
            }
            if !(d.recontrol && round == 0) {
                break;
            }
            if tokio::time::Instant::now() + std::time::Duration::from_secs(3) >= deadline {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            tracing::info!("looking at the standbys again");
        }
        Ok(())
    }
}
