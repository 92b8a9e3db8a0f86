//! The OCF environment (OCF_RESKEY_*, OCF_RESKEY_CRM_meta_*, OCF_RESOURCE_INSTANCE,
//! OCF_CHECK_LEVEL, notify lists): read once from a map so tests can pass their own.
//! Contract: docs/contract.md §1.2.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::time::Duration;

/// The process environment as a plain map; nothing below reads `std::env` directly.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    /// Variables whose name is UTF-8 but whose value is not, as given.
    raw: BTreeMap<String, OsString>,
}

impl Env {
    /// The agent's own environment. A variable whose value is not UTF-8 is kept aside
    /// ([`Env::not_utf8`]) so validation can name it; names that are not UTF-8 are ignored.
    pub fn from_process() -> Env {
        Env::from_os(std::env::vars_os())
    }

    /// An environment from raw pairs, as [`Env::from_process`] takes them.
    pub fn from_os<I: IntoIterator<Item = (OsString, OsString)>>(pairs: I) -> Env {
        let mut env = Env::default();
        for (k, v) in pairs {
            let Ok(k) = k.into_string() else { continue };
            match v.into_string() {
                Ok(v) => {
                    env.vars.insert(k, v);
                }
                Err(v) => {
                    env.raw.insert(k, v);
                }
            }
        }
        env
    }

    /// The names of the variables whose value is not valid UTF-8.
    pub fn not_utf8(&self) -> impl Iterator<Item = &str> {
        self.raw.keys().map(String::as_str)
    }

    /// The variable `key` as the OS gave it (UTF-8 or not).
    pub fn get_os(&self, key: &str) -> Option<OsString> {
        self.vars
            .get(key)
            .map(OsString::from)
            .or_else(|| self.raw.get(key).cloned())
    }

    /// An environment holding exactly these variables (for tests and callers with their own map).
    pub fn from_pairs<I, K, V>(pairs: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            raw: BTreeMap::new(),
        }
    }

    /// The variable `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// `OCF_RESKEY_<name>`: an instance parameter as Pacemaker passes it.
    pub fn reskey(&self, name: &str) -> Option<&str> {
        self.get(&format!("OCF_RESKEY_{name}"))
    }

    /// `OCF_RESKEY_CRM_meta_<name>`: a meta attribute.
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.get(&format!("OCF_RESKEY_CRM_meta_{name}"))
    }
}

/// Space separated node list as Pacemaker passes notify lists (empty list = a single space).
pub fn split_nodes(s: &str) -> Vec<String> {
    s.split_whitespace().map(|n| n.to_lowercase()).collect()
}

/// Notification and clone-membership lists, also present on start/stop/promote/demote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyInfo {
    /// `notify_type`: `pre` or `post`.
    pub kind: Option<String>,
    /// `notify_operation`: the operation notified about (`start`, `promote`, ...).
    pub operation: Option<String>,
    /// `notify_start_uname`: nodes where the clone is being started.
    pub start: Vec<String>,
    /// `notify_stop_uname`: nodes where the clone is being stopped.
    pub stop: Vec<String>,
    /// `notify_promote_uname`: nodes being promoted.
    pub promote: Vec<String>,
    /// `notify_demote_uname`: nodes being demoted.
    pub demote: Vec<String>,
    /// `notify_active_uname`: nodes where the clone is active.
    pub active: Vec<String>,
    /// `notify_inactive_uname`: nodes where the clone is not active.
    pub inactive: Vec<String>,
    /// `master_uname`, or the newer `promoted_uname` when that is the one given.
    pub promoted: Vec<String>,
    /// `slave_uname`, or the newer `unpromoted_uname`.
    pub unpromoted: Vec<String>,
    /// True when Pacemaker passed a slave/unpromoted list at all (it may be empty).
    pub unpromoted_given: bool,
}

/// The meta attributes the agent uses.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// `timeout`: the operation's timeout (given in milliseconds).
    pub timeout: Option<Duration>,
    /// `Some(0)` for a probe; `None` when not passed (shell use).
    pub interval_ms: Option<u64>,
    /// `promotable`: true when the resource is a promotable clone.
    pub promotable: bool,
    /// `clone_max`: how many clone instances may run in the cluster.
    pub clone_max: Option<u32>,
    /// `clone_node_max`: how many clone instances may run on one node.
    pub clone_node_max: Option<u32>,
    /// `promoted_max`, or the older `master_max`: how many instances may be promoted.
    pub promoted_max: Option<u32>,
    /// `on_node`: the lowercased name of the node the operation runs on.
    pub on_node: Option<String>,
    /// The notification and clone-membership lists.
    pub notify: NotifyInfo,
}

fn list_pair(env: &Env, new: &str, old: &str) -> (Vec<String>, bool) {
    let pick = env
        .meta(&format!("notify_{new}_uname"))
        .filter(|v| !v.trim().is_empty())
        .or_else(|| env.meta(&format!("notify_{old}_uname")))
        .or_else(|| env.meta(&format!("notify_{new}_uname")));
    (pick.map(split_nodes).unwrap_or_default(), pick.is_some())
}

fn truthy(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "yes" | "on" | "1" | "y"
    )
}

impl Meta {
    /// Reads the meta attributes from `env`; a missing or malformed number is `None`.
    pub fn from_env(env: &Env) -> Meta {
        let num = |k: &str| env.meta(k).and_then(|v| v.trim().parse::<u64>().ok());
        // counts above u32::MAX are clamped: no cluster gets there, and "many" stays many
        let count = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        let list = |k: &str| {
            env.meta(&format!("notify_{k}_uname"))
                .map(split_nodes)
                .unwrap_or_default()
        };
        let (promoted, _) = list_pair(env, "promoted", "master");
        let (unpromoted, unpromoted_given) = list_pair(env, "unpromoted", "slave");
        Meta {
            timeout: num("timeout").map(Duration::from_millis),
            interval_ms: num("interval"),
            promotable: env.meta("promotable").is_some_and(truthy),
            clone_max: num("clone_max").map(count),
            clone_node_max: num("clone_node_max").map(count),
            promoted_max: num("promoted_max").or_else(|| num("master_max")).map(count),
            on_node: env
                .meta("on_node")
                .filter(|v| !v.is_empty())
                .map(str::to_lowercase),
            notify: NotifyInfo {
                kind: env.meta("notify_type").map(str::to_string),
                operation: env.meta("notify_operation").map(str::to_string),
                start: list("start"),
                stop: list("stop"),
                promote: list("promote"),
                demote: list("demote"),
                active: list("active"),
                inactive: list("inactive"),
                promoted,
                unpromoted,
                unpromoted_given,
            },
        }
    }

    /// A monitor with interval 0 is a probe. Pacemaker does not pass the interval on
    /// probes at all, so an absent interval counts as 0 (as in ocf-shellfuncs).
    pub fn is_probe(&self) -> bool {
        self.interval_ms.unwrap_or(0) == 0
    }
}

/// `OCF_RESOURCE_INSTANCE` split into the full instance name and the resource name
/// (the part before `:` that old Pacemaker versions append for clones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// `OCF_RESOURCE_INSTANCE` as given, or `default` when unset or empty.
    pub full: String,
    /// The part of `full` before the first `:`.
    pub resource: String,
}

impl Instance {
    /// Reads `OCF_RESOURCE_INSTANCE` from `env`.
    pub fn from_env(env: &Env) -> Instance {
        let full = env
            .get("OCF_RESOURCE_INSTANCE")
            .filter(|v| !v.is_empty())
            .unwrap_or("default")
            .to_string();
        let resource = full.split(':').next().unwrap_or(&full).to_string();
        Instance { full, resource }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_strips_clone_suffix() {
        let env = Env::from_pairs([("OCF_RESOURCE_INSTANCE", "pgsql:1")]);
        let i = Instance::from_env(&env);
        assert_eq!(i.full, "pgsql:1");
        assert_eq!(i.resource, "pgsql");
        let i = Instance::from_env(&Env::default());
        assert_eq!(i.resource, "default");
    }

    #[test]
    fn meta_parses_numbers_lists_and_probe() {
        let env = Env::from_pairs([
            ("OCF_RESKEY_CRM_meta_timeout", "20000"),
            ("OCF_RESKEY_CRM_meta_interval", "0"),
            ("OCF_RESKEY_CRM_meta_promotable", "true"),
            ("OCF_RESKEY_CRM_meta_clone_max", "2"),
            ("OCF_RESKEY_CRM_meta_master_max", "1"),
            ("OCF_RESKEY_CRM_meta_on_node", "Node1"),
            ("OCF_RESKEY_CRM_meta_notify_type", "pre"),
            ("OCF_RESKEY_CRM_meta_notify_operation", "promote"),
            ("OCF_RESKEY_CRM_meta_notify_promote_uname", "node2 "),
            ("OCF_RESKEY_CRM_meta_notify_master_uname", " "),
            ("OCF_RESKEY_CRM_meta_notify_slave_uname", "Node2 node3"),
        ]);
        let m = Meta::from_env(&env);
        assert_eq!(m.timeout, Some(Duration::from_secs(20)));
        assert!(m.is_probe());
        assert!(m.promotable);
        assert_eq!(m.clone_max, Some(2));
        assert_eq!(m.promoted_max, Some(1));
        assert_eq!(m.on_node.as_deref(), Some("node1"));
        assert_eq!(m.notify.kind.as_deref(), Some("pre"));
        assert_eq!(m.notify.promote, vec!["node2"]);
        assert!(m.notify.promoted.is_empty());
        assert_eq!(m.notify.unpromoted, vec!["node2", "node3"]);
        assert!(m.notify.unpromoted_given);
    }

    #[test]
    fn counts_beyond_u32_are_clamped() {
        let env = Env::from_pairs([
            ("OCF_RESKEY_CRM_meta_clone_max", "4294967295"),
            ("OCF_RESKEY_CRM_meta_clone_node_max", "4294967296"),
            ("OCF_RESKEY_CRM_meta_promoted_max", "x"),
        ]);
        let m = Meta::from_env(&env);
        assert_eq!(m.clone_max, Some(u32::MAX));
        assert_eq!(m.clone_node_max, Some(u32::MAX));
        assert_eq!(m.promoted_max, None);
    }

    #[test]
    fn newer_list_names_win_when_not_empty() {
        let env = Env::from_pairs([
            ("OCF_RESKEY_CRM_meta_notify_promoted_uname", "a"),
            ("OCF_RESKEY_CRM_meta_notify_master_uname", "b"),
            ("OCF_RESKEY_CRM_meta_notify_unpromoted_uname", " "),
        ]);
        let m = Meta::from_env(&env);
        assert_eq!(m.notify.promoted, vec!["a"]);
        assert!(m.notify.unpromoted.is_empty());
        assert!(m.notify.unpromoted_given);
        let m = Meta::from_env(&Env::default());
        assert!(
            m.is_probe(),
            "no interval: a probe, as Pacemaker sends them"
        );
        let m = Meta::from_env(&Env::from_pairs([("OCF_RESKEY_CRM_meta_interval", "3000")]));
        assert!(!m.is_probe());
        assert!(!m.notify.unpromoted_given);
    }
}
