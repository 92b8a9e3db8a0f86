#!/bin/bash
# PID 1 ("holder") of one simulated node of cluster2.sh. Started as
#   ip netns exec <netns> unshare --mount --uts --pid --fork --mount-proc --propagation private \
#       nsinit.sh NODENAME STATEDIR
# i.e. already inside the node's network namespace and a fresh mount + UTS + PID namespace.
# Sets the hostname, gives the node private copies of every fixed path that corosync,
# Pacemaker, PostgreSQL and resource-agents use, then becomes the node's zombie reaper.
# Other processes join the node with:  nsenter -t <holder host pid> -n -m -u -p -r -w -- CMD
# When the holder exits (SIGTERM: clean exit; SIGKILL: `cluster2.sh crashnode`), the kernel
# SIGKILLs every process left in the node's PID namespace: nothing can leak out of a node.
set -e
N=$1; S=$2
hostname "$N"
# /run (= /var/run): corosync.pid, /run/crm, /run/postgresql sockets, /run/resource-agents
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/postgresql /run/resource-agents /run/lock
chown postgres:postgres /run/postgresql; chmod 2775 /run/postgresql
chmod 1755 /run/resource-agents
# /dev/shm: libqb IPC ring buffers (qb-*) of corosync and Pacemaker
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# persistent per-node state
mount --bind "$S/var-lib-pacemaker" /var/lib/pacemaker
mount --bind "$S/var-lib-corosync"  /var/lib/corosync
mount --bind "$S/etc-corosync"      /etc/corosync
mount --bind "$S/log"               /var/log
mount --bind "$S/pgsql"             /var/lib/pgsql
touch "$S/holder.ready"
# the node's working directory: what `nsenter -w` (lib.sh's nx) gives every command in it
cd /
# PID 1 must reap orphans (pg_ctl daemonizes the postmaster; a zombie postmaster would still
# answer kill -0, fooling status checks).
exec /usr/bin/python3 -c '
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True:
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.5)
'
