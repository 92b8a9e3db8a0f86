#!/bin/bash
# The README's main job: one command, as root on Debian 12. Installs what is needed,
# builds and installs the agent, brings up a 2-node Corosync + Pacemaker cluster (network
# namespaces on this machine), creates the PostgreSQL 15 promotable clone with a VIP
# (ocf:pgsqlrs:pgsql, rep_mode=sync), shows `crm_mon -fA` in the normal state, kills the
# primary's postmaster while a client commits through the VIP, shows the failover and the
# zero-loss count, rejoins the old primary, and tears everything down.
# KEEP=1 leaves the cluster running (tests/harness/cluster2.sh down to remove it).
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 1
bash tests/harness/prepare.sh || exit 1
UNTIL=b BUILD=0 exec bash tests/pacemaker2.sh 2
