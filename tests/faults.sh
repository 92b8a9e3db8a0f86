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
# lost on both nodes.
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
PROVIDER=${PROVIDER:-pgsqlrs}
CLUSTER=$T/harness/cluster2.sh
# shellcheck disable=SC2034  # read by pgclone.sh
XMLGEN=$T/harness/pgsql-clone-xml.sh
VIP=$NET.100
NODES=$(seq 1 "$N" | sed 's/^/node/' | tr '\n' ' '); NODES=${NODES% }
export FENCING=1
LOCK=/var/lib/pgsql/tmp/PGSQL.lock
REASON="My data may be inconsistent. You have to remove $LOCK file to force start."
if [ "$N" = 2 ]; then ALL_ROWS="0 5 10 10b 3 7 8 11 11n 1 2 4 9 6 1b"; else ALL_ROWS="0 3 5 10"; fi
ROWS=${ROWS:-$ALL_ROWS}
export WAIT_STEP=0.2

need_root faults.sh
tee_output "$H/$TAP_LAYER.log"
TABLE=$H/$TAP_LAYER-table.tsv
: > "$TABLE"
step() { echo; echo "# ===== $* ====="; }
wants() { [[ " $ROWS " == *" $1 "* ]]; }

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
if wants 0; then
  step "row 0: normal state"
  P=$(promoted_node); S=$(sync_standby); A=$(async_standby)
  check "row 0: node$P expected 1000/LATEST/PRI" expect 0 "$P" "1000/LATEST/PRI"
  check "row 0: node$S expected 100/STREAMING|SYNC/HS:sync" expect 0 "$S" "100/STREAMING|SYNC/HS:sync"
  [ "$N" = 3 ] && check "row 0: node$A expected -INFINITY/STREAMING|ASYNC/HS:async" expect 0 "$A" "-INFINITY/STREAMING|ASYNC/HS:async"
  baseline_set() { [[ "$(attr "$P" pgsql-master-baseline)" =~ ^[0-9A-F]{16}$ ]]; }
  check "row 0: node$P has a master-baseline ($(attr "$P" pgsql-master-baseline))" baseline_set
fi

if wants 5; then
  begin_row 5 "resource failure: kill -9 of the primary's postmaster"
  PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -9 $PM")
  note_write 5 "$T0"
  check "row 5: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 5 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  check "row 5: node$S expected 1000/LATEST/PRI" expect 5 "$S" "1000/LATEST/PRI"
  [ "$N" = 3 ] && check "row 5: node$A expected 100/STREAMING|SYNC/HS:sync (follows the new primary)" expect 5 "$A" "100/STREAMING|SYNC/HS:sync"
  ledger 5 "$S"
  # row 12: the former primary restarted without removing the lock
  step "row 12: the lock left behind"
  cx crm_resource --cleanup -r pgsql-clone -N "node$P" >/dev/null 2>&1
  refused() { [ "$(failed_start_reason "$P")" = "$REASON" ]; }
  check "row 12: node$P's start refused: '$REASON'" wait_for 60 refused
  printf '12\tnode%s\t%s\t%s\tprimary\n' "$P" "start refused: $REASON" "start refused: $(failed_start_reason "$P")" >> "$TABLE"
  rebuild_old "$P"
fi

if wants 10; then
  begin_row 10 "node failure of the primary: power-off"
  # T0 once the node is off: nothing started later can have committed on it
  "$CLUSTER" poweroff "$P" 2>&1 | sed 's/^/# /'
  T0=$(now)
  note_write 10 "$T0"
  # 3 nodes: whichever survivor's fencer asks first (the DC's, as a rule) does the fencing
  check "row 10: a survivor's fencer (node$S${A:+ or node$A}) powered node$P off (fence_pgra, powerd log)" \
    wait_for 60 powered_off_by "$P" "[$S${A:-}]"
  check "row 10: node$P expected offline/DISCONNECT lock" expect 10 "$P" "offline/DISCONNECT lock"
  check "row 10: node$S expected 1000/LATEST/PRI" expect 10 "$S" "1000/LATEST/PRI"
  [ "$N" = 3 ] && check "row 10: node$A expected 100/STREAMING|SYNC/HS:sync (follows the new primary)" expect 10 "$A" "100/STREAMING|SYNC/HS:sync"
  ledger 10 "$S"
  rebuild_old "$P"
fi

if wants 10b; then
  begin_row 10b "node failure of the standby: power-off"
  T0=$(now)
  "$CLUSTER" poweroff "$S" 2>&1 | sed 's/^/# /'
  check "row 10b: node$P's fencer powered node$S off" wait_for 60 powered_off_by "$S" "$P"
  check "row 10b: node$P expected 1000/LATEST/PRI" expect 10b "$P" "1000/LATEST/PRI"
  check "row 10b: node$S expected offline/DISCONNECT" expect 10b "$S" "offline/DISCONNECT"
  async_now() { [ -z "$(sqln "$P" "show synchronous_standby_names")" ]; }
  check "row 10b: node$P went async (synchronous_standby_names empty)" wait_for 30 async_now
  A0=$(writer_acks)
  check "row 10b: commits go on" wait_for 30 acks_at_least "$((A0 + 10))"
  ledger 10b "$P"
  step "row 10b recovery: power the standby on; it rejoins with its own data"
  power_on_node "$S" || nok "recovery: node$S online again"
  check "recovery: node$S back as the sync standby" wait_for 120 normal_state "$P"
fi

if wants 3; then
  begin_row 3 "D-LAN failure: the replication link cut"
  T0=$(now)
  nft_cut "$S" "ip daddr { $NET.$P, $VIP } tcp dport 5432 drop;" "ip saddr { $NET.$P, $VIP } tcp sport 5432 drop;"
  check "row 3: node$P expected 1000/LATEST/PRI" expect 3 "$P" "1000/LATEST/PRI"
  check "row 3: node$S expected -INFINITY/DISCONNECT/HS:alone" expect 3 "$S" "-INFINITY/DISCONNECT/HS:alone"
  if [ "$N" = 2 ]; then
    async_now3() { [ -z "$(sqln "$P" "show synchronous_standby_names")" ]; }
    check "row 3: node$P went async (synchronous_standby_names empty)" wait_for 30 async_now3
  else
    check "row 3: node$A expected 100/STREAMING|SYNC/HS:sync (the other standby named)" expect 3 "$A" "100/STREAMING|SYNC/HS:sync"
  fi
  A0=$(writer_acks)
  check "row 3: commits go on" wait_for 30 acks_at_least "$((A0 + 10))"
  TW[3]=0
  ledger 3 "$P"
  step "row 3 recovery: the link back"
  nft_heal "$S"
  check "recovery: node$S back as a streaming standby" wait_for 120 normal_state "$P"
fi

if wants 7; then
  begin_row 7 "resource failure: a primary whose stop cannot finish (postmaster SIGSTOPped)"
  PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -STOP $PM")
  note_write 7 "$T0"
  check "row 7: node$P fenced by node$S" wait_for 120 powered_off_by "$P" "$S"
  check "row 7: node$P expected offline/DISCONNECT lock" expect 7 "$P" "offline/DISCONNECT lock"
  check "row 7: node$S expected 1000/LATEST/PRI" expect 7 "$S" "1000/LATEST/PRI"
  ledger 7 "$S"
  rebuild_old "$P"
fi

if wants 8; then
  begin_row 8 "VIP failure on the primary"
  nx "$P" ip addr del "$VIP/24" dev eth0
  T0=$(now)   # the address is gone: nothing started later reaches node$P
  note_write 8 "$T0"
  check "row 8: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 8 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  check "row 8: node$S expected 1000/LATEST/PRI" expect 8 "$S" "1000/LATEST/PRI"
  ledger 8 "$S"
  cx crm_resource --cleanup -r vip-master >/dev/null 2>&1
  rebuild_old "$P"
fi

if wants 11; then
  begin_row 11 "interconnect failure: corosync traffic cut between the nodes"
  T0=$(now)
  nft_cut "$S" "ip daddr $NET.$P udp dport 5405 drop;" "ip saddr $NET.$P udp sport 5405 drop;"
  two_primaries=0; lost=
  # sampled while waiting: both servers out of recovery at once would be two primaries
  fenced11() {
    local a b
    a=$(sqln 1 "select not pg_is_in_recovery()" 2>/dev/null); b=$(sqln 2 "select not pg_is_in_recovery()" 2>/dev/null)
    [ "$a" = t ] && [ "$b" = t ] && two_primaries=1
    lost=$(power_log_new | sed -n 's/.*powerd: off node\([0-9]\) (asked by node[0-9]): rc=0.*/\1/p' | tail -1)
    [ -n "$lost" ] && ! node_powered "$lost"
  }
  check "row 11: one node fenced the other" wait_for 90 fenced11
  say "row 11: node${lost:-?} was powered off; the power controller did: $(power_log_new | sed 's/.*powerd: //' | tr '\n' ';')"
  check "row 11: the primary node$P survived the fencing race (priority-fencing-delay)" [ "${lost:-}" = "$S" ]
  check "row 11: node$P expected 1000/LATEST/PRI" expect 11 "$P" "1000/LATEST/PRI"
  check "row 11: never two servers accepting writes at once" [ "$two_primaries" = 0 ]
  ledger 11 "$P"
  step "row 11 recovery: interconnect repaired, node$S powered on, rejoins with its own data"
  nft_heal "$S"
  power_on_node "$S" || nok "recovery: node$S online again"
  check "recovery: node$S back as the sync standby" wait_for 120 normal_state "$P"
fi

if wants 11n; then
  # Not a row of the manual (PG-REX always fences): the same interconnect cut with fencing
  # disabled. Each side then believes the other is gone, and the standby's side promotes.
  # The agent's guard (docs/contract.md §5.9) must refuse that promote while its WAL
  # receiver still streams from a primary that answers at master_ip.
  begin_row 11n "interconnect failure with fencing disabled: the promote guard"
  cx crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null 2>&1
  T0=$(now)
  nft_cut "$S" "ip daddr $NET.$P udp dport 5405 drop;" "ip saddr $NET.$P udp sport 5405 drop;"
  two_primaries=0
  on_s() { ( cx() { nx "$S" "$@"; }; "$@" ); }   # a tool of node S's own partition
  refused11n() {
    local a b
    a=$(sqln "$P" "select not pg_is_in_recovery()" 2>/dev/null); b=$(sqln "$S" "select not pg_is_in_recovery()" 2>/dev/null)
    [ "$a" = t ] && [ "$b" = t ] && two_primaries=1
    [[ $(on_s failed_actions pgsql_promote_0 "node$S") == "refusing to promote: the WAL receiver still streams"* ]]
  }
  check "row 11n: node$S's own partition tried to promote it, and the agent refused" wait_for 120 refused11n
  say "row 11n: node$S's promote failed with: $(on_s failed_actions pgsql_promote_0 "node$S")"
  say "row 11n: node$S's partition sees: $(on_s states_line)"
  stays_standby() { sqln "$S" "select pg_is_in_recovery()" 2>/dev/null | grep -qx t || ! postmaster_alive "$S"; }
  check "row 11n: node$S never left recovery (a standby or stopped)" stays_standby
  A0=$(writer_acks)
  check "row 11n: commits go on on node$P" wait_for 30 acks_at_least "$((A0 + 10))"
  check "row 11n: never two servers accepting writes at once" [ "$two_primaries" = 0 ]
  TW[11n]=-
  ledger 11n "$P"
  step "row 11n recovery: the interconnect repaired, fencing enabled again, cleanup"
  nft_heal "$S"
  merged() { online "$P" && online "$S" && [ "$(on_s online "$P" && echo y)" = y ]; }
  check "recovery: the partitions merged" wait_for 90 merged
  check "row 11n: node$P expected 1000/LATEST/PRI" expect 11n "$P" "1000/LATEST/PRI"
  check "row 11n: node$S expected -INFINITY/DISCONNECT/STOP OUS" expect 11n "$S" "-INFINITY/DISCONNECT/STOP OUS"
  cx crm_attribute -t crm_config -n stonith-enabled -v true >/dev/null 2>&1
  cx crm_resource --cleanup -r pgsql-clone -N "node$S" >/dev/null 2>&1
  check "recovery: node$S back as the sync standby, its own data kept" wait_for 120 normal_state "$P"
fi

if wants 1; then
  begin_row 1 "router failure: the ping target lost on the primary"
  T0=$(now)
  nft_cut "$P" "ip daddr $NET.$CLIENT_HOST icmp type echo-request drop;" ""
  note_write 1 "$T0"
  check "row 1: node$P expected -INFINITY/DISCONNECT/STOP lock" expect 1 "$P" "-INFINITY/DISCONNECT/STOP lock"
  check "row 1: node$S expected 1000/LATEST/PRI" expect 1 "$S" "1000/LATEST/PRI"
  ledger 1 "$S"
  step "row 1 recovery: the router back, the old primary rebuilt"
  nft_heal "$P"
  ping_back() { [ "$(attr "$P" ping-status)" = 100 ]; }
  check "recovery: ping-status of node$P is 100 again" wait_for 60 ping_back
  rebuild_old "$P"
fi

if wants 2; then
  # The S-LAN of PG-REX: clients reach vip-slan over eth1, and a second ping resource watches
  # the router on that network (IPaddr2's monitor checks only that the address is assigned,
  # so a dead link is seen by the ping, as PG-REX configures it).
  step "row 2 setup: the service LAN ($SLAN_NET.0/24 on eth1) with vip-slan, ping-slan and its rule"
  SLVIP=$SLAN_NET.100
  slan_ping_ok() { local i; for i in $(seq 1 "$N"); do [ "$(attr "$i" ping-slan-status)" = 100 ] || return 1; done; }
  slan_resources() {
    cx cibadmin -C -o resources -X "$(PING_ID=ping-slan PING_ATTR=ping-slan-status PING_HOST=$SLAN_NET.$CLIENT_HOST "$XMLGEN" ping)" &&
      cx cibadmin -C -o resources -X "$(VIP_ID=vip-slan VIP_NIC=eth1 VIP=$SLVIP "$XMLGEN" vip)" &&
      cx cibadmin -C -o constraints -X "$(VIP_ID=vip-slan "$XMLGEN" colocation)" || return 1
    wait_for 60 slan_ping_ok || return 1
    cx cibadmin -C -o constraints -X "$(PING_ID=ping-slan PING_ATTR=ping-slan-status "$XMLGEN" ping-location)"
  }
  slvip_on() { nx "$1" ip -4 addr show dev eth1 2>/dev/null | grep -q "$SLVIP/"; }
  check "row 2 setup: eth1 on every node and the client" slan_up "$N"
  check "row 2 setup: ping-slan-status 100 everywhere, then the rule; vip-slan with the primary" slan_resources
  check "row 2 setup: vip-slan on the primary node$(promoted_node)" wait_for 60 slvip_on "$(promoted_node)"
  VIP0=$VIP; VIP=$SLVIP   # the client commits through the S-LAN's VIP in this row
  begin_row 2 "S-LAN failure: the primary's service network link down"
  nx "$P" ip link set eth1 down
  T0=$(now)
  note_write 2 "$T0"
  check "row 2: node$P expected -INFINITY/DISCONNECT/STOP lock" expect 2 "$P" "-INFINITY/DISCONNECT/STOP lock"
  check "row 2: node$S expected 1000/LATEST/PRI" expect 2 "$S" "1000/LATEST/PRI"
  check "row 2: vip-slan moved to node$S" wait_for 30 slvip_on "$S"
  ledger 2 "$S"
  step "row 2 recovery: the link back, the old primary rebuilt; the S-LAN resources removed"
  nx "$P" ip link set eth1 up
  slan_back() { [ "$(attr "$P" ping-slan-status)" = 100 ]; }
  check "recovery: ping-slan-status of node$P is 100 again" wait_for 60 slan_back
  rebuild_old "$P"
  VIP=$VIP0
  slan_removed() {
    cx cibadmin -D -o constraints -X '<rsc_location id="pgsql-clone-needs-ping-slan"/>' &&
      cx cibadmin -D -o constraints -X '<rsc_colocation id="vip-slan-with-promoted"/>' &&
      cx cibadmin -D -o resources -X '<primitive id="vip-slan"/>' &&
      cx cibadmin -D -o resources -X '<clone id="ping-slan-clone"/>' || return 1
    settle 60s
    [ -z "$(mon -1 --output-as=xml 2>/dev/null | xml_active vip-slan ping-slan)" ] && slan_down "$N"
  }
  check "row 2 cleanup: vip-slan, ping-slan and eth1 removed" slan_removed
fi

if wants 4; then
  begin_row 4 "resource failure: a standby's start that fails (PGSQL.lock left on it)"
  # the standby stopped (a ban, as for maintenance), the lock planted, the ban cleared: its
  # start must fail (a monitor failure alone would not start it again: migration-threshold 1)
  cx crm_resource --ban -r pgsql-clone -N "node$S" -Q >/dev/null 2>&1
  wait_for 60 pgsql_inactive_on "$S" || say "pgsql still active on node$S"
  install -o postgres -g postgres -m 600 /dev/null "$H/n$S/pgsql/tmp/PGSQL.lock"
  cx crm_resource --clear -r pgsql-clone -N "node$S" -Q >/dev/null 2>&1
  start_refused4() { [ "$(failed_start_reason "$S")" = "$REASON" ]; }
  check "row 4: node$S's start refused with '$REASON'" wait_for 60 start_refused4
  check "row 4: node$P expected 1000/LATEST/PRI" expect 4 "$P" "1000/LATEST/PRI"
  check "row 4: node$S expected -INFINITY/DISCONNECT/STOP OUS lock" expect 4 "$S" "-INFINITY/DISCONNECT/STOP OUS lock"
  A0=$(writer_acks)
  check "row 4: commits go on (async)" wait_for 30 acks_at_least "$((A0 + 10))"
  TW[4]=0
  ledger 4 "$P"
  step "row 4 recovery: the lock removed, cleanup"
  rm -f "$H/n$S/pgsql/tmp/PGSQL.lock"
  cx crm_resource --cleanup -r pgsql-clone -N "node$S" >/dev/null 2>&1
  check "recovery: node$S back as the sync standby" wait_for 120 normal_state "$P"
fi

if wants 9; then
  begin_row 9 "internal disk failure on the primary: pg_wal read-only and empty"
  # A bind remount read-only is refused while PostgreSQL has files open for writing (EBUSY),
  # so the failed disk is an empty read-only file system over pg_wal: the server's next WAL
  # segment cannot be opened or created (it runs in pgdata, paths relative to it cross into
  # the mount), as on a disk that went away under it.
  WALDIR=/var/lib/pgsql/data/pg_wal
  check "row 9: an empty read-only file system mounted over node$P's pg_wal" \
    nx "$P" mount -t tmpfs -o ro,size=1m pgra-failed-disk "$WALDIR"
  T0=$(now)
  sqln "$P" "select pg_switch_wal()" >/dev/null 2>&1
  note_write 9 "$T0"
  check "row 9: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 9 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  check "row 9: node$S expected 1000/LATEST/PRI" expect 9 "$S" "1000/LATEST/PRI"
  say "row 9: node$P's server log: $(grep -h -m1 -E 'PANIC|could not (open|create)' "$H/n$P/log/postgresql/"*.log 2>/dev/null | tail -c 200)"
  ledger 9 "$S"
  step "row 9 recovery: the disk replaced (the mount removed), the old primary rebuilt"
  online "$P" && { nx "$P" umount "$WALDIR" || nok "recovery: the failed disk unmounted on node$P"; }
  rebuild_old "$P"
fi

if wants 6; then
  begin_row 6 "resource failure: the promote of the elected standby fails"
  # on node S only, pg_ctl refuses "promote" (a bind mount over it in S's mount namespace)
  cp "$PGBIN/pg_ctl" "$H/pg_ctl.real"
  printf '#!/bin/sh\ncase " $* " in *" promote "*) echo "pg_ctl: promote refused (tests/faults.sh row 6)" >&2; exit 1 ;; esac\nexec %s "$@"\n' \
    "$H/pg_ctl.real" > "$H/pg_ctl.fail"
  chmod 755 "$H/pg_ctl.real" "$H/pg_ctl.fail"
  nx "$S" mount --bind "$H/pg_ctl.fail" "$PGBIN/pg_ctl"
  PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -9 $PM")
  promote_failed() { [ -n "$(failed_actions pgsql_promote_0 "node$S")" ]; }
  check "row 6: the promote on node$S failed" wait_for 90 promote_failed
  say "row 6: node$S's failed action: $(failed_actions pgsql_promote_0 "node$S")"
  nobody() { settle 30s; [ -z "$(promoted_node)" ]; }
  check "row 6: no primary afterwards (2 nodes: the old primary is out as well)" wait_for 60 nobody
  check "row 6: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 6 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  # the failed promote created PGSQL.lock; the demote after it removed it again, since no
  # standby instance was left anywhere: harmless, this node was never a primary
  check "row 6: node$S expected -INFINITY/STREAMING|SYNC/STOP OUS" expect 6 "$S" "-INFINITY/STREAMING|SYNC/STOP OUS"
  TW[6]=-
  step "row 6 recovery: pg_ctl repaired on node$S; its data is the newest (it was the sync standby): lock removed, cleanup; it is elected and promoted; node$P rebuilt"
  nx "$S" umount "$PGBIN/pg_ctl"
  rm -f "$H/n$S/pgsql/tmp/PGSQL.lock"
  cx crm_resource --cleanup -r pgsql-clone -N "node$S" >/dev/null 2>&1
  check "recovery: node$S promoted (PRI)" wait_for 120 promoted_pri "$S"
  ledger 6 "$S"
  rebuild_old "$P"
fi

if wants 1b; then
  begin_row 1b "router failure on both nodes"
  for i in $(seq 1 "$N"); do nft_cut "$i" "ip daddr $NET.$CLIENT_HOST icmp type echo-request drop;" ""; done
  both_stopped() { pgsql_inactive_on 1 && pgsql_inactive_on 2 && none_running; }
  check "row 1b: PostgreSQL stopped on both nodes (no service, by design)" wait_for 90 both_stopped
  # the primary keeps PGSQL.lock (a standby still existed when it stopped): the operator
  # removes it on the node that stayed LATEST and starts that one first
  check "row 1b: node$P expected -INFINITY/LATEST/STOP lock" expect 1b "$P" "-INFINITY/LATEST/STOP lock"
  check "row 1b: node$S expected -INFINITY/STREAMING|SYNC/STOP" expect 1b "$S" "-INFINITY/STREAMING|SYNC/STOP"
  TW[1b]=-
  step "row 1b recovery: the router back; node$P (data-status LATEST) starts first"
  for i in $(seq 1 "$N"); do nft_heal "$i"; done
  check "recovery: ping-status 100 on both" wait_for 60 ping_ok
  rm -f "$H/n$P/pgsql/tmp/PGSQL.lock"
  cx crm_resource --cleanup -r pgsql-clone >/dev/null 2>&1
  check "recovery: a primary and its sync standby again" wait_for 180 replication_ready
  ledger 1b "$(promoted_node)"
fi

finish
