//! Every instance parameter of the agent  in one table. The meta-data is
//! rendered from it and the typed configuration is read through it.
//! Contract: docs/contract.md §2.

/// The type of a parameter's value, as the meta-data declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    String,
    /// A non-negative whole number.
    Integer,
    /// true or false (yes/no, on/off, 1/0 and y/n are accepted too).
    Boolean,
}

impl Kind {
    /// The type name in the meta-data's `content type` attribute.
    pub fn ocf_name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
        }
    }
}

/// One instance parameter: its name, type, default and descriptions.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Name without the `OCF_RESKEY_` prefix.
    pub name: &'static str,
    /// Type of the value.
    pub kind: Kind,
    /// Value used when the parameter is unset or empty.
    pub default: &'static str,
    /// One-line description for the meta-data.
    pub shortdesc: &'static str,
    /// Full description for the meta-data.
    pub longdesc: &'static str,
}

const fn p(
    name: &'static str,
    kind: Kind,
    default: &'static str,
    shortdesc: &'static str,
    longdesc: &'static str,
) -> Param {
    Param {
        name,
        kind,
        default,
        shortdesc,
        longdesc,
    }
}

use Kind::{Boolean as B, Integer as I, String as S};

/// The parameter table, in meta-data order.
pub const PARAMS: &[Param] = &[
    p("pgctl", S, "/usr/bin/pg_ctl", "pg_ctl path",
      "Full path of the pg_ctl program used to start, stop and promote the server, or a command name looked up in the agent's PATH."),
    p("start_opt", S, "", "server options",
      "Extra options for the postgres server (passed through pg_ctl -o), split into words like a command line; quotes group words, nothing is expanded."),
    p("ctl_opt", S, "", "pg_ctl options",
      "Extra options for pg_ctl itself, split into words; quotes group words, nothing is expanded."),
    p("psql", S, "/usr/bin/psql", "psql path",
      "Full path of psql, or a command name looked up in the agent's PATH. It must exist (as with the agent this one replaces); the agent itself talks to PostgreSQL directly."),
    p("pgdata", S, "/var/lib/pgsql/data", "data directory",
      "The PostgreSQL data directory (PGDATA)."),
    p("pgdba", S, "postgres", "PostgreSQL OS user",
      "Operating system user that owns the data directory; every PostgreSQL program runs as this user."),
    p("pghost", S, "", "host to connect to",
      "Host name or socket directory for monitor connections; also passed to the server as -h. Empty means the unix socket."),
    p("pgport", I, "5432", "port",
      "TCP port of the server and suffix of its unix socket."),
    p("pglibs", S, "/usr/lib", "library directory",
      "Directory appended to LD_LIBRARY_PATH for the PostgreSQL programs the agent runs."),
    p("monitor_user", S, "", "monitor user",
      "Database user for monitor queries. Empty means the pgdba user."),
    p("monitor_password", S, "", "monitor password",
      "Password of monitor_user. Empty means the pgdba user's .pgpass or peer/trust authentication. Setting it without monitor_user is a configuration error."),
    p("monitor_sql", S, "select now();", "monitor query",
      "Query run by monitor when replication is off, and on a primary when changed from the default."),
    p("config", S, "", "configuration file",
      "Path of postgresql.conf. Empty means <pgdata>/postgresql.conf."),
    p("pgdb", S, "template1", "monitor database",
      "Database the monitor connects to."),
    p("logfile", S, "/dev/null", "server log file",
      "File the server's output goes to (pg_ctl -l)."),
    p("socketdir", S, "", "socket directory",
      "Unix socket directory. Required when postgresql.conf sets unix_socket_directories; the agent creates it owned by pgdba."),
    p("stop_escalate", I, "90", "seconds before immediate shutdown",
      "Seconds to wait for a fast shutdown before switching to an immediate one. Capped ten seconds below the stop timeout."),
    p("rep_mode", S, "none", "replication mode",
      "none: a single server. async or sync: a promotable clone with streaming replication (sync keeps one synchronous standby). slave: a plain primitive that always runs as a standby of master_ip."),
    p("node_list", S, "", "cluster nodes",
      "Space separated names of every node that may run the server in replication mode, as crm_node -n prints them."),
    p("restore_command", S, "", "restore_command",
      "restore_command written to the recovery configuration."),
    p("archive_cleanup_command", S, "", "archive_cleanup_command",
      "archive_cleanup_command written to the recovery configuration."),
    p("recovery_end_command", S, "", "recovery_end_command",
      "recovery_end_command written to the recovery configuration."),
    p("master_ip", S, "", "primary address",
      "Address standbys connect to (host in primary_conninfo), normally a virtual IP that follows the primary. Required for async, sync and slave."),
    p("repuser", S, "postgres", "replication user",
      "User standbys connect as for streaming replication."),
    p("primary_conninfo_opt", S, "", "extra primary_conninfo options",
      "Extra libpq options appended to primary_conninfo, for example keepalives_idle=60."),
    p("restart_on_promote", B, "false", "promote by restart",
      "Promote by restarting the server as a primary instead of pg_ctl promote."),
    p("rejoin_after_switchover", B, "false", "rejoin a cleanly switched-over primary",
      "After a switchover, start the former primary as a standby despite PGSQL.lock when it is proven safe: it shut down cleanly (pg_controldata: shut down) and the promoted standby found that shutdown checkpoint in its own WAL. A demote then shuts down fast first whatever stop_escalate says. Off: PGSQL.lock stays until the operator removes it."),
    p("replication_slot_name", S, "", "replication slot prefix",
      "When set, one physical replication slot per standby, named <value>_<node> (node lowercased, '.' and '-' turned into '_'). Only a-z, 0-9 and _ are allowed. Needs PostgreSQL 9.4 or later."),
    p("tmpdir", S, "/var/lib/pgsql/tmp", "agent state directory",
      "Directory for PGSQL.lock, rep_mode.conf, the recovery configuration and election notes; created mode 700 owned by pgdba."),
    p("xlog_check_count", I, "3", "election samples",
      "Identical WAL position samples a standby needs before it may claim promotion when no primary exists."),
    p("crm_attr_timeout", I, "5", "attribute write timeout",
      "Seconds allowed for one permanent node attribute write."),
    p("stop_escalate_in_slave", I, "90", "seconds before immediate shutdown of a standby",
      "Like stop_escalate, for stopping a standby."),
    p("check_wal_receiver", B, "false", "publish WAL receiver state",
      "Publish <resource>-receiver-status (normal, normal (master), ERROR) through attrd_updater."),
    p("external_standby_node_list", S, "", "synchronous standbys outside the cluster",
      "Space separated application names of synchronous standbys the cluster does not manage (sync mode only)."),
];

/// The default of parameter `name` ("" for an unknown name).
pub fn default_of(name: &str) -> &'static str {
    find(name).map(|p| p.default).unwrap_or("")
}

/// The parameter called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_defaults_fit_their_kind() {
        let mut seen = HashSet::new();
        for p in PARAMS {
            assert!(seen.insert(p.name), "duplicate {}", p.name);
            match p.kind {
                Kind::Integer => assert!(p.default.parse::<u64>().is_ok(), "{}", p.name),
                Kind::Boolean => assert!(["true", "false"].contains(&p.default), "{}", p.name),
                Kind::String => {}
            }
            assert!(!p.shortdesc.is_empty() && !p.longdesc.is_empty());
        }
    }

    #[test]
    fn reference_defaults() {
        let table = [
            ("pgctl", "/usr/bin/pg_ctl"),
            ("psql", "/usr/bin/psql"),
            ("pgdata", "/var/lib/pgsql/data"),
            ("pgdba", "postgres"),
            ("pgport", "5432"),
            ("pglibs", "/usr/lib"),
            ("pgdb", "template1"),
            ("logfile", "/dev/null"),
            ("stop_escalate", "90"),
            ("stop_escalate_in_slave", "90"),
            ("monitor_sql", "select now();"),
            ("rep_mode", "none"),
            ("repuser", "postgres"),
            ("restart_on_promote", "false"),
            ("tmpdir", "/var/lib/pgsql/tmp"),
            ("xlog_check_count", "3"),
            ("crm_attr_timeout", "5"),
            ("check_wal_receiver", "false"),
            ("rejoin_after_switchover", "false"),
        ];
        for (name, default) in table {
            assert_eq!(find(name).map(|p| p.default), Some(default), "{name}");
        }
        assert_eq!(PARAMS.len(), 34);
    }
}
