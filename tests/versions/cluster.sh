#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / wait_for / trap
# The 2-node cluster part of the version matrix (docs/support.md): OUR agent as PG-REX's
# promotable clone (rep_mode=sync, default parameters) on a fresh tests/harness/cluster2.sh
# cluster, with the PostgreSQL server of one major (PGBIN, from tests/versions/fetch.sh)
# and the client programs of PGCLIENT (psql, pg_basebackup of PostgreSQL 18, which back up
# servers of their own or an older major). Modelled on tests/pacemaker2.sh scenarios a, b:
#   a. bring-up: initdb on node1, pg_basebackup to node2, resources created -> PRI and
#      HS:sync, the recovery configuration in this major's form on the standby
#   b. kill -9 of the primary's postmaster while a client commits through the VIP: the
#      sync standby is promoted, no acknowledged commit is lost (the client's ledger),
#      PGSQL.lock keeps the old primary out, rejoin (pg_basebackup, rm lock, cleanup) ->
#      HS:sync, a commit through the VIP
#   pgsql show: healthy after the bring-up, the lock named on the old primary's node
#   f. teardown
#
# usage: PGBIN=<major>/bin PGCLIENT=<client bin> tests/versions/cluster.sh   (as root)
# Env:   BUILD=0 (skip cargo build + install; tests/versions.sh builds once)  KEEP=1
# Out:   TAP lines, last line "versions-cluster-<major>: P passed, F failed"; exit 1 on a
#        failed check. Uses the harness's state directory, subnet and namespaces: never
#        next to tests/pacemaker2.sh or tests/faults.sh.
set -u
V=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
T=$(cd "$V/.." && pwd)
# shellcheck disable=SC2034  # ROOT is read by tap.sh's build_agent and install_agent
ROOT=$(cd "$T/.." && pwd)
[ -n "${PGBIN:-}" ] || { echo "usage: PGBIN=<bin directory of one major> PGCLIENT=<client bin> $0" >&2; exit 2; }
# shellcheck source=../harness/lib.sh
. "$T/harness/lib.sh"
# shellcheck source=../harness/pgclone.sh
. "$T/harness/pgclone.sh"
M=$(pg_major)
N=2
TAP_LAYER=versions-cluster-$M
CRM_VIA=cx
# shellcheck source=../lib/tap.sh
. "$T/lib/tap.sh"
# shellcheck source=../harness/show-checks.sh
. "$T/harness/show-checks.sh"
# shellcheck source=../faults/show.sh
. "$T/faults/show.sh"
# shellcheck source=../harness/monitor-checks.sh
. "$T/harness/monitor-checks.sh"
PROVIDER=${PROVIDER:-pgsqlrs}
CLUSTER=$T/harness/cluster2.sh
# shellcheck disable=SC2034  # XMLGEN is read by pgclone.sh's create_resources
XMLGEN=$T/harness/pgsql-clone-xml.sh
VIP=$NET.100
NODES="node1 node2"
LOCK=/var/lib/pgsql/tmp/PGSQL.lock
REASON="My data may be inconsistent. You have to remove $LOCK file to force start."
export WAIT_STEP=0.2
# These servers are not Debian's: their built-in socket directory is /tmp, which the nodes
# of the harness share (each has its own /run). Every node's server listens in its own
# /run/postgresql, the agent is told so (socketdir, as the validation asks when
# postgresql.conf sets unix_socket_directories), and the harness's psql looks there.
# shellcheck disable=SC2034  # PG_EXTRA_CONF is read by pgclone.sh's prepare_data
PG_EXTRA_CONF="unix_socket_directories = '/run/postgresql'"
export EXTRA_PARAMS="socketdir=/run/postgresql" PGHOST=/run/postgresql

need_root versions/cluster.sh
tee_output "$H/$TAP_LAYER.log"
step() { echo; echo "# ===== $* ====="; }
# traced_reads_only STEP I : one pgsql show on node I under strace: the programs it ran
# (printed) are reads only, and it wrote no file (docs/contract.md §10)
traced_reads_only() {
  check "$1: pgsql show under strace on node$2 exits as show does (0-2)" show_traced_ok "$2"
  show_trace_runs "$2" | sed "s/^/#   $1: show ran: /"
  check "$1: every program pgsql show ran on node$2 only reads (crm_mon -1, cibadmin --query, crm_node -n)" show_trace_only_reads "$2"
  no_writes() { ! show_trace_writes "$1" | sed 's/^/#   wrote: /' | grep .; }
  check "$1: pgsql show on node$2 opened no file for writing, created, removed or renamed none" no_writes "$2"
}
show_traced_ok() { local rc=0; show_traced "$1" >/dev/null 2>&1 || rc=$?; [ "$rc" -le 2 ] && [ -s "$H/show-node$1.strace" ]; }

TORN_DOWN=0
teardown() {
  [ $TORN_DOWN = 1 ] && return 0
  TORN_DOWN=1
  writer_stop
  if [ "${KEEP:-0}" = 1 ]; then say "KEEP=1: cluster left running (stop: $CLUSTER down)"; return 0; fi
  if live >/dev/null && cx cibadmin -Q -o resources 2>/dev/null | grep -q 'id="pgsql-clone"'; then
    remove_resources
  fi
  "$CLUSTER" down
}
trap 'teardown > "$H/teardown.out" 2>&1; sed "s/^/# /" "$H/teardown.out"' EXIT
trap 'exit 130' INT TERM
tap_before_finish() { teardown > "$H/teardown.out" 2>&1; sed 's/^/# /' "$H/teardown.out"; trap - EXIT; }
tap_on_bail() { show | sed 's/^/# /'; }

# ======================================================================================
step "0. PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') ($PGBIN), clients $("$PGCLIENT/psql" --version | awk '{print $3}') ($PGCLIENT); build, install, fresh cluster"
"$CLUSTER" down 2>&1 | sed 's/^/# /'
if [ "${BUILD:-1}" != 0 ]; then
  build_agent 1
  check "agent installed (packaging/install.sh)" install_agent || bail "no agent"
fi
"$CLUSTER" up "$N" > "$H/cluster-up.out" 2>&1 || { sed 's/^/# /' "$H/cluster-up.out"; bail "cluster did not come up"; }
ok "cluster of $N nodes online ($NODES)"
check "PostgreSQL $M: initdb on node1, replication settings, pg_basebackup to node2" prepare_data || bail "prepare failed"

# ======================================================================================
step "a. bring-up"
T_UP0=$(now)
check "resources created: vip-master, pgsql-clone (ocf:$PROVIDER:pgsql, sync), colocation + orders" create_resources || bail "cibadmin failed"
primary_pri() { local p; p=$(promoted_node) && [ -n "$p" ] && [ "$(pstat "$p")" = PRI ]; }
check "a primary is promoted with pgsql-status PRI" wait_for 120 primary_pri || bail "nothing promoted"
T_UP_PRI=$(elapsed "$T_UP0")
P=$(promoted_node)
check "the standby is ready (HS:sync)" wait_for 120 standbys_ok "$P"
T_UP_SYNC=$(elapsed "$T_UP0")
say "bring-up: PRI $T_UP_PRI s, HS:sync $T_UP_SYNC s after the resources were created"
say "states: $(states_line)"
S=$(sync_standby)
check "VIP $VIP on node$P" wait_for 30 vip_on "$P"
check "primary node$P: 1000/LATEST/PRI" score_dstat_pstat_is "$P" "1000/LATEST/PRI"
sync_normal() { [ -n "$S" ] && score_dstat_pstat_is "$S" "100/STREAMING|SYNC/HS:sync"; }
check "sync standby node${S:-?}: 100/STREAMING|SYNC/HS:sync" sync_normal
recovery_form() {  # the standby's recovery configuration in this major's form (docs/contract.md §6)
  local d=$H/n$S/pgsql/data
  if [ "$M" -ge 12 ]; then
    test -f "$d/standby.signal" && ! test -e "$d/recovery.conf" && test -f "$H/n$S/pgsql/tmp/recovery.conf"
  else
    grep -qx "standby_mode = 'on'" "$d/recovery.conf" && ! test -e "$d/standby.signal"
  fi
}
check "node$S: recovery configuration of PostgreSQL $M on disk" recovery_form
streams_sync() { sqln "$P" "select application_name, state, sync_state from pg_stat_replication" | grep -qx "node$S|streaming|sync"; }
check "pg_stat_replication on node$P: node$S streaming sync" streams_sync
check "synchronous commit through the VIP" insert_via_vip 2 "via VIP"
show_expect a "$P" healthy 0
show_base a "$P"
lsn_num() { echo $((16#${1%/*} * 4294967296 + 16#${1#*/})); }   # X/Y as a number
primary_not_behind() {  # a promoted standby's replay position is not the primary's position
  local p s; p=$(show_field "$P" "node$P" wal); s=$(show_field "$P" "node$S" wal)
  say "pgsql show: node$P at $p, node$S at $s"
  [[ $p == */* && $s == */* ]] && [ "$(lsn_num "$p")" -ge "$(lsn_num "$s")" ]
}
check "pgsql show: the primary's WAL position is not behind its standby's" primary_not_behind
traced_reads_only a "$P"
mon -fA -1 2>&1 | sed -n '/Node List/,$p' | sed 's/^/#   /'

# ======================================================================================
step "a2. the monitor's snapshot (docs/contract.md §5.10.1)"
. "$V/monitor.sh"

# ======================================================================================
step "b. kill -9 of the primary's postmaster while the client commits via the VIP"
writer_start kill 1000000
wait_for 30 acks_at_least 20 || say "client: only $(writer_acks) commits acknowledged before the kill"
PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
TK=$(nx "$P" sh -c "date +%s.%N; kill -9 $PM")
if watch_failover "$P" "$TK"; then
  ok "failover: node$NEWP Promoted after $T_PROMO s, PRI after $T_PRI s, first commit via VIP after $T_WRITE s"
else
  nok "failover after kill -9 (promoted '$NEWP' after $T_PROMO, PRI $T_PRI, VIP $T_VIPUP, write $T_WRITE)"
fi
check "the sync standby node$S was promoted" sync_standby_promoted
sleep 2; writer_stop
[ -n "$NEWP" ] || bail "no new primary"
read -r att ack fnd tmo err <<< "$(writer_verify "$NEWP")"
check "zero loss: all $ack acknowledged commits are on node$NEWP (attempted $att, found $fnd, unknown $tmo, failed $err)" no_ack_lost
settle 60s
check "old primary node$P keeps $LOCK" test -f "$H/n$P/pgsql/tmp/PGSQL.lock"
cx crm_resource --cleanup -r pgsql-clone -N "node$P" >/dev/null 2>&1
wait_for 60 start_failed_on "$P"
refused_for_lock() { [ "$(failed_start_reason "$P")" = "$REASON" ]; }
check "start on node$P refused with: $REASON" refused_for_lock
check "PostgreSQL was not started on node$P" no_postmaster_on "$P"
show_expect b "$P" degraded 1 "$P" "PGSQL.lock"
traced_reads_only b "$P"
rejoined() { pstat "$1" | grep -qx "HS:sync" && standbys_ok "$REB_P"; }
T_REJOIN=-
if rebuild_node "$P"; then
  check "rejoin: node$P is HS:sync again (pg_basebackup $("$PGCLIENT/pg_basebackup" --version | awk '{print $3}') from a $M primary)" wait_for 120 rejoined "$P" \
    && T_REJOIN=$(elapsed "$REB_TC")
else
  nok "rejoin node$P: $REB_ERR"
fi
# one line for tests/versions.sh and tests/debian13.sh (docs/support.md's times)
say "times: bringup_pri=$T_UP_PRI bringup_sync=$T_UP_SYNC failover_promoted=${T_PROMO:--} failover_pri=${T_PRI:--} failover_write=${T_WRITE:--} rejoin=$T_REJOIN"
check "synchronous commit via the VIP after the rejoin" insert_via_vip 3 "after rejoin"

# ======================================================================================
step "f. teardown"
check "resources stopped, constraints then resources deleted" remove_resources
# show_unreadable I PATTERN : pgsql show on node I exits 2 and its error matches PATTERN
show_unreadable() {
  local rc=0
  show_plain "$1" > "$H/show-unreadable.out" 2>&1 || rc=$?
  sed 's/^/#     /' "$H/show-unreadable.out"
  [ "$rc" = 2 ] && grep -qE "$2" "$H/show-unreadable.out"
}
check "pgsql show without the resource: exit 2, 'the CIB has no clone'" show_unreadable 1 "the CIB has no clone"
"$CLUSTER" stopnode 2 2>&1 | sed 's/^/# /'
check "pgsql show on node2 with its Pacemaker stopped: exit 2, says what it could not read" show_unreadable 2 "could not|cannot|crm_mon|cibadmin"
check "no PostgreSQL left running on any node" none_running
finish
