//! Decide, for `pgsql show` (docs/contract.md §10.3): from what was seen, one row per
//! node of node_list, the problems of each node (`advice`) and the cluster's verdict.
//! Pure: no I/O, no clock.

use super::advice;
use super::model::{LocalPg, NodeRow, Report, Seen, Verdict};
use crate::cluster::history::{fail_count_text, Failure};
use crate::config::RepMode;
use crate::pg::lsn::Lsn;
use crate::replication::Attr;

/// `X/Y`, as PostgreSQL writes a WAL position.
pub fn pg_lsn(l: Lsn) -> String {
    format!("{:X}/{:X}", l.0 >> 32, l.0 & 0xFFFF_FFFF)
}

/// The nodes show reports: node_list, then promoted nodes it does not name.
pub fn nodes(seen: &Seen) -> Vec<String> {
    let mut out = seen.settings.node_list.clone();
    for p in &seen.view.promoted {
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

/// The last failure on `node`.
pub fn last_failure<'a>(seen: &'a Seen, node: &str) -> Option<&'a Failure> {
    seen.details.failures.iter().rfind(|f| f.node == node)
}

/// `Promoted`, `Unpromoted`, `Stopped`, or `failed` (crm_mon says so, or it does not run
/// and an operation of it failed there).
pub fn role(seen: &Seen, node: &str) -> String {
    match seen.details.instances.get(node) {
        Some(i) if i.failed => "failed".into(),
        Some(i) => i.role.clone(),
        None if last_failure(seen, node).is_some() => "failed".into(),
        None => "Stopped".into(),
    }
}

/// The standby data-status that makes a cluster healthy in this rep_mode.
pub fn sync_value(seen: &Seen) -> &'static str {
    if seen.settings.rep_mode == Some(RepMode::Async) {
        "STREAMING|ASYNC"
    } else {
        "STREAMING|SYNC"
    }
}

fn row(seen: &Seen, node: &str) -> NodeRow {
    let get = |a| seen.view.get(node, a).map(str::to_string);
    let mut r = NodeRow {
        name: node.to_string(),
        online: seen.view.online(node),
        role: role(seen, node),
        status: get(Attr::Status),
        data_status: get(Attr::DataStatus),
        score: get(Attr::Score),
        wal: None,
        wal_source: None,
        lag_bytes: None,
        lag_seconds: None,
        lock: None,
        fail_count: fail_count_text(seen.details.history.get(node).map_or(0, |h| h.fail_count)),
        last_failure: last_failure(seen, node).map(|f| {
            let reason = if f.exitreason.is_empty() {
                String::new()
            } else {
                format!(": {}", f.exitreason)
            };
            format!("{} {}{reason} ({})", f.task, f.exitstatus, f.when)
        }),
    };
    let local = &seen.local;
    if node == local.node {
        r.lock = local.lock;
        if let LocalPg::Up {
            facts: Some(f),
            own_lag,
            ..
        } = &local.pg
        {
            r.wal = f.location.map(pg_lsn);
            r.wal_source = Some("local server".into());
            if f.in_recovery {
                (r.lag_bytes, r.lag_seconds) = *own_lag;
            } else {
                (r.lag_bytes, r.lag_seconds) = (Some(0), Some(0.0));
            }
        }
    } else if let LocalPg::Up {
        facts: Some(f),
        standbys,
        ..
    } = &local.pg
    {
        if let Some(s) = standbys
            .iter()
            .find(|s| s.app == node)
            .filter(|_| !f.in_recovery)
        {
            r.wal = s.replay.clone();
            r.wal_source = Some("pg_stat_replication".into());
            r.lag_bytes = s.bytes;
            r.lag_seconds = s.seconds;
        }
    }
    if r.wal.is_none() {
        if let Some(l) = seen.view.get(node, Attr::XlogLoc).and_then(Lsn::parse_attr) {
            r.wal = Some(pg_lsn(l));
            r.wal_source = Some("xlog-loc".into());
        }
    }
    r
}

/// The whole report.
pub fn decide(seen: &Seen) -> Report {
    let rows: Vec<NodeRow> = nodes(seen).iter().map(|n| row(seen, n)).collect();
    let problems = advice::problems(seen, &rows);
    let primaries: Vec<&NodeRow> = rows.iter().filter(|r| r.role == "Promoted").collect();
    let want = sync_value(seen);
    let standby = rows
        .iter()
        .find(|r| r.role == "Unpromoted" && r.data_status.as_deref() == Some(want));
    let (verdict, summary) = match (primaries.as_slice(), standby) {
        ([], _) => (
            Verdict::NoPrimary,
            "no primary: PostgreSQL takes no writes".to_string(),
        ),
        ([p], Some(s)) if problems.is_empty() => (
            Verdict::Healthy,
            format!(
                "healthy: {} is the primary, {} its {want} standby",
                p.name, s.name
            ),
        ),
        ([p], Some(s)) => (
            Verdict::Degraded,
            format!(
                "degraded: {} is the primary, {} its {want} standby, but a node needs attention",
                p.name, s.name
            ),
        ),
        ([p], None) => (
            Verdict::Degraded,
            format!(
                "degraded: {} is the primary without a {want} standby (no failover target)",
                p.name
            ),
        ),
        (many, _) => (
            Verdict::Degraded,
            format!(
                "degraded: {} primaries ({})",
                many.len(),
                many.iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    };
    let mut notes = Vec::new();
    match &seen.local.pg {
        LocalPg::Unknown(why) => notes.push(format!("local PostgreSQL not read: {why}")),
        LocalPg::Up {
            facts: None,
            error: Some(e),
            ..
        } => notes.push(format!("local PostgreSQL did not answer: {e}")),
        _ => {}
    }
    Report {
        clone: seen.resource.clone.clone(),
        resource: seen.resource.primitive.clone(),
        agent: seen.resource.agent.clone(),
        rep_mode: seen
            .resource
            .param("rep_mode")
            .unwrap_or("none")
            .to_string(),
        local_node: seen.local.node.clone(),
        verdict,
        summary,
        nodes: rows,
        problems,
        notes,
    }
}
