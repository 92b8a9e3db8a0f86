# shellcheck shell=bash source-path=SCRIPTDIR
# Helpers for a PostgreSQL promotable clone on a cluster2.sh cluster (sourced after lib.sh),
# shared by tests/pacemaker2.sh, tests/faults.sh, tests/migrate.sh and bench/run.sh: cluster
# queries, the PostgreSQL data directories, the resources, the shell agent's library, the
# client committing through the VIP, the rebuild of a node.
#
# The caller sets: N (node count), VIP, XMLGEN (pgsql-clone-xml.sh), NODES ("node1 ..."),
# PROVIDER and TYPE of the agent (default ocf:pgsqlrs:pgsql).
# Optional hook: data_hook I, run on node I's data directory after initdb / pg_basebackup
# (what is node-specific in it); PG_EXTRA_CONF, lines appended to postgresql.conf;
# PREPARE_SQL, run on node1 before the base backups (roles the resource needs).

# --- node commands ------------------------------------------------------------------------
pgx() { local i=$1; shift; (cd / && nx "$i" runuser -u postgres -- "$@"); }
# sqln I SQL : one statement on node I's local server (socket), as postgres
sqln() { pgx "$1" timeout 10 "$PGCLIENT/psql" -X -qAt -d postgres -v ON_ERROR_STOP=1 -c "$2"; }
# sqlv SQL : one statement through the VIP from the client namespace
sqlv() { (cd / && PGCONNECT_TIMEOUT=2 ncl timeout 10 "$PGCLIENT/psql" -X -qAt -h "$VIP" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1"); }
live() { local i; for i in $(seq 1 "$N"); do nx "$i" crm_mon -1 >/dev/null 2>&1 && { echo "$i"; return 0; }; done; return 1; }
cx() { local l; l=$(live) || return 1; nx "$l" "$@"; }     # cluster tool on a live node
mon() { cx crm_mon "$@"; }
settle() { cx crm_resource --wait -T "${1:-60s}" >/dev/null 2>&1; }

# --- cluster state ------------------------------------------------------------------------
attr() { cx crm_attribute -l "${3:-reboot}" -N "node$1" -n "$2" -G -q 2>/dev/null; }
dstat() { attr "$1" pgsql-data-status forever; }
pstat() { attr "$1" pgsql-status; }
score() { attr "$1" master-pgsql; }
# one line per node: "I status data-status score" from one crm_mon snapshot
states() {
  mon -1 -A --output-as=xml 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.stdin)
na = t.find("node_attributes")
if na is not None:
    for n in na.findall("node"):
        a = {x.get("name"): x.get("value") for x in n.findall("attribute")}
        print(n.get("name").replace("node", ""), a.get("pgsql-status", "-"), a.get("pgsql-data-status", "-"), a.get("master-pgsql", "-"))'
}
states_line() { states | awk '{printf "node%s=%s/%s/%s ", $1, $2, $3, $4}'; }
promoted_node() {  # node number of the one promoted instance; nothing if none or ambiguous
  mon -1 --output-as=xml 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.stdin)
p = [n.get("name").replace("node", "") for r in t.iter("resource")
     if r.get("id") == "pgsql" and r.get("role") in ("Promoted", "Master") for n in r.iter("node")]
if len(p) == 1: print(p[0])'
}
# failed_actions [OP_KEY NODE] : "op on node: reason; ..." of every failed action, or only the
# exit reason of OP_KEY on NODE
failed_actions() {
  mon -1 --output-as=xml 2>/dev/null | python3 -c '
import sys, html, xml.etree.ElementTree as ET
f = list(ET.parse(sys.stdin).iter("failure"))
for x in f:  # crm_mon 2.1 escapes the exit reason twice (an apostrophe comes as &apos;)
    x.set("exitreason", html.unescape(x.get("exitreason") or ""))
if len(sys.argv) == 3:
    print(next((x.get("exitreason") or "" for x in f if x.get("op_key") == sys.argv[1] and x.get("node") == sys.argv[2]), ""))
else:
    print("; ".join("%s on %s: %s" % (x.get("op_key"), x.get("node"), x.get("exitreason") or x.get("exitstatus")) for x in f))' "$@"
}
vip_on() { nx "$1" ip -4 addr show dev eth0 2>/dev/null | grep -q "$VIP/"; }
pgsql_active_on() { mon -1 --output-as=xml 2>/dev/null | xml_active pgsql | grep -q " node$1\$"; }
pgsql_inactive_on() { ! pgsql_active_on "$1"; }
postmaster_alive() {  # a live postmaster for node I's data directory
  local p
  p=$(head -1 "$H/n$1/pgsql/data/postmaster.pid" 2>/dev/null) || return 1
  [[ $p =~ ^[0-9]+$ ]] && nx "$1" sh -c "kill -0 $p 2>/dev/null && [ \"\$(cat /proc/$p/comm)\" = postgres ]"
}
# streaming P I : the primary on node P lists node I as a streaming standby
streaming() { [ "$(sqln "$1" "select state from pg_stat_replication where application_name = 'node$2'" 2>/dev/null)" = streaming ]; }
show() { mon -1 -fA 2>&1 | sed -n '/Node List/,$p'; }
# lrm_history I [RSC] : RSC's (default pgsql) operation history on node I in the CIB status
# section, one line per recorded operation: "class:provider:type id operation interval rc"
# (the agent is the one that ran them; nothing when node I has no history of RSC)
lrm_history() {
  cx cibadmin --query --scope status 2>/dev/null | python3 -c '
import re, sys, xml.etree.ElementTree as ET
node, rsc = sys.argv[1], sys.argv[2]
for ns in ET.parse(sys.stdin).iter("node_state"):
    if ns.get("uname") != node:
        continue
    for r in ns.iter("lrm_resource"):
        if re.fullmatch(re.escape(rsc) + r"(:[0-9]+)?", r.get("id") or ""):
            agent = "%s:%s:%s" % (r.get("class"), r.get("provider"), r.get("type"))
            for op in r.findall("lrm_rsc_op"):
                print(agent, op.get("id"), op.get("operation"), op.get("interval"), op.get("rc-code"))' "node$1" "${2:-pgsql}"
}

# --- PostgreSQL data directories (before the resources exist, as the PG-REX manual does) ----
# prepare_data : initdb on node1 with the replication settings, table t, pg_basebackup to
# node2..nodeN; every server stopped again (PGBIN's major decides how WAL is kept)
prepare_data() {
  local i keep=wal_keep_size=512MB
  [ "$(pg_major)" -ge 13 ] || keep=wal_keep_segments=32   # wal_keep_size is 13's
  for i in $(seq 1 "$N"); do rm -rf "$H/n$i/pgsql/data" "$H/n$i/pgsql/tmp"; done
  pgx 1 "$PGBIN/initdb" -D /var/lib/pgsql/data -A trust -U postgres --no-sync > "$H/n1/log/postgresql/initdb.log" 2>&1 || return 1
  cat >> "$H/n1/pgsql/data/postgresql.conf" <<EOF

# ---- replication settings (tests/harness/pgclone.sh) ----
listen_addresses = '*'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
${keep%%=*} = ${keep#*=}
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 2s
# a cut replication link is noticed within 10 s (default 60 s)
wal_sender_timeout = 10s
wal_receiver_timeout = 10s
restart_after_crash = off
wal_log_hints = on
${PG_EXTRA_CONF:-}
EOF
  cat >> "$H/n1/pgsql/data/pg_hba.conf" <<EOF
# private test network of cluster2.sh
host all         all $NET.0/24 trust
host replication all $NET.0/24 trust
# the service LAN clients of slan_up
host all         all $SLAN_NET.0/24 trust
EOF
  run_data_hook 1
  pgx 1 "$PGBIN/pg_ctl" -D /var/lib/pgsql/data -l /var/log/postgresql/prepare.log -w start >/dev/null || return 1
  sqln 1 "create table t(id bigint primary key, note text, ts timestamptz default now()); insert into t(id, note) values (1, 'created on node1')" || return 1
  if [ -n "${PREPARE_SQL:-}" ]; then sqln 1 "$PREPARE_SQL" || return 1; fi
  for i in $(seq 2 "$N"); do
    pgx "$i" "$PGCLIENT/pg_basebackup" -h "$NET.1" -U postgres -D /var/lib/pgsql/data -X stream -c fast || return 1
    run_data_hook "$i"
  done
  pgx 1 "$PGBIN/pg_ctl" -D /var/lib/pgsql/data -w -m fast stop >/dev/null
}
run_data_hook() { if declare -F data_hook >/dev/null; then data_hook "$1"; fi; }

# rebuild_node I : node I's data directory made anew from the current primary, the way the
# PG-REX manual rejoins a failed primary: ban it while the clone is still active there, wipe,
# pg_basebackup through the VIP, rm PGSQL.lock, clear the ban, crm_resource --cleanup. The
# caller waits for the state it needs. Sets REB_P (the primary), REB_T0 (start), REB_TC (the
# cleanup); on failure says why in REB_ERR and returns 1.
# shellcheck disable=SC2034  # REB_TC and REB_ERR are for the caller
rebuild_node() {
  local i=$1 banned=0
  REB_T0=$(now); REB_TC=; REB_ERR=
  settle 60s
  REB_P=$(promoted_node)
  if [ -z "$REB_P" ] || [ "$REB_P" = "$i" ]; then
    REB_ERR="no primary other than node$i (got '$REB_P')"; return 1
  fi
  if pgsql_active_on "$i"; then
    echo "# pgsql still active on node$i: ban it before wiping the data directory"
    cx crm_resource --ban -r pgsql-clone -N "node$i" -Q >/dev/null 2>&1; banned=1
    wait_for 60 pgsql_inactive_on "$i"
  fi
  if postmaster_alive "$i"; then REB_ERR="a postmaster still runs on node$i"; return 1; fi
  rm -rf "$H/n$i/pgsql/data"
  if ! pgx "$i" "$PGCLIENT/pg_basebackup" -h "$VIP" -U postgres -D /var/lib/pgsql/data -X stream -c fast \
       > "$H/basebackup-node$i.out" 2>&1; then
    sed 's/^/# /' "$H/basebackup-node$i.out"; REB_ERR="pg_basebackup from the primary (node$REB_P) failed"; return 1
  fi
  run_data_hook "$i"
  rm -f "$H/n$i/pgsql/tmp/PGSQL.lock"
  echo "# node$i rebuilt from node$REB_P in $(elapsed "$REB_T0") s (pg_basebackup via $VIP), PGSQL.lock removed"
  [ $banned = 1 ] && cx crm_resource --clear -r pgsql-clone -N "node$i" -Q >/dev/null 2>&1
  REB_TC=$(now)
  cx crm_resource --cleanup -r pgsql-clone -N "node$i" > /dev/null 2>&1
  return 0
}

# --- the shell agent ocf:heartbeat:pgsql (bench/run.sh, tests/migrate.sh) ------------------
# make_ocf_lib : $H/ocf-lib, a copy of the OCF shell library patched for the shell agent
# (../shared/HARNESS.md pitfall 1: Debian 12's ocf_promotion_score -v -INFINITY runs
# `crm_attribute -p -v -INFINITY`, which does not parse; the copy names the resource). The
# caller exports PCMK_EXTRA_ENV="OCF_FUNCTIONS_DIR=$H/ocf-lib" before `cluster2.sh up`.
# shellcheck disable=SC2016  # the sed script and the pattern hold a literal ${...}
make_ocf_lib() {
  rm -rf "$H/ocf-lib"
  cp -a /usr/lib/ocf/lib/heartbeat "$H/ocf-lib"
  sed -i 's|\${HA_SBIN_DIR}/crm_attribute -p \$@|${HA_SBIN_DIR}/crm_attribute -p "${OCF_RESOURCE_INSTANCE}" "$@"|' \
    "$H/ocf-lib/ocf-shellfuncs"
  grep -q 'crm_attribute -p "${OCF_RESOURCE_INSTANCE}"' "$H/ocf-lib/ocf-shellfuncs" \
    || { echo "ocf-shellfuncs patch did not apply" >&2; return 1; }
  chmod -R a+rX "$H/ocf-lib"
}

# --- resources ----------------------------------------------------------------------------
# create_resources : the VIP, the clone (PROVIDER/TYPE of pgsql-clone-xml.sh), constraints
create_resources() {
  local c
  cx cibadmin -C -o resources -X "$(VIP=$VIP "$XMLGEN" vip)" || return 1
  cx cibadmin -C -o resources -X "$(NODE_LIST=$NODES VIP=$VIP PROVIDER=${PROVIDER:-pgsqlrs} TYPE=${TYPE:-pgsql} FENCING=${FENCING:-0} PGBIN=$PGBIN PGCLIENT=$PGCLIENT "$XMLGEN" clone)" || return 1
  for c in colocation order-promote order-demote; do cx cibadmin -C -o constraints -X "$("$XMLGEN" $c)" || return 1; done
}
# create_fencing : (FENCING=1, after `cluster2.sh fencing`) PG-REX's STONITH layout: one
# fence_pgra device per node (never on the node it fences), the ping clone, the cluster
# properties (stonith-enabled last: without a device it would block every start); before
# create_resources
create_fencing() {
  local i
  for i in $(seq 1 "$N"); do
    cx cibadmin -C -o resources -X "$("$XMLGEN" fence "$i")" || return 1
    cx cibadmin -C -o constraints -X "$("$XMLGEN" fence-location "$i")" || return 1
  done
  cx cibadmin -C -o resources -X "$(NET=$NET "$XMLGEN" ping)" || return 1
  cx crm_attribute -t crm_config -n priority-fencing-delay -v 10s || return 1
  cx crm_attribute -t crm_config -n stonith-timeout -v 60s || return 1
  cx crm_attribute -t rsc_defaults -n migration-threshold -v 1 || return 1
  cx crm_attribute -t crm_config -n stonith-enabled -v true || return 1
}
# create_ping_rule : no PostgreSQL where ping-status is not 100 (after create_resources)
create_ping_rule() { cx cibadmin -C -o constraints -X "$("$XMLGEN" ping-location)"; }
resources_and_rule() { create_resources && create_ping_rule; }
# shellcheck disable=SC2046  # one word per device
fence_started() { mon -1 --output-as=xml 2>/dev/null | xml_active $(seq 1 "$N" | sed 's/^/fence-node/') | wc -l | grep -qx "$N"; }
ping_ok() { local i; for i in $(seq 1 "$N"); do [ "$(attr "$i" ping-status)" = 100 ] || return 1; done; }
# fenced_cluster_up : (FENCING=1) a fresh N-node cluster with fencing and PG-REX's layout, the
# data prepared, the resources created, in the normal state; on failure FCU_ERR says why
# shellcheck disable=SC2034  # FCU_ERR is for the caller
fenced_cluster_up() {
  FCU_ERR=
  "$CLUSTER" down > "$H/cluster-down.out" 2>&1
  "$CLUSTER" up "$N" > "$H/cluster-up.out" 2>&1 || { FCU_ERR="the cluster did not come up"; return 1; }
  "$CLUSTER" fencing > "$H/fencing.out" 2>&1 || { FCU_ERR="fencing: $(cat "$H/fencing.out")"; return 1; }
  prepare_data || { FCU_ERR="prepare_data failed"; return 1; }
  create_fencing || { FCU_ERR="create_fencing failed"; return 1; }
  resources_and_rule || { FCU_ERR="cibadmin failed"; return 1; }
  wait_for 60 fence_started || { FCU_ERR="fence devices not started"; return 1; }
  wait_for 60 ping_ok || { FCU_ERR="ping-status not 100"; return 1; }
  wait_for 180 replication_ready || { FCU_ERR="no normal state: $(states_line)"; return 1; }
}
# remove_fencing : fencing off first (so a stop does not fence), then its elements
remove_fencing() {
  local i
  cx crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null 2>&1
  cx cibadmin -D -o constraints -X '<rsc_location id="pgsql-clone-needs-ping"/>' >/dev/null 2>&1
  cx crm_resource -r ping-clone --meta -p target-role -v Stopped >/dev/null 2>&1
  for i in $(seq 1 "$N"); do
    cx cibadmin -D -o constraints -X "<rsc_location id=\"fence-node$i-not-on-node$i\"/>" >/dev/null 2>&1
    cx crm_resource -r "fence-node$i" --meta -p target-role -v Stopped >/dev/null 2>&1
  done
  sleep 2
  cx cibadmin -D -o resources -X '<clone id="ping-clone"/>' >/dev/null 2>&1
  for i in $(seq 1 "$N"); do cx cibadmin -D -o resources -X "<primitive id=\"fence-node$i\"/>" >/dev/null 2>&1; done
  return 0
}
# remove_resources : stopped, constraints then resources deleted (a resource a constraint
# references cannot be), permanent data-status attributes deleted; 1 at the first failure
clone_and_vip_stopped() { [ -z "$(mon -1 --output-as=xml 2>/dev/null | xml_active pgsql vip-master)" ]; }
remove_resources() {
  local i
  cx crm_resource -r pgsql-clone --meta -p target-role -v Stopped >/dev/null 2>&1
  cx crm_resource -r vip-master --meta -p target-role -v Stopped >/dev/null 2>&1
  # failed operations (e.g. a failed monitor of an instance already stopped) keep an instance
  # listed as not cleanly stopped: clear them
  sleep 1; cx crm_resource --cleanup >/dev/null 2>&1
  if ! wait_for 120 clone_and_vip_stopped; then
    echo "# still active: $(mon -1 --output-as=xml 2>/dev/null | xml_active pgsql vip-master | tr '\n' ';')"
    return 1
  fi
  cx crm_resource --clear -r pgsql-clone -Q >/dev/null 2>&1
  cx cibadmin -D -o constraints -X '<rsc_colocation id="vip-with-promoted"/>' >/dev/null 2>&1 || return 1
  cx cibadmin -D -o constraints -X '<rsc_order id="promote-then-vip"/>' >/dev/null 2>&1 || return 1
  cx cibadmin -D -o constraints -X '<rsc_order id="demote-then-stop-vip"/>' >/dev/null 2>&1 || return 1
  cx cibadmin -Q -o constraints 2>/dev/null | grep -q ' id=' && { echo "# constraints left: $(cx cibadmin -Q -o constraints)"; return 1; }
  cx cibadmin -D -o resources -X '<clone id="pgsql-clone"/>' >/dev/null 2>&1 || return 1
  cx cibadmin -D -o resources -X '<primitive id="vip-master"/>' >/dev/null 2>&1 || return 1
  for i in $(seq 1 "$N"); do cx crm_attribute -l forever -N "node$i" -n pgsql-data-status -D >/dev/null 2>&1; done
  return 0
}

# --- the client committing through the VIP (vipwriter.py) --------------------------------
WREC=; WD=
writer_start() {  # writer_start TAG FIRST_ID
  WD=$H/writer-$1; rm -rf "$WD"; mkdir -p "$WD"
  setsid ip netns exec "$CLIENT_NETNS" /usr/bin/python3 "$HD/vipwriter.py" "$WD" "$VIP" "$2" \
    "$PGCLIENT/psql" > "$WD/out" 2>&1 < /dev/null &
  WREC=$(pid_record $!)
}
# process_gone PID STARTTIME : the recorded process has exited (or is a zombie)
process_gone() { ! same_process "$1" "$2" || ! alive "$1"; }
writer_acks() { awk '$4 == "ok"' "$WD/log" 2>/dev/null | wc -l; }
writer_stop() {
  [ -n "$WREC" ] || return 0
  touch "$WD/stop"
  local p=${WREC%% *} st
  st=$(echo "$WREC" | awk '{print $2}')
  wait_for 10 process_gone "$p" "$st" || stop_recorded "$WREC" 5
  WREC=
}
# the first acknowledged commit that started at or after epoch time $1 (the moment the
# failure was injected, taken inside the node right before the kill / after the link went
# down, so nothing started later can have committed on the old primary): "start end"
# (an attempt may block through the whole outage and still succeed: no failure needed)
writer_first_ok_after() { awk -v t="$1" '$4 == "ok" && $2 >= t {print $2, $3; exit}' "$WD/log" 2>/dev/null; }
# longest time between two consecutive acknowledged commits
writer_max_gap() { awk '$4 == "ok" { if (last) { g = $3 - last; if (g > m) m = g } last = $3 } END {printf "%.2f", m}' "$WD/log"; }

# --- checks of the real-cluster tests (tests/pacemaker2.sh, tests/faults.sh) ---------------
# (they need lib/tap.sh's ok/nok only where they say so)
none_running() { local i; for i in $(seq 1 "$N"); do postmaster_alive "$i" && return 1; done; return 0; }
# standbys_ok P : every other node streams; exactly one HS:sync (N=2: the standby is HS:sync)
standbys_ok() {
  local p=$1 i st sync=0
  for i in $(seq 1 "$N"); do
    [ "$i" = "$p" ] && continue
    st=$(pstat "$i")
    case $st in HS:sync) sync=$((sync + 1)) ;; HS:async) [ "$N" -gt 2 ] || return 1 ;; *) return 1 ;; esac
  done
  [ $sync = 1 ]
}
sync_standby() { states | awk '$2 == "HS:sync" {print $1}' | head -1; }
async_standby() { states | awk '$2 == "HS:async" {print $1}' | head -1; }
failed_start_reason() { failed_actions pgsql_start_0 "node$1"; }  # exit reason of a failed start on node I
agent_log() { grep -hE "pgsql\(pgsql\)\[[0-9]+\]:" "$H/n$1/log/pacemaker/pacemaker.log" 2>/dev/null; }
# replication_ready : a primary is promoted and its standbys are ready (standbys_ok)
replication_ready() { local p; p=$(promoted_node) && standbys_ok "$p"; }
# score_dstat_pstat_is I "SCORE/DATA-STATUS/STATUS" : node I's three attributes
score_dstat_pstat_is() { [ "$(score "$1")/$(dstat "$1")/$(pstat "$1")" = "$2" ]; }
# dstat_pstat_score_is I "DATA-STATUS/STATUS/SCORE"
dstat_pstat_score_is() { [ "$(dstat "$1")/$(pstat "$1")/$(score "$1")" = "$2" ]; }
# crm_attribute_is VALUE ARGS... : cx crm_attribute ARGS... -G -q prints VALUE
crm_attribute_is() { local v=$1; shift; [ "$(cx crm_attribute "$@" -G -q 2>/dev/null)" = "$v" ]; }
# insert_via_vip ID NOTE : the row (ID, NOTE) committed through the VIP
insert_via_vip() { [ "$(sqlv "insert into t(id, note) values ($1, '$2') returning id")" = "$1" ]; }
acks_at_least() { [ "$(writer_acks)" -ge "$1" ]; }   # the client has >= $1 acknowledged commits
start_failed_on() { [ -n "$(failed_start_reason "$1")" ]; }   # crm_mon has a failed start on node I
no_postmaster_on() { ! postmaster_alive "$1"; }
measured() { [ "$1" != - ]; }   # a time was measured (not "-")
promoted_pri() { [ "$(promoted_node)" = "$1" ] && [ "$(pstat "$1")" = PRI ]; }   # node I is the primary
# the checks that follow a failover (watch_failover's NEWP, BADPROMO; S and A before it)
sync_standby_promoted() { [ "$NEWP" = "$S" ]; }
async_never_promoted() { [ "$BADPROMO" = 0 ] && [ "$NEWP" != "$A" ]; }
# after `read -r att ack fnd tmo err <<< "$(writer_verify I)"` (the caller's variables)
# shellcheck disable=SC2154
no_ack_lost() { [ "$ack" -gt 0 ] && [ "$ack" = "$fnd" ]; }

# writer_verify I : every acknowledged id of this writer is in table t on node I
# prints "attempted acknowledged found unknown(timeouts) errors"
writer_verify() {
  local i=$1 acked found
  awk '$4 == "ok" {print $1}' "$WD/log" | sort > "$WD/acked"
  sqln "$i" "select id from t where id >= $(head -1 "$WD/log" | awk '{print $1}') order by id" | sort > "$WD/found"
  acked=$(wc -l < "$WD/acked")
  found=$(comm -12 "$WD/acked" "$WD/found" | wc -l)
  comm -23 "$WD/acked" "$WD/found" > "$WD/lost"
  echo "$(wc -l < "$WD/log") $acked $found $(awk '$4 == "timeout"' "$WD/log" | wc -l) $(awk '$4 == "err"' "$WD/log" | wc -l)"
}
# shellcheck disable=SC2034  # filled and printed by the callers
declare -A LOSS   # scenario -> "attempted acknowledged found"

# watch_failover OLD T_KILL [FORBIDDEN] : wait (120 s) until a node other than OLD is
# promoted, its status is PRI, the VIP is there and the client has an acknowledged commit
# started after T_KILL. Sets NEWP, T_PROMO, T_PRI, T_VIPUP, T_WRITE; BADPROMO=1 when
# FORBIDDEN was ever seen promoted.
watch_failover() {
  local old=$1 t0=$2 bad=${3:-} end q fo
  NEWP=; T_PROMO=-; T_PRI=-; T_VIPUP=-; T_WRITE=-; BADPROMO=0
  end=$(awk -v n="$(now)" 'BEGIN{printf "%.3f", n + 120}')
  while awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n < e)}'; do
    q=$(promoted_node)
    [ -n "$bad" ] && [ "$q" = "$bad" ] && BADPROMO=1
    if [ -n "$q" ] && [ "$q" != "$old" ]; then
      [ "$T_PROMO" = - ] && { NEWP=$q; T_PROMO=$(elapsed "$t0"); }
      [ "$T_PRI" = - ] && [ "$(pstat "$q")" = PRI ] && T_PRI=$(elapsed "$t0")
      [ "$T_VIPUP" = - ] && vip_on "$q" && T_VIPUP=$(elapsed "$t0")
    fi
    fo=$(writer_first_ok_after "$t0")
    if [ -n "$fo" ] && [ "$T_WRITE" = - ]; then
      T_WRITE=$(awk -v e="${fo#* }" -v t="$t0" 'BEGIN{printf "%.1f", e - t}')
    fi
    [ "$T_PROMO" != - ] && [ "$T_PRI" != - ] && [ "$T_VIPUP" != - ] && [ "$T_WRITE" != - ] && return 0
    sleep 0.2
  done
  return 1
}

# --- node states, power and faults: tests/harness/nodefaults.sh -----------------------------
# shellcheck source=nodefaults.sh
. "$HD/nodefaults.sh"
