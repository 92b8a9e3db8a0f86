#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / wait_for / trap
# End-to-end test of OUR agent as a PG-REX style promotable clone (ocf:$PROVIDER:pgsql,
# rep_mode=sync) + IPaddr2 VIP on a fresh N-node Corosync + Pacemaker cluster
# (tests/harness/cluster2.sh: one node per network+mount+UTS+PID namespace set, node I =
# nodeI at 10.77.0.I/24, VIP 10.77.0.100, a client namespace at 10.77.0.200).
#
# usage: tests/pacemaker2.sh [N]       N = 2 (default) or 3; run as root
#
# Scenarios (each measured; the summary at the end puts the times next to the reference
# figures of the shell agent ocf:heartbeat:pgsql from ../shared/HARNESS.md):
#   a. bring-up: initdb on node1, pg_basebackup to the others, resources created ->
#      Promoted primary, HS:sync standby (N=3: + HS:async); PG-REX normal-state attributes
#      and the outputs the PG-REX tools read (crm_resource -W, crm_attribute, nvpair ids)
#   b. kill -9 of the primary's postmaster while a client commits rows through the VIP:
#      failover time, zero loss of acknowledged commits, PGSQL.lock keeps the old primary
#      out (exact exit reason), manual rejoin (pg_basebackup, rm lock, cleanup) -> HS:sync
#   c. crash of the primary's node (SIGKILL of the node's PID 1): failover, zero loss,
#      restart of the node, refused start, rejoin
#   d. replication link cut (nftables in the standby's namespace drops TCP 5432 to/from the
#      primary; corosync keeps talking): standby DISCONNECT / HS:alone / -INFINITY, primary
#      drops to async and keeps committing; link back -> STREAMING|SYNC / HS:sync
#   e. (N=3) the sync standby is promoted, never the async one (checked in b and c)
#   g. orderly stop of all nodes (standbys first), restart (primary's node first): the primary
#      stopped without standbys keeps no PGSQL.lock and is promoted again, the rest rejoin
#   h. Pacemaker restart on the primary's node under maintenance-mode (PostgreSQL keeps
#      running): the probe must give the running primary its score 1000, so leaving
#      maintenance-mode causes no failover
#   s. (N=2) switchover (ban of the promoted role): the former primary stays stopped with
#      PGSQL.lock, shut down cleanly, and rejoins with its own data after the lock is
#      removed; its start dropped its slot for the peer
# N=2 runs the fidelity profile (parameters that broke drop-in clusters, issue 11): an
# external standby that does not exist, check_wal_receiver=true, a monitor_sql that cannot
# run in recovery, a monitor_user with only pg_monitor, replication slots. N=3 runs the
# default parameters.
#   f. teardown: resources stopped, constraints then resources deleted, cluster down
# Output: TAP-like "ok K - ..." / "not ok K - ..." lines, a summary, and the last line
# "pacemakerN: P passed, F failed"; exit 1 when a check failed.
#
# Env: HARNESS_DIR (default /tmp/pgsql-ra-harness)  PROVIDER (default pgsqlrs)
#      BUILD=0 (skip cargo build + install)  KEEP=1 (leave the cluster running at the end)
#      UNTIL=a|b|c|d|s|g (stop after that scenario; with KEEP=1 the cluster stays up as it is)
# Files: $H/pacemakerN.log (this output), $H/n<i>/log/{pacemaker/pacemaker.log,
#        postgresql/pgsql.log}, $H/writer-*/ (the client's commit logs)
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck source=harness/lib.sh
. "$T/harness/lib.sh"
# shellcheck source=harness/pgclone.sh
. "$T/harness/pgclone.sh"

N=${1:-2}
case $N in 2|3) ;; *) echo "usage: $0 [2|3]" >&2; exit 2 ;; esac
NAME=pacemaker$N
TAP_LAYER=$NAME
CRM_VIA=cx   # tap.sh's crm_mon queries run on a live node
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"
PROVIDER=${PROVIDER:-pgsqlrs}
CLUSTER=$T/harness/cluster2.sh
# shellcheck disable=SC2034  # XMLGEN is read by pgclone.sh's create_resources
XMLGEN=$T/harness/pgsql-clone-xml.sh
VIP=$NET.100
NODES=$(for i in $(seq 1 "$N"); do echo -n "node$i "; done); NODES=${NODES% }
LOCK=/var/lib/pgsql/tmp/PGSQL.lock   # the agent's tmpdir, same path inside every node
REASON="My data may be inconsistent. You have to remove $LOCK file to force start."
export WAIT_STEP=0.2
if [ "$N" = 2 ]; then
  PROFILE=fidelity
  export EXTRA_PARAMS="external_standby_node_list=ghost
check_wal_receiver=true
monitor_sql=select pg_current_wal_lsn()
monitor_user=watcher
replication_slot_name=pgsql_slot"
  export PREPARE_SQL="create role watcher login in role pg_monitor"
else
  PROFILE=default
fi

need_root pacemaker2.sh
tee_output "$H/$NAME.log"

step() { echo; echo "# ===== $* ====="; }

declare -A TM   # measured times (s) by key
tm() { TM[$1]=$2; say "time: $1 = $2 s"; }

# --- cluster / PostgreSQL checks: tests/harness/pgclone.sh (shared with tests/faults.sh)

# rebuild node I from the current primary and bring it back: (ban only when still active),
# pg_basebackup via the VIP, rm PGSQL.lock, crm_resource --cleanup; waits for HS:sync
# (N=3: streaming, with exactly one HS:sync standby). Sets T_REJOIN (cleanup -> state) and
# T_REJOIN_ALL (whole procedure).
rejoined() { pstat "$1" | grep -qE "^HS:(sync|async)$" && standbys_ok "$REB_P"; }
rejoin() {
  local i=$1
  T_REJOIN=-; T_REJOIN_ALL=-
  rebuild_node "$i" || { nok "rejoin node$i: $REB_ERR"; return 1; }
  if wait_for 120 rejoined "$i"; then
    T_REJOIN=$(elapsed "$REB_TC"); T_REJOIN_ALL=$(elapsed "$REB_T0")
    ok "rejoin: node$i is $(pstat "$i") again ${T_REJOIN} s after crm_resource --cleanup (${T_REJOIN_ALL} s with the rebuild)"
  else
    nok "rejoin: node$i back as a streaming standby (now: $(states_line))"; show | sed 's/^/# /'; return 1
  fi
}

# --- teardown -------------------------------------------------------------------------
TORN_DOWN=0
teardown() {
  [ $TORN_DOWN = 1 ] && return 0
  TORN_DOWN=1
  writer_stop
  for i in $(seq 1 "$N"); do ip netns exec "${NETNS_PREFIX}-n$i" nft delete table inet pgra_cut 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then say "KEEP=1: cluster left running (stop: $CLUSTER down)"; return 0; fi
  if live >/dev/null && cx cibadmin -Q -o resources 2>/dev/null | grep -q 'id="pgsql-clone"'; then
    remove_resources
  fi
  "$CLUSTER" down
}
trap 'teardown > "$H/teardown.out" 2>&1; sed "s/^/# /" "$H/teardown.out"' EXIT
trap 'exit 130' INT TERM

summary() {
  local r
  echo
  echo "# ---- summary: ocf:$PROVIDER:pgsql, $N nodes, rep_mode=sync, monitor 3s/4s, migration-threshold 1"
  echo "#   step                                              measured   reference (ocf:heartbeat:pgsql)"
  r() { printf "#   %-50s %8s   %s\n" "$1" "${TM[$2]:--} s" "$3"; }
  r "cluster online"                                    up        "~5 s"
  r "resources created -> primary promoted (PRI)"       promoted  "~18 s"
  r "resources created -> sync standby (HS:sync)"       sync      "~25 s"
  r "kill -9 postmaster -> new primary Promoted"        kill_promo "-"
  r "kill -9 postmaster -> write via VIP succeeds"      kill_write "5.7-6.3 s"
  r "rejoin old primary: cleanup -> HS:sync"            kill_rejoin "6-8 s (rebuild -> HS:sync)"
  r "rejoin old primary: whole (incl. rebuild)"         kill_rejoin_all "-"
  r "node crash -> new primary Promoted"                crash_promo "-"
  r "node crash -> write via VIP succeeds"              crash_write "3.5-4.5 s"
  r "crashed node: cleanup -> HS:sync"                  crash_rejoin "6-8 s"
  r "link cut -> standby DISCONNECT (seen by primary)"  cut_disc "-"
  r "link cut -> rep_mode.conf empty (async)"           cut_async "-"
  r "link cut -> standby HS:alone"                      cut_alone "-"
  r "link cut: longest commit stall"                    cut_stall "-"
  r "link back -> STREAMING|SYNC / HS:sync"             cut_back "-"
  r "orderly cluster restart: primary's node -> PRI"    restart_promo "-"
  r "orderly cluster restart: others -> HS:sync"        restart_sync "-"
  for r in kill crash cut; do
    [ -n "${LOSS[$r]:-}" ] && echo "#   client through VIP ($r): attempted/acknowledged/found = ${LOSS[$r]}"
  done
  return 0
}
no_netns_left() { ! ip netns list | grep -q "^${NETNS_PREFIX}-"; }
tap_before_finish() {
  teardown > "$H/teardown.out" 2>&1; sed 's/^/# /' "$H/teardown.out"
  if [ "${KEEP:-0}" != 1 ]; then
    check "teardown: no ${NETNS_PREFIX}-* network namespace left" no_netns_left
  fi
  summary
  trap - EXIT
}
tap_on_bail() { show | sed 's/^/# /'; }

# ======================================================================================
step "0. build, install, fresh cluster"
"$CLUSTER" down 2>&1 | sed 's/^/# /'
if [ "${BUILD:-1}" != 0 ]; then
  build_agent 1
  check "agent installed (packaging/install.sh)" install_agent || bail "no agent"
fi
command -v nft >/dev/null || bail "nft missing: run packaging/deps.sh"
T0=$(now)
if "$CLUSTER" up "$N" > "$H/cluster-up.out" 2>&1; then
  tm up "$(elapsed "$T0")"; ok "cluster of $N nodes online ($NODES)"
else
  sed 's/^/# /' "$H/cluster-up.out"; nok "cluster of $N nodes online"; bail "cluster did not come up"
fi
knows_agent() {
  local i
  for i in $(seq 1 "$N"); do
    nx "$i" crm_resource --show-metadata "ocf:$PROVIDER:pgsql" 2>/dev/null | is_pgsql_metadata || return 1
  done
}
check "Pacemaker knows ocf:$PROVIDER:pgsql on every node" knows_agent

check "PostgreSQL 15: initdb on node1, replication settings, pg_basebackup to node2..node$N" prepare_data || bail "prepare failed"

# ======================================================================================
step "a. bring-up"
T0=$(now)
check "resources created: vip-master, pgsql-clone (ocf:$PROVIDER:pgsql, sync), colocation + orders" create_resources || bail "cibadmin failed"
primary_pri() { local p; p=$(promoted_node) && [ -n "$p" ] && [ "$(pstat "$p")" = PRI ]; }
if wait_for 120 primary_pri; then
  P=$(promoted_node); tm promoted "$(elapsed "$T0")"
  ok "node$P Promoted with pgsql-status PRI"
else
  nok "a primary is promoted"; bail "nothing promoted"
fi
if wait_for 120 standbys_ok "$P"; then
  tm sync "$(elapsed "$T0")"; ok "standbys ready: $(states_line)"
else
  nok "standbys ready (now: $(states_line))"
fi
check "VIP $VIP on node$P" wait_for 30 vip_on "$P"
S=$(sync_standby); A=$(async_standby)
say "primary node$P, sync standby node${S:-?}${A:+, async standby node$A}"
check "primary: master-pgsql 1000, pgsql-data-status LATEST, pgsql-status PRI" \
  score_dstat_pstat_is "$P" "1000/LATEST/PRI"
baseline_set() { [[ "$(attr "$P" pgsql-master-baseline)" =~ ^[0-9A-F]{16}$ ]]; }
check "primary: pgsql-master-baseline set (16 hex digits: $(attr "$P" pgsql-master-baseline))" baseline_set
sync_standby_normal() { [ -n "$S" ] && score_dstat_pstat_is "$S" "100/STREAMING|SYNC/HS:sync"; }
check "sync standby: master-pgsql 100, STREAMING|SYNC, HS:sync" sync_standby_normal
if [ "$N" = 3 ]; then
  async_standby_normal() { [ -n "$A" ] && score_dstat_pstat_is "$A" "-INFINITY/STREAMING|ASYNC/HS:async"; }
  check "async standby: master-pgsql -INFINITY, STREAMING|ASYNC, HS:async" async_standby_normal
fi
repmode_names() { grep -qxF "synchronous_standby_names = '\"node$2\"'" "$H/n$1/pgsql/tmp/rep_mode.conf"; }
check "rep_mode.conf on node$P names node$S" repmode_names "$P" "$S"
streams_sync() { sqln "$P" "select application_name, state, sync_state from pg_stat_replication" | grep -qx "node$S|streaming|sync"; }
check "pg_stat_replication on node$P: node$S streaming sync" streams_sync
check "synchronous commit through the VIP from the client" insert_via_vip 2 "via VIP"
if [ "$PROFILE" = fidelity ]; then
  say "fidelity profile: $(tr '\n' ';' <<< "$EXTRA_PARAMS")"
  only_pg_monitor() { [ "$(sqln "$P" "select rolsuper::text || ' ' || pg_has_role('watcher', 'pg_monitor', 'member')::text || ' ' || (select count(*) from pg_auth_members m where m.member = r.oid) from pg_roles r where rolname = 'watcher'")" = "false true 1" ]; }
  check "fidelity: monitor_user watcher is no superuser and a member of pg_monitor only" only_pg_monitor
  ghost_not_named() { ! grep -q ghost "$H/n$P/pgsql/tmp/rep_mode.conf" && [ "$(sqln "$P" "show synchronous_standby_names")" = "\"node$S\"" ]; }
  check "fidelity: the external standby ghost (not streaming) is not named: synchronous_standby_names = '\"node$S\"'" ghost_not_named
  fast_commit() {
    local t0 e
    t0=$(now)
    sqln "$P" "set synchronous_commit = on; insert into t(id, note) values (30, 'synchronous commit, fidelity profile')" >/dev/null || return 1
    e=$(elapsed "$t0"); say "synchronous commit on node$P returned in $e s"
    awk -v e="$e" 'BEGIN{exit !(e < 2)}'
  }
  check "fidelity: a synchronous commit on node$P returns at once (< 2 s)" fast_commit
  receiver_is() { [ "$(attr "$1" pgsql-receiver-status)" = "$2" ]; }
  check "fidelity: pgsql-receiver-status of node$P is 'normal (master)'" wait_for 20 receiver_is "$P" "normal (master)"
  check "fidelity: pgsql-receiver-status of node$S is 'normal'" wait_for 20 receiver_is "$S" normal
  slot_used() { [ "$(sqln "$P" "select slot_name || ' ' || active::text from pg_replication_slots")" = "pgsql_slot_node$S true" ]; }
  check "fidelity: node$P has the slot pgsql_slot_node$S, in use" wait_for 20 slot_used
fi
# PG-REX operation tools
W=$(cx crm_resource -r pgsql-clone -W 2>&1)
# shellcheck disable=SC2001  # a prefix on every line
echo "$W" | sed 's/^/# crm_resource -r pgsql-clone -W: /'
w_names_primary() { echo "$W" | grep -qx "resource pgsql-clone is running on: node$P Promoted"; }
check "crm_resource -r pgsql-clone -W prints 'resource pgsql-clone is running on: node$P Promoted'" w_names_primary
check "crm_attribute -l forever -N node$S --name pgsql-data-status -G -q = STREAMING|SYNC" \
  crm_attribute_is "STREAMING|SYNC" -l forever -N "node$S" --name pgsql-data-status
check "crm_attribute -l forever -N node$P --name pgsql-data-status -G -q = LATEST" \
  crm_attribute_is LATEST -l forever -N "node$P" --name pgsql-data-status
check "crm_attribute -t status -N node$P --name pgsql-status -G -q = PRI" \
  crm_attribute_is PRI -t status -N "node$P" --name pgsql-status
check "crm_attribute -t status -N node$S --name pgsql-status -G -q = HS:sync" \
  crm_attribute_is HS:sync -t status -N "node$S" --name pgsql-status
nvpair_ids() {
  local x i
  x=$(cx cibadmin -Q -o nodes) || return 1
  for i in $(seq 1 "$N"); do
    echo "$x" | grep -q "<nvpair id=\"nodes-$i-pgsql-data-status\" name=\"pgsql-data-status\"" || return 1
  done
}
check "cib.xml holds nvpair ids nodes-<id>-pgsql-data-status for every node" nvpair_ids
no_agent_error() { local i; ! for i in $(seq 1 "$N"); do agent_log "$i"; done | grep -q ": *ERROR:"; }
check "the agent wrote no ERROR line so far" no_agent_error
say "normal state, crm_mon -fA -1:"
mon -fA -1 2>&1 | sed -n '/Node List/,$p' | tee "$H/$NAME-normal-state.txt" | sed 's/^/#   /'

# ======================================================================================
# UNTIL=x stops after scenario x: a shortened run is never a pass (one failing check says so)
until_done() {
  [ "${UNTIL:-}" = "$1" ] || return 0
  nok "run shortened by UNTIL=$1: the scenarios after $1 did not run"
  if [ "${KEEP:-0}" = 1 ]; then
    trap - EXIT; summary; echo "$NAME: $PASS passed, $FAIL failed (stopped after $1, cluster kept)"; exit 1
  fi
  finish; exit 1
}
until_done a
step "b. failover: kill -9 of the primary's postmaster while the client commits via the VIP"
P=$(promoted_node); S=$(sync_standby); A=$(async_standby)
writer_start kill 1000000
wait_for 30 acks_at_least 20 || say "client: only $(writer_acks) commits acknowledged before the kill"
PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
say "kill -9 postmaster $PM of node$P (primary; sync standby node$S${A:+, async standby node$A}); client has $(writer_acks) commits"
TK=$(nx "$P" sh -c "date +%s.%N; kill -9 $PM")
if watch_failover "$P" "$TK" "$A"; then
  tm kill_promo "$T_PROMO"; tm kill_write "$T_WRITE"
  ok "failover: node$NEWP Promoted after $T_PROMO s, PRI after $T_PRI s, VIP after $T_VIPUP s, first commit via VIP after $T_WRITE s"
else
  nok "failover after kill -9 (promoted '$NEWP' after $T_PROMO, PRI $T_PRI, VIP $T_VIPUP, write $T_WRITE)"
fi
check "the sync standby node$S was promoted" sync_standby_promoted
[ "$N" = 3 ] && check "the async standby node$A was never promoted" async_never_promoted
sleep 2; writer_stop
if [ -n "$NEWP" ]; then
  read -r att ack fnd tmo err <<< "$(writer_verify "$NEWP")"
  LOSS[kill]="$att/$ack/$fnd (timeouts $tmo, errors $err)"
  check "zero loss: all $ack acknowledged commits are on node$NEWP (attempted $att, found $fnd, unknown outcome $tmo, failed $err)" \
    no_ack_lost
  [ -s "$WD/lost" ] && say "lost ids: $(head -20 "$WD/lost" | tr '\n' ' ')"
fi
settle 60s
check "old primary node$P keeps $LOCK" test -f "$H/n$P/pgsql/tmp/PGSQL.lock"
pgsql_down_on() { ! pgsql_active_on "$1" && ! postmaster_alive "$1"; }
check "pgsql is not running on node$P (failed, migration-threshold 1)" pgsql_down_on "$P"
say "crm_resource --cleanup -N node$P with the lock still there: the start must be refused"
cx crm_resource --cleanup -r pgsql-clone -N "node$P" >/dev/null 2>&1
wait_for 60 start_failed_on "$P"
R=$(failed_start_reason "$P")
say "crm_mon failed action on node$P: pgsql_start_0 '$R'"
refused_for_lock() { [ "$R" = "$REASON" ]; }
check "start refused with the exact reason: $REASON" refused_for_lock
reason_logged() { grep -qF "$REASON" "$H/n$1/log/pacemaker/pacemaker.log"; }
check "pacemaker.log of node$P has the agent's reason" reason_logged "$P"
check "PostgreSQL was not started on node$P" no_postmaster_on "$P"
show | sed 's/^/# /'
if [ -n "$NEWP" ]; then
  rejoin "$P" && { tm kill_rejoin "$T_REJOIN"; tm kill_rejoin_all "$T_REJOIN_ALL"; }
  check "synchronous commit via the VIP after the rejoin" insert_via_vip 3 "after rejoin"
else
  bail "no new primary"
fi

# ======================================================================================
until_done b
step "c. failover: crash of the primary's node (SIGKILL of its PID 1)"
wait_for 60 replication_ready || say "standbys not ready: $(states_line)"
P=$(promoted_node); S=$(sync_standby); A=$(async_standby)
writer_start crash 2000000
wait_for 30 acks_at_least 20 || say "client: only $(writer_acks) commits acknowledged before the crash"
say "crash node$P (primary; sync standby node$S${A:+, async standby node$A}); client has $(writer_acks) commits"
TK=$(now)
"$CLUSTER" crashnode "$P" > "$H/crash.out"; sed 's/^/# /' "$H/crash.out"
TK=$(sed -n 's/.*SIGKILL at \([0-9.]*\).*/\1/p' "$H/crash.out" | tail -1); [ -n "$TK" ] || TK=$(now)
if watch_failover "$P" "$TK" "$A"; then
  tm crash_promo "$T_PROMO"; tm crash_write "$T_WRITE"
  ok "failover: node$NEWP Promoted after $T_PROMO s, PRI after $T_PRI s, VIP after $T_VIPUP s, first commit via VIP after $T_WRITE s"
else
  nok "failover after the crash (promoted '$NEWP' after $T_PROMO, PRI $T_PRI, VIP $T_VIPUP, write $T_WRITE)"
fi
check "the sync standby node$S was promoted" sync_standby_promoted
[ "$N" = 3 ] && check "the async standby node$A was never promoted" async_never_promoted
sleep 2; writer_stop
if [ -n "$NEWP" ]; then
  read -r att ack fnd tmo err <<< "$(writer_verify "$NEWP")"
  LOSS[crash]="$att/$ack/$fnd (timeouts $tmo, errors $err)"
  check "zero loss: all $ack acknowledged commits are on node$NEWP (attempted $att, found $fnd, unknown outcome $tmo, failed $err)" \
    no_ack_lost
  [ -s "$WD/lost" ] && say "lost ids: $(head -20 "$WD/lost" | tr '\n' ' ')"
else
  bail "no new primary"
fi
T1=$(now)
online_seen_by() { "$T/harness/nx" "$1" crm_mon -1 | grep -q "Online: .*node$2"; }   # node I sees node J online
restarted_online() { "$CLUSTER" startnode "$P" >/dev/null && wait_for 60 online_seen_by "$NEWP" "$P"; }
check "node$P restarted (cluster2.sh startnode) and Online" restarted_online
say "node$P back online after $(elapsed "$T1") s"
wait_for 60 start_failed_on "$P"
start_refused_for_lock() { [ "$(failed_start_reason "$1")" = "$REASON" ]; }
check "restarted node$P: start refused with the PGSQL.lock reason" start_refused_for_lock "$P"
one_promoted_newp() { settle 30s; [ "$(promoted_node)" = "$NEWP" ]; }
check "exactly one Promoted instance (node$NEWP)" one_promoted_newp
rejoin "$P" && tm crash_rejoin "$T_REJOIN"

# ======================================================================================
until_done c
step "d. replication link cut between the primary and the sync standby"
wait_for 60 replication_ready || say "standbys not ready: $(states_line)"
P=$(promoted_node); S=$(sync_standby); A=$(async_standby)
repmode_empty() { grep -qx "synchronous_standby_names = ''" "$H/n$P/pgsql/tmp/rep_mode.conf"; }
writer_start cut 3000000
wait_for 30 acks_at_least 20
say "nftables in node$S: drop TCP 5432 to/from node$P ($NET.$P) and the VIP; corosync (UDP 5405) untouched"
TC=$(now)
ip netns exec "${NETNS_PREFIX}-n$S" nft -f - <<EOF
table inet pgra_cut {
  chain out { type filter hook output priority 0; ip daddr { $NET.$P, $VIP } tcp dport 5432 drop; }
  chain in  { type filter hook input priority 0;  ip saddr { $NET.$P, $VIP } tcp sport 5432 drop; }
}
EOF
T_DISC=-; T_ASYNC=-; T_ALONE=-; T_SCORE=-
end=$(awk -v n="$(now)" 'BEGIN{printf "%.3f", n + 90}')
while awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n < e)}'; do
  [ "$T_DISC" = - ] && [ "$(dstat "$S")" = DISCONNECT ] && T_DISC=$(elapsed "$TC")
  [ "$T_SCORE" = - ] && [ "$(score "$S")" = -INFINITY ] && T_SCORE=$(elapsed "$TC")
  [ "$T_ASYNC" = - ] && [ "$N" = 2 ] && repmode_empty && T_ASYNC=$(elapsed "$TC")
  [ "$T_ASYNC" = - ] && [ "$N" = 3 ] && ! grep -q "\"node$S\"" "$H/n$P/pgsql/tmp/rep_mode.conf" && T_ASYNC=$(elapsed "$TC")
  [ "$T_ALONE" = - ] && [ "$(pstat "$S")" = HS:alone ] && T_ALONE=$(elapsed "$TC")
  [ "$T_DISC" != - ] && [ "$T_ASYNC" != - ] && [ "$T_ALONE" != - ] && [ "$T_SCORE" != - ] && break
  sleep 0.3
done
tm cut_disc "$T_DISC"; tm cut_async "$T_ASYNC"; tm cut_alone "$T_ALONE"
check "cut: node$S pgsql-data-status DISCONNECT (after $T_DISC s)" measured "$T_DISC"
check "cut: node$S master-pgsql -INFINITY (after $T_SCORE s)" measured "$T_SCORE"
check "cut: node$S pgsql-status HS:alone (after $T_ALONE s)" measured "$T_ALONE"
if [ "$N" = 2 ]; then
  check "cut: primary node$P dropped to async: rep_mode.conf has synchronous_standby_names = '' (after $T_ASYNC s)" measured "$T_ASYNC"
else
  check "cut: primary node$P no longer names node$S synchronous (after $T_ASYNC s): $(cat "$H/n$P/pgsql/tmp/rep_mode.conf")" measured "$T_ASYNC"
fi
# N=2: no synchronous standby left; N=3: the other standby
sync_names_after_cut() {
  local v
  v=$(sqln "$P" "show synchronous_standby_names")
  if [ "$N" = 2 ]; then [ -z "$v" ]; else [ "$v" = "\"node$A\"" ]; fi
}
# N=3: the other standby is named once its next monitor sees it STREAMING, not at once
check "cut: show synchronous_standby_names on node$P = '$( [ "$N" = 2 ] && echo "" || echo "\"node$A\"")'" \
  wait_for 20 sync_names_after_cut
if [ "$N" = 3 ]; then
  check "cut: the other standby node$A becomes the sync standby (STREAMING|SYNC / HS:sync / 100)" \
    wait_for 20 dstat_pstat_score_is "$A" "STREAMING|SYNC/HS:sync/100"
fi
say "during the cut: $(states_line)"
A0=$(writer_acks)
check "cut: the primary keeps committing through the VIP (client acks go on)" \
  wait_for 20 acks_at_least "$((A0 + 10))"
still_promoted_no_failure() { [ "$(promoted_node)" = "$P" ] && none_failed; }
check "cut: node$P still Promoted, no failure" still_promoted_no_failure
show | sed 's/^/# /'
say "link back"
TB=$(now)
ip netns exec "${NETNS_PREFIX}-n$S" nft delete table inet pgra_cut
sync_again() { [ "$(dstat "$S")" = "STREAMING|SYNC" ] && [ "$(pstat "$S")" = HS:sync ] && [ "$(score "$S")" = 100 ]; }
async_again() { dstat_pstat_score_is "$S" "STREAMING|ASYNC/HS:async/-INFINITY" && standbys_ok "$P"; }
if [ "$N" = 2 ] && wait_for 120 sync_again; then
  tm cut_back "$(elapsed "$TB")"; ok "link back: node$S STREAMING|SYNC / HS:sync / 100 after ${TM[cut_back]} s"
elif [ "$N" = 3 ] && wait_for 120 async_again; then
  tm cut_back "$(elapsed "$TB")"; ok "link back: node$S STREAMING|ASYNC / HS:async / -INFINITY (node$A stays the sync standby) after ${TM[cut_back]} s"
else
  nok "link back: node$S STREAMING|SYNC / HS:sync (now: $(states_line))"
fi
sleep 1; writer_stop
tm cut_stall "$(writer_max_gap)"
read -r att ack fnd tmo err <<< "$(writer_verify "$P")"
LOSS[cut]="$att/$ack/$fnd (timeouts $tmo, errors $err)"
check "link cut: all $ack acknowledged commits are on node$P (attempted $att, found $fnd, unknown outcome $tmo, failed $err)" \
  no_ack_lost
repmode_names_again() { [ "$N" = 3 ] || grep -q "\"node$S\"" "$H/n$P/pgsql/tmp/rep_mode.conf"; }
check "link cut: rep_mode.conf names node$S again (N=2)" repmode_names_again

# ======================================================================================
until_done d
if [ "$PROFILE" = fidelity ]; then
step "s. switchover; the former primary rejoins with its own data: no peer slot left after its start"
wait_for 60 replication_ready || say "standbys not ready: $(states_line)"
P=$(promoted_node); S=$(sync_standby)
slots_on() { sqln "$1" "select coalesce(string_agg(slot_name, ' ' order by slot_name), '') from pg_replication_slots"; }
SL_BEFORE=$(slots_on "$P")
check "switchover: before, primary node$P has its slot for the peer: '$SL_BEFORE'" [ "$SL_BEFORE" = "pgsql_slot_node$S" ]
check "marker row 6 committed via the VIP before the switchover" insert_via_vip 6 "before the switchover"
TS0=$(now)
cx crm_resource --ban -r pgsql-clone --promoted -N "node$P" -Q >/dev/null 2>&1
if wait_for 120 promoted_pri "$S"; then
  ok "switchover: node$S Promoted with PRI $(elapsed "$TS0") s after the ban of the promoted role on node$P"
else
  nok "switchover: node$S promoted (now: $(states_line))"; show | sed 's/^/# /'
fi
# demote stopped PostgreSQL on node$P; its next monitor sees it down and the failure keeps
# it stopped (migration-threshold 1) with PGSQL.lock in place, as the PG-REX manual shows
old_primary_held() { pgsql_inactive_on "$P" && no_postmaster_on "$P" && test -f "$H/n$P/pgsql/tmp/PGSQL.lock" && [ "$(pstat "$P")" = STOP ]; }
check "switchover: node$P stopped with status STOP and keeps $LOCK" wait_for 60 old_primary_held
clean_shutdown() { nx "$P" runuser -u postgres -- "$PGBIN/pg_controldata" /var/lib/pgsql/data | grep -q "^Database cluster state: *shut down$"; }
check "switchover: node$P shut down cleanly (pg_controldata: shut down)" clean_shutdown
say "operator: node$P's data is a clean prefix; remove PGSQL.lock, clear the ban, clean up (no rebuild)"
rm -f "$H/n$P/pgsql/tmp/PGSQL.lock"
cx crm_resource --clear -r pgsql-clone -N "node$P" -Q >/dev/null 2>&1
T0=$(now)
cx crm_resource --cleanup -r pgsql-clone -N "node$P" >/dev/null 2>&1
if wait_for 120 dstat_pstat_score_is "$P" "STREAMING|SYNC/HS:sync/100"; then
  ok "switchover: node$P rejoined with its own data: STREAMING|SYNC / HS:sync / 100 after $(elapsed "$T0") s"
else
  nok "switchover: node$P rejoined as sync standby (now: $(states_line))"; show | sed 's/^/# /'
fi
SL_AFTER=$(slots_on "$P")
check "switchover: after its start, node$P has no slot for the peer left (before: '$SL_BEFORE', after: '$SL_AFTER')" [ -z "$SL_AFTER" ]
dropped_logged() { agent_log "$P" | grep -q "dropped replication slot pgsql_slot_node$S"; }
check "switchover: the agent logged 'dropped replication slot pgsql_slot_node$S' on node$P" dropped_logged
row6_on() { [ "$(sqln "$P" "select id from t where id = 6")" = 6 ]; }
check "switchover: row 6 is on node$P (now a standby)" wait_for 20 row6_on
slots_are() { [ "$(slots_on "$1")" = "$2" ]; }
check "switchover: the new primary node$S has its slot for node$P" wait_for 20 slots_are "$S" "pgsql_slot_node$P"
fi
until_done s
step "g. orderly stop of every node (standbys first, the primary last) and restart (the primary's node first)"
wait_for 60 replication_ready || say "standbys not ready: $(states_line)"
P=$(promoted_node)
check "marker row 4 committed via the VIP before the stop" insert_via_vip 4 "before the cluster stop"
for i in $(seq 1 "$N"); do [ "$i" = "$P" ] || "$CLUSTER" stopnode "$i" | sed 's/^/# /'; done
"$CLUSTER" stopnode "$P" | sed 's/^/# /'
check "every PostgreSQL stopped with its node's Pacemaker" none_running
no_lock_on() { ! test -f "$H/n$1/pgsql/tmp/PGSQL.lock"; }
check "node$P (primary stopped while no standby ran) has no PGSQL.lock" no_lock_on "$P"
latest_in_own_cib() {   # node I's own cib.xml (its Pacemaker is stopped) says LATEST
  CIB_file=$H/n$1/var-lib-pacemaker/cib/cib.xml crm_attribute -l forever -N "node$1" -n pgsql-data-status -G -q 2>/dev/null | grep -qx LATEST
}
check "node$P data-status is still LATEST in its CIB" latest_in_own_cib "$P"
T0=$(now)
"$CLUSTER" startnode "$P" | sed 's/^/# /'
if wait_for 120 promoted_pri "$P"; then
  tm restart_promo "$(elapsed "$T0")"; ok "node$P alone: promoted again after ${TM[restart_promo]} s"
else
  nok "node$P alone promoted again (now: $(states_line))"; show | sed 's/^/# /'
fi
T0=$(now)
for i in $(seq 1 "$N"); do [ "$i" = "$P" ] || "$CLUSTER" startnode "$i" | sed 's/^/# /'; done
if wait_for 120 standbys_ok "$P"; then
  tm restart_sync "$(elapsed "$T0")"; ok "the other nodes are standbys again after ${TM[restart_sync]} s: $(states_line)"
else
  nok "the other nodes are standbys again (now: $(states_line))"; show | sed 's/^/# /'
fi
row4_and_writes() { [ "$(sqlv "select id from t where id = 4")" = 4 ] && insert_via_vip 5 "after the restart"; }
check "marker row 4 is there, writes via the VIP work" row4_and_writes

# ======================================================================================
until_done g
step "h. Pacemaker restart on the primary's node under maintenance-mode: no failover"
wait_for 60 replication_ready || say "standbys not ready: $(states_line)"
P=$(promoted_node); PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
shows_unmanaged() { mon -1 | grep -q unmanaged; }
maintenance_on() { cx crm_attribute -t crm_config -n maintenance-mode -v true && wait_for 20 shows_unmanaged; }
check "maintenance-mode=true" maintenance_on
"$CLUSTER" stopnode "$P" | sed 's/^/# /'
check "PostgreSQL (postmaster $PM) still runs on node$P without its Pacemaker" postmaster_alive "$P"
"$CLUSTER" startnode "$P" | sed 's/^/# /'
node_online() { mon -1 2>/dev/null | grep -q "Online: .*node$1"; }
wait_for 60 node_online "$P"
sleep 2; settle 30s   # the probes of the returning node
say "after the restart: $(states_line)"
mon -1 -A | sed -n '/Node Attributes/,$p' | sed 's/^/# /'
score_1000() { [ "$(score "$1")" = 1000 ]; }
check "the probe of the running primary on node$P set master-pgsql 1000 (it is $(score "$P"))" score_1000 "$P"
cx crm_attribute -t crm_config -n maintenance-mode -v false >/dev/null
sleep 8; settle 60s
same_primary_no_failure() {
  [ "$(promoted_node)" = "$P" ] && [ "$(head -1 "$H/n$P/pgsql/data/postmaster.pid")" = "$PM" ] &&
    postmaster_alive "$P" && none_failed
}
check "maintenance-mode=false: node$P is still Promoted with the same postmaster $PM, no failed action" \
  same_primary_no_failure
show | sed 's/^/# /'

# ======================================================================================
step "f. teardown"
show | sed 's/^/# /'
say "agent WARNING/ERROR lines during the run:"
for i in $(seq 1 "$N"); do agent_log "$i" | grep -E ": +(WARNING|ERROR):" | cut -c1-220 | sed "s/^/#   node$i: /" | head -20; done
TS=$(now)
check "resources stopped, constraints then resources deleted" remove_resources
say "removal took $(elapsed "$TS") s"
check "no PostgreSQL left running on any node" none_running
if [ "${KEEP:-0}" != 1 ]; then
  cluster_down() { "$CLUSTER" down | sed "s/^/# /"; [ "${PIPESTATUS[0]}" = 0 ]; }
  check "cluster down" cluster_down
  TORN_DOWN=1
fi
finish
