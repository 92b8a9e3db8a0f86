# shellcheck shell=bash
# Helpers for a PostgreSQL promotable clone on a cluster2.sh cluster (sourced after lib.sh),
# shared by tests/pacemaker2.sh and bench/run.sh: cluster queries, the PostgreSQL data
# directories, the resources, the client committing through the VIP, the rebuild of a node.
#
# The caller sets: N (node count), VIP, XMLGEN (pgsql-clone-xml.sh), NODES ("node1 ..."),
# PROVIDER and TYPE of the agent (default ocf:pgsqlrs:pgsql).
# Optional hook: data_hook I, run on node I's data directory after initdb / pg_basebackup
# (what is node-specific in it); PG_EXTRA_CONF, lines appended to postgresql.conf;
# PREPARE_SQL, run on node1 before the base backups (roles the resource needs).

# --- node commands ------------------------------------------------------------------------
pgx() { local i=$1; shift; (cd / && nx "$i" runuser -u postgres -- "$@"); }
# sqln I SQL : one statement on node I's local server (socket), as postgres
sqln() { pgx "$1" timeout 10 "$PGBIN/psql" -X -qAt -d postgres -v ON_ERROR_STOP=1 -c "$2"; }
# sqlv SQL : one statement through the VIP from the client namespace
sqlv() { (cd / && PGCONNECT_TIMEOUT=2 ncl timeout 10 "$PGBIN/psql" -X -qAt -h "$VIP" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1"); }
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
import sys, xml.etree.ElementTree as ET
f = list(ET.parse(sys.stdin).iter("failure"))
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

# --- PostgreSQL data directories (before the resources exist, as the PG-REX manual does) ----
# prepare_data : initdb on node1 with the replication settings, table t, pg_basebackup to
# node2..nodeN; every server stopped again
prepare_data() {
  local i
  for i in $(seq 1 "$N"); do rm -rf "$H/n$i/pgsql/data" "$H/n$i/pgsql/tmp"; done
  pgx 1 "$PGBIN/initdb" -D /var/lib/pgsql/data -A trust -U postgres --no-sync > "$H/n1/log/postgresql/initdb.log" 2>&1 || return 1
  cat >> "$H/n1/pgsql/data/postgresql.conf" <<EOF

# ---- replication settings (tests/harness/pgclone.sh) ----
listen_addresses = '*'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 512MB
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
EOF
  run_data_hook 1
  pgx 1 "$PGBIN/pg_ctl" -D /var/lib/pgsql/data -l /var/log/postgresql/prepare.log -w start >/dev/null || return 1
  sqln 1 "create table t(id bigint primary key, note text, ts timestamptz default now()); insert into t(id, note) values (1, 'created on node1')" || return 1
  if [ -n "${PREPARE_SQL:-}" ]; then sqln 1 "$PREPARE_SQL" || return 1; fi
  for i in $(seq 2 "$N"); do
    pgx "$i" "$PGBIN/pg_basebackup" -h "$NET.1" -U postgres -D /var/lib/pgsql/data -X stream -c fast || return 1
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
  if ! pgx "$i" "$PGBIN/pg_basebackup" -h "$VIP" -U postgres -D /var/lib/pgsql/data -X stream -c fast \
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

# --- resources ----------------------------------------------------------------------------
# create_resources : the VIP, the clone (PROVIDER/TYPE of pgsql-clone-xml.sh), constraints
create_resources() {
  local c
  cx cibadmin -C -o resources -X "$(VIP=$VIP "$XMLGEN" vip)" || return 1
  cx cibadmin -C -o resources -X "$(NODE_LIST=$NODES VIP=$VIP PROVIDER=${PROVIDER:-pgsqlrs} TYPE=${TYPE:-pgsql} "$XMLGEN" clone)" || return 1
  for c in colocation order-promote order-demote; do cx cibadmin -C -o constraints -X "$("$XMLGEN" $c)" || return 1; done
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
    "$PGBIN/psql" > "$WD/out" 2>&1 < /dev/null &
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
