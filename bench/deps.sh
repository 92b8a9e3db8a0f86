#!/bin/bash
# Packages bench/run.sh needs on top of packaging/deps.sh (Debian 12, run as root):
# the two reference agents, pgbench, the time/strace measuring tools and the chart library.
# Kept apart from packaging/deps.sh so the tests do not install them.
#
# usage: bench/deps.sh            install what is missing
#        bench/deps.sh --check    only report; exit 1 when something is missing
set -euo pipefail
PKGS=(
  resource-agents        # ocf:heartbeat:pgsql (the shell agent) and IPaddr2
  resource-agents-paf    # ocf:heartbeat:pgsqlms (PAF)
  postgresql-contrib     # pgbench
  strace                 # execve counting
  time                   # /usr/bin/time: wall, CPU incl. children, max RSS
  python3-matplotlib     # docs/benchmarks.png
)
missing=()
for p in "${PKGS[@]}"; do
  s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$s" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "bench: all ${#PKGS[@]} packages already installed"; exit 0; fi
echo "bench: missing: ${missing[*]}"
[ "${1:-}" = --check ] && exit 1
[ "$(id -u)" = 0 ] || { echo "bench/deps.sh: must run as root" >&2; exit 1; }
# keep the packages' init scripts from starting corosync/pacemaker/PostgreSQL services
POLICY=/usr/sbin/policy-rc.d; made=0
trap '[ $made = 1 ] && rm -f "$POLICY"; true' EXIT
if [ ! -e "$POLICY" ]; then printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod 755 "$POLICY"; made=1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
