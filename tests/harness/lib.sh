# shellcheck shell=bash
# Common helpers for the test harness (sourced, not executed). Run everything as root.
# Ported from the team's shared Pacemaker harness; this copy is self-contained.
#
#   H         state directory: $HARNESS_DIR, default /tmp/pgsql-ra-harness
#   HD        this directory (tests/harness)
#   PGBIN     PostgreSQL server binaries (initdb, pg_ctl, postgres): Debian's 15 by default,
#             another major's from tests/versions/fetch.sh (tests/versions.sh)
#   PGCLIENT  client programs (psql, pg_basebackup): default $PGBIN; a newer major's serve
#             older servers (tests/versions/fetch.sh: PostgreSQL 18's)
# shellcheck disable=SC2034  # HD is for the scripts that source this file
HD=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
H=${HARNESS_DIR:-/tmp/pgsql-ra-harness}
mkdir -p "$H"; chmod 755 "$H"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGCLIENT=${PGCLIENT:-$PGBIN}
# pg_major : the major version of $PGBIN's server (15 for "postgres (PostgreSQL) 15.14 ...")
pg_major() { "$PGBIN/postgres" --version | awk '{split($3, v, "."); print v[1]}'; }
export PATH="$PATH:/usr/sbin:/sbin:$HOME/.cargo/bin"

log() { echo "[$(date +%T.%3N)] $*"; }
now() { date +%s.%N; }
# elapsed T0 : seconds since T0 with one decimal
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN{printf "%.1f", a - b}'; }

# wait_for TIMEOUT_S CMD... : run CMD every $WAIT_STEP s (default 0.2) until it succeeds;
# rc 1 on timeout
wait_for() {
  local t=$1; shift
  local end
  end=$(awk -v n="$(now)" -v t="$t" 'BEGIN{printf "%.3f", n + t}')
  while ! "$@" >/dev/null 2>&1; do
    awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n > e)}' && return 1
    sleep "${WAIT_STEP:-0.2}"
  done
  return 0
}

# Environment for pacemakerd; everything pacemaker-execd forks (so every agent) inherits it.
# Agents use the stock /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs: no OCF_FUNCTIONS_DIR here.
# PCMK_EXTRA_ENV (optional, NAME=VALUE words without spaces in the values) is appended, e.g.
# bench/run.sh gives the shell agent's round OCF_FUNCTIONS_DIR=<patched copy>.
pcmk_env() {
  local logfile=$1
  echo "PCMK_logfile=$logfile PCMK_logfacility=none${PCMK_EXTRA_ENV:+ $PCMK_EXTRA_ENV}"
}

# Fresh CIB seeded with fast-start cluster options. usage: seed_cib FILE
seed_cib() {
  local f=$1 kv
  cibadmin --empty > "$f" || return 1
  for kv in dc-deadtime=2s stonith-enabled=false no-quorum-policy=ignore \
            cluster-recheck-interval=1min start-failure-is-fatal=true; do
    CIB_file=$f crm_attribute -t crm_config -n "${kv%%=*}" -v "${kv#*=}" || return 1
  done
  # crm_attribute -t rsc_defaults fails on a CIB_file ("Could not map name=... to a UUID")
  CIB_file=$f cibadmin -C -o configuration -X \
    '<rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="1"/></meta_attributes></rsc_defaults>'
}

# --- PIDs we started -----------------------------------------------------------------
# A record is "PID STARTTIME COMM": STARTTIME (field 22 of /proc/PID/stat, clock ticks since
# boot) tells our process from a later one that reuses the PID.

proc_starttime() {  # PID -> starttime, empty when there is no such process
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }                       # drop "pid (comm) ", comm may contain spaces
  # shellcheck disable=SC2086  # split on purpose: the fields of stat
  set -- $s
  echo "${20}"                      # field 22 overall = 20th after pid and comm
}

# pid_record PID : prints the record of a live process
pid_record() {
  local st
  st=$(proc_starttime "$1") || return 1
  echo "$1 $st $(cat "/proc/$1/comm" 2>/dev/null)"
}

# same_process PID STARTTIME : the process PID is still the one recorded
same_process() {
  local st
  [ -n "${1:-}" ] && [ -n "${2:-}" ] || return 1
  st=$(proc_starttime "$1") || return 1
  [ "$st" = "$2" ]
}

# alive PID : exists and is not a zombie
alive() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [ "${s%% *}" != Z ]
}

# stop_recorded "PID STARTTIME COMM" [TIMEOUT_S] : SIGTERM, wait, then SIGKILL -- only when
# the PID still names the process that was recorded.
stop_recorded() {
  local rec=$1 t=${2:-30} p st comm i
  read -r p st comm <<< "$rec"
  [ -n "$p" ] || return 0
  same_process "$p" "$st" || return 0
  kill -TERM "$p" 2>/dev/null
  for ((i = 0; i < t * 5; i++)); do
    { same_process "$p" "$st" && alive "$p"; } || return 0
    sleep 0.2
  done
  log "pid $p ($comm) did not exit in ${t}s -> SIGKILL"
  same_process "$p" "$st" && kill -KILL "$p" 2>/dev/null
  return 0
}

# --- PostgreSQL ------------------------------------------------------------------------

# pg_initdb DIR PORT SOCKETDIR [LISTEN] : fresh cluster in DIR/data owned by postgres, with
# port, socket directory and listen_addresses (default '') set in postgresql.conf.
pg_initdb() {
  local dir=$1 port=$2 sock=$3 listen=${4:-}
  [ -f "$dir/data/postmaster.pid" ] && { echo "PostgreSQL may still run in $dir/data" >&2; return 1; }
  rm -rf "$dir/data"
  mkdir -p "$dir"; chown postgres:postgres "$dir"; chmod 755 "$dir"
  runuser -u postgres -- "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync \
    > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
  cat >> "$dir/data/postgresql.conf" <<EOF

# test harness
port = $port
listen_addresses = '$listen'
unix_socket_directories = '$sock'
EOF
}

# pg_postmaster_pid DATADIR : pid from postmaster.pid, when it names a live postgres
pg_postmaster_pid() {
  local p
  p=$(head -1 "$1/postmaster.pid" 2>/dev/null) || return 1
  [[ $p =~ ^[0-9]+$ ]] && alive "$p" && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = postgres ] || return 1
  echo "$p"
}

# pg_stop_by_pid DATADIR : stop a postmaster of DATADIR that is still running (fast, then
# immediate, then SIGKILL), by the PID in its postmaster.pid after checking it is a postgres
# process whose data directory is DATADIR.
pg_stop_by_pid() {
  local d=$1 p st
  p=$(pg_postmaster_pid "$d") || return 0
  [ "$(readlink -f "/proc/$p/cwd")" = "$(readlink -f "$d")" ] || {
    log "pid $p from $d/postmaster.pid runs elsewhere ($(readlink "/proc/$p/cwd")); not touched"; return 0; }
  st=$(proc_starttime "$p")
  log "stopping leftover postmaster $p of $d"
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d" -m fast -w -t 20 stop >/dev/null 2>&1 \
    || runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d" -m immediate -w -t 10 stop >/dev/null 2>&1
  same_process "$p" "$st" && alive "$p" && { log "postmaster $p still there -> SIGKILL"; kill -KILL "$p"; }
  return 0
}

# --- crm_mon -------------------------------------------------------------------------

# rsc_xml RSC : the <resource .../> element line of RSC in `crm_mon -1 --output-as=xml`
rsc_xml() { crm_mon -1 --output-as=xml 2>/dev/null | grep -E "<resource id=\"$1\"[ >]"; }
# rsc_role RSC : Started, Stopped, Starting, ... ; empty when RSC is not in the status
rsc_role() { rsc_xml "$1" | sed -n 's/.* role="\([^"]*\)".*/\1/p' | head -1; }
# rsc_started RSC : role Started, active, not failed, nothing pending
rsc_started() {
  local x
  x=$(rsc_xml "$1") || return 1
  [[ $x == *'role="Started"'* && $x == *'active="true"'* && $x == *'failed="false"'* && $x != *pending=* ]]
}
rsc_stopped() {
  local x
  x=$(rsc_xml "$1") || return 0
  [[ $x == *'role="Stopped"'* && $x == *'active="false"'* && $x != *pending=* ]]
}

# --- multi-node harness (cluster2.sh) ---------------------------------------------------
# Node I of cluster2.sh is a set of namespaces around a "holder" process (nsinit.sh, PID 1
# of the node). Its state lives in $H/nI; $H/nI/procs records what cluster2.sh started for
# it as "NAME PID STARTTIME COMM" lines (NAME: unshare, holder, corosync, pacemakerd, ...).
NET=${NET:-10.77.0}
NETNS_PREFIX=${NETNS_PREFIX:-pgra}   # network namespaces: ${NETNS_PREFIX}-sw, ${NETNS_PREFIX}-nI

# proc_add FILE NAME PID : append the record of live process PID under NAME
proc_add() {
  local r
  r=$(pid_record "$3") && echo "$2 $r" >> "$1"
}

# proc_get FILE NAME : "PID STARTTIME COMM" of the last record NAME that still names a live
# process (nothing, rc 1, otherwise)
proc_get() {
  local n p st c out=
  [ -f "$1" ] || return 1
  while read -r n p st c; do
    [ "$n" = "$2" ] && same_process "$p" "$st" && alive "$p" && out="$p $st $c"
  done < "$1"
  [ -n "$out" ] && echo "$out"
}

# holder_pid I : host PID of node I's PID 1 (checked against its recorded start time)
holder_pid() {
  local r
  r=$(proc_get "$H/n$1/procs" holder) || return 1
  echo "${r%% *}"
}

# nx I CMD... : run CMD inside node I (network + mount + UTS + PID namespaces of its holder;
# nsenter -p forks, CMD is nsenter's child). -r -w: the holder's root and working directory
# (both / of the node) too: entering a mount namespace alone puts CMD at the namespace's own
# root, which is not the chroot's when tests/debian13.sh runs the harness in Debian 13
nx() {
  local i=$1 p; shift
  p=$(holder_pid "$i") || { echo "node$i is not running (cluster2.sh up / startnode $i)" >&2; return 1; }
  nsenter -t "$p" -n -m -u -p -r -w -- "$@"
}

# stdin: `crm_mon -1 --output-as=xml`; prints "rsc role pending nodes..." for every instance
# of the given resource ids that is not cleanly Stopped
xml_active() {
  python3 -c '
import sys, xml.etree.ElementTree as ET
ids = sys.argv[1:]
for r in ET.parse(sys.stdin).iter("resource"):
    if r.get("id") in ids and (r.get("role") != "Stopped" or r.get("pending")):
        print(r.get("id"), r.get("role"), r.get("pending") or "", *[n.get("name") for n in r.iter("node")])' "$@"
}

# the client machine of cluster2.sh: a network namespace on the same bridge, no cluster
CLIENT_NETNS=${CLIENT_NETNS:-${NETNS_PREFIX}-client}
CLIENT_HOST=${CLIENT_HOST:-200}
# ncl CMD... : run CMD in the client namespace
ncl() { ip netns exec "$CLIENT_NETNS" "$@"; }
