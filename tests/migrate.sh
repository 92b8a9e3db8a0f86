#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / wait_for / trap
# Migration of a live PG-REX style cluster from the shell agent ocf:heartbeat:pgsql to ours
# (ocf:pgsqlrs:pgsql), following docs/migration.md, on a fresh 2-node Corosync + Pacemaker
# cluster (tests/harness/cluster2.sh) while a client commits through the VIP:
#   0. the promotable clone (rep_mode=sync) + VIP brought up with ocf:heartbeat:pgsql.
#      pacemakerd runs with OCF_FUNCTIONS_DIR=$H/ocf-lib, a patched ocf-shellfuncs
#      (make_ocf_lib; ../shared/HARNESS.md pitfall 1: with Debian 12's stock library the
#      shell agent cannot set -INFINITY); our agent does not read it.
#   1. baseline: postmaster PIDs and start times, node attributes, operation counts in the logs
#   2. the procedure, heartbeat -> pgsqlrs: maintenance-mode=true; the primitive's provider
#      changed with cibadmin --modify (nothing else in it changes); crm_simulate on a copy of
#      the CIB with maintenance-mode=false shows the restart leaving maintenance would cause
#      now; crm_resource --refresh on the primary's node (its probe by the new agent: 8), then
#      on the standby's (0); the same preview shows nothing to do; maintenance-mode=false; the
#      recurring monitors run with the new agent.
#      Checks: both postmasters kept their PID and start time; pgsql-status,
#      pgsql-data-status and master-pgsql of both nodes as before (printed side by side); no
#      failed action or fail-count; no start, stop, promote or demote in either node's
#      pacemaker.log nor in the operation history since the refresh; the same primary with the
#      VIP; PGSQL.lock and rep_mode.conf as before; the client's commits go on.
#   3. the rollback (pgsqlrs -> heartbeat) and 4. the migration again: the same steps, checks
#   5. kill -9 of the primary's postmaster, now with our agent: the standby promoted
#      (1000/LATEST/PRI, by ocf:pgsqlrs:pgsql), the old primary stopped with PGSQL.lock; the
#      ledgers: every commit acknowledged through the VIP during the migrations and during
#      the failover is on the new primary
#   6. the old primary rebuilt (pg_basebackup) and started by our agent as the sync standby;
#      postgresql.conf keeps one copy of each include line the shell agent added
#   7. teardown
#
# usage: tests/migrate.sh          (as root)
# Output: TAP-like "ok K - ..." / "not ok K - ..." lines, the last one
# "migrate: P passed, F failed"; exit 1 when a check failed or the run was shortened.
# Env: HARNESS_DIR (default /tmp/pgsql-ra-harness)  BUILD=0 (skip cargo build + install)
#      KEEP=1 (leave the cluster running at the end)
#      UNTIL=bringup|migrate (stop after step 0 / after step 4: counted as one failure)
# Files: $H/migrate.log (this output), $H/migrate-preview-*.{xml,out,txt} (the crm_simulate
#        previews), $H/n<i>/log/pacemaker/pacemaker.log, $H/writer-*/ (the client's commits)
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck source=harness/lib.sh
. "$T/harness/lib.sh"
# shellcheck source=harness/pgclone.sh
. "$T/harness/pgclone.sh"
N=2
TAP_LAYER=migrate
CRM_VIA=cx   # tap.sh's crm_mon queries run on a live node
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"
CLUSTER=$T/harness/cluster2.sh
# shellcheck disable=SC2034  # XMLGEN and NODES are read by pgclone.sh's create_resources
XMLGEN=$T/harness/pgsql-clone-xml.sh
VIP=$NET.100
# shellcheck disable=SC2034
NODES="node1 node2"
OLD=heartbeat NEW=pgsqlrs
PROVIDER=$OLD   # create_resources makes the clone with the shell agent
TMPD=/var/lib/pgsql/tmp   # the agents' tmpdir, same path inside every node
export WAIT_STEP=0.2

need_root migrate.sh
tee_output "$H/migrate.log"

step() { echo; echo "# ===== $* ====="; }

# --- what the checks compare ----------------------------------------------------------------
# pm_ident I : "PID started EPOCH" of node I's postmaster (postmaster.pid lines 1 and 3; the
# PID as node I's PID namespace numbers it); nothing without a postmaster.pid
pm_ident() { awk 'NR == 1 {p = $1} NR == 3 {s = $1} END {if (p != "") print p " started " s}' "$H/n$1/pgsql/data/postmaster.pid" 2>/dev/null; }
declare -A PM0   # node -> postmaster before the migration
same_postmasters() {
  local i
  for i in 1 2; do [ -n "${PM0[$i]:-}" ] && [ "$(pm_ident "$i")" = "${PM0[$i]}" ] && postmaster_alive "$i" || return 1; done
}
# the node attributes compared, and those only shown
CHECKED="pgsql-status pgsql-data-status master-pgsql"
SHOWN="$CHECKED pgsql-master-baseline pgsql-xlog-loc"
attr_value() { if [ "$2" = pgsql-data-status ]; then attr "$1" "$2" forever; else attr "$1" "$2"; fi; }
declare -A AV    # "PHASE,I,ATTRIBUTE" -> value
record_attrs() { local i a; for i in 1 2; do for a in $SHOWN; do AV[$1,$i,$a]=$(attr_value "$i" "$a"); done; done; }
# attrs_as PHASE : the checked attributes of both nodes are now those recorded as PHASE
attrs_as() {
  local i a
  for i in 1 2; do for a in $CHECKED; do [ "$(attr_value "$i" "$a")" = "${AV[$1,$i,$a]:-}" ] || return 1; done; done
}
# print_attrs PHASE... : the recorded attributes side by side, one column per node and phase
print_attrs() {
  local i a p line
  line=$(printf '%-22s' attribute)
  for i in 1 2; do for p in "$@"; do line+=$(printf ' %-17s' "node$i $p"); done; done
  say "${line%"${line##*[! ]}"}"
  for a in $SHOWN; do
    line=$(printf '%-22s' "$a")
    for i in 1 2; do for p in "$@"; do line+=$(printf ' %-17s' "${AV[$p,$i,$a]:--}"); done; done
    say "${line%"${line##*[! ]}"}"
  done
}
# ops_logged : results of pgsql's start, stop, promote and demote in both nodes' pacemaker.log
# (the controller logs "Result of <action> operation for <rsc> on <node>: <result>")
ops_logged() {
  cat "$H"/n[12]/log/pacemaker/pacemaker.log 2>/dev/null \
    | grep -cE "Result of (start|stop|promote|demote) operation for pgsql(:[0-9]+)? on "
}
no_new_ops() { [ "$(ops_logged)" = "$OPS0" ]; }
no_failcount() { local i fc; for i in 1 2; do fc=$(pgsql_fail_count "$i"); [ -z "$fc" ] || [ "$fc" = 0 ] || return 1; done; }
no_failure_at_all() { none_failed && no_failcount; }
still_primary() { [ "$(promoted_node)" = "$P" ] && vip_on "$P"; }
tmp_as_before() { has_lock "$P" && [ "$(cat "$H/n$P/pgsql/tmp/rep_mode.conf" 2>/dev/null)" = "$REPMODE0" ]; }

# --- the operation history (CIB status section, lrm_history of pgclone.sh) ------------------
history_agents() { lrm_history "$1" | awk '{print $1}' | sort -u | paste -sd' '; }
history_is_all() { [ "$(history_agents 1)" = "ocf:$1:pgsql" ] && [ "$(history_agents 2)" = "ocf:$1:pgsql" ]; }
# probed_by I PROVIDER RC : node I's whole history of pgsql is PROVIDER's agent's, and its last
# non-recurring operation is a probe (monitor, interval 0) that returned RC
probed_by() {
  [ "$(history_agents "$1")" = "ocf:$2:pgsql" ] &&
    lrm_history "$1" | awk -v rc="$3" '$2 ~ /_last_0$/ && $3 == "monitor" && $4 == "0" && $5 == rc {f = 1} END {exit !f}'
}
# monitored_by I PROVIDER INTERVAL_MS RC : node I's recurring monitor with that interval ran
# with PROVIDER's agent (the whole history is its) and last returned RC
monitored_by() {
  [ "$(history_agents "$1")" = "ocf:$2:pgsql" ] &&
    lrm_history "$1" | awk -v iv="$3" -v rc="$4" '$3 == "monitor" && $4 == iv && $5 == rc {f = 1} END {exit !f}'
}
no_recurring() { ! { lrm_history 1; lrm_history 2; } | awk '$4 != "0"' | grep -q .; }
only_monitors() { ! { lrm_history 1; lrm_history 2; } | awk '$3 != "monitor"' | grep -q .; }

# --- the steps of the procedure (docs/migration.md) -----------------------------------------
set_maintenance() { cx crm_attribute --type crm_config --name maintenance-mode --update "$1" >/dev/null; }
unmanaged_shown() { mon -1 2>/dev/null | grep -q unmanaged; }
managed_shown() { local m; m=$(mon -1 2>/dev/null) && [ -n "$m" ] && ! grep -q unmanaged <<< "$m"; }
maintenance_on() { set_maintenance true && wait_for 20 unmanaged_shown; }
maintenance_off() { set_maintenance false && wait_for 20 managed_shown; }
primitive_xml() { cx cibadmin --query --xpath "//primitive[@id='pgsql']" 2>/dev/null; }
primitive_is() { primitive_xml | head -1 | grep -q "<primitive id=\"pgsql\" class=\"ocf\" provider=\"$1\" type=\"pgsql\""; }
# change_provider FROM TO : the one attribute changed in place; the primitive's XML is then
# the one before with FROM replaced by TO (parameters, meta attributes, operations kept)
change_provider() {
  local want
  want=$(sed "1s/ provider=\"$1\"/ provider=\"$2\"/" <<< "$PRIM0")
  cx cibadmin --modify --scope resources --xml-text "<primitive id=\"pgsql\" provider=\"$2\"/>" || return 1
  [ "$(primitive_xml)" = "$want" ] && [ "$want" != "$PRIM0" ]
}
# preview NAME : what the scheduler would do if maintenance-mode were off now: the Transition
# Summary of `crm_simulate --run` on a copy of the live CIB with maintenance-mode=false, one
# resource action a line, in $H/migrate-preview-NAME.txt; 1 when no preview could be made
preview() {
  local f=$H/migrate-preview-$1
  rm -f "$f.xml" "$f.out" "$f.txt"
  cx cibadmin --query > "$f.xml" 2>/dev/null || return 1
  CIB_file=$f.xml crm_attribute --type crm_config --name maintenance-mode --update false >/dev/null 2>&1 || return 1
  crm_simulate --run --xml-file "$f.xml" > "$f.out" 2>&1
  grep -q '^Transition Summary:' "$f.out" || { sed 's/^/#   /' "$f.out" | tail -20; return 1; }
  awk '/^Transition Summary:/ {f = 1; next} f && /^[^ ]/ {f = 0} f && /\*/' "$f.out" > "$f.txt"
}
restart_previewed() { preview "$1" && grep -qE '^ *\* Restart +pgsql' "$H/migrate-preview-$1.txt"; }
nothing_previewed() { preview "$1" && ! grep -q . "$H/migrate-preview-$1.txt"; }
show_preview() { if [ -s "$H/migrate-preview-$1.txt" ]; then sed 's/^/#   /' "$H/migrate-preview-$1.txt"; else say "  (no resource action)"; fi; }
# refreshed I PROVIDER RC : crm_resource --refresh of the clone on node I, then (60 s) its probe
# by PROVIDER's agent is recorded with RC
# no_election : the standby's probe (after the primary's) left its status and xlog-loc alone
no_election() { [ "$(pstat "$S")" = HS:sync ] && [ "$(attr "$S" pgsql-xlog-loc)" = "${AV[before,$S,pgsql-xlog-loc]:-}" ]; }
refreshed() {
  cx crm_resource --refresh --resource pgsql-clone --node "node$1" >/dev/null 2>&1 || return 1
  wait_for 60 probed_by "$1" "$2" "$3"
}

# switch_agent FROM TO K : pass K of the procedure, ocf:FROM:pgsql -> ocf:TO:pgsql, with its checks
switch_agent() {
  local from=$1 to=$2 k=$3 a0 i
  step "$((k + 1)). pass $k of the procedure: ocf:$from:pgsql -> ocf:$to:pgsql (primary node$P, standby node$S)"
  PRIM0=$(primitive_xml)
  check "pass $k: the primitive is ocf:$from:pgsql" primitive_is "$from"
  check "pass $k: crm_attribute --name maintenance-mode --update true: crm_mon shows the resources unmanaged" maintenance_on
  settle 30s
  if wait_for 20 no_recurring; then say "pass $k: no recurring monitor left in the operation history (maintenance stopped them)"
  else say "pass $k: recurring operations still recorded: $({ lrm_history 1; lrm_history 2; } | awk '$4 != "0"' | tr '\n' ';')"; fi
  check "pass $k: cibadmin --modify: provider $from -> $to, nothing else in the primitive changed" \
    change_provider "$from" "$to" || bail "the provider did not change as expected: $(primitive_xml | head -1)"
  check "pass $k: preview with maintenance-mode off now: pgsql restarted (why the refresh comes first)" restart_previewed "changed$k"
  show_preview "changed$k"
  say "pass $k: the scheduler logged: $(cat "$H"/n[12]/log/pacemaker/pacemaker.log 2>/dev/null | grep -h "Forcing restart of pgsql" | tail -2 | sed 's/.*Forcing/Forcing/' | tr '\n' ';')"
  # a failed probe is where the procedure stops (docs/migration.md: roll back from there)
  check "pass $k: crm_resource --refresh on node$P (the primary first): its probe by ocf:$to:pgsql returned 8" \
    refreshed "$P" "$to" 8 || bail "probe on node$P: $(lrm_history "$P" | tr '\n' ';') $(failed_actions)"
  check "pass $k: crm_resource --refresh on node$S: its probe by ocf:$to:pgsql returned 0" \
    refreshed "$S" "$to" 0 || bail "probe on node$S: $(lrm_history "$S" | tr '\n' ';') $(failed_actions)"
  check "pass $k: crm_mon shows node$P Promoted" [ "$(promoted_node)" = "$P" ]
  record_attrs "probed$k"
  check "pass $k: node$S's probe saw the primary: no election (pgsql-status HS:sync, pgsql-xlog-loc as before)" \
    no_election
  check "pass $k: preview with maintenance-mode off now: nothing to do" nothing_previewed "probed$k"
  show_preview "probed$k"
  check "pass $k: crm_attribute --name maintenance-mode --update false: the resources are managed again" maintenance_off
  check "pass $k: node$P's recurring monitor (3 s) runs with ocf:$to:pgsql and returns 8" wait_for 30 monitored_by "$P" "$to" 3000 8
  check "pass $k: node$S's recurring monitor (4 s) runs with ocf:$to:pgsql and returns 0" wait_for 30 monitored_by "$S" "$to" 4000 0
  check "pass $k: pgsql-status, pgsql-data-status, master-pgsql of both nodes as before" wait_for 30 attrs_as before
  record_attrs "after$k"
  print_attrs before "probed$k" "after$k"
  for i in 1 2; do say "pass $k: node$i postmaster before: ${PM0[$i]:-none}; now: $(pm_ident "$i")"; done
  check "pass $k: both postmasters kept their PID and start time" same_postmasters
  check "pass $k: no failed action, no fail-count" no_failure_at_all
  check "pass $k: no start, stop, promote or demote in either node's pacemaker.log (still $OPS0)" no_new_ops
  say "pass $k: pgsql's operation history: $({ lrm_history 1 | sed 's/^/node1 /'; lrm_history 2 | sed 's/^/node2 /'; } | awk '{print $1, $2, $4 "/" $5 "=" $6}' | tr '\n' ';')"
  check "pass $k: pgsql's operation history since the refresh holds monitors only" only_monitors
  check "pass $k: node$P still Promoted, with the VIP" still_primary
  check "pass $k: PGSQL.lock and rep_mode.conf on node$P as before" tmp_as_before
  a0=$(writer_acks)
  check "pass $k: the client's commits through the VIP go on ($a0 so far)" wait_for 20 acks_at_least "$((a0 + 10))"
}

# ledger NAME I : every commit the current client had acknowledged is on node I
ledger() {
  local att ack fnd tmo err
  read -r att ack fnd tmo err <<< "$(writer_verify "$2")"
  SUMMARY+=("client through the VIP, $1: attempted/acknowledged/found = $att/$ack/$fnd (timeouts $tmo, errors $err)")
  check "ledger, $1: all $ack acknowledged commits are on node$2 (attempted $att, found $fnd, unknown outcome $tmo, failed $err)" \
    no_ack_lost
  if [ -s "$WD/lost" ]; then say "lost ids: $(head -20 "$WD/lost" | tr '\n' ' ')"; fi
  return 0
}

# --- teardown -------------------------------------------------------------------------------
TORN_DOWN=0
teardown() {
  [ $TORN_DOWN = 1 ] && return 0
  TORN_DOWN=1
  writer_stop
  if [ "${KEEP:-0}" = 1 ]; then say "KEEP=1: cluster left running (stop: $CLUSTER down)"; return 0; fi
  if live >/dev/null; then
    # a run that stopped inside the procedure leaves maintenance-mode on: nothing would stop
    cx crm_attribute --type crm_config --name maintenance-mode --delete >/dev/null 2>&1
    if cx cibadmin -Q -o resources 2>/dev/null | grep -q 'id="pgsql-clone"'; then remove_resources; fi
  fi
  "$CLUSTER" down
}
trap 'teardown > "$H/teardown.out" 2>&1; sed "s/^/# /" "$H/teardown.out"' EXIT
trap 'exit 130' INT TERM

SUMMARY=()   # lines of the summary, in order
tm() { SUMMARY+=("$1: $2 s"); }
summary() {
  local l
  echo
  echo "# ---- summary: ocf:$OLD:pgsql -> ocf:$NEW:pgsql -> ocf:$OLD:pgsql -> ocf:$NEW:pgsql on a live 2-node cluster, then a kill -9 failover"
  for l in "${SUMMARY[@]}"; do echo "#   $l"; done
  return 0
}
no_netns_left() { ! ip netns list | grep -q "^${NETNS_PREFIX}-"; }
tap_before_finish() {
  teardown > "$H/teardown.out" 2>&1; sed 's/^/# /' "$H/teardown.out"
  if [ "${KEEP:-0}" != 1 ]; then check "teardown: no ${NETNS_PREFIX}-* network namespace left" no_netns_left; fi
  summary
  trap - EXIT
}
tap_on_bail() { show | sed 's/^/# /'; }
# UNTIL=x stops after step x: a shortened run is never a pass
until_done() {
  [ "${UNTIL:-}" = "$1" ] || return 0
  nok "run shortened by UNTIL=$1: the steps after $1 did not run"
  finish
  exit 1
}

# ======================================================================================
step "0. build, install, fresh cluster; the clone with ocf:$OLD:pgsql"
"$CLUSTER" down 2>&1 | sed 's/^/# /'
if [ "${BUILD:-1}" != 0 ]; then
  build_agent 1
  check "agent installed (packaging/install.sh)" install_agent || bail "no agent"
fi
[ -x /usr/lib/ocf/resource.d/heartbeat/pgsql ] || bail "ocf:heartbeat:pgsql missing (resource-agents): run packaging/deps.sh"
command -v crm_simulate >/dev/null || bail "crm_simulate missing (pacemaker-cli-utils): run packaging/deps.sh"
check "patched ocf-shellfuncs for the shell agent in $H/ocf-lib" make_ocf_lib || bail "make_ocf_lib failed"
export PCMK_EXTRA_ENV="OCF_FUNCTIONS_DIR=$H/ocf-lib"
T0=$(now)
if "$CLUSTER" up 2 > "$H/cluster-up.out" 2>&1; then
  ok "cluster of 2 nodes online in $(elapsed "$T0") s (pacemakerd with $PCMK_EXTRA_ENV)"
else
  sed 's/^/# /' "$H/cluster-up.out"; nok "cluster of 2 nodes online"; bail "cluster did not come up"
fi
knows_agents() {
  local i p
  for i in 1 2; do for p in "$OLD" "$NEW"; do
    nx "$i" crm_resource --show-metadata "ocf:$p:pgsql" 2>/dev/null | is_pgsql_metadata || return 1
  done; done
}
check "Pacemaker knows ocf:$OLD:pgsql and ocf:$NEW:pgsql on both nodes" knows_agents
check "PostgreSQL 15: initdb on node1, replication settings, pg_basebackup to node2" prepare_data || bail "prepare failed"
T0=$(now)
check "resources created: vip-master, pgsql-clone (ocf:$OLD:pgsql, sync), colocation + orders" create_resources \
  || bail "cibadmin failed"
if wait_for 180 replication_ready; then
  P=$(promoted_node); S=$(other "$P"); T1=$(elapsed "$T0"); tm "bring-up with the shell agent" "$T1"
  ok "the shell agent promoted node$P, node$S is the sync standby ($T1 s after the resources were created)"
else
  nok "the shell agent brings up a primary and its sync standby (now: $(states_line))"; bail "no normal state"
fi
check "VIP $VIP on node$P" wait_for 30 vip_on "$P"
check "normal state: node$P 1000/LATEST/PRI, node$S 100/STREAMING|SYNC/HS:sync" wait_for 30 normal_state "$P"
shell_monitors() { history_is_all "$OLD" && monitored_by "$P" "$OLD" 3000 8 && monitored_by "$S" "$OLD" 4000 0; }
check "the recurring monitors run with ocf:$OLD:pgsql on both nodes (operation history)" wait_for 30 shell_monitors
check "PGSQL.lock on node$P (made by the shell agent's promote)" has_lock "$P"
check "synchronous commit through the VIP" insert_via_vip 2 "via the VIP, shell agent"
show | sed 's/^/# /'
until_done bringup

# ======================================================================================
step "1. baseline, while a client commits through the VIP"
writer_start migrate 1000000
WD_MIG=$WD
wait_for 30 acks_at_least 20 || say "client: only $(writer_acks) commits acknowledged"
record_attrs before
for i in 1 2; do PM0[$i]=$(pm_ident "$i"); say "node$i postmaster: ${PM0[$i]:-none}"; done
OPS0=$(ops_logged)
REPMODE0=$(cat "$H/n$P/pgsql/tmp/rep_mode.conf" 2>/dev/null)
say "node$P $TMPD/rep_mode.conf: $REPMODE0"
check "both postmasters recorded" same_postmasters
# the bring-up started both instances and promoted one: the count below can see operations
check "pacemaker.log has the bring-up's start and promote results ($OPS0 >= 3)" [ "$OPS0" -ge 3 ]
check "no failed action, no fail-count before the migration" no_failure_at_all
T0=$(now)
switch_agent "$OLD" "$NEW" 1
tm "pass 1 (migration)" "$(elapsed "$T0")"; T0=$(now)
switch_agent "$NEW" "$OLD" 2
tm "pass 2 (rollback)" "$(elapsed "$T0")"; T0=$(now)
switch_agent "$OLD" "$NEW" 3
tm "pass 3 (migration again)" "$(elapsed "$T0")"
sleep 1; writer_stop
say "client during the three passes: longest time between two acknowledged commits $(writer_max_gap) s"
ledger "during the migrations" "$P"
until_done migrate

# ======================================================================================
step "5. kill -9 of the primary's postmaster, with ocf:$NEW:pgsql"
wait_for 60 normal_state "$P" || say "not in the normal state: $(states_line)"
writer_start failover 2000000
wait_for 30 acks_at_least 20 || say "client: only $(writer_acks) commits acknowledged before the kill"
PMK=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
say "kill -9 of node$P's postmaster $PMK; client has $(writer_acks) commits"
TK=$(nx "$P" sh -c "date +%s.%N; kill -9 $PMK")
if watch_failover "$P" "$TK"; then
  tm "kill -9 -> new primary Promoted" "$T_PROMO"; tm "kill -9 -> first commit through the VIP" "$T_WRITE"
  ok "failover: node$NEWP Promoted after $T_PROMO s, PRI after $T_PRI s, VIP after $T_VIPUP s, first commit through the VIP after $T_WRITE s"
else
  nok "failover (promoted '$NEWP' after $T_PROMO, PRI $T_PRI, VIP $T_VIPUP, write $T_WRITE)"
fi
check "the standby node$S was promoted" [ "${NEWP:-}" = "$S" ]
check "node$S: master-pgsql 1000, pgsql-data-status LATEST, pgsql-status PRI" \
  wait_for 30 score_dstat_pstat_is "$S" "1000/LATEST/PRI"
promoted_by_ours() { monitored_by "$S" "$NEW" 3000 8; }
check "node$S promoted by ocf:$NEW:pgsql: its whole history is that agent's, its promoted monitor returns 8" \
  wait_for 30 promoted_by_ours
old_primary_locked() { pgsql_inactive_on "$P" && no_postmaster_on "$P" && has_lock "$P"; }
check "old primary node$P: PostgreSQL stopped, $TMPD/PGSQL.lock kept" wait_for 60 old_primary_locked
say "node$P: $(describe "$P"); node$S: $(describe "$S")"
sleep 2; writer_stop
ledger "the failover" "$S"
WD_FO=$WD; WD=$WD_MIG
ledger "during the migrations, on the new primary" "$S"
WD=$WD_FO
show | sed 's/^/# /'

# ======================================================================================
step "6. the old primary rebuilt and started by ocf:$NEW:pgsql as the sync standby"
if rebuild_node "$P"; then
  T0=$(now)
  if wait_for 120 normal_state "$S"; then
    ok "node$P is the sync standby again $(elapsed "$T0") s after the cleanup: $(states_line)"
  else
    nok "node$P back as the sync standby (now: $(states_line))"; show | sed 's/^/# /'
  fi
else
  nok "rebuild of node$P: $REB_ERR"
fi
include_once() {
  local f=$H/n$1/pgsql/data/postgresql.conf l
  for l in "include '$TMPD/recovery.conf' # added by pgsql RA" "include '$TMPD/rep_mode.conf' # added by pgsql RA"; do
    [ "$(grep -cxF "$l" "$f")" = 1 ] || return 1
  done
}
check "node$P's postgresql.conf has each include line once (the shell agent's lines, not added again)" include_once "$P"
check "node$S's postgresql.conf has each include line once" include_once "$S"
check "synchronous commit through the VIP after the rejoin" insert_via_vip 3 "after the migration and the rejoin"

# ======================================================================================
step "7. teardown"
show | sed 's/^/# /'
say "agent WARNING/ERROR lines during the run:"
for i in 1 2; do agent_log "$i" | grep -E ": +(WARNING|ERROR):" | cut -c1-220 | sed "s/^/#   node$i: /" | head -20; done
check "resources stopped, constraints then resources deleted" remove_resources
check "no PostgreSQL left running on any node" none_running
if [ "${KEEP:-0}" != 1 ]; then
  cluster_down() { "$CLUSTER" down | sed "s/^/# /"; [ "${PIPESTATUS[0]}" = 0 ]; }
  check "cluster down" cluster_down
  TORN_DOWN=1
fi
finish
