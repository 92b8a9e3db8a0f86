#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through wait_for / trap
# Soak: many failovers in a row on one real 2-node cluster with fencing (the layout of
# tests/faults.sh), under continuous synchronous commits through the VIP, with the rejoin
# an operator does after each. The kinds rotate:
#   kill          kill -9 of the primary's postmaster; the old primary rebuilt
#   poweroff      power-off of the primary's node, fenced by the survivor; powered on, rebuilt
#   cut+kill      replication link cut (the standby goes DISCONNECT, the primary async), then
#                 kill -9 of the primary: the out-of-date standby must NOT be promoted; the
#                 operator heals the link, removes the old primary's PGSQL.lock (its data is
#                 the newest) and cleans up: it is elected and promoted again, nothing lost
#   interconnect  corosync traffic cut: the primary's side wins the fencing race, the
#                 standby is powered off; healed, powered on, it rejoins with its own data
#   switchover    ban of the promoted role: the standby is promoted; the old primary rejoins
#                 with its own data (lock removed, no rebuild)
# Per failover: the kind, the seconds from the fault to the first commit acknowledged
# through the VIP, attempted / acknowledged / found (every acknowledged commit must be on
# the primary afterwards). Last line:
#   soak: failovers=N attempted=A acknowledged=K found=F lost=L
# exit 1 when something was lost or a failover did not complete.
#
# usage: bench/soak.sh [--failovers N]        (default 50; as root)
#        bench/soak.sh --report               docs/reliability.md + .png from the last runs
# Env: HARNESS_DIR  BUILD=0 (skip cargo build + install)  SOAK_DIR (default $H/soak)
# Files: $SOAK_DIR/soak.tsv (one line per failover), $SOAK_DIR/soak.log
set -u
B=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$B/.." && pwd)
T=$ROOT/tests
# shellcheck source=../tests/harness/lib.sh
. "$T/harness/lib.sh"
# shellcheck source=../tests/harness/pgclone.sh
. "$T/harness/pgclone.sh"
N=2
PROVIDER=${PROVIDER:-pgsqlrs}
CLUSTER=$T/harness/cluster2.sh
# shellcheck disable=SC2034  # read by pgclone.sh
XMLGEN=$T/harness/pgsql-clone-xml.sh
VIP=$NET.100
# shellcheck disable=SC2034  # read by pgclone.sh
NODES="node1 node2"
export FENCING=1
SD=${SOAK_DIR:-$H/soak}
KINDS=(kill poweroff cut+kill interconnect switchover)
export WAIT_STEP=0.2

say() { echo "# $*"; }
if [ "${1:-}" = --report ]; then
  exec /usr/bin/python3 "$B/reliability.py" "$H" "$SD/soak.tsv" \
    "$ROOT/docs/reliability.md" "$ROOT/docs/reliability.png"
fi
FAILOVERS=50
[ "${1:-}" = --failovers ] && FAILOVERS=${2:?--failovers N}
[[ $FAILOVERS =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [--failovers N] | --report" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "soak.sh must run as root" >&2; exit 2; }
mkdir -p "$SD"; : > "$SD/soak.tsv"
exec > >(tee "$SD/soak.log") 2>&1

teardown() {
  writer_stop
  for i in 1 2; do nft_heal "$i"; done
  if live >/dev/null; then remove_fencing; remove_resources; fi
  "$CLUSTER" down
}
trap 'teardown > "$SD/teardown.out" 2>&1' EXIT
trap 'exit 130' INT TERM

# --- the operator's steps -----------------------------------------------------------------
rejoin_rebuilt() {   # I : the old primary I, powered on if needed, rebuilt, back as sync standby
  online "$1" || power_on_node "$1" || return 1
  rebuild_node "$1" || { say "rebuild: $REB_ERR"; return 1; }
  wait_for 120 normal_state "$(other "$1")"
}
rejoin_own_data() {  # I : node I keeps its data; lock removed, ban cleared, cleaned up
  rm -f "$H/n$1/pgsql/tmp/PGSQL.lock"
  cx crm_resource --clear -r pgsql-clone -Q >/dev/null 2>&1
  cx crm_resource --cleanup -r pgsql-clone -N "node$1" >/dev/null 2>&1
}

# --- one failover of each kind: sets NEWP (the primary afterwards), T0 (the fault) --------
f_kill() {
  local pm; pm=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -9 $pm")
  wait_for 120 write_after "$T0" && NEWP=$(promoted_node)
  ledger_now "$NEWP"
  rejoin_rebuilt "$P"
}
f_poweroff() {
  "$CLUSTER" poweroff "$P" > /dev/null 2>&1
  T0=$(now)   # the node is off: nothing started later can have committed on it
  wait_for 120 write_after "$T0" && NEWP=$(promoted_node)
  ledger_now "$NEWP"
  rejoin_rebuilt "$P"
}
f_cut_kill() {
  local pm
  nft_cut "$S" "ip daddr { $NET.$P, $VIP } tcp dport 5432 drop;" "ip saddr { $NET.$P, $VIP } tcp sport 5432 drop;"
  wait_for 60 score_dstat_pstat_is "$S" "-INFINITY/DISCONNECT/HS:alone" || say "standby not DISCONNECT: $(states_line)"
  wait_for 30 async_on "$P" || say "primary not async"
  A0=$(writer_acks); wait_for 30 acks_at_least "$((A0 + 10))"
  pm=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -9 $pm")
  sleep 15
  BAD=0; [ "$(promoted_node)" = "$S" ] && BAD=1
  say "15 s after the kill: $(states_line) (the out-of-date node$S must not be promoted)"
  nft_heal "$S"
  rejoin_own_data "$P"
  wait_for 120 write_after "$T0" && NEWP=$(promoted_node)
  ledger_now "$NEWP"
  wait_for 120 normal_state "$P"
}
f_interconnect() {
  T0=$(now)
  nft_cut "$S" "ip daddr $NET.$P udp dport 5405 drop;" "ip saddr $NET.$P udp sport 5405 drop;"
  wait_for 90 powered_off_by "$S" "$P" || say "node$S was not fenced by node$P: $(power_log_new | tr '\n' ';')"
  A0=$(writer_acks); wait_for 60 acks_at_least "$((A0 + 5))" && NEWP=$(promoted_node)
  ledger_now "$NEWP"
  nft_heal "$S"
  power_on_node "$S"
  wait_for 120 normal_state "$P"
}
f_switchover() {
  T0=$(now)
  cx crm_resource --ban -r pgsql-clone --promoted -N "node$P" -Q >/dev/null 2>&1
  wait_for 120 write_after "$T0" && wait_for 60 promoted_pri "$S" && NEWP=$S
  ledger_now "$NEWP"
  wait_for 60 no_postmaster_on "$P"
  rejoin_own_data "$P"
  wait_for 120 normal_state "$S"
}
async_on() { [ -z "$(sqln "$1" "show synchronous_standby_names")" ]; }
# ledger_now I : the client stopped; "attempted acknowledged found" of this failover on node I
ledger_now() {
  local att ack fnd tmo err
  writer_stop
  if [ -z "$1" ]; then LEDGER="- - -"; return 1; fi
  read -r att ack fnd tmo err <<< "$(writer_verify "$1")"
  LEDGER="$att $ack $fnd"
  say "ledger on node$1: attempted $att, acknowledged $ack, found $fnd (unknown outcome $tmo, failed $err)"
}

# ======================================================================================
say "soak: $FAILOVERS failovers, kinds ${KINDS[*]}"
if [ "${BUILD:-1}" != 0 ]; then
  (cd "$ROOT" && cargo build --release 2>&1 | tail -1) || exit 1
  BIN="$ROOT/target/release/pgsql" bash "$ROOT/packaging/install.sh" > /dev/null || exit 1
fi
fenced_cluster_up || { say "setup failed: $FCU_ERR"; echo "soak: failovers=0 attempted=0 acknowledged=0 found=0 lost=0 (setup failed)"; exit 1; }
say "normal state: $(states_line)"
TA=0; TK=0; TF=0; TL=0; DONE=0; FAILED=0
for n in $(seq 1 "$FAILOVERS"); do
  kind=${KINDS[$(( (n - 1) % ${#KINDS[@]} ))]}
  settle 60s
  wait_for 120 replication_ready || say "not in the normal state before failover $n: $(states_line)"
  P=$(promoted_node); S=$(other "$P"); NEWP=; LEDGER="- - -"; BAD=0
  # shellcheck disable=SC2034  # PL0 is read by power_log_new (tests/harness/nodefaults.sh)
  PL0=$(power_log_lines)
  writer_start "soak$n" "$(( $(date +%s%N) / 1000 % 1000000000000 ))"
  wait_for 30 acks_at_least 10 || say "client: only $(writer_acks) commits before the fault"
  echo; say "failover $n/$FAILOVERS: $kind (primary node$P, standby node$S)"
  case $kind in
    kill) f_kill ;;
    poweroff) f_poweroff ;;
    cut+kill) f_cut_kill ;;
    interconnect) f_interconnect ;;
    switchover) f_switchover ;;
  esac
  back=$?
  TW=-; write_after "$T0" && TW=$(first_write_s "$T0")
  read -r att ack fnd <<< "$LEDGER"
  lost=-; [ "$ack" != - ] && lost=$((ack - fnd))
  ok=1
  { [ "$lost" = 0 ] && [ "$TW" != - ] && [ "$back" = 0 ] && [ "$BAD" = 0 ]; } || ok=0
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$kind" "$TW" "$att" "$ack" "$fnd" "$lost" "$ok" >> "$SD/soak.tsv"
  say "failover $n: $kind, first write after $TW s, attempted/acknowledged/found $att/$ack/$fnd, lost $lost, back to normal: $([ "$back" = 0 ] && echo yes || echo NO)$([ "$BAD" = 1 ] && echo ", the out-of-date standby WAS PROMOTED")"
  if [ "$ack" != - ]; then TA=$((TA + att)); TK=$((TK + ack)); TF=$((TF + fnd)); TL=$((TL + ack - fnd)); fi
  DONE=$((DONE + 1)); [ $ok = 1 ] || FAILED=$((FAILED + 1))
  [ "$back" = 0 ] || { say "the cluster is not back to normal: stopping here"; show | sed 's/^/# /'; break; }
done
echo "soak: failovers=$DONE attempted=$TA acknowledged=$TK found=$TF lost=$TL$([ $FAILED -gt 0 ] && echo " failed=$FAILED")"
[ "$DONE" = "$FAILOVERS" ] && [ $FAILED = 0 ] && [ $TL = 0 ]
