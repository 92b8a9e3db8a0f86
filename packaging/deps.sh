#!/bin/bash
# Install every Debian 12 package the project's build, tests and demo need (run as root).
# Idempotent: when dpkg-query says everything is installed, apt is not touched at all.
#
# usage: packaging/deps.sh            install what is missing
#        packaging/deps.sh --check    only report; exit 1 when something is missing
#
# The Rust toolchain is not a Debian package here: it is expected in PATH or in
# $HOME/.cargo/bin (rustup); this script only reports whether cargo can be found.
#
# While apt runs, a temporary /usr/sbin/policy-rc.d (exit 101) keeps the packages' init
# scripts from starting corosync, pacemaker or a "main" PostgreSQL cluster, which would
# collide with the test clusters (the file is left alone when one already exists;
# START_SERVICES=1 skips this).
set -euo pipefail
export PATH="$PATH:$HOME/.cargo/bin"

PKGS=(
  postgresql-15          # server + client (initdb, pg_ctl, psql under /usr/lib/postgresql/15/bin)
  pacemaker              # pacemakerd and daemons
  pacemaker-cli-utils    # crm_mon, cibadmin, crm_resource, crm_attribute, crm_failcount
  corosync               # corosync, corosync-cmapctl, corosync-quorumtool
  resource-agents        # ocf-shellfuncs, ocf-tester, ra-api-1.dtd, metadata.rng
  tzdata                 # /usr/share/zoneinfo: the log-date tests use TZ=Asia/Tokyo
  libxml2-utils          # xmllint
  man-db                 # man -l, lexgrog: the black-box tests render the man page
  groff-base             # groff -man -ww
  shellcheck             # the style layer checks every shell script
  iproute2               # ip, ss
  nftables               # nft: tests/pacemaker2.sh cuts the replication link inside a node
  procps                 # ps, pgrep
  iputils-ping           # ping: the ping resource (ocf:pacemaker:ping) of tests/faults.sh
  python3                # XML helpers in the test harness
  strace                 # exec/syscall counting of agent actions
  util-linux             # runuser, nsenter
  build-essential        # cc as the linker for cargo
  ca-certificates
)

missing=()
for p in "${PKGS[@]}"; do
  s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$s" = installed ] || missing+=("$p")
done

if command -v cargo >/dev/null 2>&1; then
  echo "cargo: $(command -v cargo) ($(cargo --version 2>/dev/null))"
else
  echo "WARNING: cargo not found in PATH or \$HOME/.cargo/bin: install the Rust toolchain (rustup)" >&2
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "all ${#PKGS[@]} packages already installed"
  exit 0
fi
echo "missing: ${missing[*]}"
[ "${1:-}" = --check ] && exit 1
[ "$(id -u)" = 0 ] || { echo "deps.sh: must run as root to install packages" >&2; exit 1; }

POLICY=/usr/sbin/policy-rc.d
made_policy=0
cleanup() { [ $made_policy = 1 ] && rm -f "$POLICY"; return 0; }
trap cleanup EXIT
if [ "${START_SERVICES:-0}" != 1 ] && [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, from packaging/deps.sh\nexit 101\n' > "$POLICY"
  chmod 755 "$POLICY"
  made_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}"
echo "installed: ${missing[*]}"
