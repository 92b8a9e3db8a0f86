#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Single-node Pacemaker 2.1 + Corosync 3 cluster on 127.0.0.1 (knet), no systemd, run as root.
# Runs in the ROOT namespaces, so crm_mon / crm_attribute / cibadmin work from any shell.
#
# usage: cluster1.sh up | down | status
#
# Files: $H/c1/{corosync.conf,corosync.log,pacemaker.log,*.out,procs}  (H=$HARNESS_DIR,
# default /tmp/pgsql-ra-harness). Pacemaker's CIB lives at the fixed path
# /var/lib/pacemaker/cib; up/down wipe it, so every `up` starts from a fresh seeded CIB
# (dc-deadtime=2s, stonith-enabled=false, no-quorum-policy=ignore, ...).
# Agents run with the stock ocf-shellfuncs.
#
# `down` signals only processes that `up` started and recorded in $H/c1/procs
# (PID + start time, so a reused PID is never hit).
set -u
# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
D=$H/c1
NODE=$(uname -n)
PROCS=$D/procs

write_conf() {
  mkdir -p "$D"; chmod 755 "$H" "$D"
  cat > "$D/corosync.conf" <<EOF
totem {
    version: 2
    cluster_name: h1
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 1000
}
nodelist {
    node {
        name: $NODE
        nodeid: 1
        ring0_addr: 127.0.0.1
    }
}
quorum {
    provider: corosync_votequorum
    expected_votes: 1
}
logging {
    to_logfile: yes
    logfile: $D/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
EOF
}

# record NAME PID : append "NAME PID STARTTIME COMM" to $PROCS
record() {
  local r
  r=$(pid_record "$2") && echo "$1 $r" >> "$PROCS"
}

# recorded NAME : the "PID STARTTIME COMM" records of NAME that still name live processes
# (zombies do not count: PID 1 here may reap our orphans late)
recorded() {
  local n p st c
  [ -f "$PROCS" ] || return 0
  while read -r n p st c; do
    [ "$n" = "$1" ] && same_process "$p" "$st" && alive "$p" && echo "$p $st $c"
  done < "$PROCS"
}

ours_running() { [ -n "$(recorded corosync)$(recorded pacemakerd)" ]; }

up() {
  if ours_running; then
    echo "already up (pids: $(awk '{print $2}' "$PROCS" | tr '\n' ' '))"; return 1
  fi
  if corosync-cmapctl totem.cluster_name >/dev/null 2>&1; then
    echo "another corosync is running on this machine (not ours): refusing to start" >&2; return 1
  fi
  local T0
  T0=$(now)
  write_conf
  : > "$PROCS"
  rm -f /var/lib/pacemaker/cib/cib* /var/lib/pacemaker/pengine/pe-*
  seed_cib "$D/seed.xml" || return 1
  install -d -o hacluster -g haclient -m 750 /var/lib/pacemaker/cib
  install -o hacluster -g haclient -m 600 "$D/seed.xml" /var/lib/pacemaker/cib/cib.xml
  : > "$D/pacemaker.log"; chown hacluster:haclient "$D/pacemaker.log"; chmod 664 "$D/pacemaker.log"
  : > "$D/corosync.log"

  log "starting corosync"
  # setsid: own session, so a Ctrl-C (SIGINT to the caller's process group) does not hit the
  # daemons; `down` stops them in order. (A background child is no group leader, so setsid
  # execs in place and $! is the daemon's own PID.)
  setsid corosync -f -c "$D/corosync.conf" < /dev/null > "$D/corosync.out" 2>&1 &
  record corosync $!
  wait_for 20 corosync-cmapctl totem.cluster_name || {
    log "corosync did not come up"; cat "$D/corosync.out"; return 1; }

  log "starting pacemakerd  ($(pcmk_env "$D/pacemaker.log"))"
  # shellcheck disable=SC2046  # pcmk_env prints NAME=VALUE words (paths without spaces)
  setsid env $(pcmk_env "$D/pacemaker.log") pacemakerd < /dev/null > "$D/pacemakerd.out" 2>&1 &
  local pm=$!
  record pacemakerd $pm
  wait_for 60 sh -c "crm_mon -1 2>/dev/null | grep -q 'Online: \[ $NODE \]'" || {
    log "node not online"; cat "$D/pacemakerd.out"; return 1; }
  # settled: the controller (DC) has run its first transition and is idle
  wait_for 30 sh -c "crmadmin -S $NODE 2>/dev/null | grep -q S_IDLE" || log "WARNING: controller not S_IDLE"
  # the daemons pacemakerd spawned (based, fenced, execd, attrd, schedulerd, controld)
  local c
  for c in $(pgrep -P "$pm"); do record child "$c"; done
  log "cluster up in $(elapsed "$T0") s"
  crm_mon -1 -A
}

down() {
  local r
  # nothing recorded: not started by us (or already down); leave any other cluster alone
  [ -f "$PROCS" ] || { log "not up (no $PROCS)"; return 0; }
  r=$(recorded pacemakerd)
  if [ -n "$r" ]; then
    log "stopping pacemakerd ${r%% *} (SIGTERM = orderly shutdown, stops resources first)"
    stop_recorded "$r" 120
  fi
  # children of our pacemakerd that survived it
  while read -r r; do
    [ -n "$r" ] || continue
    log "leftover ${r#* * } pid ${r%% *} -> stopping"
    stop_recorded "$r" 10
  done <<< "$(recorded child)"
  r=$(recorded corosync)
  if [ -n "$r" ]; then
    log "stopping corosync ${r%% *}"
    stop_recorded "$r" 20
  fi
  if [ -n "$(recorded corosync)$(recorded pacemakerd)$(recorded child)" ]; then
    log "WARNING: recorded processes still running:"; recorded corosync; recorded pacemakerd; recorded child
    return 1
  fi
  rm -f "$PROCS"
  rm -f /var/lib/pacemaker/cib/cib* /var/lib/pacemaker/pengine/pe-*
  log "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if ours_running; then crm_mon -1 -A; else echo "not running"; exit 3; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
