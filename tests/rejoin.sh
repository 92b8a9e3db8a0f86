#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / wait_for / trap
# The rejoin after a switchover (docs/contract.md §5.12, rejoin_after_switchover) on a real
# cluster with fencing, laid out as PG-REX runs it (tests/faults.sh: fence_pgra, on-fail=fence
# for stop and demote, migration-threshold 1, the ping rule), while a client commits
# synchronously through the VIP. Cases, in this order:
#   off    (a cluster with the option off, today's behaviour) `crm_resource --move --promoted`:
#          the old primary stays stopped with PGSQL.lock; after a cleanup its start is refused
#          with the lock reason; the operator removes the lock and cleans up
#   on     (a new cluster with the option on) `--move --promoted` then `--clear`: the old
#          primary is HS:sync again by itself, no lock, no failed action, the proof in its log;
#          then `--ban --promoted` back and `--clear`: the same
#   pgrex  (in both clusters) pg-rex_switchover's steps by hand (docs/operations.md): maintenance-mode
#          true, pg_ctl stop -m fast on the primary, maintenance-mode false, the standby promoted;
#          Pacemaker stopped on the old primary, its PGSQL.lock removed, Pacemaker started: HS:sync
#   kill   kill -9 of the primary's postmaster: the old primary keeps the lock and its start
#          says no clean shutdown was recorded
#   behind (2 nodes) the standby cut off, a row committed without it, the primary moved away
#          (clean shutdown), the stale standby promoted by the operator (data-status LATEST):
#          the lock stays, "promoted without this node's shutdown checkpoint", the row is not there
#   cut    (2 nodes) the replication link cut right before `--move --promoted`: the shutdown
#          checkpoint never reaches the standby: the lock stays with the same reason
# After each unsafe case the old primary is rebuilt (pg_basebackup) as the manual says.
#
# usage: tests/rejoin.sh [2|3]       (as root; 3: off, pgrex, on, pgrex and kill, the third node an async
#                                    standby that must follow the new primary)
# Env: HARNESS_DIR  BUILD=0 (skip cargo build + install)  CASES="on kill" (a shortened run,
#      counted as one failure)
# Files: $H/rejoin.log (rejoin3.log), $H/rejoin-cases.tsv (case, time to the first write,
#        time until the old primary is a standby again or "-", manual steps, lock kept,
#        reason, client attempted/acknowledged/found)
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck source=harness/lib.sh
. "$T/harness/lib.sh"
# shellcheck source=harness/pgclone.sh
. "$T/harness/pgclone.sh"
N=${1:-2}
case $N in 2) TAP_LAYER=rejoin ;; 3) TAP_LAYER=rejoin3 ;; *) echo "usage: $0 [2|3]" >&2; exit 2 ;; esac
CRM_VIA=cx
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"
CLUSTER=$T/harness/cluster2.sh
# shellcheck disable=SC2034  # read by pgclone.sh
XMLGEN=$T/harness/pgsql-clone-xml.sh
VIP=$NET.100
NODES=$(seq 1 "$N" | sed 's/^/node/' | tr '\n' ' '); NODES=${NODES% }
export FENCING=1 PROVIDER=${PROVIDER:-pgsqlrs}
LOCK=/var/lib/pgsql/tmp/PGSQL.lock
OFF_REASON="My data may be inconsistent. You have to remove $LOCK file to force start."
KEPT="PGSQL.lock kept: "
if [ "$N" = 2 ]; then ALL_CASES="off pgrex on pgrex kill behind cut"; else ALL_CASES="off pgrex on pgrex kill"; fi
CASES=${CASES:-$ALL_CASES}
export WAIT_STEP=0.2

need_root rejoin.sh
tee_output "$H/$TAP_LAYER.log"
TABLE=$H/$TAP_LAYER-cases.tsv
: > "$TABLE"
step() { echo; echo "# ===== $* ====="; }

# --- the cluster ------------------------------------------------------------------------
# cluster OPTION : a fresh fenced cluster, the clone's rejoin_after_switchover=OPTION
cluster() {
  step "setup: a $N-node cluster with fencing, rejoin_after_switchover=$1"
  keep_logs
  export EXTRA_PARAMS="rejoin_after_switchover=$1" PHASE=$1
  if fenced_cluster_up; then ok "cluster of $N nodes in the normal state, rejoin_after_switchover=$1"
  else bail "cluster: $FCU_ERR"; fi
}
# keep_logs : the nodes' pacemaker.log of the cluster going away, as $H/<layer>-<phase>-nI.log
PHASE=
keep_logs() {
  local i
  [ -n "$PHASE" ] || return 0
  for i in $(seq 1 "$N"); do cp "$H/n$i/log/pacemaker/pacemaker.log" "$H/$TAP_LAYER-$PHASE-n$i.log" 2>/dev/null; done
}
# begin CASE TITLE : the normal state, P (primary), S (sync standby), A (async), the client on
begin() {
  step "$1: $2"
  CASE=$1
  settle 60s
  wait_for 120 replication_ready || say "not in the normal state before $1: $(states_line)"
  P=$(promoted_node); S=$(sync_standby); A=$(async_standby)
  writer_start "$1" "$(( $(date +%s%N) / 1000 % 1000000000000 ))"
  wait_for 30 acks_at_least 10 || say "client: only $(writer_acks) commits before the case"
  say "primary node$P, sync standby node$S${A:+, async standby node$A}; client has $(writer_acks) commits"
}
# ledger I : every acknowledged commit of the client is on node I
ledger() {
  local att ack fnd tmo err
  writer_stop
  read -r att ack fnd tmo err <<< "$(writer_verify "$1")"
  WLOSS="$att/$ack/$fnd"
  check "$CASE: all $ack acknowledged commits are on node$1 (attempted $att, found $fnd, unknown outcome $tmo, failed $err)" \
    no_ack_lost
}
# record CASE TWRITE TBACK STEPS LOCK REASON : one line of the cases table
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${WLOSS:--}" >> "$TABLE"
  WLOSS=
}
# promoted_then_write T0 I : wait (60 s) until node I is the primary, then for the first
# acknowledged commit that started after that; TW = seconds from T0 to its end ("-": none)
promoted_then_write() {
  local tp fo
  TW=-
  wait_for 60 promoted_pri "$2" || return 1
  tp=$(now)
  wait_for 120 write_after "$tp" || return 1
  fo=$(writer_first_ok_after "$tp")
  TW=$(awk -v e="${fo#* }" -v t="$1" 'BEGIN{printf "%.1f", e - t}')
}

# --- the old primary --------------------------------------------------------------------
held() { pgsql_inactive_on "$1" && no_postmaster_on "$1" && has_lock "$1"; }   # stopped, lock kept
back() { [ "$(pstat "$1")" = HS:sync ] || { [ "$N" = 3 ] && [ "$(pstat "$1")" = HS:async ]; }; }
rejoined() { back "$1" && ! has_lock "$1" && standbys_ok "$(promoted_node)"; }
clean_on_disk() { nx "$1" runuser -u postgres -- "$PGBIN/pg_controldata" /var/lib/pgsql/data | grep -q "^Database cluster state: *shut down$"; }
reason_is() { [[ "$(failed_start_reason "$1")" == "$2"* ]]; }    # I PREFIX : start's exit reason
logged() { agent_log "$1" | grep -qF -- "$2"; }                   # I TEXT : in node I's agent log
no_failure_on() { ! failed_actions | grep -q "pgsql_[a-z_0-9]* on node$1:"; }
# refused I PREFIX : cleanup of node I; its start fails with PREFIX... and the lock stays
refused() {
  local i=$1 want=$2 got
  cx crm_resource --cleanup -r pgsql-clone -N "node$i" >/dev/null 2>&1
  check "$CASE: node$i's start after a cleanup is refused: '$want...'" wait_for 60 reason_is "$i" "$want"
  got=$(failed_start_reason "$i")
  say "$CASE: exit reason (crm_mon): $got"
  # Pacemaker stops the failed start's instance next
  check "$CASE: node$i keeps $LOCK, stopped, no postmaster there" wait_for 30 held "$i"
  REASON=$got
}
# rebuild I : the manual's recovery (tests/harness/pgclone.sh rebuild_node); back as a standby
rebuild() {
  if rebuild_node "$1"; then
    check "$CASE recovery: node$1 rebuilt (pg_basebackup) and streaming again" wait_for 120 rejoined "$1"
  else nok "$CASE recovery: rebuild of node$1 ($REB_ERR)"; fi
}
# verdict I : node I's rejoin-proof attribute (permanent), "" when none
verdict() { attr "$1" pgsql-rejoin-proof forever; }
verdict_is() { [[ "$(verdict "$1")" == "$2"* ]]; }

# --- teardown ---------------------------------------------------------------------------
TORN_DOWN=0
teardown() {
  [ $TORN_DOWN = 1 ] && return 0
  TORN_DOWN=1
  writer_stop
  for i in $(seq 1 "$N"); do nft_heal "$i"; done
  if live >/dev/null; then remove_fencing; remove_resources; fi
  keep_logs
  "$CLUSTER" down
}
trap 'teardown > "$H/teardown.out" 2>&1; sed "s/^/# /" "$H/teardown.out"' EXIT
trap 'exit 130' INT TERM
no_netns_left() { ! ip netns list | grep -q "^${NETNS_PREFIX}-"; }
tap_before_finish() {
  teardown > "$H/teardown.out" 2>&1; sed 's/^/# /' "$H/teardown.out"
  check "teardown: no ${NETNS_PREFIX}-* network namespace left" no_netns_left
  [ "$CASES" = "$ALL_CASES" ] || nok "run shortened by CASES=\"$CASES\": the other cases did not run"
  echo
  echo "# ---- case, first write (s), old primary a standby again (s), manual steps, lock kept, reason, client attempted/acknowledged/found"
  sed 's/^/#   /' "$TABLE"
  trap - EXIT
}
tap_on_bail() { show | sed 's/^/# /'; }

# ======================================================================================
case_off() {
  begin off "switchover with rejoin_after_switchover=false (today's behaviour)"
  local t0 tw
  t0=$(now)
  cx crm_resource --move --promoted -r pgsql-clone -N "node$S" -Q >/dev/null 2>&1
  check "off: node$S promoted (PRI) and takes writes through the VIP" promoted_then_write "$t0" "$S"
  tw=$TW; say "off: the first write on node$S ended $tw s after --move"
  check "off: node$P stays stopped and keeps $LOCK" wait_for 60 held "$P"
  check "off: node$P shut down cleanly all the same (pg_controldata: shut down)" clean_on_disk "$P"
  cx crm_resource --clear -r pgsql-clone -Q >/dev/null 2>&1
  ledger "$S"
  refused "$P" "$OFF_REASON"
  step "off: the operator's steps (a clean prefix: no rebuild): rm PGSQL.lock, crm_resource --cleanup"
  rm -f "$H/n$P/pgsql/tmp/PGSQL.lock"
  local tc; tc=$(now)
  cx crm_resource --cleanup -r pgsql-clone -N "node$P" >/dev/null 2>&1
  if wait_for 120 rejoined "$P"; then ok "off: node$P is $(pstat "$P") again $(elapsed "$tc") s after the operator's two steps"
  else nok "off: node$P a standby again after the operator's two steps (now: $(describe "$P"))"; fi
  record off "$tw" - "2 (rm PGSQL.lock, crm_resource --cleanup)" yes "$REASON"
}

# switchover HOW : --move --promoted to S, or --ban --promoted of P; then --clear. The old
# primary must come back by itself.
switchover() {
  local how=$1 t0 tw tb
  begin "on-$how" "switchover by crm_resource --$how --promoted, rejoin_after_switchover=true"
  t0=$(now)
  if [ "$how" = move ]; then cx crm_resource --move --promoted -r pgsql-clone -N "node$S" -Q >/dev/null 2>&1
  else cx crm_resource --ban --promoted -r pgsql-clone -N "node$P" -Q >/dev/null 2>&1; fi
  check "on-$how: node$S promoted (PRI) and takes writes through the VIP" promoted_then_write "$t0" "$S"
  tw=$TW; say "on-$how: the first write on node$S ended $tw s after --$how"
  if wait_for 60 rejoined "$P"; then
    tb=$(elapsed "$t0"); ok "on-$how: node$P is $(pstat "$P") again ${tb} s after --$how, PGSQL.lock gone, no manual step"
  else tb=-; nok "on-$how: node$P back as a standby by itself (now: $(describe "$P"))"; fi
  cx crm_resource --clear -r pgsql-clone -Q >/dev/null 2>&1
  check "on-$how: node$S logged the proof 'rejoin of node$P: received by node$S: tli='" logged "$S" "rejoin of node$P: received by node$S: tli="
  check "on-$how: node$P logged 'clean shutdown recorded for the rejoin after a switchover'" logged "$P" "clean shutdown recorded for the rejoin after a switchover: tli="
  check "on-$how: node$P logged why the lock went ('received this node's shutdown checkpoint')" logged "$P" "received this node's shutdown checkpoint"
  check "on-$how: no failed action on node$P" no_failure_on "$P"
  gone() { [ -z "$(attr "$P" pgsql-clean-shutdown forever)$(verdict "$P")" ] && ! test -e "$H/n$P/pgsql/tmp/clean_shutdown"; }
  check "on-$how: the start forgot the shutdown (no clean_shutdown file, no clean-shutdown or rejoin-proof attribute)" wait_for 20 gone
  [ "$N" = 3 ] && check "on-$how: the async standby node$A follows node$S" wait_for 60 streaming "$S" "$A"
  ledger "$S"
  record "on-$how" "$tw" "$tb" "0" no -
}
case_on() {
  cluster true
  switchover move
  switchover ban
}

case_kill() {
  begin kill "kill -9 of the primary's postmaster (not a clean shutdown)"
  local pm t0 tw
  pm=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  t0=$(nx "$P" sh -c "date +%s.%N; kill -9 $pm")
  check "kill: node$S promoted (PRI) and takes writes through the VIP" promoted_then_write "$t0" "$S"
  tw=$TW; say "kill: the first write on node$S ended $tw s after the kill"
  check "kill: node$P stopped with $LOCK" wait_for 60 held "$P"
  ledger "$S"
  check "kill: node$P logged 'no clean shutdown to record (pg_controldata: in production)'" \
    logged "$P" "no clean shutdown to record (pg_controldata: in production)"
  refused "$P" "${KEPT}no clean shutdown of this node as a primary is recorded"
  record kill "$tw" - "rebuild" yes "$REASON"
  rebuild "$P"
}

# pg-rex_switchover's steps (docs/operations.md, "With pg-rex_switchover"; the PG-REX tools
# are not packaged for Debian), in the cluster of the current phase
maintenance() { cx crm_attribute --type crm_config --name maintenance-mode --update "$1" >/dev/null 2>&1; }
unmanaged_shown() { mon -1 2>/dev/null | grep -q unmanaged; }
managed_shown() { local m; m=$(mon -1 2>/dev/null) && [ -n "$m" ] && ! grep -q unmanaged <<< "$m"; }
stopped_here() { pgsql_inactive_on "$1" && no_postmaster_on "$1"; }
case_pgrex() {
  local c="pgrex-$PHASE" t0 tw tb
  begin "$c" "pg-rex_switchover's steps, rejoin_after_switchover=$PHASE"
  step "$c: 1. maintenance-mode=true"
  maintenance true
  check "$c: maintenance-mode=true: the resources are unmanaged" wait_for 20 unmanaged_shown
  step "$c: 2. pg_ctl stop -m fast on node$P (as postgres)"
  t0=$(now)
  if pgx "$P" "$PGBIN/pg_ctl" stop -m fast -w -t 60 -D /var/lib/pgsql/data > "$H/$c-pg_ctl.out" 2>&1
  then ok "$c: node$P's PostgreSQL stopped (pg_ctl stop -m fast)"
  else nok "$c: pg_ctl stop -m fast on node$P: $(tail -1 "$H/$c-pg_ctl.out")"; fi
  check "$c: node$P shut down cleanly (pg_controldata: shut down)" clean_on_disk "$P"
  step "$c: 3. maintenance-mode=false: Pacemaker recovers by promoting node$S"
  maintenance false
  check "$c: maintenance-mode=false: the resources are managed again" wait_for 20 managed_shown
  check "$c: node$S promoted (PRI) and takes writes through the VIP" promoted_then_write "$t0" "$S"
  tw=$TW; say "$c: the first write on node$S ended $tw s after pg_ctl stop"
  check "$c: node$P stays stopped (its monitor failed: migration-threshold 1)" wait_for 60 stopped_here "$P"
  step "$c: 4. Pacemaker stopped on node$P; 5. its PGSQL.lock removed; 6. Pacemaker started"
  "$CLUSTER" stopnode "$P" 2>&1 | sed 's/^/# /'
  rm -f "$H/n$P/pgsql/tmp/PGSQL.lock"
  "$CLUSTER" startnode "$P" 2>&1 | sed 's/^/# /'
  if wait_for 120 rejoined "$P"; then
    tb=$(elapsed "$t0"); ok "$c: node$P is $(pstat "$P") again ${tb} s after pg_ctl stop, no rebuild"
  else tb=-; nok "$c: node$P back as a standby after the tool's steps (now: $(describe "$P"))"; fi
  check "$c: no failed action left on node$P" no_failure_on "$P"
  [ "$N" = 3 ] && check "$c: the async standby node$A follows node$S" wait_for 60 streaming "$S" "$A"
  ledger "$S"
  record "$c" "$tw" "$tb" "1 (pg-rex_switchover)" no -
}

# the standby's replication traffic dropped at the standby (tests/faults.sh row 3)
cut_standby() { nft_cut "$S" "ip daddr { $NET.$P, $VIP } tcp dport 5432 drop;" "ip saddr { $NET.$P, $VIP } tcp sport 5432 drop;"; }
case_behind() {
  begin behind "a standby behind, promoted by the operator after a clean switchover"
  cut_standby
  check "behind: node$S -INFINITY/DISCONNECT/HS:alone" wait_for 60 score_dstat_pstat_is "$S" "-INFINITY/DISCONNECT/HS:alone"
  async_now() { [ -z "$(sqln "$P" "show synchronous_standby_names")" ]; }
  check "behind: node$P went async" wait_for 30 async_now
  ledger "$P"
  local id=$(( $(date +%s%N) / 1000 % 1000000000000 + 700000000000 ))
  check "behind: row $id committed through the VIP on node$P alone" insert_via_vip "$id" "without the standby"
  cx crm_resource --ban --promoted -r pgsql-clone -N "node$P" -Q >/dev/null 2>&1
  recorded() { [[ "$(attr "$P" pgsql-clean-shutdown forever)" == tli=* ]]; }
  check "behind: node$P demoted with its clean shutdown recorded" wait_for 60 recorded
  say "behind: node$P's record $(attr "$P" pgsql-clean-shutdown forever)"
  step "behind: the operator forces node$S (crm_attribute -l forever -n pgsql-data-status -v LATEST)"
  cx crm_attribute -l forever -N "node$S" -n pgsql-data-status -v LATEST >/dev/null 2>&1
  check "behind: node$S promoted (PRI) by its election" wait_for 120 promoted_pri "$S"
  nft_heal "$S"
  check "behind: node$S published 'not received by node$S: ...' for node$P ($(verdict "$P"))" verdict_is "$P" "not received by node$S: "
  missing() { [ "$(sqln "$S" "select count(*) from t where id = $id")" = 0 ]; }
  check "behind: row $id is not on node$S (it was behind)" missing
  refused "$P" "${KEPT}node$S was promoted without this node's shutdown checkpoint ("
  cx crm_resource --clear -r pgsql-clone -Q >/dev/null 2>&1
  record behind - - "rebuild" yes "$REASON"
  rebuild "$P"
}

case_cut() {
  begin cut "the replication link cut right before a switchover"
  local t0 tw
  cut_standby
  t0=$(now)
  cx crm_resource --move --promoted -r pgsql-clone -N "node$S" -Q >/dev/null 2>&1
  check "cut: node$S promoted (PRI) and takes writes through the VIP" promoted_then_write "$t0" "$S"
  tw=$TW; say "cut: the first write on node$S ended $tw s after --move"
  nft_heal "$S"
  check "cut: node$P stopped with $LOCK" wait_for 60 held "$P"
  cx crm_resource --clear -r pgsql-clone -Q >/dev/null 2>&1
  ledger "$S"
  say "cut: node$P's record $(attr "$P" pgsql-clean-shutdown forever); verdict $(verdict "$P")"
  refused "$P" "$KEPT"
  case $REASON in
    "${KEPT}node$S was promoted without this node's shutdown checkpoint ("*|"${KEPT}no clean shutdown of this node"*)
      ok "cut: the reason names the missing proof" ;;
    *) nok "cut: the reason names the missing proof (got '$REASON')" ;;
  esac
  record cut "$tw" - "rebuild" yes "$REASON"
  rebuild "$P"
}

# ======================================================================================
step "setup: build, install"
"$CLUSTER" down 2>&1 | sed 's/^/# /'
if [ "${BUILD:-1}" != 0 ]; then
  build_agent 1
  check "agent installed (packaging/install.sh)" install_agent || bail "no agent"
fi
{ command -v nft && command -v ping; } >/dev/null || bail "nft or ping missing: run packaging/deps.sh"
ON_DONE=0
for c in $CASES; do
  case $c in
    off) cluster false; case_off ;;
    pgrex) [ -n "$PHASE" ] || { cluster true; ON_DONE=1; }; case_pgrex ;;
    on) case_on; ON_DONE=1 ;;
    kill|behind|cut) [ $ON_DONE = 1 ] || { cluster true; ON_DONE=1; }; "case_$c" ;;
    *) nok "no case '$c' (cases: $ALL_CASES)" ;;
  esac
done
finish
