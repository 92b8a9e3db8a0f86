#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# N-node (N = 2 or 3, default 2) Pacemaker 2.1 + Corosync 3 (knet) cluster on ONE machine,
# no systemd, run as root. Every node is a set of namespaces around a "holder" process
# (nsinit.sh, the node's PID 1):
#   net   netns ${NETNS_PREFIX}-n<i> (default pgra-n<i>): eth0 = 10.77.0.<i>/24, a veth to
#         bridge br0 in netns ${NETNS_PREFIX}-sw. Nothing is configured in the root network
#         namespace; all cluster traffic stays on these veths.
#   mount private /run, /dev/shm; bind mounts of $H/n<i>/... on /var/lib/pacemaker,
#         /var/lib/corosync, /etc/corosync, /var/log, /var/lib/pgsql
#   uts   hostname node<i>   (crm_node -n, uname -n)
#   pid   own PID space: postmaster.pid / kill -0 / ps inside a node only see that node
# Agents run with the stock /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs (no OCF_FUNCTIONS_DIR).
#
# usage: cluster2.sh up [N]        namespaces + corosync + pacemakerd on every node; waits
#                                  until all N nodes are Online
#        cluster2.sh down          stop everything `up`/`startnode` started (by recorded PID),
#                                  delete the namespaces it created
#        cluster2.sh status        crm_mon -1 -A from the first live node
#        cluster2.sh x I CMD...    run CMD inside node I   (same as tests/harness/nx I CMD...)
#        cluster2.sh stopnode I    orderly stop of pacemakerd (stops its resources) + corosync
#        cluster2.sh startnode I   (re)start node I (a new holder if it was crashed); the node
#                                  keeps its CIB (only `up` starts from a fresh seeded CIB)
#        cluster2.sh crashnode I   power loss of node I: SIGKILL its holder, so the kernel kills
#                                  every process of the node at once, and take its eth0 down
#                                  (startnode brings the link back without stale addresses)
#        cluster2.sh poweroff I    the fence device's "off": crashnode I (idempotent)
#        cluster2.sh poweron I     the fence device's "on": startnode I (idempotent)
#        cluster2.sh fencing       install the fence agent /usr/sbin/fence_pgra and start the
#                                  power controller (`powerd`, recorded; `down` stops both):
#                                  Pacemaker's fencer in a node asks it through $H/power
#        cluster2.sh live          number of the first node whose Pacemaker answers
#        cluster2.sh client CMD... run CMD in the client namespace (${NETNS_PREFIX}-client,
#                                  10.77.0.200/24 on the same bridge, no cluster software):
#                                  where test clients reach the VIP from
#
# Every process started here is recorded in $H/n<i>/procs ("NAME PID STARTTIME COMM"); only
# those are ever signalled, and only while PID + start time still match. Network namespaces
# created are listed in $H/c2/netns; `down` deletes exactly those.
# State/logs: $H/n<i>/  (log/pacemaker/pacemaker.log, log/corosync/corosync.log,
#             log/postgresql/, pgsql/ = the node's /var/lib/pgsql), $H/c2/
set -u
# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
C=$H/c2
SW=${NETNS_PREFIX}-sw
CL=$CLIENT_NETNS
ns() { echo "${NETNS_PREFIX}-n$1"; }
nodes() { seq 1 "$(cat "$C/nnodes" 2>/dev/null || echo 0)"; }

node_dirs() {  # $1 = i
  local S=$H/n$1
  mkdir -p "$S"/var-lib-pacemaker/{cib,pengine,blackbox,cores} "$S/var-lib-corosync" \
           "$S/etc-corosync" "$S"/log/{pacemaker,corosync,postgresql} "$S/pgsql"
  chown -R hacluster:haclient "$S/var-lib-pacemaker" "$S/log/pacemaker"
  chmod 750 "$S"/var-lib-pacemaker/*; chmod 770 "$S/log/pacemaker"
  chown postgres:postgres "$S/log/postgresql" "$S/pgsql"; chmod 755 "$S/pgsql"
  [ -d /etc/corosync/uidgid.d ] && cp -a /etc/corosync/uidgid.d "$S/etc-corosync/"
  chmod 755 "$H" "$S"
}

write_corosync_conf() {  # $1 = i, $2 = N
  local i n=$2 S=$H/n$1
  {
    cat <<EOF
totem {
    version: 2
    cluster_name: pgra
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 1000
}
nodelist {
EOF
    for i in $(seq 1 "$n"); do
      cat <<EOF
    node {
        name: node$i
        nodeid: $i
        ring0_addr: $NET.$i
    }
EOF
    done
    echo "}"
    echo "quorum {"
    echo "    provider: corosync_votequorum"
    [ "$n" -eq 2 ] && echo "    two_node: 1"
    cat <<EOF
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
EOF
  } > "$S/etc-corosync/corosync.conf"
}

netns_add() { ip netns add "$1" && echo "$1" >> "$C/netns"; }

net_up() {  # $1 = N
  local i
  netns_add "$SW" || return 1
  ip -n "$SW" link set lo up
  ip -n "$SW" link add br0 type bridge
  ip -n "$SW" link set br0 up
  for i in $(seq 1 "$1"); do
    netns_add "$(ns "$i")" || return 1
    ip link add name "vh$i" netns "$SW" type veth peer name eth0 netns "$(ns "$i")" || return 1
    ip -n "$SW" link set "vh$i" master br0
    ip -n "$SW" link set "vh$i" up
    ip -n "$(ns "$i")" link set lo up
    ip -n "$(ns "$i")" addr add "$NET.$i/24" dev eth0
    ip -n "$(ns "$i")" link set eth0 up
  done
  # a client machine (not a cluster node; survives node crashes): $NET.$CLIENT_HOST
  netns_add "$CL" || return 1
  ip link add name vcl netns "$SW" type veth peer name eth0 netns "$CL" || return 1
  ip -n "$SW" link set vcl master br0
  ip -n "$SW" link set vcl up
  ip -n "$CL" link set lo up
  ip -n "$CL" addr add "$NET.$CLIENT_HOST/24" dev eth0
  ip -n "$CL" link set eth0 up
}

# node I's link as after a power cycle: up, only its own address (a crash leaves the VIP)
link_reset() {
  local i=$1 a
  for a in $(ip -n "$(ns "$i")" -4 -o addr show dev eth0 | awk '{print $4}'); do
    [ "$a" = "$NET.$i/24" ] || ip -n "$(ns "$i")" addr del "$a" dev eth0
  done
  ip -n "$(ns "$i")" -4 -o addr show dev eth0 | grep -q " $NET.$i/24 " \
    || ip -n "$(ns "$i")" addr add "$NET.$i/24" dev eth0
  ip -n "$(ns "$i")" link set eth0 up
}

holder_up() {  # $1 = i
  local i=$1 S=$H/n$1 u h
  rm -f "$S/holder.ready"
  # setsid: own session (a Ctrl-C of the caller does not reach the node). ip netns exec execs
  # unshare in place; unshare forks the node's PID 1 (nsinit.sh) and waits for it.
  # (no command substitution in the background command: its subshell would be a transient
  # child that `pgrep -P` below could take for the holder)
  local netns; netns=$(ns "$i")
  setsid ip netns exec "$netns" unshare --mount --uts --pid --fork --mount-proc \
      --propagation private "$HD/nsinit.sh" "node$i" "$S" > "$S/holder.out" 2>&1 < /dev/null &
  u=$!
  proc_add "$S/procs" unshare "$u"
  wait_for 10 test -f "$S/holder.ready" || { echo "holder for node$i failed:"; cat "$S/holder.out"; return 1; }
  wait_for 20 pgrep -P "$u" || { echo "no holder child of $u"; return 1; }
  h=$(pgrep -P "$u")
  proc_add "$S/procs" holder "$h"
}

# start_daemon I NAME OUT CMD... : run CMD inside node I, record nsenter and CMD's host PID
start_daemon() {
  local i=$1 name=$2 out=$3 e d hp; shift 3
  # the holder's pid first: a command substitution inside the background command would run
  # in a transient child of it, which `pgrep -P` could take for the daemon
  hp=$(holder_pid "$i") || { echo "node$i has no holder"; return 1; }
  setsid nsenter -t "$hp" -n -m -u -p -r -w -- "$@" > "$out" 2>&1 < /dev/null &   # -r -w: see lib.sh's nx
  e=$!
  proc_add "$H/n$i/procs" "nsenter-$name" "$e"
  # (20 s: a loaded machine, e.g. a build next to the test, can take seconds to fork)
  wait_for 20 pgrep -P "$e" || { echo "could not start $*"; cat "$out"; return 1; }
  d=$(pgrep -P "$e")
  proc_add "$H/n$i/procs" "$name" "$d" || { echo "could not record $name (pid '$d')"; return 1; }
}

start_node() {  # $1 = i
  local i=$1 S=$H/n$1 pm c
  if ! { [ -f "$C/nnodes" ] && [ "$i" -ge 1 ] && [ "$i" -le "$(cat "$C/nnodes")" ]; }; then
    echo "no node$i (cluster2.sh up first)"; return 1
  fi
  proc_get "$S/procs" corosync >/dev/null && { echo "node$i already running"; return 1; }
  if ! holder_pid "$i" >/dev/null; then
    link_reset "$i"
    holder_up "$i" || return 1
  fi
  # a node keeps its CIB across stopnode/crashnode + startnode (as a real one does); `up`
  # starts every node from the seed
  if [ ! -f "$S/var-lib-pacemaker/cib/cib.xml" ]; then
    rm -f "$S"/var-lib-pacemaker/cib/cib*
    install -o hacluster -g haclient -m 600 "$C/seed.xml" "$S/var-lib-pacemaker/cib/cib.xml"
  fi
  start_daemon "$i" corosync "$S/corosync.out" corosync -f || return 1
  # (corosync-quorumtool -s exits non-zero while not quorate, e.g. two_node WaitForAll)
  wait_for 20 nx "$i" corosync-cmapctl -g totem.cluster_name \
    || { log "corosync of node$i not up"; cat "$S/corosync.out"; return 1; }
  # shellcheck disable=SC2046  # pcmk_env prints NAME=VALUE words
  start_daemon "$i" pacemakerd "$S/pacemakerd.out" \
    env $(pcmk_env /var/log/pacemaker/pacemaker.log) pacemakerd || return 1
  # record the daemons pacemakerd spawns (based, fenced, execd, attrd, schedulerd, controld)
  pm=$(proc_get "$S/procs" pacemakerd) || { log "node$i: pacemakerd not recorded (see $S/procs)"; return 1; }
  pm=${pm%% *}
  wait_for 20 sh -c "[ \$(pgrep -c -P $pm) -ge 6 ]" || log "node$i: pacemakerd has $(pgrep -c -P "$pm") children"
  for c in $(pgrep -P "$pm"); do proc_add "$S/procs" child "$c"; done
}

# all live records NAME of node I, one per line
recorded_all() {
  local n p st c
  [ -f "$H/n$1/procs" ] || return 0
  while read -r n p st c; do
    [ "$n" = "$2" ] && same_process "$p" "$st" && alive "$p" && echo "$p $st $c"
  done < "$H/n$1/procs"
}

stop_node() {  # $1 = i
  local i=$1 r
  r=$(proc_get "$H/n$i/procs" pacemakerd) && {
    log "node$i: stopping pacemakerd ${r%% *} (orderly: stops its resources first)"
    stop_recorded "$r" 120
  }
  while read -r r; do
    [ -n "$r" ] || continue
    log "node$i: leftover ${r##* } ${r%% *} -> stopping"
    stop_recorded "$r" 10
  done <<< "$(recorded_all "$i" child)"
  r=$(proc_get "$H/n$i/procs" corosync) && {
    log "node$i: stopping corosync ${r%% *}"
    stop_recorded "$r" 20
  }
  for r in nsenter-pacemakerd nsenter-corosync; do   # they exit with their child
    r=$(proc_get "$H/n$i/procs" $r) && stop_recorded "$r" 5
  done
  return 0
}

# the node's PID 1 exits (TERM, then KILL): the kernel kills whatever is left in the node
holder_down() {  # $1 = i
  local S=$H/n$1 r
  r=$(proc_get "$S/procs" holder) && stop_recorded "$r" 10
  r=$(proc_get "$S/procs" unshare) && stop_recorded "$r" 10
  rm -f "$S/holder.ready"
}

unshare_gone() { ! proc_get "$1/procs" unshare >/dev/null; }   # $1 = the node's state dir
crash_node() {  # $1 = i
  local i=$1 S=$H/n$1 r u
  r=$(proc_get "$S/procs" holder) || { echo "node$i is not running"; return 1; }
  u=$(proc_get "$S/procs" unshare)
  # a powered-off machine answers nothing: its link goes down first (so the kernel's socket
  # cleanup of the killed processes sends no FIN/RST to the peers), then every process dies
  ip -n "$(ns "$i")" link set eth0 down
  echo "node$i: holder ${r%% *} SIGKILL at $(now)"
  kill -KILL "${r%% *}"
  [ -n "$u" ] && wait_for 10 unshare_gone "$S"
  rm -f "$S/holder.ready"
  log "node$i crashed (holder ${r%% *} SIGKILLed)"
}

node_on() { holder_pid "$1" >/dev/null 2>&1; }   # node I is powered on
power_off() {  # $1 = i; an already powered-off node stays off
  node_on "$1" || { log "node$1 is already off"; return 0; }
  crash_node "$1"
}
power_on() {   # $1 = i
  if node_on "$1" && proc_get "$H/n$1/procs" corosync >/dev/null; then log "node$1 is already on"; return 0; fi
  start_node "$1"
}

# the power controller: answers the fence agent's request files "ACTION TARGET REQUESTER"
# in $PW with "CODE TEXT"; a request from a node that is off by now is dropped (a machine
# without power sends nothing, so a delayed fencer that lost the race never fires)
PW=$H/power
powerd() {
  local r id act tgt who i rc out
  while [ -f "$C/nnodes" ]; do
    touch "$PW/alive"
    for r in "$PW"/req.*; do
      [ -f "$r" ] || continue
      id=${r##*/req.}
      read -r act tgt who < "$r"; rm -f "$r"
      i=${tgt#node}; rc=1
      if [ -n "$who" ] && [ "$who" != - ] && [[ ${who#node} =~ ^[0-9]+$ ]] && ! node_on "${who#node}"; then
        out="request from $who dropped: $who is powered off"
      elif [ "$act" = list ]; then
        out=$(nodes | sed 's/^/node/' | tr '\n' ' '); rc=0
      elif ! [[ $i =~ ^[0-9]+$ ]] || [ "$i" -lt 1 ] || [ "$i" -gt "$(cat "$C/nnodes")" ]; then
        out="no such node: $tgt"
      else
        case $act in
          off) out=$(power_off "$i" 2>&1); rc=$? ;;
          on) out=$(power_on "$i" 2>&1); rc=$? ;;
          status) if node_on "$i"; then out=on; rc=0; else out=off; rc=2; fi ;;
          *) out="unknown action $act" ;;
        esac
      fi
      log "powerd: $act $tgt (asked by $who): rc=$rc $(tr '\n' ' ' <<< "$out")" >> "$PW/powerd.log"
      printf '%s %s\n' "$rc" "$(tr '\n' ' ' <<< "$out")" > "$PW/.res.$id"
      mv "$PW/.res.$id" "$PW/res.$id"
    done
    sleep 0.1
  done
}

fencing() {
  [ -f "$C/nnodes" ] || { echo "cluster2.sh up first"; return 1; }
  if proc_get "$C/procs" powerd >/dev/null; then echo "the power controller runs already"; return 0; fi
  mkdir -p "$PW"; chmod 700 "$PW"; rm -f "$PW"/req.* "$PW"/res.* "$PW"/.re[qs].*
  sed "s|@HARNESS_DIR@|$H|g" "$HD/fence_pgra" > /usr/sbin/.fence_pgra.new || return 1
  chmod 755 /usr/sbin/.fence_pgra.new && mv /usr/sbin/.fence_pgra.new /usr/sbin/fence_pgra
  touch "$C/installed-fence_pgra"
  setsid "$HD/cluster2.sh" powerd > "$PW/powerd.out" 2>&1 < /dev/null &
  proc_add "$C/procs" powerd "$!"
  wait_for 5 test -f "$PW/alive" || { echo "the power controller did not start"; return 1; }
  log "fencing ready: /usr/sbin/fence_pgra, power controller $(proc_get "$C/procs" powerd | cut -d' ' -f1)"
}

up() {
  local N=${1:-2} i T0 want
  case $N in 2|3) ;; *) echo "N must be 2 or 3" >&2; return 2 ;; esac
  if [ -f "$C/nnodes" ]; then echo "already up (run down first)"; return 1; fi
  for i in $(seq 1 "$N"); do
    ip netns list | grep -qw "$(ns "$i")" && { echo "netns $(ns "$i") exists (not ours?): refusing" >&2; return 1; }
  done
  ip netns list | grep -qwE "$SW|$CL" && { echo "netns $SW exists (not ours?): refusing" >&2; return 1; }
  T0=$(now)
  mkdir -p "$C"; chmod 755 "$C"; echo "$N" > "$C/nnodes"; : > "$C/netns"; : > "$C/procs"
  # mount point for the per-node bind mounts; removed by down when created here
  [ -d /var/lib/pgsql ] || { mkdir /var/lib/pgsql && touch "$C/created-var-lib-pgsql"; }
  seed_cib "$C/seed.xml" || return 1
  net_up "$N" || return 1
  for i in $(seq 1 "$N"); do
    mkdir -p "$H/n$i"; : > "$H/n$i/procs"
    node_dirs "$i"
    rm -f "$H/n$i"/log/pacemaker/pacemaker.log* "$H/n$i"/log/corosync/corosync.log* "$H/n$i"/log/postgresql/*
    rm -f "$H/n$i"/var-lib-pacemaker/cib/cib* "$H/n$i"/var-lib-pacemaker/pengine/pe-*
    write_corosync_conf "$i" "$N"
    holder_up "$i" || return 1
  done
  log "namespaces ready ($(elapsed "$T0") s):$(for i in $(seq 1 "$N"); do echo -n " node$i=$NET.$i(holder $(holder_pid "$i"))"; done)"
  for i in $(seq 1 "$N"); do start_node "$i" || return 1; done
  want="Online: \\[ $(for i in $(seq 1 "$N"); do echo -n "node$i "; done)\\]"
  wait_for 90 sh -c "'$HD/nx' 1 crm_mon -1 2>/dev/null | grep -q '$want'" \
    || { log "not all nodes online"; nx 1 crm_mon -1; return 1; }
  wait_for 30 sh -c "'$HD/nx' 1 crmadmin -D 2>/dev/null | grep -q 'Designated'" || true
  log "cluster of $N nodes up in $(elapsed "$T0") s"
  nx 1 crm_mon -1 | sed -n '/Current DC/p;/Online/p'
}

down() {
  local i n S
  [ -f "$C/nnodes" ] || [ -s "$C/netns" ] || { log "not up (no $C/nnodes)"; return 0; }
  # orderly Pacemaker stop on all nodes in parallel (resources stop in order), then corosync
  for i in $(nodes); do stop_node "$i" & done
  wait
  n=$(proc_get "$C/procs" powerd 2>/dev/null) && stop_recorded "$n" 5
  if [ -f "$C/installed-fence_pgra" ]; then rm -f /usr/sbin/fence_pgra "$C/installed-fence_pgra"; fi
  for i in $(nodes); do holder_down "$i"; done
  local left=0
  for i in $(nodes); do
    S=$H/n$i
    for n in unshare holder nsenter-corosync corosync nsenter-pacemakerd pacemakerd child; do
      [ -n "$(recorded_all "$i" $n)" ] && { log "WARNING: node$i: $n still running: $(recorded_all "$i" $n)"; left=1; }
    done
    [ $left = 0 ] && : > "$S/procs"
  done
  if [ -f "$C/netns" ]; then
    tac "$C/netns" | while read -r n; do ip netns del "$n" 2>/dev/null; done
    : > "$C/netns"
  fi
  # not while another harness instance (other HARNESS_DIR) still has nodes bind-mounted on
  # it: removing a directory that is a mount point in other mount namespaces succeeds and
  # silently detaches those mounts
  if [ -f "$C/created-var-lib-pgsql" ]; then
    if grep -qs ' /var/lib/pgsql ' /proc/[0-9]*/mountinfo; then
      log "/var/lib/pgsql still used by another harness instance: left in place"
    else
      rmdir /var/lib/pgsql 2>/dev/null && rm -f "$C/created-var-lib-pgsql"
    fi
  fi
  rm -f "$C/nnodes"
  log "down"
  [ $left = 0 ]
}

firstlive() {
  local i
  for i in $(nodes); do nx "$i" crm_mon -1 >/dev/null 2>&1 && { echo "$i"; return 0; }; done
  return 1
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) i=$(firstlive) || { echo "not running"; exit 3; }; nx "$i" crm_mon -1 -A ;;
  live) firstlive ;;
  x) shift; nx "$@" ;;
  client) shift; ip netns exec "$CL" "$@" ;;
  stopnode) stop_node "$2" ;;
  startnode) start_node "$2" ;;
  crashnode) crash_node "$2" ;;
  poweroff) power_off "$2" ;;
  poweron) power_on "$2" ;;
  fencing) fencing ;;
  powerd) powerd ;;
  *) sed -n '2,/^set -u/p' "$0" | grep '^#'; exit 2 ;;
esac
