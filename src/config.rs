//! Raw `OCF_RESKEY_*` strings to a typed `Config`, and the level-0 validation of SPEC
//! section 3 (parameter consistency only: no file system, no processes, no side effects).

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;
use crate::ocf::{Env, Meta};
use crate::params::{self, Kind};
use crate::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepMode {
    None,
    Async,
    Sync,
    Slave,
}

impl RepMode {
    pub fn parse(s: &str) -> Option<RepMode> {
        match s {
            "none" => Some(RepMode::None),
            "async" => Some(RepMode::Async),
            "sync" => Some(RepMode::Sync),
            "slave" => Some(RepMode::Slave),
            _ => None,
        }
    }

    /// async and sync: the promotable clone with the replication state machine.
    pub fn is_replication(self) -> bool {
        matches!(self, RepMode::Async | RepMode::Sync)
    }

    /// Modes that write a recovery configuration (standbys).
    pub fn uses_recovery_config(self) -> bool {
        self != RepMode::None
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub pgctl: PathBuf,
    pub psql: PathBuf,
    pub pgdata: PathBuf,
    pub pgdba: String,
    pub pghost: String,
    pub pgport: u16,
    pub pglibs: String,
    pub start_opt: Vec<String>,
    pub ctl_opt: Vec<String>,
    pub pgdb: String,
    pub config: PathBuf,
    pub logfile: PathBuf,
    pub socketdir: Option<PathBuf>,
    pub stop_escalate: Duration,
    pub stop_escalate_in_slave: Duration,
    pub monitor_user: String,
    pub monitor_password: String,
    pub monitor_sql: String,
    pub check_wal_receiver: bool,
    pub rep_mode: RepMode,
    pub node_list: Vec<String>,
    pub master_ip: String,
    pub repuser: String,
    pub primary_conninfo_opt: String,
    pub restore_command: String,
    pub archive_cleanup_command: String,
    pub recovery_end_command: String,
    pub restart_on_promote: bool,
    pub replication_slot_name: String,
    pub tmpdir: PathBuf,
    pub xlog_check_count: u32,
    pub crm_attr_timeout: Duration,
    pub external_standby_node_list: Vec<String>,
}

/// Characters that pg_ctl's own `sh -c` command line would interpret inside its double
/// quotes (it embeds the data directory, log file and server path that way).
const PG_CTL_UNSAFE: &[char] = &['"', '$', '`', '\\', '\n', '\r'];

struct Raw<'a> {
    env: &'a Env,
}

impl Raw<'_> {
    /// The parameter's value, or its table default when unset or empty.
    fn s(&self, name: &str) -> String {
        let def = params::find(name).map(|p| p.default).unwrap_or("");
        match self.env.reskey(name) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => def.to_string(),
        }
    }

    fn int(&self, name: &str) -> Result<u64, Error> {
        debug_assert_eq!(params::find(name).map(|p| p.kind), Some(Kind::Integer));
        let v = self.s(name);
        v.trim().parse::<u64>().map_err(|_| {
            Error::Configured(format!(
                "{name} must be a non-negative whole number, not {v:?}"
            ))
        })
    }

    fn boolean(&self, name: &str) -> Result<bool, Error> {
        let v = self.s(name);
        match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "y" => Ok(true),
            "false" | "no" | "off" | "0" | "n" => Ok(false),
            _ => Err(Error::Configured(format!(
                "{name} must be true or false, not {v:?}"
            ))),
        }
    }

    fn words(&self, name: &str) -> Result<Vec<String>, Error> {
        words::split(&self.s(name)).map_err(|e| Error::Configured(format!("{name}: {e}")))
    }
}

fn nonempty_path(p: &str) -> Option<PathBuf> {
    (!p.is_empty()).then(|| PathBuf::from(p))
}

impl Config {
    /// Reads every parameter and checks the level-0 rules. `meta` tells whether the
    /// resource is a promotable clone.
    pub fn from_env(env: &Env, meta: &Meta) -> Result<Config, Error> {
        let raw = Raw { env };
        let rep_mode_s = raw.s("rep_mode");
        let rep_mode = RepMode::parse(&rep_mode_s).ok_or_else(|| {
            Error::Configured(format!(
                "invalid rep_mode {rep_mode_s:?}: use none, async, sync or slave"
            ))
        })?;
        let pgport = raw.int("pgport")?;
        let pgport = u16::try_from(pgport)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| Error::Configured(format!("pgport {pgport} is out of range")))?;
        let pgdata = PathBuf::from(raw.s("pgdata"));
        let config =
            nonempty_path(&raw.s("config")).unwrap_or_else(|| pgdata.join("postgresql.conf"));
        let cfg = Config {
            pgctl: PathBuf::from(raw.s("pgctl")),
            psql: PathBuf::from(raw.s("psql")),
            pgdba: raw.s("pgdba"),
            pghost: raw.s("pghost"),
            pgport,
            pglibs: raw.s("pglibs"),
            start_opt: raw.words("start_opt")?,
            ctl_opt: raw.words("ctl_opt")?,
            pgdb: raw.s("pgdb"),
            config,
            logfile: PathBuf::from(raw.s("logfile")),
            socketdir: nonempty_path(&raw.s("socketdir")),
            stop_escalate: Duration::from_secs(raw.int("stop_escalate")?),
            stop_escalate_in_slave: Duration::from_secs(raw.int("stop_escalate_in_slave")?),
            monitor_user: raw.s("monitor_user"),
            monitor_password: raw.s("monitor_password"),
            monitor_sql: raw.s("monitor_sql"),
            check_wal_receiver: raw.boolean("check_wal_receiver")?,
            rep_mode,
            node_list: crate::ocf::env::split_nodes(&raw.s("node_list")),
            master_ip: raw.s("master_ip"),
            repuser: raw.s("repuser"),
            primary_conninfo_opt: raw.s("primary_conninfo_opt"),
            restore_command: raw.s("restore_command"),
            archive_cleanup_command: raw.s("archive_cleanup_command"),
            recovery_end_command: raw.s("recovery_end_command"),
            restart_on_promote: raw.boolean("restart_on_promote")?,
            replication_slot_name: raw.s("replication_slot_name"),
            tmpdir: PathBuf::from(raw.s("tmpdir")),
            xlog_check_count: u32::try_from(raw.int("xlog_check_count")?)
                .map_err(|_| Error::Configured("xlog_check_count is too large".into()))?,
            crm_attr_timeout: Duration::from_secs(raw.int("crm_attr_timeout")?),
            external_standby_node_list: crate::ocf::env::split_nodes(
                &raw.s("external_standby_node_list"),
            ),
            pgdata,
        };
        cfg.check_consistency(meta)?;
        Ok(cfg)
    }

    fn check_consistency(&self, meta: &Meta) -> Result<(), Error> {
        let bad = |m: String| Err(Error::Configured(m));
        if !self.monitor_password.is_empty() && self.monitor_user.is_empty() {
            return bad("monitor_password is set but monitor_user is empty".into());
        }
        if self.pgdba.is_empty() || self.pgdba.contains(['\0', '\n', ':', '/']) {
            return bad(format!("pgdba {:?} is not a valid user name", self.pgdba));
        }
        for (name, path) in [
            ("pgctl", Some(&self.pgctl)),
            ("psql", Some(&self.psql)),
            ("pgdata", Some(&self.pgdata)),
            ("config", Some(&self.config)),
            ("logfile", Some(&self.logfile)),
            ("tmpdir", Some(&self.tmpdir)),
            ("socketdir", self.socketdir.as_ref()),
        ] {
            let Some(path) = path else { continue };
            if !path.is_absolute() {
                return bad(format!("{name} must be an absolute path, not {path:?}"));
            }
        }
        // pg_ctl builds `exec "<postgres>" -D "<pgdata>" ... >> "<logfile>"` and runs it
        // with /bin/sh: refuse what that shell would expand rather than pass it along.
        for (name, path) in [
            ("pgctl", &self.pgctl),
            ("pgdata", &self.pgdata),
            ("logfile", &self.logfile),
        ] {
            if path.to_string_lossy().contains(PG_CTL_UNSAFE) {
                return bad(format!(
                    "{name} must not contain any of \" $ ` \\ or a line break: pg_ctl passes it to a shell"
                ));
            }
        }
        // pg_ctl pastes a -o value into its shell command unquoted, and quotes -D/-l/-p
        // values only with double quotes: server options belong in start_opt.
        for w in &self.ctl_opt {
            if w.starts_with("-o") || w.starts_with("--options") {
                return bad(format!(
                    "ctl_opt must not contain {w:?}: put server options in start_opt"
                ));
            }
            if w.contains(PG_CTL_UNSAFE) {
                return bad(format!(
                    "ctl_opt word {w:?} must not contain \" $ ` \\ or a line break: pg_ctl passes it to a shell"
                ));
            }
        }
        if self.rep_mode.uses_recovery_config() && self.master_ip.is_empty() {
            return bad(format!(
                "master_ip is required when rep_mode is {}",
                self.rep_mode_name()
            ));
        }
        if self.rep_mode.is_replication() {
            if self.node_list.is_empty() {
                return bad(format!(
                    "node_list is required when rep_mode is {}",
                    self.rep_mode_name()
                ));
            }
            if !meta.promotable && meta.promoted_max.is_none() {
                return bad(format!(
                    "rep_mode {} needs a promotable clone",
                    self.rep_mode_name()
                ));
            }
        }
        if !self.rep_mode.is_replication() && (meta.promotable || meta.promoted_max.is_some()) {
            return bad(format!(
                "a promotable clone needs rep_mode async or sync (rep_mode is {})",
                self.rep_mode_name()
            ));
        }
        if !self.replication_slot_name.is_empty()
            && !self
                .replication_slot_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return bad(format!(
                "replication_slot_name {:?} may contain only a-z, 0-9 and _",
                self.replication_slot_name
            ));
        }
        if !self.external_standby_node_list.is_empty() && self.rep_mode != RepMode::Sync {
            return bad("external_standby_node_list is only used with rep_mode sync".into());
        }
        Ok(())
    }

    pub fn rep_mode_name(&self) -> &'static str {
        match self.rep_mode {
            RepMode::None => "none",
            RepMode::Async => "async",
            RepMode::Sync => "sync",
            RepMode::Slave => "slave",
        }
    }

    /// Stop escalation delay for the role being stopped.
    pub fn escalate_after(&self, standby: bool) -> Duration {
        if standby {
            self.stop_escalate_in_slave
        } else {
            self.stop_escalate
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocf::OcfStatus;

    fn load(pairs: &[(&str, &str)], promotable: bool) -> Result<Config, Error> {
        let mut all: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.to_string()))
            .collect();
        if promotable {
            all.push(("OCF_RESKEY_CRM_meta_promotable".into(), "true".into()));
        }
        let env = Env::from_pairs(all);
        Config::from_env(&env, &Meta::from_env(&env))
    }

    #[test]
    fn defaults() {
        let c = load(&[], false).unwrap();
        assert_eq!(c.pgdata, PathBuf::from("/var/lib/pgsql/data"));
        assert_eq!(
            c.config,
            PathBuf::from("/var/lib/pgsql/data/postgresql.conf")
        );
        assert_eq!(c.pgport, 5432);
        assert_eq!(c.rep_mode, RepMode::None);
        assert_eq!(c.stop_escalate, Duration::from_secs(90));
        assert_eq!(c.monitor_sql, "select now();");
        assert!(c.socketdir.is_none());
        assert!(c.start_opt.is_empty());
        let c = load(&[("pgdata", "/srv/pg"), ("start_opt", "-c a=1")], false).unwrap();
        assert_eq!(c.config, PathBuf::from("/srv/pg/postgresql.conf"));
        assert_eq!(c.start_opt, vec!["-c", "a=1"]);
    }

    #[test]
    fn level0_rejections() {
        type Row<'a> = (&'a [(&'a str, &'a str)], bool, &'a str);
        let table: &[Row] = &[
            (&[("rep_mode", "bogus")], false, "invalid rep_mode"),
            (&[("pgport", "54x")], false, "pgport must be"),
            (&[("pgport", "70000")], false, "out of range"),
            (&[("pgport", "0")], false, "out of range"),
            (&[("stop_escalate", "-1")], false, "stop_escalate must be"),
            (&[("restart_on_promote", "maybe")], false, "true or false"),
            (&[("monitor_password", "x")], false, "monitor_user is empty"),
            (&[("rep_mode", "slave")], false, "master_ip is required"),
            (
                &[("rep_mode", "sync"), ("master_ip", "10.0.0.1")],
                true,
                "node_list is required",
            ),
            (
                &[
                    ("rep_mode", "async"),
                    ("master_ip", "h"),
                    ("node_list", "a b"),
                ],
                false,
                "promotable clone",
            ),
            (
                &[("rep_mode", "slave"), ("master_ip", "h")],
                true,
                "needs rep_mode async or sync",
            ),
            (&[], true, "needs rep_mode async or sync"),
            (&[("replication_slot_name", "Bad-Name")], false, "a-z, 0-9"),
            (&[("pgdata", "relative/dir")], false, "absolute path"),
            (&[("pgdata", "/tmp/$(id)")], false, "passes it to a shell"),
            (&[("logfile", "/tmp/a\"b")], false, "passes it to a shell"),
            (&[("start_opt", "-c 'x")], false, "unterminated"),
            (&[("ctl_opt", "-o '-c a=1'")], false, "start_opt"),
            (&[("ctl_opt", "--options=x")], false, "start_opt"),
            (
                &[("ctl_opt", "-l /tmp/$(id)")],
                false,
                "passes it to a shell",
            ),
            (&[("pgdba", "a:b")], false, "not a valid user name"),
            (
                &[("external_standby_node_list", "x")],
                false,
                "only used with rep_mode sync",
            ),
        ];
        for (pairs, promotable, want) in table {
            match load(pairs, *promotable) {
                Ok(_) => panic!("{pairs:?} accepted"),
                Err(e) => {
                    assert_eq!(e.status(), OcfStatus::ErrConfigured, "{pairs:?}");
                    assert!(e.to_string().contains(want), "{pairs:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn replication_accepted_in_a_promotable_clone() {
        let c = load(
            &[
                ("rep_mode", "sync"),
                ("master_ip", "vip"),
                ("node_list", "Node1 node2"),
            ],
            true,
        )
        .unwrap();
        assert!(c.rep_mode.is_replication());
        assert_eq!(c.node_list, vec!["node1", "node2"]);
        assert_eq!(c.escalate_after(true), c.stop_escalate_in_slave);
    }
}
