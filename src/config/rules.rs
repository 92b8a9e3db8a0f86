//! Level-0 rules that keep bad values from damaging anything (docs/contract.md §3.1): tmpdir
//! outside pgdata, PostgreSQL never run as root, node names that are safe in slot names,
//! SQL literals and synchronous_standby_names, slot names within PostgreSQL's 63 bytes.
//! Contract: docs/contract.md §3.1.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::{Config, Error};
use crate::ocf::Meta;
use crate::pg::conffile::slot_name;

/// PostgreSQL's NAMEDATALEN - 1: the longest slot name it accepts.
pub const MAX_SLOT_NAME: usize = 63;

/// `p` with `.` dropped and `..` applied, without asking the file system.
pub fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// A node name the agent can put into a slot name, an SQL literal, a conninfo value and
/// synchronous_standby_names: letters, digits, `.`, `-` and `_`.
pub fn safe_node_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn bad(m: String) -> Result<(), Error> {
    Err(Error::configured(m))
}

fn check_names(what: &str, raw: &str, names: &[String]) -> Result<(), Error> {
    if raw.contains(',') {
        return bad(format!(
            "{what} {raw:?} must be separated by spaces, not commas"
        ));
    }
    let mut seen = BTreeSet::new();
    for n in names {
        if !safe_node_name(n) {
            return bad(format!(
                "{what}: {n:?} may contain only letters, digits, '.', '-' and '_' (it is used in slot names, SQL and synchronous_standby_names)"
            ));
        }
        if !seen.insert(n.as_str()) {
            return bad(format!("{what} names {n} twice"));
        }
    }
    Ok(())
}

/// Prefixes of node attribute names that `crm_mon` never shows (Pacemaker hides
/// `shutdown`, `terminate`, `standby` and `#...`; checked on Pacemaker 2.1.5).
pub const HIDDEN_ATTR_PREFIXES: [&str; 4] = ["shutdown", "terminate", "standby", "#"];

/// A replication resource whose id starts with a hidden prefix would lose its
/// `<rsc>-status`, `-data-status` and `-xlog-loc` from the snapshot, and the election
/// would read an empty data-status as eligible: refused.
pub fn check_resource_id(rsc: &str, replication: bool) -> Result<(), Error> {
    if !replication {
        return Ok(());
    }
    match HIDDEN_ATTR_PREFIXES.iter().find(|p| rsc.starts_with(**p)) {
        Some(p) => bad(format!(
            "the resource id {rsc:?} starts with {p:?}: crm_mon hides node attributes whose names start so ({rsc}-status, {rsc}-data-status), so the agent could not read them back; rename the resource"
        )),
        None => Ok(()),
    }
}

/// The rules, for `cfg` as parsed from `raw_node_list` / `raw_external`, of resource `rsc`.
pub fn check(cfg: &Config, meta: &Meta, rsc: &str) -> Result<(), Error> {
    let (pgdata, tmpdir) = (lexical(&cfg.pgdata), lexical(&cfg.tmpdir));
    if cfg.rep_mode.uses_recovery_config() && tmpdir.starts_with(&pgdata) {
        return bad(format!(
            "tmpdir {} must not be pgdata or inside it (PostgreSQL refuses to start, and pg_basebackup would copy PGSQL.lock)",
            cfg.tmpdir.display()
        ));
    }
    if cfg.pgdba == "root" {
        return bad("pgdba must not be root: PostgreSQL refuses to run as root".into());
    }
    if cfg.rep_mode.is_replication() {
        check_names("node_list", &cfg.raw_node_list, &cfg.node_list)?;
        if let Some(me) = &meta.on_node {
            if !cfg.node_list.iter().any(|n| n == me) {
                return bad(format!(
                    "node_list {:?} does not name this node {me}",
                    cfg.raw_node_list
                ));
            }
        }
    }
    check_names(
        "external_standby_node_list",
        &cfg.raw_external,
        &cfg.external_standby_node_list,
    )?;
    if !cfg.replication_slot_name.is_empty() {
        for n in &cfg.node_list {
            let name = slot_name(&cfg.replication_slot_name, n);
            if name.len() > MAX_SLOT_NAME {
                return bad(format!(
                    "replication slot name {name} is longer than {MAX_SLOT_NAME} bytes: shorten replication_slot_name"
                ));
            }
        }
    }
    check_resource_id(rsc, cfg.rep_mode.is_replication())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocf::Env;

    fn cfg(extra: &[(&str, &str)]) -> Result<Config, Error> {
        let mut pairs = vec![
            ("OCF_RESKEY_rep_mode", "sync"),
            ("OCF_RESKEY_node_list", "node1 node2"),
            ("OCF_RESKEY_master_ip", "10.0.0.9"),
            ("OCF_RESKEY_CRM_meta_promotable", "true"),
            ("OCF_RESKEY_CRM_meta_on_node", "node1"),
        ];
        pairs.extend_from_slice(extra);
        let env = Env::from_pairs(pairs);
        Config::from_env(&env, &Meta::from_env(&env))
    }

    #[test]
    fn resource_ids_crm_mon_hides() {
        for id in ["standby", "standby1", "shutdown-pg", "terminate", "#pg"] {
            let e = check_resource_id(id, true).unwrap_err();
            assert!(e.to_string().contains("crm_mon hides"), "{id}: {e}");
            assert!(check_resource_id(id, false).is_ok(), "{id}");
        }
        for id in ["pgsql", "pg-standby", "Standby", "db_shutdown"] {
            assert!(check_resource_id(id, true).is_ok(), "{id}");
        }
        let env = Env::from_pairs([
            ("OCF_RESOURCE_INSTANCE", "standby:1"),
            ("OCF_RESKEY_rep_mode", "sync"),
            ("OCF_RESKEY_node_list", "node1 node2"),
            ("OCF_RESKEY_master_ip", "10.0.0.9"),
            ("OCF_RESKEY_CRM_meta_promotable", "true"),
        ]);
        let e = Config::from_env(&env, &Meta::from_env(&env)).unwrap_err();
        assert_eq!(e.status().code(), 6, "{e}");
    }

    #[test]
    fn rules_table() {
        let long = "a".repeat(60);
        type Row<'a> = (Vec<(&'a str, &'a str)>, Option<&'a str>);
        let table: Vec<Row> = vec![
            (vec![], None),
            (
                vec![("OCF_RESKEY_tmpdir", "/var/lib/pgsql/data")],
                Some("must not be pgdata"),
            ),
            (
                vec![("OCF_RESKEY_tmpdir", "/var/lib/pgsql/data/./tmp")],
                Some("inside it"),
            ),
            (
                vec![("OCF_RESKEY_tmpdir", "/var/lib/pgsql/data/../tmp2")],
                None,
            ),
            (vec![("OCF_RESKEY_pgdba", "root")], Some("must not be root")),
            (
                vec![("OCF_RESKEY_node_list", "node1,node2")],
                Some("commas"),
            ),
            (
                vec![("OCF_RESKEY_node_list", "node1 node2 node1")],
                Some("twice"),
            ),
            (
                vec![("OCF_RESKEY_node_list", "node1 NODE2 node2")],
                Some("twice"),
            ),
            (
                vec![("OCF_RESKEY_node_list", "node2 node3")],
                Some("does not name this node"),
            ),
            (
                vec![("OCF_RESKEY_node_list", "node1 no'de2")],
                Some("may contain only"),
            ),
            (
                vec![("OCF_RESKEY_node_list", "node1 n\"2")],
                Some("may contain only"),
            ),
            (
                vec![("OCF_RESKEY_node_list", "node1 node2.example-1_x")],
                None,
            ),
            (
                vec![("OCF_RESKEY_external_standby_node_list", "dr\"1")],
                Some("may contain only"),
            ),
            (
                vec![("OCF_RESKEY_replication_slot_name", long.as_str())],
                Some("longer than 63"),
            ),
            (vec![("OCF_RESKEY_replication_slot_name", "pgsql")], None),
        ];
        for (extra, want) in table {
            let got = cfg(&extra);
            match (want, &got) {
                (None, Ok(_)) => {}
                (Some(w), Err(e)) => assert!(e.to_string().contains(w), "{extra:?}: {e}"),
                _ => panic!("{extra:?}: want {want:?}, got {:?}", got.map(|_| ())),
            }
        }
    }
}
