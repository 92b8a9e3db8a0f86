#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317,SC2119  # functions run through check / wait_for / trap; failed_actions takes optional arguments
# Side-by-side benchmark of three PostgreSQL promotable-clone agents on the SAME real 2-node
# Corosync + Pacemaker cluster configuration (tests/harness/cluster2.sh), one after another:
#   ours   ocf:pgsqlrs:pgsql      this project
#   rejoin ocf:pgsqlrs:pgsql      this project with rejoin_after_switchover=true: bring-up and
#                                 switchovers only (docs/contract.md §5.12)
#   shell  ocf:heartbeat:pgsql    Debian resource-agents; pacemakerd of its round runs with
#                                 OCF_FUNCTIONS_DIR=<patched ocf-shellfuncs copy> (HARNESS.md
#                                 pitfall 1: the stock library cannot set -INFINITY)
#   paf    ocf:heartbeat:pgsqlms  PAF (Debian resource-agents-paf), standby.signal +
#                                 primary_conninfo with application_name=<node>, notify=true
# Same PostgreSQL settings, same operations (monitor 3 s Promoted / 4 s Unpromoted,
# migration-threshold 1, resource-stickiness INFINITY), same VIP + constraints for all three.
#
# usage: bash bench/run.sh [--smoke] [--switchover] [--agents "ours shell paf rejoin"]  (as root)
#   --smoke   one sample of everything (short pgbench), our agent only unless --agents is
#             given; writes $H/benchmarks-smoke.md instead of docs/ (< 5 min)
#   --switchover  bring-up and SW_N (3) switchovers only, every agent in one run; replaces
#             only the "Planned switchover" section of OUT (results in $H/results-switchover)
# Env: MON_N (15) monitor samples per role and phase   FO_N (3) kill -9 failovers
#      CRASH_N (3) node-crash failovers   SW_N (1) switchovers   LOAD_T (40) pgbench seconds
#      SW_WAIT (45) seconds the old primary gets to stream again by itself after a switchover
#      BUILD=0 (do not cargo build + install our agent)   OUT (docs/benchmarks.md)
#      KEEP_RESULTS=1 (keep the other agents' results from an earlier run, e.g. to redo one)
#      HARNESS_DIR (/tmp/pgsql-ra-bench) NET (10.78.0) NETNS_PREFIX (pgrb): kept apart from
#      tests/pacemaker2.sh so both can run on one machine at the same time
# Prints figures; exits non-zero only when the bench itself could not run (never on a
# threshold). Raw samples: $H/results/<agent>.tsv (smoke: $H/results-smoke/), log $H/bench.log.
set -u
B=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$B/.." && pwd)
export HARNESS_DIR=${HARNESS_DIR:-/tmp/pgsql-ra-bench} NET=${NET:-10.78.0} NETNS_PREFIX=${NETNS_PREFIX:-pgrb}
. "$ROOT/tests/harness/lib.sh"
. "$ROOT/tests/harness/pgclone.sh"
. "$ROOT/tests/harness/monitor-checks.sh"   # SNAPSHOT_ARGS
CLUSTER=$ROOT/tests/harness/cluster2.sh
XMLGEN=$ROOT/tests/harness/pgsql-clone-xml.sh
export WAIT_STEP=0.2

SMOKE=0; SWONLY=0; AGENTS=
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --switchover) SWONLY=1; SW_N=${SW_N:-3} ;;
    --agents) AGENTS=$2; shift ;;
    *) sed -n '2,/^set -u/p' "$0" | grep '^#'; exit 2 ;;
  esac
  shift
done
if [ $SMOKE = 1 ]; then
  AGENTS=${AGENTS:-ours}; MON_N=${MON_N:-1}; FO_N=${FO_N:-1}; CRASH_N=${CRASH_N:-1}
  SW_N=${SW_N:-1}; LOAD_T=${LOAD_T:-6}; SW_WAIT=${SW_WAIT:-20}; OUT=${OUT:-$H/benchmarks-smoke.md}
else
  AGENTS=${AGENTS:-ours shell paf rejoin}
fi
SW_WAIT=${SW_WAIT:-45}; MON_N=${MON_N:-15}; FO_N=${FO_N:-3}; CRASH_N=${CRASH_N:-3}; SW_N=${SW_N:-1}; LOAD_T=${LOAD_T:-40}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
N=2; NODES="node1 node2"; VIP=$NET.100
R=$H/results; [ $SMOKE = 1 ] && R=$H/results-smoke   # a smoke run never touches real results
[ $SWONLY = 1 ] && R=$H/results-switchover
[ "$(id -u)" = 0 ] || { echo "bench/run.sh must run as root" >&2; exit 2; }
mkdir -p "$R"
exec > >(trap '' INT TERM; exec tee "$H/bench.log") 2>&1

say() { echo "# $*"; }
step() { echo; echo "# ===== $* ====="; }
# rec METRIC VALUE : one sample of the current agent
rec() { printf '%s\t%s\n' "$1" "$2" >> "$R/$AG.tsv"; say "$AG $1 = $2"; }
info() { printf '%s\t%s\n' "$1" "$2" >> "$R/$AG.info"; say "$AG info $1: $2"; }

# --- bench-only cluster helpers (the rest: tests/harness/pgclone.sh) ----------------------
# sync_ok P I : node I is what the agent needs before it can take over (ours/shell: HS:sync,
# which implies STREAMING|SYNC; PAF has no sync notion: streaming, and a positive promotion
# score, which PAF's primary monitor sets a few seconds after the standby connects: a crash
# before that promotes nobody)
sync_ok() {
  if [ "$AG" = paf ]; then
    streaming "$1" "$2" && [ "$(cx crm_attribute -l forever -N "node$2" -n master-pgsql -G -q 2>/dev/null)" -gt 0 ] 2>/dev/null
  else
    streaming "$1" "$2" && [ "$(pstat "$2")" = HS:sync ]
  fi
}
ready() { local p; p=$(promoted_node) && [ -n "$p" ] && sync_ok "$p" "$(other "$p")"; }
fmt() { awk "BEGIN{printf \"%.2f\", $1}"; }

# --- agents -------------------------------------------------------------------------------
agent_setup() {  # sets PROVIDER TYPE AGENT_PATH PCMK_EXTRA_ENV for $AG
  PCMK_EXTRA_ENV=
  case $AG in
    ours)  PROVIDER=pgsqlrs;   TYPE=pgsql ;;
    shell) PROVIDER=heartbeat; TYPE=pgsql
           make_ocf_lib || return 1
           PCMK_EXTRA_ENV="OCF_FUNCTIONS_DIR=$H/ocf-lib" ;;
    paf)   PROVIDER=heartbeat; TYPE=pgsqlms ;;
    rejoin) PROVIDER=pgsqlrs;  TYPE=pgsql ;;
  esac
  EXTRA_PARAMS=
  [ "$AG" = rejoin ] && EXTRA_PARAMS="rejoin_after_switchover=true"
  export PCMK_EXTRA_ENV EXTRA_PARAMS
  AGENT_PATH=/usr/lib/ocf/resource.d/$PROVIDER/$TYPE
}
# (make_ocf_lib, the shell agent's patched ocf-shellfuncs: tests/harness/pgclone.sh)
# primary_up : a node is promoted (P) and, for the agents that publish it, its status is PRI
primary_up() { P=$(promoted_node) && [ -n "$P" ] && { [ "$AG" = paf ] || [ "$(pstat "$P")" = PRI ]; }; }

# --- PostgreSQL: identical settings for all three agents ----------------------------------
# data_hook I (pgclone.sh calls it): what is node-specific in a data directory (after every
# pg_basebackup, which copies the primary's files): pg_hba rejects replication from the node
# itself (PAF's documented protection against self-replication through the VIP; harmless for
# the others) and, for PAF, /var/lib/pgsql/paf.conf (outside PGDATA, included from
# postgresql.conf) with primary_conninfo application_name=nodeI + recovery_target_timeline
data_hook() {
  local i=$1 d=$H/n$1/pgsql
  sed -i '/# bench-self$/d' "$d/data/pg_hba.conf"
  # pg_hba is read top-down: the rejects go first
  sed -i "1i host replication all $NET.$i/32 reject # bench-self\nhost replication all $VIP/32 reject # bench-self" "$d/data/pg_hba.conf"
  if [ "$AG" = paf ]; then
    cat > "$d/paf.conf" <<EOF
# PAF: per-node replication settings (bench/run.sh)
primary_conninfo = 'host=$VIP port=5432 user=postgres application_name=node$i keepalives_idle=60 keepalives_interval=5 keepalives_count=5'
recovery_target_timeline = 'latest'
EOF
    chown postgres:postgres "$d/paf.conf"
  fi
  [ "$AG" = paf ] || rm -f "$d/paf.conf"
}
prepare() {
  local PG_EXTRA_CONF=
  [ "$AG" = paf ] && PG_EXTRA_CONF="include_if_exists = '/var/lib/pgsql/paf.conf'"
  prepare_data || return 1
  [ "$AG" = paf ] && touch "$H/n2/pgsql/data/standby.signal"   # a standby, as PAF expects
  return 0
}

# rebuild, rejoin and switchover: bench/switchover.sh
# shellcheck source=switchover.sh
. "$B/switchover.sh"

# --- capture the monitor environment Pacemaker gives the agent ----------------------------
execd_pid() {  # host PID of node I's pacemaker-execd (recorded by cluster2.sh)
  awk '$1 == "child" && $4 == "pacemaker-execd" {print $2, $3}' "$H/n$1/procs" | while read -r p st; do
    same_process "$p" "$st" && alive "$p" && echo "$p"
  done | tail -1
}
# capture_env I INTERVAL_MS FILE : strace the node's execd until it runs the agent's recurring
# monitor with that interval; FILE gets the agent's environment, one NAME=VALUE per line
capture_env() {
  local i=$1 iv=$2 f=$3 ep sp ok=1
  ep=$(execd_pid "$i") || return 1
  [ -n "$ep" ] || return 1
  strace -f -qq -v -s 65536 -e trace=execve -o "$f.strace" -p "$ep" 2>/dev/null &
  sp=$!
  local k
  for k in $(seq 1 60); do
    sleep 0.5
    /usr/bin/python3 "$B/strace_env.py" "$f.strace" "$AGENT_PATH" "$iv" > "$f" 2>/dev/null && [ -s "$f" ] && { ok=0; break; }
  done
  kill -TERM "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
  rm -f "$f.strace"
  return $ok
}

# crm_floor I : records floor_crm_wall floor_crm_cpu, the agent's snapshot (crm_mon's
# trimmed form) run alone on node I under measure.py
crm_floor() {
  local wall cpu
  (cd / && nx "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/python3 "$B/measure.py" "$H/measure.out" \
     /usr/sbin/crm_mon "${SNAPSHOT_ARGS[@]}" >/dev/null 2>&1)
  read -r wall cpu _ < <(tail -1 "$H/measure.out")
  printf '%s\t%s\n%s\t%s\n' floor_crm_wall "$wall" floor_crm_cpu "$cpu" >> "$R/$AG.tsv"
}

# --- one monitor by hand: wall, CPU (user+sys incl. children), max RSS, executed programs ---
# mon_sample I ENVFILE TAG : records TAG_wall TAG_cpu TAG_rss TAG_exec TAG_rc
mon_sample() {
  local i=$1 ef=$2 tag=$3 e wall cpu rss rc n
  mapfile -t e < "$ef"
  # measure.py: wall + CPU incl. children (µs resolution); /usr/bin/time inside it only for
  # the max RSS (a small C parent, so the high-water mark is the agent tree's, not python's)
  (cd / && nx "$i" env -i "${e[@]}" /usr/bin/python3 "$B/measure.py" "$H/measure.out" \
     /usr/bin/time -f '%M' -o "$H/time.out" "$AGENT_PATH" monitor >/dev/null 2>&1)
  read -r wall cpu _ rc < <(tail -1 "$H/measure.out")
  rss=$(tail -1 "$H/time.out")
  # /usr/bin/time passes the agent's exit status on
  (cd / && nx "$i" env -i "${e[@]}" strace -f -qq -e trace=execve -o "$H/exec.out" "$AGENT_PATH" monitor >/dev/null 2>&1)
  n=$(grep -cE 'execve.*= 0$' "$H/exec.out")
  printf '%s\t%s\n%s\t%s\n%s\t%s\n%s\t%s\n%s\t%s\n' "${tag}_wall" "$wall" "${tag}_cpu" "$cpu" \
    "${tag}_rss" "$rss" "${tag}_exec" "$n" "${tag}_rc" "$rc" >> "$R/$AG.tsv"
  echo "#   $tag: wall $(fmt "$wall * 1000") ms, cpu $(fmt "$cpu * 1000") ms, maxrss $rss kB, $n execve, rc $rc"
}

# ======================================================================================
TORN=1
teardown() {
  [ $TORN = 1 ] && return 0
  TORN=1
  writer_stop
  [ -n "${PGB_PID:-}" ] && kill "$PGB_PID" 2>/dev/null
  live >/dev/null && cx cibadmin -Q -o resources 2>/dev/null | grep -q 'id="pgsql-clone"' && remove_resources
  "$CLUSTER" down | sed 's/^/# /'
}
trap 'teardown' EXIT
trap 'exit 130' INT TERM

round() {
  AG=$1
  step "round $AG"
  : > "$R/$AG.tsv"; : > "$R/$AG.info"
  agent_setup || { say "$AG: setup failed"; return 1; }
  [ -x "$AGENT_PATH" ] || { say "$AG: $AGENT_PATH missing (bench/deps.sh)"; info error "agent not installed"; return 1; }
  info agent "ocf:$PROVIDER:$TYPE, round run $(date -u '+%Y-%m-%d %H:%M UTC')"
  [ -n "$PCMK_EXTRA_ENV" ] && info pacemakerd_env "$PCMK_EXTRA_ENV (patched ocf-shellfuncs: crm_attribute -p \"\$OCF_RESOURCE_INSTANCE\", HARNESS.md pitfall 1)"
  "$CLUSTER" down > /dev/null 2>&1
  TORN=0
  local T0 P S i k
  T0=$(now)
  "$CLUSTER" up 2 > "$H/cluster-up-$AG.out" 2>&1 || { sed 's/^/# /' "$H/cluster-up-$AG.out"; return 1; }
  say "cluster up in $(elapsed "$T0") s"
  prepare || { say "prepare failed"; return 1; }

  # --- bring-up --------------------------------------------------------------------------
  T0=$(now)
  create_resources || { say "cibadmin failed"; return 1; }
  if wait_for 120 primary_up; then
    rec create_promoted "$(elapsed "$T0")"
  else say "nothing promoted"; show; return 1; fi
  P=$(promoted_node); S=$(other "$P")
  wait_for 120 streaming "$P" "$S" && rec create_streaming "$(elapsed "$T0")"
  if [ "$AG" != paf ]; then wait_for 120 sync_ok "$P" "$S" && rec create_sync "$(elapsed "$T0")"; fi
  wait_for 60 ready || { say "standby not ready"; show; return 1; }
  wait_for 30 sqlv "select 1" >/dev/null || say "VIP does not answer"
  show
  # the rejoin round and a --switchover run: switchovers only
  if [ $SWONLY = 1 ] || [ "$AG" = rejoin ]; then switchovers; step "$AG: teardown"; teardown; return 0; fi

  # --- monitor env + samples -------------------------------------------------------------
  step "$AG: monitor samples (primary node$P, standby node$S)"
  capture_env "$P" 3000 "$H/env-$AG-pri" || { say "could not capture the promoted monitor's env"; return 1; }
  capture_env "$S" 4000 "$H/env-$AG-std" || { say "could not capture the unpromoted monitor's env"; return 1; }
  info env_vars "$(wc -l < "$H/env-$AG-pri") (promoted), $(wc -l < "$H/env-$AG-std") (unpromoted); OCF_FUNCTIONS_DIR=$(grep '^OCF_FUNCTIONS_DIR=' "$H/env-$AG-pri" | cut -d= -f2-)"
  for k in $(seq 1 "$MON_N"); do
    mon_sample "$P" "$H/env-$AG-pri" idle_pri
    mon_sample "$S" "$H/env-$AG-std" idle_std
    sleep 0.2
  done
  # the floor of a primary's monitor: the one crm_mon it runs, alone (docs/contract.md §5.10)
  [ "$AG" = ours ] && for k in $(seq 1 "$MON_N"); do crm_floor "$P"; done
  say "pgbench -i -s 10, then pgbench -c 4 -j 2 -T $LOAD_T on node$P (local socket)"
  pgx "$P" "$PGBIN/pgbench" -i -s 10 -q postgres > "$H/pgbench-init-$AG.out" 2>&1 || say "pgbench -i failed"
  local pgb_t0; pgb_t0=$(now)
  pgx "$P" "$PGBIN/pgbench" -c 4 -j 2 -T "$LOAD_T" postgres > "$H/pgbench-$AG.out" 2>&1 &
  PGB_PID=$!
  sleep 2
  k=0
  while [ $k -lt "$MON_N" ] && awk -v a="$(elapsed "$pgb_t0")" -v t="$LOAD_T" 'BEGIN{exit !(a < t - 3)}'; do
    mon_sample "$P" "$H/env-$AG-pri" load_pri
    mon_sample "$S" "$H/env-$AG-std" load_std
    k=$((k + 1))
  done
  wait "$PGB_PID"; PGB_PID=
  info load_samples "$k"
  local tps; tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$H/pgbench-$AG.out" | head -1)
  [ -n "$tps" ] && rec pgbench_tps "$tps"

  # --- failovers and switchover (kill -9 last: without fencing PAF cannot recover from it,
  # the resource stays blocked) ----------------------------------------------------------
  for k in $(seq 1 "$CRASH_N"); do
    step "$AG: failover $k/$CRASH_N: crash of the primary's node"
    wait_for 120 ready || { say "not ready"; show; break; }
    failover crash || break
  done
  switchovers
  for k in $(seq 1 "$FO_N"); do
    step "$AG: failover $k/$FO_N: kill -9 of the primary's postmaster"
    wait_for 120 ready || { say "not ready"; show; break; }
    failover kill || break
  done
  step "$AG: teardown"
  teardown
  return 0
}

# failover kill|crash : measured until a write through the VIP succeeds, then the old
# primary is brought back (rejoin)
failover() {
  local how=$1 P S t0 end q fo tp=- tw=- pm
  P=$(promoted_node); S=$(other "$P")
  writer_start "$AG-$how" "$(( $(date +%s%N) / 1000 % 1000000000000 ))"
  wait_for 30 acks_at_least 10 || say "writer: only $(writer_acks) acks"
  if [ "$how" = kill ]; then
    pm=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
    t0=$(nx "$P" sh -c "date +%s.%N; kill -9 $pm")
  else
    "$CLUSTER" crashnode "$P" > "$H/crash.out"
    t0=$(sed -n 's/.*SIGKILL at \([0-9.]*\).*/\1/p' "$H/crash.out" | tail -1); [ -n "$t0" ] || t0=$(now)
  fi
  end=$(awk -v n="$(now)" 'BEGIN{printf "%.3f", n + 120}')
  while awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n < e)}'; do
    q=$(promoted_node)
    [ "$tp" = - ] && [ "$q" = "$S" ] && tp=$(elapsed "$t0")
    fo=$(writer_first_ok_after "$t0")
    [ -n "$fo" ] && [ "$tw" = - ] && tw=$(awk -v e="${fo#* }" -v t="$t0" 'BEGIN{printf "%.2f", e - t}')
    [ "$tp" != - ] && [ "$tw" != - ] && break
    sleep 0.2
  done
  writer_stop
  local x x1 x2 x3 x4
  read -r x1 x2 x3 x4 < <(python3 "$B/failover_split.py" "$H" "$t0" "$P" "$S")
  say "split: detect $x1 s, Pacemaker $x2 s, agents $x3 s, VIP $x4 s"
  for x in "detect $x1" "sched $x2" "agent $x3" "vip $x4"; do [ "${x#* }" != - ] && rec "${how}_split_${x% *}" "${x#* }"; done
  [ "$tp" != - ] && rec "${how}_promoted" "$tp"
  [ "$tw" != - ] && rec "${how}_write" "$tw"
  if [ "$tw" = - ]; then
    say "no write through the VIP within 120 s"; show
    info "${how}_no_failover" "no write through the VIP within 120 s; promoted: node$(promoted_node); $(failed_actions)"
    return 1
  fi
  if [ "$how" = crash ] && [ "$AG" = paf ]; then
    # PAF: the crashed primary must not come back with its data: its probe reports a crashed
    # primary (controldata "in production"), the stop fails (on-fail=block, no fencing) and
    # Pacemaker demotes the new primary, whose re-promote then waits for the failed node's
    # LSN until it times out (seen in the first runs). So rebuild it while the node is down
    # (pg_basebackup from the client namespace into the node's directory), then start it.
    local tr; tr=$(now)
    rm -rf "$H/n$P/pgsql/data"
    (cd / && ncl runuser -u postgres -- "$PGBIN/pg_basebackup" -h "$VIP" -U postgres -D "$H/n$P/pgsql/data" \
       -X stream -c fast > "$H/basebackup-node$P.out" 2>&1) || { sed 's/^/# /' "$H/basebackup-node$P.out"; return 1; }
    data_hook "$P"
    local tc; tc=$(now)
    "$CLUSTER" startnode "$P" > /dev/null 2>&1 || { say "startnode $P failed"; return 1; }
    if wait_for 120 sync_ok "$S" "$P"; then
      rec crash_rejoin_rebuild "$(elapsed "$tr")"; rec crash_rejoin_cleanup "$(elapsed "$tc")"
      info crash_rejoin "PAF: data directory rebuilt while the node was down, then the node started: streams $(elapsed "$tc") s after startnode"
      return 0
    fi
    say "node$P does not stream after rebuild + startnode"; show; return 1
  fi
  if [ "$how" = crash ]; then
    "$CLUSTER" startnode "$P" > /dev/null 2>&1 || { say "startnode $P failed"; return 1; }
    wait_for 60 sh -c "'$ROOT/tests/harness/nx' $S crm_mon -1 | grep -q 'Online: .*node$P'"
    sleep 2; settle 30s
  fi
  settle 60s
  local lock=no; [ -f "$H/n$P/pgsql/tmp/PGSQL.lock" ] && lock=yes
  rejoin "$P" || return 1
  info "${how}_rejoin" "lock on old primary: $lock; rejoin: $REJOIN_MODE"
  [ "$T_REBUILD" != - ] && rec "${how}_rejoin_rebuild" "$T_REBUILD"
  rec "${how}_rejoin_cleanup" "$T_CLEANUP"
  return 0
}

# switchover: crm_resource --move --promoted to the standby; measured until the new primary
# takes writes through the VIP and until the old primary streams from it again (without help
# for SW_WAIT s; then whatever manual work it needs: rejoin)
# ======================================================================================
step "bench: agents [$AGENTS], MON_N=$MON_N FO_N=$FO_N CRASH_N=$CRASH_N SW_N=$SW_N LOAD_T=$LOAD_T, H=$H NET=$NET NETNS_PREFIX=$NETNS_PREFIX"
for c in strace /usr/bin/time "$PGBIN/pgbench"; do
  command -v "$c" >/dev/null || { echo "missing $c: run bench/deps.sh" >&2; exit 2; }
done
if [ "${BUILD:-1}" != 0 ] && [[ " $AGENTS " == *" ours "* || " $AGENTS " == *" rejoin "* ]]; then
  (cd "$ROOT" && cargo build --release 2>&1 | tail -1 | sed 's/^/# /')
  "$ROOT/packaging/install.sh" | sed 's/^/# /'
fi
# machine + versions (KEEP_RESULTS=1 with an earlier meta.tsv: only a "rerun" line is added)
if [ "${KEEP_RESULTS:-0}" = 1 ] && [ -s "$R/meta.tsv" ]; then
  echo "rerun	$(date -u '+%Y-%m-%d %H:%M UTC'): agents [$AGENTS] again, our agent at commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null), MON_N=$MON_N FO_N=$FO_N CRASH_N=$CRASH_N SW_N=$SW_N LOAD_T=$LOAD_T" >> "$R/meta.tsv"
else {
  echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine	$(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
  for p in pacemaker corosync resource-agents resource-agents-paf postgresql-15 strace; do
    echo "pkg	$p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo -)"
  done
  echo "commit	$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
  echo "params	MON_N=$MON_N FO_N=$FO_N CRASH_N=$CRASH_N SW_N=$SW_N LOAD_T=$LOAD_T smoke=$SMOKE switchover-only=$SWONLY"
} > "$R/meta.tsv"
fi
failed_rounds=
# KEEP_RESULTS=1: keep other agents' results of an earlier run (the report shows every agent
# with results in $R; each round records its own date)
[ "${KEEP_RESULTS:-0}" = 1 ] || rm -f "$R"/*.tsv.agent "$R"/ours.* "$R"/shell.* "$R"/paf.* "$R"/rejoin.*
for a in $AGENTS; do
  rm -f "$R/$a.tsv" "$R/$a.info"
  round "$a" || { failed_rounds="$failed_rounds $a"; say "round $a incomplete"; teardown; }
done
trap - EXIT
step "report"
# shellcheck disable=SC2046  # agent names are single words
SECTION=$([ $SWONLY = 1 ] && echo switchover) /usr/bin/python3 "$B/report.py" "$R" "$OUT" "${OUT%.md}.png" \
  $(for a in ours shell paf rejoin; do [ -s "$R/$a.tsv" ] || [ -s "$R/$a.info" ] && echo $a; done) | sed 's/^/  /'
say "written: $OUT ${OUT%.md}.png"
ip netns list | grep -q "^${NETNS_PREFIX}-" && say "WARNING: ${NETNS_PREFIX}-* namespaces left"
[ -z "$failed_rounds" ] || say "incomplete rounds:$failed_rounds"
exit 0
