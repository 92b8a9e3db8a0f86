#!/bin/bash
# shellcheck source-path=SCRIPTDIR disable=SC2317  # the check functions run through check, the hooks through finish
# resource-agents' ocf-tester against OUR installed agent (rep_mode=none) with a real
# PostgreSQL 15 cluster in a temp directory, plus meta-data validation against the OCF DTD
# and RelaxNG schema, and meta-data / methods as user nobody without any parameters.
#
# usage: tests/ocf-tester.sh            (as root)
#
# Prints TAP-like "ok N - ..." / "not ok N - ..." lines and finally
# "ocf-tester: N passed, M failed"; exits 1 when a check failed.
#
# Env: PROVIDER (default pgsqlrs)  TEST_PGPORT (default 55433)  BUILD=0 (skip cargo build)
#      KEEP=1 (keep the temp directory)  OCF_AGENT=PATH (run the checks on another executable,
#      e.g. the shell agent for comparison; the build is still installed)
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck source=harness/lib.sh
. "$T/harness/lib.sh"
TAP_LAYER=ocf-tester
# shellcheck source=lib/tap.sh
. "$T/lib/tap.sh"

PROVIDER=${PROVIDER:-pgsqlrs}
PORT=${TEST_PGPORT:-55433}
INSTALLED=/usr/lib/ocf/resource.d/$PROVIDER/pgsql
AGENT=${OCF_AGENT:-$INSTALLED}   # OCF_AGENT=PATH tests another executable (e.g. for comparison)
DTD=/usr/share/resource-agents/ra-api-1.dtd
RNG=/usr/share/resource-agents/metadata.rng

need_root ocf-tester.sh

W=$(mktemp -d /tmp/pgsql-ocft.XXXXXX)
chmod 755 "$W"
DATA=$W/data
SOCK=$W/run
PGLOG=$W/postgres.log

CLEANED=0
cleanup() {
  [ $CLEANED = 1 ] && return 0
  CLEANED=1
  pg_stop_by_pid "$DATA" | sed 's/^/# /'
  if [ "${KEEP:-0}" = 1 ]; then say "KEEP=1: $W kept"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tap_before_finish() { cleanup; }

# --- install -----------------------------------------------------------------------------
[ "${BUILD:-1}" != 0 ] && build_agent 1
installed_mode_755() { install_agent; [ "$(stat -c %a "$INSTALLED" 2>/dev/null)" = 755 ]; }
check "agent installed as $INSTALLED (packaging/install.sh, mode 755)" installed_mode_755 \
  || bail "agent not installed"

# --- meta-data and methods as nobody, no parameters ------------------------------------------
MD=$(cd / && runuser -u nobody -- env -i PATH=/usr/bin:/bin "$AGENT" meta-data 2>"$W/md.err"); RC=$?
check "runuser -u nobody -- pgsql meta-data (no parameters): exit $RC" [ $RC = 0 ]
meta_data_is_xml() { echo "$MD" | xmllint --noout - 2>/dev/null && echo "$MD" | is_pgsql_metadata; }
check "... prints well-formed XML with <resource-agent name=\"pgsql\">" meta_data_is_xml
[ -s "$W/md.err" ] && sed 's/^/# meta-data stderr: /' "$W/md.err"
ME=$(cd / && runuser -u nobody -- env -i PATH=/usr/bin:/bin "$AGENT" methods 2>"$W/me.err"); RC=$?
check "runuser -u nobody -- pgsql methods (no parameters): exit $RC" [ $RC = 0 ]
say "methods: ${ME//$'\n'/ }"
lists_actions() { local a; for a in "$@"; do echo "$ME" | grep -qx "$a" || return 1; done; }
check "... lists start stop monitor meta-data validate-all" \
  lists_actions start stop monitor meta-data validate-all
[ -s "$W/me.err" ] && sed 's/^/# methods stderr: /' "$W/me.err"

# --- meta-data against the DTD and the RelaxNG schema ---------------------------------------
"$AGENT" meta-data > "$W/meta-data.xml" 2>/dev/null
# from the DTD's directory (the DOCTYPE names "ra-api-1.dtd" relatively), as ocf-tester does
xmlcheck() { (cd "$(dirname "$DTD")" && xmllint --noout "$@" - < "$W/meta-data.xml") 2>&1 | grep -vx -- "- validates" | sed "s/^/# /"; return "${PIPESTATUS[0]}"; }
check "meta-data valid: xmllint --noout --dtdvalid $DTD" xmlcheck --dtdvalid "$DTD"
check "meta-data valid: xmllint --noout --relaxng $RNG" xmlcheck --relaxng "$RNG"
if [ -f "$ROOT/ocf-metadata/pgsql.xml" ]; then
  meta_data_is_committed() {
    diff -u "$ROOT/ocf-metadata/pgsql.xml" "$W/meta-data.xml" | head -20 | sed "s/^/# /"
    [ "${PIPESTATUS[0]}" = 0 ]
  }
  check "meta-data equals the committed ocf-metadata/pgsql.xml" meta_data_is_committed
fi

# --- PostgreSQL cluster ----------------------------------------------------------------------
port_in_use "$PORT" && bail "port $PORT in use"
check "initdb of a PostgreSQL 15 cluster in $DATA (port $PORT, socket dir $SOCK)" \
  pg_initdb "$W" "$PORT" "$SOCK" || bail "initdb failed"

# --- ocf-tester --------------------------------------------------------------------------------
ARGS=(-n pgsql
  -o "pgctl=$PGBIN/pg_ctl" -o "psql=$PGBIN/psql" -o "pgdata=$DATA" -o "pgport=$PORT"
  -o "socketdir=$SOCK" -o "logfile=$PGLOG" -o rep_mode=none)
say "ocf-tester ${ARGS[*]} $AGENT"
T0=$(now)
(cd / && ocf-tester "${ARGS[@]}" "$AGENT") > "$W/ocf-tester.out" 2>&1; RC=$?
say "ocf-tester took $(elapsed "$T0") s, exit $RC; its last lines:"
tail -n 15 "$W/ocf-tester.out" | sed 's/^/#   /'
LAST=$(grep . "$W/ocf-tester.out" | tail -1)
if grep -q "rc=6: Demoting a start resource should not fail" "$W/ocf-tester.out"; then
  say "hint: promote/demote with rep_mode=none exit 6 (OCF_ERR_CONFIGURED, as the shell agent does);"
  say "      ocf-tester accepts only 0, or 3 (OCF_ERR_UNIMPLEMENTED) for an agent without promotion,"
  say "      and aborts here, leaving PostgreSQL running (this script stops it)"
fi
check "ocf-tester exit 0" [ $RC = 0 ]
ocf_tester_passed() { grep -qx "$AGENT passed all tests" "$W/ocf-tester.out"; }
check "ocf-tester: \"$AGENT passed all tests\"" ocf_tester_passed
pg_stopped() { [ ! -e "$DATA/postmaster.pid" ] && ! pg_postmaster_pid "$DATA" >/dev/null; }
check "PostgreSQL stopped again after ocf-tester (no postmaster.pid, no postmaster)" pg_stopped
check "server log says \"database system is shut down\"" shut_down_logged "$PGLOG" 5

echo "# ocf-tester final line: $LAST"
finish
