#!/bin/bash
# Runs every test layer of the project and prints counts per layer:
#   style (fmt, clippy, rustdoc, shellcheck), unit tests, black-box tests against real PostgreSQL 15,
#   ocf-tester against the installed agent, the agent under real Pacemaker clusters:
#   single node (rep_mode none), 2 and 3 nodes (promotable clone, failover scenarios), the
#   PG-REX fault rows with real fencing on 2 and 3 nodes (tests/faults.sh), the rejoin after
#   a switchover and its unsafe cases on 2 and 3 nodes (tests/rejoin.sh), a short soak of
#   failovers (tests/soak-smoke.sh), the live migration from ocf:heartbeat:pgsql
#   (tests/migrate.sh), the packages installed on a fresh Debian 12 root (tests/package.sh),
#   the PostgreSQL version matrix (tests/versions.sh: 11, 13, 17 and 18; every major from
#   10 to 18 with FULL=1), the 2-node run on Debian 13 with Pacemaker 3.0 (tests/debian13.sh),
#   and a smoke run of the benchmark command (every figure recorded; no thresholds).
# Installs what it needs first (packaging/deps.sh). Run as root on Debian 12.
# Last line: "N passed, M failed" over all layers; exit 1 when anything failed.
# RUN_LAYERS=fast runs only style, build and the unit tests (tests/ci-selftest.sh uses it).
set -u
cd "$(dirname "$(readlink -f "$0")")/.." || exit 1
export PATH="$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOGS=${TEST_LOGS:-/tmp/pgsql-ra-test-logs}
rm -rf "$LOGS"; mkdir -p "$LOGS"

[ "$(id -u)" = 0 ] || { echo "run as root: the tests run PostgreSQL as user postgres and start Pacemaker" >&2; exit 1; }
bash packaging/deps.sh || { echo "packaging/deps.sh failed" >&2; exit 1; }

declare -a LAYERS=()
TOTAL_P=0; TOTAL_F=0
MARK=$SECONDS   # each layer's time: from the end of the one before
layer() { # name passed failed
  LAYERS+=("$(printf '%-28s %4d passed, %d failed  (%d s)' "$1" "$2" "$3" $((SECONDS - MARK)))")
  MARK=$SECONDS
  TOTAL_P=$((TOTAL_P + $2)); TOTAL_F=$((TOTAL_F + $3))
}

echo "=== style: cargo fmt --check, cargo clippy -D warnings, rustdoc -D warnings, shellcheck"
p=0; f=0
if cargo fmt --all -- --check > "$LOGS/fmt.log" 2>&1; then p=$((p+1)); else f=$((f+1)); cat "$LOGS/fmt.log"; fi
if cargo clippy --all-targets -- -D warnings > "$LOGS/clippy.log" 2>&1; then p=$((p+1)); else f=$((f+1)); tail -40 "$LOGS/clippy.log"; fi
if RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items > "$LOGS/rustdoc.log" 2>&1; then
  p=$((p+1)); else f=$((f+1)); tail -40 "$LOGS/rustdoc.log"; fi
# every shell script of the tree (the build directory aside)
if find . \( -path ./target -o -path ./.git \) -prune -o \( -name '*.sh' -o -path ./.ci/run -o -path ./tests/harness/fence_pgra \) -type f -print0 \
     | xargs -0 shellcheck -x > "$LOGS/shellcheck.log" 2>&1; then
  p=$((p+1)); else f=$((f+1)); tail -40 "$LOGS/shellcheck.log"; fi
layer "style" $p $f

echo "=== build"
# a failed build stops the run: later layers would test a stale binary
BIN=${CARGO_TARGET_DIR:-target}/release/pgsql
rm -f "$BIN"
if ! cargo build --release > "$LOGS/build.log" 2>&1 || [ ! -x "$BIN" ]; then
  tail -40 "$LOGS/build.log"; echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
tail -1 "$LOGS/build.log"

# counts "test result:" lines of one cargo test run; its exit status counts too (a test
# binary that aborts prints no result line but exits non-zero)
cargo_layer() { # name log rc
  local name=$1 log=$2 rc=$3 p f
  read -r p f < <(awk '/^test result: /{for(i=1;i<=NF;i++){if($(i)~/^passed;/)p+=$(i-1); if($(i)~/^failed;/)f+=$(i-1)}} END{print p+0, f+0}' "$log")
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "$name: cargo test exited $rc"; tail -30 "$log"; fi
  if ! grep -q '^test result: ' "$log"; then f=$((f+1)); fi
  layer "$name" "$p" "$f"
}

# the property tests draw their 10^5 cases per property from a fixed seed in CI, so a run
# is repeatable; a wider search runs them with PROPTEST_CASES=10000000 and random seeds
export PROPTEST_RNG_SEED=${PROPTEST_RNG_SEED:-20261201}

echo "=== unit tests (cargo test --lib)"
timeout 600 cargo test --lib --no-fail-fast > "$LOGS/unit.log" 2>&1; rc=$?
grep -E '^test result|FAILED|panicked' "$LOGS/unit.log"
cargo_layer "unit tests" "$LOGS/unit.log" $rc

echo "=== unit tests as user nobody (the non-root lane)"
# the same test binary, run by an ordinary user; the one test of the real runner's
# privilege drop needs root and is skipped by name. The properties run 1000 cases each
# here (NOBODY_PROPTEST_CASES): the root lane just ran the same seeded 10^5, and a parser
# does not depend on the user running it; what this lane checks is that every test holds
# without root's rights (about 200 s saved)
ubin=$(cargo test --lib --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])' | head -1)
NB=$(mktemp -d /tmp/pgsql-nobody.XXXXXX); chmod 755 "$NB"
if [ -n "$ubin" ] && cp "$ubin" "$NB/unit"; then
  chmod 755 "$NB/unit"
  (cd "$NB" && timeout 300 runuser -u nobody -- env PROPTEST_CASES="${NOBODY_PROPTEST_CASES:-1000}" ./unit --skip exec::tests::drops_to_the_named_user) > "$LOGS/unit-nobody.log" 2>&1; rc=$?
else
  echo "no unit test binary" > "$LOGS/unit-nobody.log"; rc=1
fi
rm -rf "$NB"
grep -E '^test result|FAILED|panicked' "$LOGS/unit-nobody.log"
cargo_layer "unit tests (nobody)" "$LOGS/unit-nobody.log" $rc

summary() {
  echo
  echo "=== summary"
  printf '%s\n' "${LAYERS[@]}"
  echo "logs: $LOGS"
  echo "time: $SECONDS s (tests/run-all.sh, packaging/deps.sh included)"
  echo "$TOTAL_P passed, $TOTAL_F failed"
  [ "$TOTAL_F" = 0 ]
}
if [ "${RUN_LAYERS:-all}" = fast ]; then summary; exit; fi

echo "=== black-box tests against real PostgreSQL 15 (cargo test --test blackbox)"
timeout 1200 cargo test --test blackbox --no-fail-fast > "$LOGS/blackbox.log" 2>&1; rc=$?
grep -E '^test |^test result' "$LOGS/blackbox.log"
cargo_layer "black-box (real PostgreSQL)" "$LOGS/blackbox.log" $rc

tap_layer() { # name script
  local name=$1; shift
  echo "=== $name"
  timeout 1800 bash "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$LOGS/$name.log" | tail -1)
  if [ -n "$line" ]; then
    local p f
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    # a script that exits non-zero (a crash, a timeout) fails even if its line says 0 failed
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "$name: exited $rc"; fi
    layer "$name" "$p" "$f"
  else
    echo "$name: no summary line (exit $rc)"
    layer "$name" 0 1
  fi
}
tap_layer ocf-tester tests/ocf-tester.sh
tap_layer pacemaker1 tests/pacemaker1.sh
tap_layer pacemaker2 tests/pacemaker2.sh 2
tap_layer pacemaker3 tests/pacemaker2.sh 3
tap_layer faults tests/faults.sh 2
tap_layer faults3 tests/faults.sh 3
tap_layer rejoin tests/rejoin.sh 2
tap_layer rejoin3 tests/rejoin.sh 3
tap_layer soak-smoke tests/soak-smoke.sh
tap_layer migrate tests/migrate.sh
tap_layer package tests/package.sh
if [ "${FULL:-0}" = 1 ]; then
  tap_layer versions tests/versions.sh 10 11 12 13 14 15 16 17 18
else
  tap_layer versions tests/versions.sh 11 13 17 18
fi
BUILD=0 tap_layer debian13 tests/debian13.sh
tap_layer bench-smoke tests/bench-smoke.sh
tap_layer ci-selftest tests/ci-selftest.sh
summary
