#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# A short soak in CI: `bench/soak.sh --failovers 6` (every kind once, kill twice) on a real
# 2-node cluster with fencing, its own state directory. Passes when every failover came back
# to the normal state and nothing acknowledged was lost; the times are printed, never judged.
# usage: tests/soak-smoke.sh      (as root)
# Last line: "soak-smoke: P passed, F failed".
set -u
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
TAP_LAYER=soak-smoke
# shellcheck source=lib/tap.sh
. "$ROOT/tests/lib/tap.sh"
H=${HARNESS_DIR:-/tmp/pgsql-ra-harness}
SD=$H/soak-smoke
N=${SOAK_FAILOVERS:-6}

if SOAK_DIR=$SD BUILD=${BUILD:-1} bash "$ROOT/bench/soak.sh" --failovers "$N" 2>&1 | sed 's/^/# /'; then
  ok "bench/soak.sh --failovers $N exited 0"
else
  nok "bench/soak.sh --failovers $N exited 0"
fi
line=$(grep -E '^soak: failovers=' "$SD/soak.log" | tail -1)
check "the last line is the soak summary: $line" [ -n "$line" ]
check "all $N failovers done" grep -q "^soak: failovers=$N " <<< "$line"
check "lost=0" grep -qE " lost=0( |$)" <<< "$line"
while IFS=$'\t' read -r n kind tw att ack fnd _ okk; do
  check "failover $n ($kind): back to normal, nothing lost (first write after $tw s, $att/$ack/$fnd)" [ "$okk" = 1 ]
done < "$SD/soak.tsv"
finish
