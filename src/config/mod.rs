//! Raw `OCF_RESKEY_*` strings to a typed `Config`, and the level-0 validation (parameter
//! consistency; no processes, no side effects; the file system only to look up a command
//! name given for pgctl or psql in PATH, `lookup`).
//! Contract: docs/contract.md §2, §3.1.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::ocf::{Env, Meta};
use crate::params::{self, Kind};
use crate::words;

pub use rep_mode::RepMode;

/// The typed instance parameters, checked for consistency (level 0).
#[derive(Debug, Clone)]
pub struct Config {
    /// Full path of the pg_ctl program (`pgctl`; a command name is looked up in PATH).
    pub pgctl: PathBuf,
    /// Full path of psql (`psql`, looked up in PATH likewise); it must exist but the
    /// agent does not run it.
    pub psql: PathBuf,
    /// The data directory (`pgdata`).
    pub pgdata: PathBuf,
    /// Operating system user that owns the data directory and runs every PostgreSQL program (`pgdba`).
    pub pgdba: String,
    /// Host name or socket directory for monitor connections, also passed to the server as -h; empty means the unix socket (`pghost`).
    pub pghost: String,
    /// TCP port of the server and suffix of its unix socket (`pgport`, 1 to 65535).
    pub pgport: u16,
    /// Directory appended to LD_LIBRARY_PATH for the PostgreSQL programs the agent runs (`pglibs`).
    pub pglibs: String,
    /// Extra server options passed through pg_ctl -o, already split into words (`start_opt`).
    pub start_opt: Vec<String>,
    /// Extra options for pg_ctl itself, already split into words (`ctl_opt`).
    pub ctl_opt: Vec<String>,
    /// Database the monitor connects to (`pgdb`).
    pub pgdb: String,
    /// Path of postgresql.conf: `config`, or `<pgdata>/postgresql.conf` when that is empty.
    pub config: PathBuf,
    /// File the server's output goes to, pg_ctl -l (`logfile`).
    pub logfile: PathBuf,
    /// Unix socket directory the agent creates owned by pgdba; `None` when `socketdir` is empty.
    pub socketdir: Option<PathBuf>,
    /// How long to wait for a fast shutdown before switching to an immediate one (`stop_escalate`).
    pub stop_escalate: Duration,
    /// Like `stop_escalate`, for stopping a standby (`stop_escalate_in_slave`).
    pub stop_escalate_in_slave: Duration,
    /// Database user for monitor queries; empty means the pgdba user (`monitor_user`).
    pub monitor_user: String,
    /// Password of `monitor_user`; empty means .pgpass or peer/trust authentication (`monitor_password`).
    pub monitor_password: String,
    /// Query the monitor runs (`monitor_sql`).
    pub monitor_sql: String,
    /// Whether to publish the WAL receiver state as a node attribute (`check_wal_receiver`).
    pub check_wal_receiver: bool,
    /// The replication mode (`rep_mode`).
    pub rep_mode: RepMode,
    /// Lowercased names of every node that may run the server in replication mode (`node_list`).
    pub node_list: Vec<String>,
    /// Address standbys connect to, normally a virtual IP that follows the primary (`master_ip`).
    pub master_ip: String,
    /// User standbys connect as for streaming replication (`repuser`).
    pub repuser: String,
    /// Extra libpq options appended to primary_conninfo (`primary_conninfo_opt`).
    pub primary_conninfo_opt: String,
    /// restore_command written to the recovery configuration; empty means none.
    pub restore_command: String,
    /// archive_cleanup_command written to the recovery configuration; empty means none.
    pub archive_cleanup_command: String,
    /// recovery_end_command written to the recovery configuration; empty means none.
    pub recovery_end_command: String,
    /// Promote by restarting the server as a primary instead of pg_ctl promote (`restart_on_promote`).
    pub restart_on_promote: bool,
    /// After a switchover, a former primary proven to hold a prefix of the new primary's
    /// history starts as a standby despite PGSQL.lock (`rejoin_after_switchover`, §5.12).
    pub rejoin_after_switchover: bool,
    /// Prefix of the per-standby replication slot names; empty means no slots (`replication_slot_name`).
    pub replication_slot_name: String,
    /// Directory for the agent's state files: lock file, rep_mode.conf, recovery configuration, election notes (`tmpdir`).
    pub tmpdir: PathBuf,
    /// Identical WAL position samples a standby needs before it may claim promotion when no primary exists (`xlog_check_count`).
    pub xlog_check_count: u32,
    /// Time allowed for one permanent node attribute write (`crm_attr_timeout`).
    pub crm_attr_timeout: Duration,
    /// Lowercased application names of synchronous standbys the cluster does not manage (`external_standby_node_list`).
    pub external_standby_node_list: Vec<String>,
    /// node_list as given (for messages and the comma rule).
    pub raw_node_list: String,
    /// external_standby_node_list as given.
    pub raw_external: String,
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
            Error::configured(format!(
                "{name} must be a non-negative whole number, not {v:?}"
            ))
        })
    }

    fn boolean(&self, name: &str) -> Result<bool, Error> {
        let v = self.s(name);
        match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "y" => Ok(true),
            "false" | "no" | "off" | "0" | "n" => Ok(false),
            _ => Err(Error::configured(format!(
                "{name} must be true or false, not {v:?}"
            ))),
        }
    }

    fn words(&self, name: &str) -> Result<Vec<String>, Error> {
        words::split(&self.s(name))
            .map_err(|e| Error::configured(format!("{name} cannot be split into words: {e}")))
    }
}

/// Refuses a path pg_ctl would embed in the double quotes of its `sh -c` line when it
/// contains what that shell would interpret.
fn shell_safe(name: &str, path: &Path) -> Result<(), Error> {
    if path.to_string_lossy().contains(PG_CTL_UNSAFE) {
        return Err(Error::configured(format!(
            "{name} must not contain any of \" $ ` \\ or a line break: pg_ctl passes it to a shell"
        )));
    }
    Ok(())
}

fn nonempty_path(p: &str) -> Option<PathBuf> {
    (!p.is_empty()).then(|| PathBuf::from(p))
}

/// The environment variables whose values must be numbers when given.
const NUMERIC_ENV: &[&str] = &[
    "OCF_CHECK_LEVEL",
    "OCF_RESKEY_CRM_meta_interval",
    "OCF_RESKEY_CRM_meta_timeout",
];

/// Values that are not UTF-8, and OCF_CHECK_LEVEL / CRM_meta numbers that do not parse,
/// are configuration errors naming the variable (never silently a default).
pub fn check_env(env: &Env) -> Result<(), Error> {
    if let Some(k) = env.not_utf8().next() {
        let name = k.strip_prefix("OCF_RESKEY_").unwrap_or(k);
        return Err(Error::configured(format!("{name} is not valid UTF-8")));
    }
    for k in NUMERIC_ENV {
        if let Some(v) = env.get(k) {
            if v.trim().parse::<u64>().is_err() {
                let name = k.strip_prefix("OCF_RESKEY_").unwrap_or(k);
                return Err(Error::configured(format!(
                    "{name} must be a non-negative whole number, not {v:?}"
                )));
            }
        }
    }
    Ok(())
}

pub mod lookup;
mod rep_mode;
pub(crate) mod rules;

impl Config {
    /// Reads every parameter and checks the level-0 rules. `meta` tells whether the
    /// resource is a promotable clone.
    pub fn from_env(env: &Env, meta: &Meta) -> Result<Config, Error> {
        check_env(env)?;
        let raw = Raw { env };
        let rep_mode_s = raw.s("rep_mode");
        let rep_mode = RepMode::parse(&rep_mode_s).ok_or_else(|| {
            Error::configured(format!(
                "invalid rep_mode {rep_mode_s:?}: use none, async, sync or slave"
            ))
        })?;
        let pgport = raw.int("pgport")?;
        let pgport = u16::try_from(pgport)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| Error::configured(format!("pgport {pgport} is out of range")))?;
        let pgdata = PathBuf::from(raw.s("pgdata"));
        let config =
            nonempty_path(&raw.s("config")).unwrap_or_else(|| pgdata.join("postgresql.conf"));
        let mut cfg = Config {
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
            rejoin_after_switchover: raw.boolean("rejoin_after_switchover")?,
            replication_slot_name: raw.s("replication_slot_name"),
            tmpdir: PathBuf::from(raw.s("tmpdir")),
            xlog_check_count: u32::try_from(raw.int("xlog_check_count")?)
                .map_err(|_| Error::configured("xlog_check_count is too large"))?,
            crm_attr_timeout: Duration::from_secs(raw.int("crm_attr_timeout")?),
            external_standby_node_list: crate::ocf::env::split_nodes(
                &raw.s("external_standby_node_list"),
            ),
            raw_node_list: raw.s("node_list"),
            raw_external: raw.s("external_standby_node_list"),
            pgdata,
        };
        cfg.check_consistency(meta)?;
        rules::check(&cfg, meta, &crate::ocf::Instance::from_env(env).resource)?;
        // every parameter is consistent: only now may a missing command be reported (5)
        let path = lookup::search_path(env);
        cfg.pgctl = lookup::program("pgctl", &cfg.pgctl, path)?;
        cfg.psql = lookup::program("psql", &cfg.psql, path)?;
        shell_safe("pgctl", &cfg.pgctl)?;
        Ok(cfg)
    }

    fn check_consistency(&self, meta: &Meta) -> Result<(), Error> {
        let bad = |m: String| Err(Error::configured(m));
        if !self.monitor_password.is_empty() && self.monitor_user.is_empty() {
            return bad("monitor_password is set but monitor_user is empty".into());
        }
        if self.pgdba.is_empty() || self.pgdba.contains(['\0', '\n', ':', '/']) {
            return bad(format!("pgdba {:?} is not a valid user name", self.pgdba));
        }
        for (name, path) in [("pgctl", &self.pgctl), ("psql", &self.psql)] {
            if !path.is_absolute() && !lookup::is_command_name(path) {
                return bad(format!(
                    "{name} must be an absolute path or a command name found in PATH, not {path:?}"
                ));
            }
        }
        for (name, path) in [
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
            shell_safe(name, path)?;
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

    /// The `rep_mode` value as the parameter spells it, for messages.
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
        } else if self.rejoin_after_switchover {
            // only a fast shutdown leaves the shutdown checkpoint the rejoin needs: the stop
            // plan keeps the immediate shutdown's budget out of it (§5.12)
            Duration::MAX
        } else {
            self.stop_escalate
        }
    }
}

#[cfg(test)]
mod tests;
