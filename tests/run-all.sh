#!/bin/bash
# Runs every test layer of the project and prints counts per layer:
#   style (fmt, clippy), unit tests, black-box tests against real PostgreSQL 15,
#   ocf-tester against the installed agent, the agent under real Pacemaker clusters:
#   single node (rep_mode none), 2 and 3 nodes (promotable clone, failover scenarios), and a
#   smoke run of the benchmark command (every figure recorded; no thresholds).
# Installs what it needs first (packaging/deps.sh). Run as root on Debian 12.
# Last line: "N passed, M failed" over all layers.
set -u
cd "$(dirname "$(readlink -f "$0")")/.."
export PATH="$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOGS=${TEST_LOGS:-/tmp/pgsql-ra-test-logs}
rm -rf "$LOGS"; mkdir -p "$LOGS"

[ "$(id -u)" = 0 ] || { echo "run as root: the tests run PostgreSQL as user postgres and start Pacemaker" >&2; exit 1; }
bash packaging/deps.sh || { echo "packaging/deps.sh failed" >&2; exit 1; }

declare -a LAYERS=()
TOTAL_P=0; TOTAL_F=0
layer() { # name passed failed
  LAYERS+=("$(printf '%-28s %4d passed, %d failed' "$1" "$2" "$3")")
  TOTAL_P=$((TOTAL_P + $2)); TOTAL_F=$((TOTAL_F + $3))
}

echo "=== style: cargo fmt --check, cargo clippy -D warnings"
p=0; f=0
if cargo fmt --all -- --check > "$LOGS/fmt.log" 2>&1; then p=$((p+1)); else f=$((f+1)); cat "$LOGS/fmt.log"; fi
if cargo clippy --all-targets -- -D warnings > "$LOGS/clippy.log" 2>&1; then p=$((p+1)); else f=$((f+1)); tail -40 "$LOGS/clippy.log"; fi
layer "style" $p $f

echo "=== build"
cargo build --release 2>&1 | tail -2
[ -x target/release/pgsql ] || { echo "build failed"; exit 1; }

echo "=== cargo test (unit + black-box against real PostgreSQL 15)"
cargo test --no-fail-fast 2>&1 | tee "$LOGS/cargo-test.log" | grep -E '^(test |     Running|test result)' 
# per test binary: "Running unittests src/lib.rs (...)" then "test result: ok. N passed; M failed"
python3 - "$LOGS/cargo-test.log" > "$LOGS/cargo-layers.txt" <<'PY'
import re, sys
unit = [0, 0]; black = [0, 0]; cur = None
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s+Running (\S+)", line)
    if m:
        cur = "unit" if m.group(1).startswith("unittests") else "black"
    m = re.match(r"test result: \w+\. (\d+) passed; (\d+) failed", line)
    if m and cur:
        t = unit if cur == "unit" else black
        t[0] += int(m.group(1)); t[1] += int(m.group(2))
print(unit[0], unit[1], black[0], black[1])
PY
read up uf bp bf < "$LOGS/cargo-layers.txt"
if ! grep -q 'test result' "$LOGS/cargo-test.log"; then uf=$((uf+1)); tail -30 "$LOGS/cargo-test.log"; fi
layer "unit tests" "$up" "$uf"
layer "black-box (real PostgreSQL)" "$bp" "$bf"

tap_layer() { # name script
  local name=$1; shift
  echo "=== $name"
  bash "$@" 2>&1 | tee "$LOGS/$name.log"
  local line
  line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$LOGS/$name.log" | tail -1)
  if [ -n "$line" ]; then
    local p f
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    layer "$name" "$p" "$f"
  else
    layer "$name" 0 1
  fi
}
tap_layer ocf-tester tests/ocf-tester.sh
tap_layer pacemaker1 tests/pacemaker1.sh
tap_layer pacemaker2 tests/pacemaker2.sh 2
tap_layer pacemaker3 tests/pacemaker2.sh 3
tap_layer bench-smoke tests/bench-smoke.sh

echo
echo "=== summary"
printf '%s\n' "${LAYERS[@]}"
echo "logs: $LOGS"
echo "$TOTAL_P passed, $TOTAL_F failed"
[ "$TOTAL_F" = 0 ]
