#!/bin/bash
# Shared first steps of the demos: as root, install the packages the project needs,
# build the agent and install it as /usr/lib/ocf/resource.d/$PROVIDER/pgsql.
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 1
export PATH="$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
bash packaging/deps.sh && cargo build --release && bash packaging/install.sh
