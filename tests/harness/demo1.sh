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
export PATH="$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
bash packaging/deps.sh || exit 1
cargo build --release || exit 1
bash packaging/install.sh || exit 1
exec bash tests/pacemaker1.sh
