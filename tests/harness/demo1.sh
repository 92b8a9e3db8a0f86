#!/bin/bash
# The README's main job: one command, as root on Debian 12. Installs what is needed,
# builds and installs the agent, brings up a single-node Corosync + Pacemaker cluster on
# 127.0.0.1, lets Pacemaker create and start a PostgreSQL 15 managed by ocf:pgsqlrs:pgsql,
# shows crm_mon, kills the postmaster and shows Pacemaker bring it back, removes the
# resource and tears the cluster down. KEEP=1 leaves everything running to explore
# (then: tests/harness/cluster1.sh down).
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 1
bash tests/harness/prepare.sh || exit 1
BUILD=0 exec bash tests/pacemaker1.sh
