//! Observe, for `pgsql show` (docs/contract.md §10.2): the resource from the CIB
//! (`cibadmin --query --scope=resources`), one snapshot (`crm_mon`, plus `cibadmin
//! --scope=nodes` while a node is offline), this node's name, and the local server (the
//! facts query and one lag query as pgdba), PGSQL.lock and the election notes in tmpdir.
//! Every read goes through `World` and the existing cluster and pg modules; nothing is
//! written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use super::cib::{self, Resource};
use super::model::{Local, LocalPg, Seen, Settings, StandbyLag};
use crate::actions::repl::observe::server_facts;
use crate::actions::{frozen, node_name, Agent, Ctx};
use crate::cluster::{history, Crm};
use crate::config::{Config, RepMode};
use crate::error::{chain, Error, Result};
use crate::exec::RunAs;
use crate::ocf::{Action, Env};
use crate::params::default_of;
use crate::pg::facts::ServerFacts;
use crate::pg::lsn::Lsn;
use crate::pg::queries;
use crate::pg::version::PgVersion;
use crate::world::{Rows, World};

/// How long the cluster reads may take, retries included.
pub const CLUSTER_BUDGET: Duration = Duration::from_secs(5);
/// The operation timeout the local reads are given (deadline: 27 s).
pub const LOCAL_TIMEOUT_MS: &str = "30000";

/// The parameters show needs, with the defaults of `params.rs`.
pub fn settings(r: &Resource) -> Settings {
    let get = |k: &str| r.param(k).unwrap_or(default_of(k)).to_string();
    Settings {
        rep_mode: RepMode::parse(&get("rep_mode")),
        node_list: crate::ocf::env::split_nodes(&get("node_list")),
        xlog_check_count: get("xlog_check_count").trim().parse().unwrap_or(3),
        pgdata: PathBuf::from(get("pgdata")),
        tmpdir: PathBuf::from(get("tmpdir")),
        pgdba: get("pgdba"),
        master_ip: get("master_ip"),
    }
}

/// The environment an agent of `r` on node `me` would get from Pacemaker (a status call:
/// the local reads get its deadline).
pub fn agent_env(r: &Resource, me: &str, process: &Env) -> Env {
    let mut pairs: Vec<(String, String)> = r
        .params
        .iter()
        .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.clone()))
        .collect();
    pairs.push(("OCF_RESKEY_CRM_meta_promotable".into(), "true".into()));
    pairs.push(("OCF_RESKEY_CRM_meta_on_node".into(), me.into()));
    pairs.push((
        "OCF_RESKEY_CRM_meta_timeout".into(),
        LOCAL_TIMEOUT_MS.into(),
    ));
    pairs.push(("OCF_RESOURCE_INSTANCE".into(), r.primitive.clone()));
    if let Some(p) = process.get("PATH") {
        pairs.push(("PATH".into(), p.into()));
    }
    Env::from_pairs(pairs)
}

fn cell(rows: &Rows, r: usize, c: usize) -> Option<&str> {
    rows.get(r)?.get(c)?.as_deref()
}

/// The lag rows of [`queries::SHOW_STANDBY_LAG`].
pub fn parse_standby_lag(sets: &[Rows]) -> Vec<StandbyLag> {
    let Some(rows) = sets.first() else {
        return Vec::new();
    };
    (0..rows.len())
        .map(|i| StandbyLag {
            app: cell(rows, i, 0).unwrap_or_default().to_lowercase(),
            replay: cell(rows, i, 1)
                .and_then(Lsn::parse)
                .map(super::decide::pg_lsn),
            bytes: cell(rows, i, 2).and_then(|v| v.parse().ok()),
            seconds: cell(rows, i, 3).and_then(|v| v.parse().ok()),
        })
        .collect()
}

/// The row of [`queries::SHOW_OWN_LAG`]: bytes behind, and seconds while behind.
pub fn parse_own_lag(sets: &[Rows]) -> (Option<i64>, Option<f64>) {
    let Some(rows) = sets.first() else {
        return (None, None);
    };
    let bytes: Option<i64> = cell(rows, 0, 0).and_then(|v| v.parse().ok());
    let secs = match bytes {
        Some(0) => Some(0.0),
        _ => cell(rows, 0, 1).and_then(|v| v.parse().ok()),
    };
    (bytes, secs)
}

async fn local_pg(agent: &Agent) -> LocalPg {
    let mut w = agent.world();
    let Some(pid) = w.postmaster() else {
        return LocalPg::Down;
    };
    let up = |facts: Option<ServerFacts>, error: Option<String>| LocalPg::Up {
        facts,
        error,
        standbys: Vec::new(),
        own_lag: (None, None),
    };
    if let Some(how) = frozen::stays_stopped(&mut w, pid, agent.ctx.deadline).await {
        return up(None, Some(frozen::cannot_answer(pid, how)));
    }
    let facts = match server_facts(&mut w, agent).await {
        Ok(f) => f,
        Err(e) => return up(None, Some(chain(&e))),
    };
    let modern = agent.version.is_none_or(|v| v >= PgVersion::new(10, 0));
    let (mut standbys, mut own_lag) = (Vec::new(), (None, None));
    if modern {
        let sql = if facts.in_recovery {
            queries::SHOW_OWN_LAG
        } else {
            queries::SHOW_STANDBY_LAG
        };
        match w.query(sql, agent.ctx.deadline).await {
            Ok(sets) if facts.in_recovery => own_lag = parse_own_lag(&sets),
            Ok(sets) => standbys = parse_standby_lag(&sets),
            Err(e) => tracing::warn!("no replication lag: {}", chain(&e)),
        }
    }
    LocalPg::Up {
        facts: Some(facts),
        error: None,
        standbys,
        own_lag,
    }
}

fn local_files<W: World>(w: &W, s: &Settings) -> (Option<bool>, BTreeMap<u32, String>) {
    let mut notes = BTreeMap::new();
    for name in w.list_dir(&s.tmpdir) {
        if let Some(i) = name
            .strip_prefix("xlog_note.")
            .and_then(|n| n.parse::<u32>().ok())
        {
            notes.insert(i, w.read_file(&s.tmpdir.join(&name)).unwrap_or_default());
        }
    }
    let lock = w.exists(&s.tmpdir.join("PGSQL.lock"));
    let known = lock || w.exists(&s.tmpdir);
    (known.then_some(lock), notes)
}

/// Reads everything show reports. A cluster that cannot be read is an error naming
/// what could not be read; the local server that cannot be read is a fact of the report.
pub async fn observe<W: World>(w: &mut W, env: &Env, wanted: Option<&str>) -> Result<Seen> {
    let mut crm = Crm::new(
        "",
        crate::clock::after(Instant::now(), CLUSTER_BUDGET),
        Duration::from_secs(5),
        env,
    );
    let xml = crm
        .resources_xml(w)
        .await
        .map_err(|e| Error::failed(format!("cannot read the CIB's resources: {}", chain(&e))))?;
    let resource =
        cib::choose(cib::resources(&xml).map_err(Error::failed)?, wanted).map_err(Error::failed)?;
    crm.rsc = resource.primitive.clone();
    let (view, mon) = crm
        .snapshot_with_xml(w)
        .await
        .map_err(|e| Error::failed(format!("cannot read the cluster's state: {}", chain(&e))))?;
    let details = history::parse(&mon, &crm.rsc)
        .map_err(|e| Error::failed(format!("cannot read the cluster's state: {e}")))?;
    let settings = settings(&resource);
    let probe = Ctx::new(agent_env(&resource, "", env), Action::Status);
    let me = node_name(w, &probe).await;
    let ctx = Ctx::new(agent_env(&resource, &me, env), Action::Status);
    let pg = match Config::from_env(&ctx.env, &ctx.meta) {
        Err(e) => LocalPg::Unknown(format!("the parameters do not hold here: {}", chain(&e))),
        Ok(cfg) => match RunAs::lookup(&cfg.pgdba) {
            None => LocalPg::Unknown(format!("user {:?} (pgdba) does not exist here", cfg.pgdba)),
            Some(pgdba) => {
                let version = PgVersion::read(&cfg.pgdata);
                let agent = Agent {
                    ctx,
                    cfg,
                    pgdba,
                    version,
                };
                local_pg(&agent).await
            }
        },
    };
    let (lock, notes) = local_files(&*w, &settings);
    Ok(Seen {
        resource,
        settings,
        view,
        details,
        local: Local {
            node: me,
            pg,
            lock,
            notes,
        },
    })
}
