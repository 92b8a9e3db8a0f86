#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # functions run through check / trap
# The packages on a fresh machine: `bash packaging/build.sh` (the .deb and the .rpm, lintian
# and rpmlint), then a new Debian 12 root made by mmdebstrap (variant apt: nothing of this
# host in it) where `apt-get install ./<the .deb>` pulls its dependencies from the Debian
# mirror, and Pacemaker's own tool finds the agent: `crm_resource --show-metadata
# ocf:pgsqlrs:pgsql` prints the meta-data with the package's version; the man page is where
# man looks; removing the package removes the agent. The .rpm is listed and its files
# checked (rpm -qlp); no RPM-based root is made.
#
# usage: tests/package.sh        (as root; downloads from the mirror in /etc/apt/sources*)
# Output: TAP-like lines, the last one "package: P passed, F failed"; exit 1 on a failure.
# Env: KEEP_ROOT=1 (leave the Debian root in place, its path printed)
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
TAP_LAYER=package
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"
need_root package.sh
PROVIDER=pgsqlrs
AGENT=/usr/lib/ocf/resource.d/$PROVIDER/pgsql
VERSION=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$ROOT/Cargo.toml" | sed -n 1p)
LOG=$(mktemp /tmp/pgsql-package.XXXXXX.log)

apt_ensure "$LOG" mmdebstrap libxml2-utils || bail "apt-get install mmdebstrap libxml2-utils failed (log: $LOG)"

built() { (cd "$ROOT" && bash packaging/build.sh) > "$LOG" 2>&1; }
check "packaging/build.sh built both packages (log: $LOG)" built || { tail -30 "$LOG" | sed 's/^/# /'; bail "no packages"; }
first() { for f in "$@"; do [ -f "$f" ] && { echo "$f"; return; }; done; }
DEB=$(first "$ROOT"/target/packages/resource-agents-pgsqlrs_"$VERSION"-*_amd64.deb)
RPM=$(first "$ROOT"/target/packages/resource-agents-pgsqlrs-"$VERSION"-*.rpm)
check "the .deb is there: ${DEB##*/}" [ -f "$DEB" ]
check "the .rpm is there: ${RPM##*/}" [ -f "$RPM" ]
say "lintian: $(grep -E '^[EW]: ' "$LOG" | grep -c '^W: ') warnings, $(grep -c '^E: ' "$LOG") errors"
grep -E '^[EW]: ' "$LOG" | sed 's/^/#   /'
rpm_lists() { rpm -qlp "$RPM" 2>/dev/null | grep -qx "$AGENT" && rpm -qlp "$RPM" 2>/dev/null | grep -q "ocf_${PROVIDER}_pgsql.7"; }
check "rpm -qlp: the agent and the man page in the .rpm" rpm_lists
rpm -qlp "$RPM" 2>/dev/null | sed 's/^/#   rpm: /'

# --- a fresh Debian 12 -----------------------------------------------------------------------
R=$(mktemp -d /tmp/pgsql-debroot.XXXXXX)
cleanup() {
  mountpoint -q "$R/proc" && umount "$R/proc"
  if [ "${KEEP_ROOT:-0}" = 1 ]; then say "root left in $R"; else rm -rf "$R"; fi
}
trap cleanup EXIT
made_root() { mmdebstrap --variant=apt --quiet bookworm "$R" >> "$LOG" 2>&1; }
check "mmdebstrap: a fresh Debian 12 root (variant apt)" made_root || bail "no root (log: $LOG)"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }
check "no Pacemaker and no agent in it before" sh -c "! test -e '$R$AGENT' && ! test -e '$R/usr/sbin/crm_resource'"
cp "$DEB" "$R/tmp/"
mount -t proc proc "$R/proc"
apt_installed() {
  in_root apt-get update >> "$LOG" 2>&1 &&
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "/tmp/${DEB##*/}" >> "$LOG" 2>&1
}
check "apt-get install ./${DEB##*/} in the fresh root (pacemaker-cli-utils pulled in)" apt_installed
check "the agent is at $AGENT, executable" test -x "$R$AGENT"
in_root dpkg -L resource-agents-pgsqlrs | sed 's/^/#   dpkg -L: /'
meta() { in_root crm_resource --show-metadata "ocf:$PROVIDER:pgsql" 2>&1; }
meta_ok() {
  local m; m=$(meta)
  xmllint --noout - <<< "$m" && grep -q "<resource-agent name=\"pgsql\" version=\"$VERSION\"" <<< "$m"
}
check "crm_resource --show-metadata ocf:$PROVIDER:pgsql: valid XML, version $VERSION" meta_ok
say "crm_resource prints: $(meta | head -3 | tr '\n' ' ')"
check "man page at /usr/share/man/man7/ocf_${PROVIDER}_pgsql.7.gz" test -f "$R/usr/share/man/man7/ocf_${PROVIDER}_pgsql.7.gz"
# no PostgreSQL in that root: validate-all of level 10 (the local checks) is "not installed"
# (5) and names pg_ctl; a probe
# (a monitor without an interval) is "not running" (7), as OCF wants of a probe
VAL_OUT=; VAL_RC=; PROBE_RC=
runs_there() {
  VAL_OUT=$(in_root env OCF_CHECK_LEVEL=10 "$AGENT" validate-all 2>&1); VAL_RC=$?
  in_root "$AGENT" monitor >/dev/null 2>&1; PROBE_RC=$?
  [ "$VAL_RC" = 5 ] && grep -q '^ocf-exit-reason:.*pg_ctl' <<< "$VAL_OUT" && [ "$PROBE_RC" = 7 ]
}
check "the agent runs in the fresh root without PostgreSQL: validate-all (level 10) 5 naming pg_ctl, a probe 7" runs_there
say "validate-all: rc=$VAL_RC $(grep ocf-exit-reason <<< "$VAL_OUT"); probe: rc=$PROBE_RC"
removed() { in_root apt-get remove -y resource-agents-pgsqlrs >> "$LOG" 2>&1 && ! test -e "$R$AGENT"; }
check "apt-get remove takes the agent away" removed
finish
