#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Keeps the benchmark command working: `bench/run.sh --smoke` (our agent only, one sample of
# everything, its own state directory, subnet and namespaces) must run through and record
# every figure. Checks that each figure was measured, never its value: benchmarks have no
# thresholds.
# usage: tests/bench-smoke.sh      (as root; installs bench/deps.sh packages first)
# Last line: "bench-smoke: P passed, F failed".
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
TAP_LAYER=bench-smoke
# shellcheck source=lib/tap.sh
. "$ROOT/tests/lib/tap.sh"
H=${HARNESS_DIR:-/tmp/pgsql-ra-bench}
R=$H/results-smoke

mkdir -p "$H"
if bash "$ROOT/bench/deps.sh" > "$H/deps.log" 2>&1; then ok "bench/deps.sh"; else nok "bench/deps.sh"; tail -20 "$H/deps.log"; fi
rm -f "$R/ours.tsv"
if HARNESS_DIR=$H bash "$ROOT/bench/run.sh" --smoke 2>&1 | sed 's/^/# /'; then
  ok "bench/run.sh --smoke ran through"
else
  nok "bench/run.sh --smoke ran through"
fi
# one recorded number per figure the report is made of
for m in create_promoted create_streaming create_sync \
         idle_pri_wall idle_pri_cpu idle_pri_exec idle_pri_rss idle_std_wall idle_std_exec \
         load_pri_wall load_std_wall pgbench_tps \
         crash_write crash_promoted crash_rejoin_cleanup \
         switch_promoted switch_write \
         kill_write kill_promoted kill_rejoin_cleanup floor_crm_wall floor_crm_cpu \
         crash_split_detect crash_split_sched crash_split_agent crash_split_vip \
         kill_split_detect kill_split_sched kill_split_agent kill_split_vip; do
  if awk -F'\t' -v m="$m" '$1 == m && $2 ~ /^[0-9.]+$/ {f = 1} END {exit !f}' "$R/ours.tsv" 2>/dev/null; then
    ok "figure $m: $(awk -F'\t' -v m="$m" '$1 == m {print $2; exit}' "$R/ours.tsv")"
  else
    nok "figure $m recorded"
  fi
done
if [ -s "$H/benchmarks-smoke.md" ] && grep -q '^| monitor on the primary' "$H/benchmarks-smoke.md"; then
  ok "report written ($H/benchmarks-smoke.md)"
else
  nok "report written"
fi
no_bench_netns_left() { ! ip netns list | grep -q '^pgrb-'; }
check "no pgrb-* namespace left" no_bench_netns_left
finish
