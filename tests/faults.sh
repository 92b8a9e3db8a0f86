#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / wait_for / trap
# The faults of the PG-REX manual's chapter 5 (../shared/FAULTS.md rows) on a real 2-node
# cluster running OUR agent with real fencing, laid out as PG-REX runs it: STONITH through
# fence_pgra (tests/harness/cluster2.sh fencing: a power-off ends every process of the node
# at once and takes its link down), on-fail=fence for stop and demote, migration-threshold
# 1, a ping resource with the ping-status rule, priority-fencing-delay.
#
# usage: tests/faults.sh [2|3]      (as root; 3: rows 0, 3, 5 and 10 on 3 nodes, the third
#                                   node an async standby that must follow the new primary)
#
# Every row, while a client commits synchronously through the VIP: cause the fault; wait
# for the state the manual describes; print the attributes of both nodes next to the
# expected ones and check them; check the ledger (every acknowledged commit is on the
# primary afterwards); run the manual's recovery (power on, rebuild or not, PGSQL.lock,
# cleanup); check the normal state is back. Rows: 0 normal, 5 kill -9 of the primary's
# postmaster, 12 the lock left behind (inside 5's recovery), 10 power-off of the primary,
# 10b power-off of the standby, 3 replication link cut, 7 a primary whose stop cannot
# finish (fenced), 8 VIP failure, 11 interconnect cut (one node survives the fence race),
# 11n the same cut with fencing disabled (the agent's promote guard; not a manual row),
# 1 the ping target lost on the primary, 2 the primary's service LAN link down (a second
# network, eth1, added for that row), 4 a standby's start that fails, 9 the primary's pg_wal
# on a read-only empty disk, 6 a promote that fails on the elected node, 1b the ping target
# lost on both nodes, E an election held open (xlog_check_count 30; pgsql show counts the
# monitors it needs; not a manual row).
# Output: TAP-like lines, a table of expected / measured values, the last line
# "faults: P passed, F failed"; exit 1 when a check failed.
#
# Env: HARNESS_DIR  PROVIDER (default pgsqlrs)  BUILD=0 (skip cargo build + install)
#      ROWS="5 10" (only these rows: a shortened run, counted as one failure)
# Files: $H/faults.log (this output; faults3.log for 3 nodes), $H/faults-table.tsv (row,
#        node, expected, measured, role before the fault), $H/faults-rows.tsv (row, seconds to the first write,
#        attempted/acknowledged/found); faults3-* for 3 nodes
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck source=harness/lib.sh
. "$T/harness/lib.sh"
# shellcheck source=harness/pgclone.sh
. "$T/harness/pgclone.sh"
N=${1:-2}
case $N in 2) TAP_LAYER=faults ;; 3) TAP_LAYER=faults3 ;; *) echo "usage: $0 [2|3]" >&2; exit 2 ;; esac
CRM_VIA=cx
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"
# shellcheck source=harness/show-checks.sh
. "$T/harness/show-checks.sh"
# shellcheck source=faults/show.sh
. "$T/faults/show.sh"
PROVIDER=${PROVIDER:-pgsqlrs}
CLUSTER=$T/harness/cluster2.sh
# shellcheck disable=SC2034  # read by pgclone.sh
XMLGEN=$T/harness/pgsql-clone-xml.sh
VIP=$NET.100
NODES=$(seq 1 "$N" | sed 's/^/node/' | tr '\n' ' '); NODES=${NODES% }
export FENCING=1
LOCK=/var/lib/pgsql/tmp/PGSQL.lock
REASON="My data may be inconsistent. You have to remove $LOCK file to force start."
if [ "$N" = 2 ]; then ALL_ROWS="0 5 10 10b 3 7 8 11 11n 1 2 4 9 6 1b E"; else ALL_ROWS="0 3 5 10"; fi
ROWS=${ROWS:-$ALL_ROWS}
export WAIT_STEP=0.2

need_root faults.sh
tee_output "$H/$TAP_LAYER.log"
TABLE=$H/$TAP_LAYER-table.tsv
: > "$TABLE"
step() { echo; echo "# ===== $* ====="; }

# --- node states, power and faults: tests/harness/pgclone.sh
# expect ROW I WANT : wait (60 s) until node I is described as WANT; record and print both
expect() {
  local row=$1 i=$2 want=$3 got
  wait_for 60 described_as "$i" "$want"
  got=$(describe "$i")
  local role=async
  [ "$i" = "${P:-}" ] && role=primary
  [ "$i" = "${S:-}" ] && role=standby
  printf '%s\tnode%s\t%s\t%s\t%s\n' "$row" "$i" "$want" "$got" "$role" >> "$TABLE"
  printf '# row %-4s node%s  expected %-34s measured %s\n' "$row" "$i" "$want" "$got"
  [ "$got" = "$want" ]
}
# ledger ROW I : every acknowledged commit of the client is on node I
ledger() {
  local att ack fnd tmo err
  writer_stop
  read -r att ack fnd tmo err <<< "$(writer_verify "$2")"
  LOSS[$1]="$att/$ack/$fnd (timeouts $tmo, errors $err)"
  GAP[$1]=$(writer_max_gap)
  check "row $1: all $ack acknowledged commits are on node$2 (attempted $att, found $fnd, unknown outcome $tmo, failed $err)" \
    no_ack_lost
}
declare -A TW    # row -> seconds to the first write through the VIP after the fault
declare -A GAP   # row -> the longest time between two acknowledged commits (the outage)

# --- recovery steps of the manual -------------------------------------------------------
# rebuild_old I : the former primary I rebuilt from the new one (base backup), lock removed,
# cleaned up; back as the sync standby
rebuild_old() {
  local i=$1
  online "$i" || power_on_node "$i" || { nok "recovery: node$i online again"; return 1; }
  if rebuild_node "$i"; then
    check "recovery: node$i rebuilt and back as the sync standby (100 / STREAMING|SYNC / HS:sync)" \
      wait_for 120 normal_state_now
  else
    nok "recovery: rebuild of node$i ($REB_ERR)"
  fi
}
# begin ROW TITLE : the row's header, the normal state before it, the client started
begin_row() {
  step "row $1: $2"
  settle 60s
  wait_for 120 replication_ready || say "not in the normal state before row $1: $(states_line)"
  P=$(promoted_node)
  if [ "$N" = 2 ]; then S=$(other "$P"); A=; else S=$(sync_standby); A=$(async_standby); fi
  # shellcheck disable=SC2034  # PL0 is read by power_log_new (tests/harness/nodefaults.sh)
  PL0=$(power_log_lines)
  writer_start "row$1" "$(( $(date +%s%N) / 1000 % 1000000000000 ))"
  wait_for 30 acks_at_least 10 || say "client: only $(writer_acks) commits before the fault"
  say "primary node$P, sync standby node$S; client has $(writer_acks) commits"
}
note_write() {  # ROW T0 : the time to the first write through the VIP after T0
  if wait_for 120 write_after "$2"; then TW[$1]=$(first_write_s "$2"); say "row $1: first write through the VIP $(first_write_s "$2") s after the fault"
  else TW[$1]=-; nok "row $1: a write through the VIP succeeds within 120 s"; fi
}

# --- teardown ---------------------------------------------------------------------------
TORN_DOWN=0
teardown() {
  [ $TORN_DOWN = 1 ] && return 0
  TORN_DOWN=1
  writer_stop
  for i in $(seq 1 "$N"); do nft_heal "$i"; done
  if live >/dev/null; then remove_fencing; remove_resources; fi
  "$CLUSTER" down
}
trap 'teardown > "$H/teardown.out" 2>&1; sed "s/^/# /" "$H/teardown.out"' EXIT
trap 'exit 130' INT TERM
summary() {
  local r
  : > "$H/$TAP_LAYER-rows.tsv"
  for r in $ALL_ROWS 12; do
    [ -n "${LOSS[$r]:-}${TW[$r]:-}" ] && printf '%s\t%s\t%s\t%s\n' "$r" "${TW[$r]:--}" "${LOSS[$r]:--}" "${GAP[$r]:--}" >> "$H/$TAP_LAYER-rows.tsv"
  done
  echo
  echo "# ---- expected and measured (row, node, expected, measured)"
  sed 's/^/#   /' "$TABLE"
  for r in $ALL_ROWS; do
    [ -n "${LOSS[$r]:-}" ] && echo "#   row $r: client attempted/acknowledged/found = ${LOSS[$r]}, first write after ${TW[$r]:--} s, longest stall ${GAP[$r]:--} s"
  done
  return 0
}
no_netns_left() { ! ip netns list | grep -q "^${NETNS_PREFIX}-"; }
tap_before_finish() {
  teardown > "$H/teardown.out" 2>&1; sed 's/^/# /' "$H/teardown.out"
  check "teardown: no ${NETNS_PREFIX}-* network namespace left" no_netns_left
  [ "$ROWS" = "$ALL_ROWS" ] || nok "run shortened by ROWS=\"$ROWS\": the other rows did not run"
  summary
  trap - EXIT
}
tap_on_bail() { show | sed 's/^/# /'; }

# ======================================================================================
step "setup: build, install, 2-node cluster with fencing"
"$CLUSTER" down 2>&1 | sed 's/^/# /'
if [ "${BUILD:-1}" != 0 ]; then
  build_agent 1
  check "agent installed (packaging/install.sh)" install_agent || bail "no agent"
fi
{ command -v nft && command -v ping; } >/dev/null || bail "nft or ping missing: run packaging/deps.sh"
"$CLUSTER" up "$N" > "$H/cluster-up.out" 2>&1 || { sed 's/^/# /' "$H/cluster-up.out"; bail "cluster did not come up"; }
ok "cluster of $N nodes online"
check "fencing: fence_pgra installed, power controller running" "$CLUSTER" fencing
check "fence_pgra metadata is valid XML" sh -c 'fence_pgra -o metadata | xmllint --noout -'
OTHERS=$(seq 2 "$N" | sed 's/^/node/' | tr '\n' ' '); OTHERS=${OTHERS% }
check "PostgreSQL 15: initdb on node1, pg_basebackup to ${OTHERS// /, }" prepare_data || bail "prepare failed"
check "STONITH layout: stonith-enabled, priority-fencing-delay, a fence device per node (${NODES// /, }), ping-clone + rule" create_fencing \
  || bail "fencing resources"
check "resources created: vip-master, pgsql-clone (on-fail=fence for stop and demote), the ping-status rule" \
  resources_and_rule || bail "cibadmin failed"
check "the $N fence devices started" wait_for 60 fence_started
check "ping-status 100 on all $N nodes" wait_for 60 ping_ok
check "row 0: a primary and its sync standby" wait_for 180 replication_ready || bail "no normal state"

# ======================================================================================
row_0() {
  step "row 0: normal state"
  P=$(promoted_node); S=$(sync_standby); A=$(async_standby)
  check "row 0: node$P expected 1000/LATEST/PRI" expect 0 "$P" "1000/LATEST/PRI"
  check "row 0: node$S expected 100/STREAMING|SYNC/HS:sync" expect 0 "$S" "100/STREAMING|SYNC/HS:sync"
  [ "$N" = 3 ] && check "row 0: node$A expected -INFINITY/STREAMING|ASYNC/HS:async" expect 0 "$A" "-INFINITY/STREAMING|ASYNC/HS:async"
  baseline_set() { [[ "$(attr "$P" pgsql-master-baseline)" =~ ^[0-9A-F]{16}$ ]]; }
  check "row 0: node$P has a master-baseline ($(attr "$P" pgsql-master-baseline))" baseline_set
  show_expect 0 "$P" healthy 0
  show_expect 0 "$S" healthy 0
  show_base 0 "$P"
  by_hand 0 "$P" 8 "the primary at WAL"
  by_hand 0 "$S" 0 "a standby at WAL"
}

# the rows, in the order of $ROWS
# shellcheck source=faults/rows-nodes.sh
. "$T/faults/rows-nodes.sh"
# shellcheck source=faults/rows-network.sh
. "$T/faults/rows-network.sh"
# shellcheck source=faults/rows-resources.sh
. "$T/faults/rows-resources.sh"
for r in $ROWS; do
  if declare -F "row_$r" >/dev/null; then "row_$r"; else nok "no row '$r' (rows: $ALL_ROWS)"; fi
done

finish
