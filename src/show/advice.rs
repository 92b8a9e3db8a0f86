//! For each node that cannot start or be promoted, why in one sentence and what the
//! operator does about it, in the terms of README and the PG-REX procedures
//! (docs/contract.md §10.3). The election count follows the agent's own rule
//! (`replication::election::rounds_to_decide`). Pure.

use super::decide::{last_failure, pg_lsn, sync_value};
use super::model::{LocalPg, NodeRow, Problem, Seen};
use crate::pg::lsn::Lsn;
use crate::replication::election::{eligible, rounds_to_decide, sample};
use crate::replication::{Attr, AttrChange};

fn problem(node: &str, why: String, action: String) -> Problem {
    Problem {
        node: node.to_string(),
        why,
        action,
    }
}

/// The election as this node's next monitors will hold it: why and what to do.
fn election(seen: &Seen, node: &str, ds: Option<&str>) -> Problem {
    let s = &seen.settings;
    let facts = match &seen.local.pg {
        LocalPg::Up { facts: Some(f), .. } if node == seen.local.node && f.in_recovery => f,
        _ => {
            let loc = seen
                .view
                .get(node, Attr::XlogLoc)
                .and_then(Lsn::parse_attr)
                .map(|l| format!(" (xlog-loc {})", pg_lsn(l)))
                .unwrap_or_default();
            return problem(
                node,
                format!("no primary: an election may be in progress{loc}"),
                format!(
                    "wait a few monitor intervals; run pgsql show on {node} to see how many samples it still needs"
                ),
            );
        }
    };
    if s.rep_mode.is_none_or(|m| !eligible(m, ds)) {
        return problem(
            node,
            format!(
                "no primary, and its data is out of date (data-status {}): it cannot win the election",
                ds.unwrap_or("")
            ),
            "start the node whose data is newest (data-status LATEST) as the primary first, as the PG-REX start procedure does, then this one as its standby".into(),
        );
    }
    let Some(loc) = facts.location else {
        return problem(
            node,
            "no primary, and the standby reports no WAL position: it cannot take part in the election".into(),
            "look at the server log of this node".into(),
        );
    };
    let mut view = seen.view.clone();
    view.apply(&AttrChange::Set {
        node: node.to_string(),
        attr: Attr::XlogLoc,
        value: loc.to_string(),
    });
    let content = sample(&view, &s.node_list);
    let n = rounds_to_decide(&content, &seen.local.notes, s.xlog_check_count);
    // the nodes at the newest position of the sample (each line "node position")
    let at: Vec<(&str, &str)> = content.lines().filter_map(|l| l.split_once(' ')).collect();
    let top = at.iter().map(|(_, l)| *l).max().unwrap_or_default();
    let leaders: Vec<&str> = at
        .iter()
        .filter(|(who, l)| *l == top && *who != node)
        .map(|(who, _)| *who)
        .collect();
    let top = Lsn::parse_attr(top).map(pg_lsn).unwrap_or_default();
    let mine = at.iter().all(|(_, l)| *l <= loc.to_string().as_str());
    let plural = |n: u32, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let wait = format!("wait about {}", plural(n, "monitor interval"));
    problem(
        node,
        format!(
            "no primary: an election is in progress; it needs {} with unchanged WAL positions (xlog_check_count {}) before it decides",
            plural(n, "more monitor"),
            s.xlog_check_count
        ),
        match (mine, leaders.is_empty()) {
            (true, true) => format!(
                "{wait}: this node has the newest data ({top}) and will claim promotion"
            ),
            (true, false) => format!(
                "{wait}: this node and {} have the newest data ({top}); each claims promotion and Pacemaker promotes one",
                leaders.join(", ")
            ),
            (false, _) => format!(
                "{wait}: {} {} newer data ({top}); this node will mark itself DISCONNECT and leave it to that node",
                leaders.join(", "),
                if leaders.len() == 1 { "has" } else { "have" }
            ),
        },
    )
}

/// The problems of every row's node, in row order.
pub fn problems(seen: &Seen, rows: &[NodeRow]) -> Vec<Problem> {
    let s = &seen.settings;
    let clone = &seen.resource.clone;
    let has_primary = rows.iter().any(|r| r.role == "Promoted");
    let want = sync_value(seen);
    let mut out = Vec::new();
    for r in rows {
        let node = r.name.as_str();
        let cleanup = format!("crm_resource --cleanup -r {clone} --node {node}");
        let ds = r.data_status.as_deref();
        let before = out.len();
        if !seen.view.exists(node) {
            out.push(problem(
                node,
                "node_list names it, but the cluster does not know this node".into(),
                "add the node to the cluster, or remove it from node_list".into(),
            ));
            continue;
        }
        if !r.online {
            out.push(problem(
                node,
                "the node is offline (not a cluster member): nothing runs there".into(),
                "bring it back (start corosync and pacemaker there; after fencing, find out why first); it rejoins as a standby".into(),
            ));
            continue;
        }
        let failure = last_failure(seen, node);
        let lock_failure = failure.is_some_and(|f| f.exitreason.contains("PGSQL.lock"));
        let lock_here = node == seen.local.node && seen.local.lock == Some(true);
        let lock = s.tmpdir.join("PGSQL.lock");
        if r.role != "Promoted" && (lock_here || lock_failure) {
            if r.role == "Unpromoted" {
                out.push(problem(
                    node,
                    format!(
                        "{} is still there: its next start will be refused",
                        lock.display()
                    ),
                    format!(
                        "once its data is known good (it streams from the primary), remove {}",
                        lock.display()
                    ),
                ));
            } else {
                out.push(problem(
                    node,
                    "PGSQL.lock exists: it was the primary before a failover, so its start is refused (its data may have diverged)".into(),
                    format!(
                        "check its data; rebuild it from the new primary (as {}: pg_basebackup -h {} -D {} -X stream, into an emptied data directory) or run the documented rejoin; then remove {} and run {cleanup}",
                        s.pgdba,
                        s.master_ip,
                        s.pgdata.display(),
                        lock.display()
                    ),
                ));
            }
            continue;
        }
        if r.role == "failed" {
            let what = failure.map_or_else(
                || "an operation failed".to_string(),
                |f| {
                    let reason = if f.exitreason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", f.exitreason)
                    };
                    format!("its last {} failed ({}{reason})", f.task, f.exitstatus)
                },
            );
            out.push(problem(
                node,
                format!("{what}; fail-count {}", r.fail_count),
                format!("fix what the reason names, then run {cleanup}"),
            ));
            continue;
        }
        if r.status.as_deref() == Some("UNKNOWN") {
            out.push(problem(
                node,
                "its last stop failed (status UNKNOWN): nobody knows whether PostgreSQL still runs there".into(),
                format!("make sure PostgreSQL is down there (stop it, or fence the node), then run {cleanup}"),
            ));
            continue;
        }
        match r.role.as_str() {
            "Unpromoted" if !has_primary => out.push(election(seen, node, ds)),
            "Unpromoted" if ds == Some("DISCONNECT") => out.push(problem(
                node,
                "it runs as a standby but does not stream from the primary (data-status DISCONNECT): it is behind and cannot be promoted".into(),
                format!("wait for it to catch up (data-status {want}); if it does not, rebuild it from the primary"),
            )),
            "Unpromoted" if ds.is_some_and(|d| d.starts_with("CATCHUP")) => out.push(problem(
                node,
                format!("it is catching up with the primary ({}): it cannot be promoted yet", ds.unwrap_or("")),
                format!("wait: it becomes {want} once it has caught up"),
            )),
            "Stopped" => out.push(problem(
                node,
                format!(
                    "it does not run and Pacemaker shows no failure there (a ban, node standby, a constraint or target-role?){}",
                    if ds == Some("DISCONNECT") {
                        "; its data-status DISCONNECT keeps it from being promoted"
                    } else {
                        ""
                    }
                ),
                format!("look at crm_resource --constraints -r {clone} and crm_mon; a ban goes with crm_resource --clear -r {clone}"),
            )),
            _ => {}
        }
        if out.len() == before && r.fail_count != "0" {
            let what =
                failure.map_or_else(String::new, |f| format!(" ({} {})", f.task, f.exitstatus));
            out.push(problem(
                node,
                format!(
                    "an operation failed there before{what}: fail-count {}",
                    r.fail_count
                ),
                format!("once the cause is fixed, run {cleanup} to reset the count"),
            ));
        }
    }
    out
}
