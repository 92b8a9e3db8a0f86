#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / wait_for / trap
# End-to-end test of OUR agent (ocf:$PROVIDER:pgsql, rep_mode=none) on a real single-node
# Corosync + Pacemaker cluster (tests/harness/cluster1.sh, 127.0.0.1, root namespaces).
#
# usage: tests/pacemaker1.sh            (as root)
#
# Steps: build + install the agent, cluster up, primitive created -> Started, psql works,
# kill -9 of the postmaster -> Pacemaker restarts it locally, cleanup clears the failure,
# target-role=Stopped + delete stops PostgreSQL cleanly, the agent's lines in pacemaker.log.
# Prints TAP-like "ok N - ..." / "not ok N - ..." lines, a timing summary and finally
# "pacemaker1: N passed, M failed"; exits 1 when a check failed.
#
# Env: HARNESS_DIR (default /tmp/pgsql-ra-harness)  PROVIDER (default pgsqlrs)
#      TEST_PGPORT (default 55432)  BUILD=0 (skip cargo build)  KEEP=1 (leave the cluster,
#      the resource and PostgreSQL running)
# Files: $H/pacemaker1.log (this output), $H/c1/pacemaker.log, $H/pg1/{data,run,postgres.log}
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck source=harness/lib.sh
. "$T/harness/lib.sh"
TAP_LAYER=pacemaker1
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"

PROVIDER=${PROVIDER:-pgsqlrs}
PORT=${TEST_PGPORT:-55432}
P=$H/pg1
DATA=$P/data
SOCK=$P/run
PGLOG=$P/postgres.log
PLOG=$H/c1/pacemaker.log
NODE=$(uname -n)
RSC=pgsql
AGENT=/usr/lib/ocf/resource.d/$PROVIDER/pgsql
CLUSTER=$T/harness/cluster1.sh
export WAIT_STEP=0.1

need_root pacemaker1.sh
tee_output "$H/pacemaker1.log"

T_UP=-; T_START=-; T_DETECT=-; T_RECOVER=-; T_STOP=-

# --- helpers ----------------------------------------------------------------------------
q() {  # q SQL [psql options] : one query as postgres over the socket directory
  local sql=$1; shift
  (cd / && runuser -u postgres -- "$PGBIN/psql" -X -h "$SOCK" -p "$PORT" -d postgres \
      -Atq -v ON_ERROR_STOP=1 "$@" -c "$sql")
}
answers() { [ "$(q 'select 1' 2>/dev/null)" = 1 ]; }
in_cib() { cibadmin -Q -o resources 2>/dev/null | grep -q "<primitive id=\"$RSC\""; }
monitor_failure_shown() {  # crm_mon lists a failed monitor of RSC
  failures "${RSC}_monitor_[0-9]+\"" | grep -q "node=\"$NODE\""
}
no_failure_shown() { no_failure "${RSC}_"; }
recurring_monitor_ran() {
  crm_mon -1 -o --output-as=xml 2>/dev/null | grep -E "<operation_history [^>]*task=\"monitor\"" \
    | grep "interval=\"3000ms\"" | grep -q 'rc="0"'
}
pm_pid() { pg_postmaster_pid "$DATA"; }
new_pm_answers() {  # a postmaster other than $1 is running and answers a query
  local p
  p=$(pm_pid) && [ "$p" != "$1" ] && answers
}

TORN_DOWN=0
teardown() {
  [ $TORN_DOWN = 1 ] && return 0
  TORN_DOWN=1
  if [ "${KEEP:-0}" = 1 ]; then
    say "KEEP=1: cluster, resource and PostgreSQL left running (stop: $CLUSTER down)"
    return 0
  fi
  if "$CLUSTER" status >/dev/null 2>&1 && in_cib; then
    crm_resource -r "$RSC" --meta -p target-role -v Stopped >/dev/null 2>&1
    wait_for 90 rsc_stopped "$RSC"
    cibadmin -D -o resources -X "<primitive id=\"$RSC\"/>" >/dev/null 2>&1
  fi
  "$CLUSTER" down
  pg_stop_by_pid "$DATA"
}
trap 'teardown' EXIT
trap 'exit 130' INT TERM

tap_before_finish() {
  echo
  echo "# ---- timings (pacemaker1, ocf:$PROVIDER:pgsql rep_mode=none, monitor 3s)"
  echo "# cluster up:                                     $T_UP s"
  echo "# time from resource creation to Started:         $T_START s"
  echo "# time from kill -9 to failure shown by crm_mon:  $T_DETECT s"
  echo "# time from kill -9 to PostgreSQL running again:  $T_RECOVER s"
  echo "# time from target-role=Stopped to Stopped:       $T_STOP s"
}
tap_on_bail() { teardown_check; }
all_down() { ! "$CLUSTER" status >/dev/null 2>&1 && ! pm_pid >/dev/null; }
teardown_check() {
  teardown > "$H/teardown.out" 2>&1; sed '/^#/!s/^/# /' "$H/teardown.out"
  if [ "${KEEP:-0}" = 1 ]; then return 0; fi
  check "teardown: cluster down, no PostgreSQL left on $DATA" all_down
}

# --- 0. build, install, PostgreSQL data directory --------------------------------------
say "leftovers of an earlier run (only what that run recorded)"
"$CLUSTER" down | sed 's/^/# /'
pg_stop_by_pid "$DATA" | sed 's/^/# /'

[ "${BUILD:-1}" != 0 ] && build_agent 2
agent_installed() { install_agent; [ -x "$AGENT" ]; }
check "agent installed as $AGENT (packaging/install.sh)" agent_installed || bail "no agent"

port_in_use "$PORT" && bail "port $PORT is in use"
fresh_initdb() { rm -rf "$SOCK" "$PGLOG"; pg_initdb "$P" "$PORT" "$SOCK" 127.0.0.1; }
check "initdb of a PostgreSQL 15 cluster in $DATA (port $PORT, socket dir $SOCK)" fresh_initdb \
  || bail "initdb failed"
say "the socket directory $SOCK does not exist yet: the agent's start creates it"

# --- a. cluster up ----------------------------------------------------------------------
T0=$(now)
if "$CLUSTER" up > "$H/cluster-up.out" 2>&1; then
  T_UP=$(elapsed "$T0")
  ok "cluster up (single node $NODE on 127.0.0.1) in $T_UP s"
else
  sed 's/^/# /' "$H/cluster-up.out"; nok "cluster up"; bail "cluster did not come up"
fi
sees_agent() { crm_resource --show-metadata "ocf:$PROVIDER:pgsql" 2>/dev/null | is_pgsql_metadata; }
check "Pacemaker sees the agent: crm_resource --show-metadata ocf:$PROVIDER:pgsql" sees_agent

# crm_mon hides node attributes whose names start with shutdown, terminate, standby or #:
# the agent refuses such replication resource ids (docs/contract.md §3.1), because it reads
# its attributes back from crm_mon. This checks the Pacemaker behaviour that rule rests on
# (only among the names set here: an agent run by hand on this host may add its own).
hidden_prefixes() {
  local a seen
  for a in standby1-status shutdownx-status terminate9-status '#pg-status' visible-status; do
    attrd_updater -n "$a" -U v -N "$NODE" || return 1
  done
  crm_attribute -l forever -N "$NODE" -n standby1-data-status -v v || return 1
  sleep 1
  seen=$(crm_mon -1 -A --output-as=xml | python3 -c '
import sys, xml.etree.ElementTree as ET
mine = {"standby1-status", "shutdownx-status", "terminate9-status", "#pg-status", "visible-status", "standby1-data-status"}
print(" ".join(sorted(a.get("name") for a in ET.parse(sys.stdin).iter("attribute") if a.get("name") in mine)))')
  for a in standby1-status shutdownx-status terminate9-status '#pg-status' visible-status; do attrd_updater -n "$a" -D -N "$NODE"; done
  crm_attribute -l forever -N "$NODE" -n standby1-data-status -D
  say "crm_mon -A shows, of the names set here: $seen"
  [ "$seen" = visible-status ]
}
check "crm_mon hides attributes named standby*, shutdown*, terminate*, #* (transient and permanent)" hidden_prefixes
refuses_hidden_id() {
  local out rc
  out=$(OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=standby1 OCF_RESKEY_rep_mode=sync OCF_RESKEY_node_list="$NODE other" \
    OCF_RESKEY_master_ip=127.0.0.1 OCF_RESKEY_CRM_meta_promotable=true OCF_RESKEY_pgdata="$DATA" "$AGENT" validate-all 2>&1); rc=$?
  say "validate-all as standby1: rc=$rc $(echo "$out" | grep ocf-exit-reason)"
  [ $rc = 6 ] && echo "$out" | grep -q "crm_mon hides"
}
check "validate-all refuses the replication resource id standby1 (6, reason names crm_mon)" refuses_hidden_id

# --- b. primitive -> Started ------------------------------------------------------------
XML="<primitive id=\"$RSC\" class=\"ocf\" provider=\"$PROVIDER\" type=\"pgsql\">
  <instance_attributes id=\"$RSC-ia\">
    <nvpair id=\"$RSC-pgctl\" name=\"pgctl\" value=\"$PGBIN/pg_ctl\"/>
    <nvpair id=\"$RSC-psql\" name=\"psql\" value=\"$PGBIN/psql\"/>
    <nvpair id=\"$RSC-pgdata\" name=\"pgdata\" value=\"$DATA\"/>
    <nvpair id=\"$RSC-pgport\" name=\"pgport\" value=\"$PORT\"/>
    <nvpair id=\"$RSC-socketdir\" name=\"socketdir\" value=\"$SOCK\"/>
    <nvpair id=\"$RSC-logfile\" name=\"logfile\" value=\"$PGLOG\"/>
    <nvpair id=\"$RSC-rep_mode\" name=\"rep_mode\" value=\"none\"/>
  </instance_attributes>
  <meta_attributes id=\"$RSC-meta\">
    <nvpair id=\"$RSC-meta-migration-threshold\" name=\"migration-threshold\" value=\"10\"/>
  </meta_attributes>
  <operations>
    <op id=\"$RSC-start\" name=\"start\" interval=\"0\" timeout=\"60s\"/>
    <op id=\"$RSC-stop\" name=\"stop\" interval=\"0\" timeout=\"60s\"/>
    <op id=\"$RSC-monitor\" name=\"monitor\" interval=\"3s\" timeout=\"30s\"/>
  </operations>
</primitive>"
T0=$(now)
if cibadmin -C -o resources -X "$XML"; then
  ok "primitive $RSC (ocf:$PROVIDER:pgsql, rep_mode=none, monitor 3s, migration-threshold 10) created with cibadmin"
else
  nok "primitive created with cibadmin"; bail "cibadmin -C failed"
fi
start_failed() { failures "${RSC}_start_0\"" >/dev/null; }
started_or_failed() { rsc_started "$RSC" || start_failed; }
if wait_for 90 started_or_failed && rsc_started "$RSC"; then
  T_START=$(elapsed "$T0")
  echo "time from resource creation to Started: $T_START s"
  ok "resource $RSC Started on $NODE"
else
  nok "resource $RSC Started on $NODE"
  crm_mon -1 -o -f 2>&1 | sed 's/^/# /'
  grep -E "${RSC}\\(${RSC}\\)|${RSC}_start_0" "$PLOG" | tail -20 | cut -c1-250 | sed 's/^/# /'
  tail -5 "$PGLOG" 2>/dev/null | sed 's/^/# postgres.log: /'
  bail "resource did not start"
fi
names_agent() { rsc_xml "$RSC" | grep -q "resource_agent=\"ocf:$PROVIDER:pgsql\""; }
check "crm_mon names the agent ocf:$PROVIDER:pgsql" names_agent

# --- c. psql ------------------------------------------------------------------------------
check "psql over the socket in $SOCK: select 1" answers
runs_on_port() { [ "$(q "show port")" = "$PORT" ]; }
check "server runs on port $PORT" runs_on_port
tcp_answers() {
  [ "$(cd / && runuser -u postgres -- "$PGBIN/psql" -X -h 127.0.0.1 -p "$PORT" -d postgres -Atqc "select 2" 2>&1)" = 2 ]
}
check "psql over TCP 127.0.0.1:$PORT works" tcp_answers
write_row() { q "create table t(i int); insert into t values (42)"; }
check "write a row (create table t; insert 42)" write_row

# --- d. kill -9 of the postmaster -> restarted locally -----------------------------------
wait_for 15 recurring_monitor_ran || say "no completed 3s monitor seen yet"
PM1=$(pm_pid)
if [ -z "$PM1" ]; then bail "no postmaster pid in $DATA/postmaster.pid"; fi
say "kill -9 postmaster $PM1"
T0=$(now)
kill -9 "$PM1"
END=$(awk -v n="$T0" 'BEGIN{printf "%.3f", n + 90}')
RECOVERED=0
while awk -v n="$(now)" -v e="$END" 'BEGIN{exit !(n < e)}'; do
  if [ "$T_DETECT" = - ] && monitor_failure_shown; then T_DETECT=$(elapsed "$T0"); fi
  if new_pm_answers "$PM1"; then T_RECOVER=$(elapsed "$T0"); RECOVERED=1; break; fi
  sleep 0.1
done
if [ $RECOVERED = 1 ]; then
  echo "time from kill -9 to PostgreSQL running again: $T_RECOVER s"
  ok "PostgreSQL running again with a new postmaster ($(pm_pid)) answering psql"
else
  nok "PostgreSQL running again after kill -9"
fi
wait_for 20 monitor_failure_shown && [ "$T_DETECT" = - ] && T_DETECT=$(elapsed "$T0")
check "crm_mon shows the failed monitor of $RSC (detected ${T_DETECT} s after the kill)" monitor_failure_shown
FC=$(failcount "$RSC" "$NODE")
failcount_positive() { [ "$FC" -ge 1 ] 2>/dev/null; }
check "fail count of $RSC on $NODE is $FC (>= 1)" failcount_positive
check "resource $RSC Started again on $NODE" wait_for 60 rsc_started "$RSC"
row_still_there() { [ "$(q "select i from t")" = 42 ]; }
check "the row written before the crash is still there" row_still_there
crm_mon -1 -f -o 2>/dev/null | sed -n '/Active Resources/,$p' | sed 's/^/# /'

# --- e. cleanup clears the failure, the resource stays up --------------------------------
PM2=$(pm_pid)
cleanup_rsc() { crm_resource --cleanup -r "$RSC" | sed "s/^/# /"; [ "${PIPESTATUS[0]}" = 0 ]; }
check "crm_resource --cleanup -r $RSC" cleanup_rsc
failure_cleared() { no_failure_shown && [ "$(failcount "$RSC" "$NODE")" = 0 ]; }
check "failure cleared: no failed action, fail count 0" wait_for 30 failure_cleared
sleep 7   # the re-probe and two monitor intervals
still_up() { rsc_started "$RSC" && [ "$(pm_pid)" = "$PM2" ] && answers; }
check "after cleanup + 7 s: still Started, same postmaster pid $PM2, psql answers" still_up

# --- f. target-role=Stopped, then delete --------------------------------------------------
LOGLINES=$(wc -l < "$PGLOG")
T0=$(now)
stop_rsc() { crm_resource -r "$RSC" --meta -p target-role -v Stopped | sed "s/^/# /"; [ "${PIPESTATUS[0]}" = 0 ]; }
check "crm_resource --meta -p target-role -v Stopped" stop_rsc
stopped_no_postmaster() { rsc_stopped "$RSC" && ! pm_pid >/dev/null; }
if wait_for 90 stopped_no_postmaster; then
  T_STOP=$(elapsed "$T0")
  ok "resource Stopped (in $T_STOP s)"
else
  nok "resource Stopped"
fi
no_pid_file() { [ ! -e "$DATA/postmaster.pid" ]; }
check "no postmaster.pid left in $DATA" no_pid_file
gone() { ! alive "$1"; }
check "postmaster $PM2 is gone" gone "$PM2"
check "server log says \"database system is shut down\"" shut_down_logged "$PGLOG" "+$((LOGLINES + 1))"
tail -n +"$((LOGLINES + 1))" "$PGLOG" | sed 's/^/# postgres.log: /'
check "cibadmin -D removes the primitive" \
  cibadmin -D -o resources -X "<primitive id=\"$RSC\"/>"
rsc_gone() { ! rsc_xml "$RSC" >/dev/null && ! crm_mon -1 2>/dev/null | grep -q "$RSC"; }
check "crm_mon shows no $RSC resource" wait_for 30 rsc_gone

# --- g. the agent's log lines in pacemaker.log --------------------------------------------
# What is really there: Pacemaker exports HA_LOGFILE (= PCMK_logfile) to agents, and the
# agent, like ocf-shellfuncs' ha_log, appends its own lines straight to that file, dated in
# local time by HA_DATEFMT (Pacemaker sets none: the default "%b %d %T ", and the two spaces
# ha_log's echo leaves after its trailing blank):
#   Nov 22 12:43:17  pgsql(pgsql)[12371]:    INFO: starting PostgreSQL: ...
# (nothing comes through execd's "error output" capture of stderr).
AGENT_LINES=$(grep -E "^[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  ${RSC}\(${RSC}\)\[[0-9]+\]: +(INFO|WARNING|ERROR|DEBUG):" "$PLOG")
say "agent lines in $PLOG ($(echo "$AGENT_LINES" | grep -c .)):"
echo "$AGENT_LINES" | cut -c1-200 | sed 's/^/#   /' | head -40
agent_logged() { local l; for l in "$@"; do echo "$AGENT_LINES" | grep -q "$l" || return 1; done; }
check "pacemaker.log has the agent's start lines (\"starting PostgreSQL\", \"PostgreSQL started in\")" \
  agent_logged "INFO: starting PostgreSQL: $PGBIN/pg_ctl" "INFO: PostgreSQL started in"
check "pacemaker.log has the agent's monitor line after the kill (\"PostgreSQL is not running\")" \
  agent_logged "INFO: PostgreSQL is not running"
check "pacemaker.log has the agent's stop lines (\"fast shutdown requested\", \"PostgreSQL stopped in\")" \
  agent_logged "INFO: fast shutdown requested" "INFO: PostgreSQL stopped in"
failed_monitor_logged() {
  grep -E "Result of monitor operation for $RSC on $NODE: not running" "$PLOG" | grep -q "key=${RSC}_monitor_3000 rc=7"
}
check "pacemaker.log: the controller recorded the failed 3s monitor (rc=7 not running)" failed_monitor_logged
no_agent_warnings() { ! echo "$AGENT_LINES" | grep -qE ": +(ERROR|WARNING):"; }
check "pacemaker.log: no agent ERROR/WARNING lines" no_agent_warnings

# --- teardown -------------------------------------------------------------------------------
teardown_check
finish
