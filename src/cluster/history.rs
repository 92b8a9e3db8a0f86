//! What `pgsql show` reads from the same `crm_mon -1 --output-as=xml` as the snapshot
//! (docs/contract.md §10.2): the role of the resource's instance on each node
//! (`Promoted`/`Master`, `Unpromoted`/`Slave`/`Started`, failed or not), the fail count and
//! migration threshold of each node's history, and the failed operations with their exit
//! reasons. The nodes and attributes come from `snapshot::parse`.

use std::collections::BTreeMap;

use super::snapshot::SnapshotError;

/// Where and how an instance of the resource runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// `Promoted` or `Unpromoted` (older spellings mapped).
    pub role: String,
    /// crm_mon marks the instance failed.
    pub failed: bool,
}

/// One failed operation of the resource (`<failure>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Lowercased node name.
    pub node: String,
    /// `start`, `monitor`, `promote`, ...
    pub task: String,
    /// What Pacemaker made of the exit code (`error`, `not running`, ...).
    pub exitstatus: String,
    /// The agent's exit reason (may be empty).
    pub exitreason: String,
    /// When (as crm_mon prints it).
    pub when: String,
}

/// A node's history of the resource (`<node_history>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeHistory {
    /// `fail-count`; 1000000 is INFINITY.
    pub fail_count: u64,
    /// `migration-threshold`.
    pub migration_threshold: Option<u64>,
}

/// The resource's instances, histories and failures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    /// By lowercased node name; a node without an entry runs no instance.
    pub instances: BTreeMap<String, Instance>,
    /// By lowercased node name.
    pub history: BTreeMap<String, NodeHistory>,
    /// In crm_mon's order.
    pub failures: Vec<Failure>,
}

/// Pacemaker's INFINITY as a fail count.
pub const INFINITY: u64 = 1_000_000;

fn role_word(role: &str) -> Option<&'static str> {
    match role {
        "Promoted" | "Master" => Some("Promoted"),
        "Unpromoted" | "Slave" | "Started" => Some("Unpromoted"),
        _ => None,
    }
}

fn instance_of(id: Option<&str>, rsc: &str) -> bool {
    id.map(super::snapshot::strip_instance) == Some(rsc)
}

/// Reads the details of resource `rsc` (the primitive's id) from crm_mon's XML.
pub fn parse(xml: &str, rsc: &str) -> Result<Details, SnapshotError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| SnapshotError(e.to_string()))?;
    let root = doc.root_element();
    let child = |name: &str| root.children().find(|n| n.has_tag_name(name));
    let mut d = Details::default();
    if let Some(resources) = child("resources") {
        for r in resources
            .descendants()
            .filter(|r| r.has_tag_name("resource") && instance_of(r.attribute("id"), rsc))
        {
            let Some(role) = r.attribute("role").and_then(role_word) else {
                continue;
            };
            for n in r.children().filter(|n| n.has_tag_name("node")) {
                if let Some(name) = n.attribute("name") {
                    d.instances.insert(
                        name.to_lowercase(),
                        Instance {
                            role: role.to_string(),
                            failed: r.attribute("failed") == Some("true"),
                        },
                    );
                }
            }
        }
    }
    if let Some(hist) = child("node_history") {
        for n in hist.children().filter(|n| n.has_tag_name("node")) {
            let Some(name) = n.attribute("name") else {
                continue;
            };
            let num = |v: Option<&str>| v.and_then(|v| v.trim().parse::<u64>().ok());
            for r in n
                .children()
                .filter(|r| r.has_tag_name("resource_history"))
                .filter(|r| instance_of(r.attribute("id"), rsc))
            {
                d.history.insert(
                    name.to_lowercase(),
                    NodeHistory {
                        fail_count: num(r.attribute("fail-count")).unwrap_or(0),
                        migration_threshold: num(r.attribute("migration-threshold")),
                    },
                );
            }
        }
    }
    if let Some(failures) = child("failures") {
        for f in failures.children().filter(|f| f.has_tag_name("failure")) {
            let key = f.attribute("op_key").unwrap_or_default();
            // op_key is <rsc>_<task>_<interval>; the resource id may itself hold '_'
            if !key.starts_with(&format!("{rsc}_")) {
                continue;
            }
            let text = |k: &str| f.attribute(k).unwrap_or_default().to_string();
            d.failures.push(Failure {
                node: text("node").to_lowercase(),
                task: f
                    .attribute("task")
                    .map(str::to_string)
                    .unwrap_or_else(|| key.trim_start_matches(&format!("{rsc}_")).into()),
                exitstatus: text("exitstatus"),
                exitreason: text("exitreason"),
                when: text("last-rc-change"),
            });
        }
    }
    Ok(d)
}

/// A fail count as an operator reads it.
pub fn fail_count_text(n: u64) -> String {
    if n >= INFINITY {
        "INFINITY".into()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = include_str!("../../tests/fixtures/show/lock.xml");
    const HEALTHY: &str = include_str!("../../tests/fixtures/show/healthy.xml");

    #[test]
    fn roles_histories_and_failures_of_real_crm_mon_output() {
        let d = parse(HEALTHY, "pgsql").unwrap();
        assert_eq!(d.instances["node1"].role, "Promoted");
        assert_eq!(d.instances["node2"].role, "Unpromoted");
        assert!(d.failures.is_empty() && !d.instances["node1"].failed);
        let d = parse(LOCK, "pgsql").unwrap();
        assert!(!d.instances.contains_key("node1"), "stopped: no instance");
        assert_eq!(d.instances["node2"].role, "Promoted");
        assert_eq!(d.history["node1"].fail_count, INFINITY);
        assert_eq!(d.history["node1"].migration_threshold, Some(INFINITY));
        assert_eq!(d.failures.len(), 1);
        assert_eq!(d.failures[0].node, "node1");
        assert_eq!(d.failures[0].task, "start");
        assert!(d.failures[0].exitreason.contains("PGSQL.lock"));
        assert_eq!(fail_count_text(INFINITY), "INFINITY");
        // another resource's failures are not ours
        assert!(parse(LOCK, "pgsq").unwrap().failures.is_empty());
    }

    #[test]
    fn older_role_names() {
        let xml = HEALTHY
            .replace("role=\"Promoted\"", "role=\"Master\"")
            .replace("role=\"Unpromoted\"", "role=\"Slave\"");
        let d = parse(&xml, "pgsql").unwrap();
        assert_eq!(d.instances["node1"].role, "Promoted");
        assert_eq!(d.instances["node2"].role, "Unpromoted");
        assert!(parse("<x", "pgsql").is_err());
    }
}
