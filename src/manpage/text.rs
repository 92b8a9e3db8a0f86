//! The prose of the manual page: what each action does, the node attributes and files of
//! the contract (tests/blackbox/docs.rs keeps those two tables equal to docs/contract.md
//! §5.1 and §6), the environment, and PG-REX style examples for pcs and crmsh.
//! `@PROVIDER@`, `@AGENT@` and `@CONTRACT@` are filled in by the renderer.
//! Contract: docs/contract.md §1.1, §1.2, §5.1, §6.

use crate::ocf::Action;

/// Paragraphs after the meta-data's description.
pub const DESCRIPTION: &[&str] = &[
    "It is a drop-in replacement for ocf:heartbeat:pgsql (and ocf:linuxhajp:pgsql) as PG-REX clusters run it: the same parameters, defaults, actions, node attributes and files, so an existing resource switches to it by changing its provider to @PROVIDER@. Every wait ends before the operation timeout with an exit reason, and no parameter ever passes through a shell.",
    "The configuration comes only from the environment (OCF_RESKEY_*), as Pacemaker passes it; run from a shell, the agent behaves the same. validate-all checks the parameters without side effects; with OCF_CHECK_LEVEL=10 it also checks this node (binaries, user, files, permissions).",
    "In replication mode (rep_mode=async or sync) the agent runs as a promotable clone (promotable=true, promoted-max=1, notify=true), with node_list naming every node and master_ip the address standbys connect to, normally a virtual IP that follows the primary. In sync mode one standby at a time is synchronous. After a failover the former primary keeps <tmpdir>/PGSQL.lock and refuses to start until the operator has rebuilt or checked its data and removed that file.",
    "Run by hand at a terminal, every action says in a few INFO lines on standard error what it looked at and what it found (the checks a probe skips included). A monitor or status that Pacemaker did not start (none of OCF_RESKEY_crm_feature_set, OCF_RESKEY_CRM_meta_on_node and OCF_RESKEY_CRM_meta_on_node_uuid is set) changes nothing in the cluster: it logs each write it would have made (would change master-pgsql on node2: 100 -> -INFINITY) instead of making it. Other actions run by hand do their whole job.",
    "Every behaviour is described in @CONTRACT@.",
];

/// The paragraphs of the section on `pgsql show`.
pub const SHOW: &[&str] = &[
    "@AGENT@ show [--resource ID] [--json], run as root on any node of the cluster without any OCF_RESKEY_* variable, shows the promotable clone of this agent: the only clone of an ocf:*:pgsql primitive in the CIB, or the clone (or primitive) --resource names. It reads the resource's parameters from the CIB, one crm_mon snapshot and the local PostgreSQL, and writes nothing anywhere.",
    "It prints one row per node of node_list: online or not, role (Promoted, Unpromoted, Stopped or failed), <rsc>-status, <rsc>-data-status, the promotion score, the WAL position and, where known, the lag behind the primary in bytes and seconds, whether PGSQL.lock exists (on the local node), the fail count and the last failure with its reason. Then the verdict (healthy: one primary and a synchronous standby; degraded; no primary) and, for each node that cannot start or be promoted, why and what to do: the former primary's PGSQL.lock after a failover (check its data, rebuild it from the new primary with pg_basebackup or run the documented rejoin, remove the lock, crm_resource --cleanup), a running standby in DISCONNECT (it is behind: wait or rebuild), an election in progress (how many more monitor samples it needs, by the agent's own rule), an offline node, a failed operation.",
    "The plain form fits an 80-column terminal; --json prints the same facts as one JSON object (verdict, summary, nodes, problems, notes) for scripts and monitoring systems. Exit status: 0 healthy, 1 degraded, 2 no primary, or the cluster cannot be read (a line on standard error says what could not be read).",
];

/// Examples of `pgsql show` (each line fits the page's literal block).
pub const SHOW_EXAMPLE: &str = r#"# A=/usr/lib/ocf/resource.d/@PROVIDER@/pgsql
# $A show
# $A show --resource pgsql-clone; echo $?
# $A show --json > /run/pgsql-show.json"#;

/// What each action does, for SUPPORTED ACTIONS.
pub fn action_summary(a: Action) -> &'static str {
    match a {
        Action::Start => "Starts PostgreSQL and waits until it answers; in replication mode always as a hot standby (refused while <tmpdir>/PGSQL.lock exists).",
        Action::Stop => "Stops PostgreSQL: a fast shutdown, then an immediate one after stop_escalate (stop_escalate_in_slave for a standby) seconds.",
        Action::Status => "Tells whether the postmaster of pgdata is alive.",
        Action::Monitor => "Checks the server: monitor_sql, and in replication mode its role, the standbys and the node attributes. An interval of 0 makes it a probe.",
        Action::Promote => "Makes this node's standby the primary and creates <tmpdir>/PGSQL.lock. Refused while its WAL receiver still streams from a primary that answers at master_ip.",
        Action::Demote => "Stops the primary; Pacemaker then starts it again as a standby.",
        Action::Notify => "Acts on the clone notifications around start, stop, promote and demote.",
        Action::MetaData => "Prints the OCF meta-data (this page's parameters and actions) as XML.",
        Action::ValidateAll => "Checks the configuration (this node too with OCF_CHECK_LEVEL=10).",
        Action::Methods => "Prints the supported actions, one per line.",
    }
}

/// After the exit codes.
pub const EXIT_REASON: &str = "Every failure prints one line on standard error, ocf-exit-reason:<text>, which Pacemaker shows in crm_mon. When validation fails and no postmaster of pgdata is alive, stop returns 0 and monitor and status return 7; when one is alive, monitor and status return 1 and stop shuts it down.";

/// Before the node attributes.
pub const ATTRIBUTES_INTRO: &str = "In replication mode the agent keeps these node attributes, which crm_mon -A shows and the PG-REX tools read; <rsc> is the resource name (OCF_RESOURCE_INSTANCE up to a ':'). In the normal state the primary has 1000, LATEST and PRI, the synchronous standby 100, STREAMING|SYNC and HS:sync.";

/// The node attributes of docs/contract.md §5.1: (attribute, lifetime, values).
pub const ATTRIBUTES: &[(&str, &str, &str)] = &[
    ("<rsc>-status", "reboot", "STOP, HS:alone, HS:async, HS:sync, HS:potential, HS:connected, PRI, UNKNOWN"),
    ("<rsc>-data-status", "forever (nvpair id nodes-<nodeid>-<rsc>-data-status)", "LATEST, STREAMING|SYNC, STREAMING|ASYNC, STREAMING|POTENTIAL, DISCONNECT, or STATE|SYNC_STATE as seen (e.g. CATCHUP|ASYNC)"),
    ("master-<rsc> (promotion score)", "reboot", "-INFINITY, 100, 1000"),
    ("<rsc>-xlog-loc", "reboot", "16 hex digits, while electing a primary"),
    ("<rsc>-master-baseline", "reboot", "16 hex digits: the WAL position at promotion (a standby records its own at post-demote)"),
    ("<rsc>-receiver-status", "transient (attrd)", "normal, normal (master), ERROR"),
    ("<rsc>-clean-shutdown", "forever", "tli=<n> lsn=<X/Y> xid=<epoch:xid> oid=<n>: this node's last clean shutdown as a primary (only with rejoin_after_switchover, §5.12)"),
    ("<rsc>-rejoin-proof", "forever", "on a former primary, written by the node promoted after it: received by <node>: tli=... lsn=... xid=... oid=... or not received by <node>: <why> (§5.12)"),
];

/// The files of docs/contract.md §6: (file, what the agent does with it).
pub const FILES: &[(&str, &str)] = &[
    ("<tmpdir>/", "The agent's state directory, created mode 700 owned by pgdba by start; an existing one must be a real directory of pgdba's."),
    ("<tmpdir>/PGSQL.lock", "Created by promote. While it exists, start is refused: the operator removes it after rebuilding or checking the node's data (PG-REX's start-prohibition flag)."),
    ("<tmpdir>/rep_mode.conf", "synchronous_standby_names, included from postgresql.conf in sync mode."),
    ("<tmpdir>/recovery.conf", "The recovery settings (primary_conninfo, restore_command, ...) on PostgreSQL 12 and later, included from postgresql.conf."),
    ("<pgdata>/standby.signal", "Makes the server a standby (PostgreSQL 12 and later)."),
    ("<pgdata>/recovery.conf", "The recovery settings before PostgreSQL 12."),
    ("<tmpdir>/xlog_note.N", "A standby's samples while electing a primary."),
    (
        "<tmpdir>/clean_shutdown",
        "With rejoin_after_switchover: this node's last clean shutdown as a primary, \
         written by demote or stop, forgotten by the next start.",
    ),
    (
        "<tmpdir>/standby_streaming",
        "The WAL receiver connection a standby's last snapshot found in order: while it \
         streams on it, the standby's monitor needs no cluster snapshot.",
    ),
    ("postgresql.conf (config)", "Gets the include lines (# added by pgsql RA); nothing else is changed."),
    ("the server log (logfile)", "Created owned by pgdba when missing; never through a symlink."),
    ("<pgdata>/postmaster.pid", "Read; a stale one is removed at start and after stop."),
    ("<socket dir>/.s.PGSQL.<pgport>.lock", "A stale one (of pgdba's, naming this pgdata, its postmaster gone) is removed at start."),
    ("<pgdata>/backup_label", "A stale one is removed at start with rep_mode none, on PostgreSQL before 15 only."),
];

/// The installed documentation, when the page knows where it is.
pub const DOCS: &str = "README.md, CHANGELOG.md and docs/: the behaviour contract (docs/contract.md), the architecture and the benchmarks.";

/// (variable, meaning) for ENVIRONMENT.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("OCF_RESKEY_<parameter>", "A parameter (see SUPPORTED PARAMETERS)."),
    ("OCF_RESKEY_CRM_meta_timeout", "The operation timeout in milliseconds; every wait ends before it. Absent or 0: the suggested timeout of the action."),
    ("OCF_RESKEY_CRM_meta_interval", "The monitor interval in milliseconds; 0 or absent makes a monitor a probe."),
    ("OCF_RESOURCE_INSTANCE", "The instance name; <rsc> of the node attributes is its part before a ':'."),
    ("OCF_CHECK_LEVEL", "10 or more makes validate-all check this node too."),
    ("OCF_EXIT_REASON_PREFIX", "Replaces ocf-exit-reason: in the exit reason line."),
    ("HA_LOGFACILITY", "A syslog facility; set and not none, log lines go to journald when it runs, else to /dev/log, tagged pgsql(<instance>)[<pid>]."),
    ("HA_LOGFILE, HA_DEBUGLOG", "Files each log line is appended to, dated and tagged as ocf-shellfuncs writes them. Without a facility or a log file, lines go to standard error."),
    ("HA_debug", "Set and not 0: DEBUG lines are written too."),
    ("HA_DATEFMT", "The date(1) format of the date in HA_LOGFILE, HA_DEBUGLOG and standard error lines; unset or empty means %b %d %T (with a trailing blank), as in ocf-shellfuncs."),
    ("TZ, TZDIR", "The time zone of that date, as the C library reads them; without TZ, /etc/localtime."),
];

/// Before the examples.
pub const EXAMPLES_INTRO: &str = "A PG-REX style two-node cluster: PostgreSQL 15 as a promotable clone in sync mode, a service address for clients and a replication address (master_ip) for the standby, both following the primary. The addresses, paths and node names are examples.";

/// The pcs commands (pcs 0.11, Pacemaker 2.1).
pub const EXAMPLE_PCS: &str = r#"pcs resource create pgsql ocf:@PROVIDER@:pgsql \
    pgctl=/usr/pgsql-15/bin/pg_ctl \
    psql=/usr/pgsql-15/bin/psql \
    pgdata=/var/lib/pgsql/15/data \
    rep_mode=sync node_list="node1 node2" \
    master_ip=192.0.2.20 repuser=repuser \
    restore_command="cp /var/lib/pgsql/15/archive/%f %p" \
    primary_conninfo_opt="keepalives_idle=60 keepalives_count=5" \
    stop_escalate=0 \
    op start timeout=300s on-fail=restart \
    op monitor interval=10s timeout=60s on-fail=restart \
    op monitor interval=9s timeout=60s on-fail=restart \
    role=Promoted \
    op promote timeout=300s on-fail=restart \
    op demote timeout=300s on-fail=fence \
    op notify timeout=60s \
    op stop timeout=300s on-fail=fence \
    promotable pgsql-clone promoted-max=1 promoted-node-max=1 \
    clone-max=2 clone-node-max=1 notify=true
pcs resource create vip-master ocf:heartbeat:IPaddr2 \
    ip=192.0.2.10 cidr_netmask=24 op monitor interval=10s
pcs resource create vip-rep ocf:heartbeat:IPaddr2 \
    ip=192.0.2.20 cidr_netmask=24 op monitor interval=10s
pcs resource group add master-group vip-master vip-rep
pcs constraint colocation add master-group with Promoted \
    pgsql-clone INFINITY
pcs constraint order promote pgsql-clone then start master-group \
    symmetrical=false kind=Mandatory
pcs constraint order demote pgsql-clone then stop master-group \
    symmetrical=false kind=Optional"#;

/// The same configuration in crmsh (crmsh 4.x, Pacemaker 2.1).
pub const EXAMPLE_CRMSH: &str = r#"primitive pgsql ocf:@PROVIDER@:pgsql \
    params pgctl=/usr/pgsql-15/bin/pg_ctl \
    psql=/usr/pgsql-15/bin/psql pgdata=/var/lib/pgsql/15/data \
    rep_mode=sync node_list="node1 node2" \
    master_ip=192.0.2.20 repuser=repuser \
    restore_command="cp /var/lib/pgsql/15/archive/%f %p" \
    primary_conninfo_opt="keepalives_idle=60 keepalives_count=5" \
    stop_escalate=0 \
    op start timeout=300s on-fail=restart \
    op monitor interval=10s timeout=60s on-fail=restart \
    op monitor interval=9s timeout=60s on-fail=restart \
    role=Promoted \
    op promote timeout=300s on-fail=restart \
    op demote timeout=300s on-fail=fence \
    op notify timeout=60s \
    op stop timeout=300s on-fail=fence
clone pgsql-clone pgsql \
    meta promotable=true promoted-max=1 promoted-node-max=1 \
    clone-max=2 clone-node-max=1 notify=true
primitive vip-master IPaddr2 \
    params ip=192.0.2.10 cidr_netmask=24 op monitor interval=10s
primitive vip-rep IPaddr2 \
    params ip=192.0.2.20 cidr_netmask=24 op monitor interval=10s
group master-group vip-master vip-rep
colocation master-with-primary inf: \
    master-group pgsql-clone:Promoted
order promote-then-vip Mandatory: pgsql-clone:promote \
    master-group:start symmetrical=false
order demote-then-vip Optional: pgsql-clone:demote \
    master-group:stop symmetrical=false"#;

/// After the examples.
pub const EXAMPLES_AFTER: &str = "Then crm_mon -fA shows the primary with master-pgsql 1000, pgsql-data-status LATEST and pgsql-status PRI, and the standby with 100, STREAMING|SYNC and HS:sync. A resource of ocf:heartbeat:pgsql switches to this agent by changing its provider to @PROVIDER@; its parameters stay as they are.";

/// SEE ALSO, as roff.
pub const SEE_ALSO: &str = ".BR crm_mon (8),\n.BR crm_attribute (8),\n.BR crm_resource (8),\n.BR pcs (8),\n.BR crm (8),\n.BR ocf_heartbeat_pgsql (7),\n.BR pg_ctl (1)";
