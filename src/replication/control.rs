//! The primary's standby control pass (docs/contract.md §5.3): from `pg_stat_replication`, set
//! each other node's data-status, promotion score and status, and keep exactly one
//! synchronous standby named in rep_mode.conf (sync mode).

use super::{Attr, Plan, CAN_NOT_PROMOTE, CAN_PROMOTE};
use crate::config::RepMode;
pub use crate::pg::facts::ReplicationRow as Row;

/// What the pass decided about rep_mode.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDecision {
    /// The cluster node named synchronous standby after the pass.
    pub standby: Option<String>,
    /// rep_mode.conf must be rewritten and the server reloaded.
    pub changed: bool,
    /// A standby was just named: look again in 2 s, it will report SYNC then.
    pub recontrol: bool,
}

/// Runs the pass for every node of `node_list` but `plan.me`. `standby` is the node
/// rep_mode.conf names now.
pub fn control_pass(
    plan: &mut Plan,
    mode: RepMode,
    node_list: &[String],
    rows: &[Row],
    standby: Option<String>,
) -> SyncDecision {
    let sync = mode == RepMode::Sync;
    let mut d = SyncDecision {
        standby,
        changed: false,
        recontrol: false,
    };
    let me = plan.me.clone();
    for target in node_list.iter().filter(|n| **n != me) {
        let seen = rows
            .iter()
            .find(|r| &r.app == target)
            .map(|r| format!("{}|{}", r.state, r.sync))
            .unwrap_or_else(|| "DISCONNECT".to_string());
        let drop_to_async = |d: &mut SyncDecision| {
            if sync && d.standby.as_deref() == Some(target) {
                d.standby = None;
                d.changed = true;
            }
        };
        match seen.as_str() {
            "STREAMING|SYNC" => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_PROMOTE);
                plan.set(target, Attr::Status, "HS:sync");
            }
            "STREAMING|ASYNC" => {
                plan.set(target, Attr::DataStatus, &seen);
                if sync {
                    plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                    if d.standby.is_none() {
                        d.standby = Some(target.clone());
                        d.changed = true;
                        d.recontrol = true;
                    }
                } else if node_list.len() <= 2 {
                    plan.set(target, Attr::Score, CAN_PROMOTE);
                } else {
                    // with several async standbys nobody can tell which one is newest
                    plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                }
                plan.set(target, Attr::Status, "HS:async");
            }
            "STREAMING|POTENTIAL" => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                plan.set(target, Attr::Status, "HS:potential");
            }
            "DISCONNECT" => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                drop_to_async(&mut d);
            }
            _ => {
                plan.set(target, Attr::DataStatus, &seen);
                plan.set(target, Attr::Score, CAN_NOT_PROMOTE);
                drop_to_async(&mut d);
                plan.set(target, Attr::Status, "HS:connected");
            }
        }
    }
    d
}

/// A standby name as a quoted identifier of synchronous_standby_names (`"` doubled).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The synchronous_standby_names value naming `standby` and the external standbys
/// `external` (those streaming now): empty, one name, or `FIRST n (...)`.
pub fn sync_names(standby: Option<&str>, external: &[String]) -> String {
    let mut names: Vec<String> = standby.into_iter().map(str::to_string).collect();
    names.extend(external.iter().cloned());
    match names.len() {
        0 => String::new(),
        _ if external.is_empty() => ident(&names[0]),
        n => format!(
            "FIRST {n} ({})",
            names
                .iter()
                .map(|s| ident(s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// rep_mode.conf text naming `standby` and the external standbys `external`.
pub fn rep_mode_conf(standby: Option<&str>, external: &[String]) -> String {
    format!(
        "synchronous_standby_names = {}\n",
        crate::pg::conffile::quote_value(&sync_names(standby, external))
    )
}

/// The cluster node rep_mode.conf names as synchronous standby, if any.
pub fn named_standby(conf_text: &str, node_list: &[String]) -> Option<String> {
    let v = crate::pg::conffile::setting(conf_text, "synchronous_standby_names")?;
    node_list.iter().find(|n| v.contains(&ident(n))).cloned()
}

/// The standbys of external_standby_node_list that rep_mode.conf names now.
pub fn named_externals(conf_text: &str, external: &[String]) -> Vec<String> {
    let Some(v) = crate::pg::conffile::setting(conf_text, "synchronous_standby_names") else {
        return Vec::new();
    };
    external
        .iter()
        .filter(|e| v.contains(&ident(e)))
        .cloned()
        .collect()
}

/// The standbys of external_standby_node_list that pg_stat_replication shows STREAMING
/// (application names compare without case, as PostgreSQL compares them), in list order:
/// only those are named, so a lost external standby never stalls commits.
pub fn streaming_externals(external: &[String], rows: &[Row]) -> Vec<String> {
    external
        .iter()
        .filter(|e| {
            rows.iter()
                .any(|r| r.app.eq_ignore_ascii_case(e) && r.state == "STREAMING")
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests;
