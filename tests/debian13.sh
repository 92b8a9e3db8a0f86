#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / trap
# The 2-node cluster run of the version matrix (tests/versions/cluster.sh: bring-up to PRI /
# HS:sync, kill -9 failover with the client's ledger, rejoin) on Debian 13 (trixie):
# Pacemaker 3.0, Corosync 3.1, resource-agents 4.16 and PostgreSQL 17 from Debian's own
# packages, in a root made by mmdebstrap and entered with chroot. The project's harness runs
# in it unchanged: the repository is bind-mounted read-only at the same path, the agent built
# on this machine is installed into the root (packaging/install.sh with DESTDIR).
#
# usage: tests/debian13.sh            (as root; downloads from deb.debian.org once)
# Env:   D13_CACHE  where the root is kept (default /var/cache/pgsql-ra-debian13); it is made
#                   again when its package list changed or D13_REBUILD=1
#        BUILD=0    do not run cargo build --release (the CI's build layer did)
# Out:   TAP lines (the inner run's own under "# d13: "), the versions of what ran, the
#        inner run's "times:" line, last line "debian13: P passed, F failed"; exit 1 on a
#        failure. Uses the harness's namespaces and subnet: never next to another cluster run.
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
TAP_LAYER=debian13
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"
# shellcheck source=versions/lib.sh
. "$T/versions/lib.sh"
need_root debian13.sh
export PATH="$PATH:$HOME/.cargo/bin"
CACHE=${D13_CACHE:-/var/cache/pgsql-ra-debian13}
R=$CACHE/root
LOG=$CACHE/build.log
PKGS=mount,strace,postgresql-17,pacemaker,pacemaker-cli-utils,corosync,resource-agents,iproute2,procps,iputils-ping,python3,util-linux,nftables,ca-certificates
STAMP="trixie $PKGS"
mkdir -p "$CACHE"

apt_ensure "$LOG" mmdebstrap || bail "apt-get install mmdebstrap failed (log: $LOG)"

# mounted_under DIR : a mount point at or below DIR exists (never delete such a tree)
mounted_under() { awk -v d="$1" '$5 == d || index($5, d "/") == 1 {f=1} END{exit !f}' /proc/self/mountinfo; }

# --- the root: made once, kept while its package list is the same -----------------------------
made_root() {
  local new=$CACHE/root.new
  mounted_under "$new" && return 1
  rm -rf "$new"
  mmdebstrap --variant=apt --quiet --include="$PKGS" trixie "$new" http://deb.debian.org/debian > "$LOG" 2>&1 || return 1
  echo "$STAMP" > "$new/.pgsql-ra-stamp"
  if [ -d "$R" ]; then mounted_under "$R" && return 1; rm -rf "$R"; fi
  mv "$new" "$R"
}
if [ "${D13_REBUILD:-0}" = 1 ] || [ "$(cat "$R/.pgsql-ra-stamp" 2>/dev/null)" != "$STAMP" ]; then
  check "mmdebstrap: a Debian 13 root with $PKGS" made_root || bail "no root (log: $LOG)"
else
  ok "the Debian 13 root of $(date -r "$R/.pgsql-ra-stamp" +%F) in $R (same package list)"
fi
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"; }
# shellcheck disable=SC2016  # dpkg-query expands ${Package}
versions=$(in_root dpkg-query -W -f='${Package} ${Version}\n' pacemaker corosync resource-agents postgresql-17 2>&1)
say "Debian $(cat "$R/etc/debian_version"): $(tr '\n' ',' <<< "$versions" | sed 's/,$//; s/,/, /g')"
is_trixie() { grep -q '^13\.' "$R/etc/debian_version" && grep -q '^pacemaker 3\.' <<< "$versions"; }
check "the root is Debian 13 with Pacemaker 3" is_trixie

# --- the agent of this checkout, installed into the root -------------------------------------
if [ "${BUILD:-1}" != 0 ]; then
  built() { (cd "$ROOT" && cargo build --release) > "$CACHE/cargo.log" 2>&1; }
  check "cargo build --release" built || bail "no agent (log: $CACHE/cargo.log)"
fi
agent_in_root() { DESTDIR=$R "$ROOT/packaging/install.sh" > "$CACHE/install.log" 2>&1 && test -x "$R/usr/lib/ocf/resource.d/pgsqlrs/pgsql"; }
check "the agent installed into the root (packaging/install.sh, DESTDIR)" agent_in_root || bail "install failed"
meta_by_pacemaker3() { in_root crm_resource --show-metadata ocf:pgsqlrs:pgsql 2>/dev/null | grep -q '<resource-agent name="pgsql"'; }
check "Pacemaker 3's crm_resource --show-metadata ocf:pgsqlrs:pgsql" meta_by_pacemaker3

# --- mounts: the root onto itself (ip netns), /proc, /sys, /dev, the repository read-only ------
MOUNTED=()
mnt() { mount "$@" && MOUNTED+=("${!#}"); }
cleanup() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount -R "${MOUNTED[i]}" 2>/dev/null || umount -R -l "${MOUNTED[i]}"
  done
  MOUNTED=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mounts() {
  mnt --bind "$R" "$R" && mount --make-private "$R" &&
    mnt -t proc proc "$R/proc" &&
    mnt -t sysfs sysfs "$R/sys" &&
    mnt --rbind /dev "$R/dev" && mount --make-rslave "$R/dev" &&
    mkdir -p "$R$ROOT" && mnt --bind "$ROOT" "$R$ROOT" && mount -o remount,bind,ro "$R$ROOT"
}
check "chroot mounts (root on itself, /proc, /sys, /dev, $ROOT read-only)" mounts || bail "mount failed"

# --- the cluster run inside -------------------------------------------------------------------
say "running tests/versions/cluster.sh in the root (PGBIN=/usr/lib/postgresql/17/bin)"
in_root PGBIN=/usr/lib/postgresql/17/bin BUILD=0 timeout 1500 bash "$ROOT/tests/versions/cluster.sh" \
  > "$CACHE/cluster.log" 2>&1
rc=$?
sed 's/^/# d13: /' "$CACHE/cluster.log"
if read -r p f < <(pgv_cluster_counts "$CACHE/cluster.log" 17); then
  PASS=$((PASS + p)); FAIL=$((FAIL + f))
  [ "$rc" = 0 ] || [ "$f" != 0 ] || nok "the cluster run exited $rc"
  say "versions-cluster-17: $p passed, $f failed"
else
  nok "the cluster run in Debian 13 printed no summary (exit $rc, log $CACHE/cluster.log)"
fi
grep -E '^# times: ' "$CACHE/cluster.log" | tail -1
cleanup
no_mounts_left() { ! mounted_under "$R"; }
check "every mount under the root removed" no_mounts_left
finish
