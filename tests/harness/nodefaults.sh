# shellcheck shell=bash
# Node states, power and faults of the real-cluster tests (tests/faults.sh, bench/soak.sh;
# FENCING=1 clusters): how a node is described in the manual's notation, the normal state,
# the power controller's log, power-on, nftables cuts, the S-LAN of row 2. Sourced by
# pgclone.sh (after lib.sh), whose queries it uses.

# --- node states, power and faults (tests/faults.sh, bench/soak.sh; FENCING=1 clusters) -------
other() { [ "$1" = 1 ] && echo 2 || echo 1; }   # the other node of a 2-node cluster
online() { mon -1 --output-as=xml 2>/dev/null | grep -q "<node name=\"node$1\" [^>]*online=\"true\""; }
# pgsql_fail_count I : pgsql's fail-count on node I as crm_mon -f shows it (empty when none)
pgsql_fail_count() {
  mon -1 -f --output-as=xml 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
for n in ET.parse(sys.stdin).iter("node"):
    if n.get("name") == sys.argv[1]:
        for r in n.iter("resource_history"):
            if r.get("id") == "pgsql" and r.get("fail-count"):
                print(r.get("fail-count"))' "node$1"
}
has_lock() { test -f "$H/n$1/pgsql/tmp/PGSQL.lock"; }
# describe I : "score/data-status/status" plus, where PostgreSQL is not active, " OUS"
# (stopped with a fail-count) and " lock" (PGSQL.lock on disk, which keeps it from starting;
# a running primary always has one); "offline/data-status" for a node that is not a member
describe() {
  local i=$1 d fc
  if ! online "$i"; then
    d="offline/$(dstat "$i")"
  else
    d="$(score "$i")/$(dstat "$i")/$(pstat "$i")"
    pgsql_active_on "$i" && { echo "$d"; return; }
    fc=$(pgsql_fail_count "$i")
    if [ -n "$fc" ] && [ "$fc" != 0 ]; then d="$d OUS"; fi
  fi
  has_lock "$i" && d="$d lock"
  echo "$d"
}
described_as() { [ "$(describe "$1")" = "$2" ]; }
# normal_state P : node P is promoted with 1000/LATEST/PRI and the others are ready (N=2:
# the other node 100/STREAMING|SYNC/HS:sync; N=3: one HS:sync and one HS:async), row 0
normal_state() {
  local p=$1
  [ "$(promoted_node)" = "$p" ] && score_dstat_pstat_is "$p" "1000/LATEST/PRI" || return 1
  if [ "$N" = 2 ]; then score_dstat_pstat_is "$(other "$p")" "100/STREAMING|SYNC/HS:sync"; else standbys_ok "$p"; fi
}
normal_state_now() { local p; p=$(promoted_node) && [ -n "$p" ] && normal_state "$p"; }
# write_after T0 : the client has an acknowledged commit started after T0
# first_write_s T0 : how long after T0 that commit ended
write_after() { [ -n "$(writer_first_ok_after "$1")" ]; }
first_write_s() { local fo; fo=$(writer_first_ok_after "$1"); awk -v e="${fo#* }" -v t="$1" 'BEGIN{printf "%.1f", e - t}'; }
# the power controller's log: its length, and what it did since the row began
power_log_lines() { wc -l 2>/dev/null < "$H/power/powerd.log" || echo 0; }
power_log_new() { tail -n "+$((${PL0:-0} + 1))" "$H/power/powerd.log" 2>/dev/null; }   # PL0: the caller's mark
# powered_off_by TARGET ASKER : since the row began, ASKER's fencer powered TARGET off
powered_off_by() { power_log_new | grep -q "powerd: off node$1 (asked by node$2): rc=0"; }
node_powered() { holder_pid "$1" >/dev/null 2>&1; }

# power_on_node I : the operator powers node I on (cluster2.sh poweron) and it joins
power_on_node() {
  "$CLUSTER" poweron "$1" 2>&1 | sed 's/^/# /'
  [ "${PIPESTATUS[0]}" = 0 ] || { echo "# cluster2.sh poweron $1 failed"; return 1; }
  wait_for 90 online "$1"
}
# A second network, the service LAN of PG-REX (S-LAN), for the rows that need it: bridge br1
# in the switch namespace, eth1 = $SLAN_NET.<i>/24 on every node and $SLAN_NET.$CLIENT_HOST on the
# client (the router stand-in there). slan_up N / slan_down N; the links go with the nodes'
# namespaces (a power-off), slan_down removes what is left.
SLAN_NET=${SLAN_NET:-10.79.0}
slan_up() {
  local i sw=${NETNS_PREFIX}-sw
  ip -n "$sw" link add br1 type bridge && ip -n "$sw" link set br1 up || return 1
  for i in $(seq 1 "$1") c; do
    local peer=${NETNS_PREFIX}-n$i addr=$SLAN_NET.$i
    [ "$i" = c ] && { peer=$CLIENT_NETNS; addr=$SLAN_NET.$CLIENT_HOST; }
    ip link add name "sv$i" netns "$sw" type veth peer name eth1 netns "$peer" || return 1
    ip -n "$sw" link set "sv$i" master br1 && ip -n "$sw" link set "sv$i" up || return 1
    ip -n "$peer" addr add "$addr/24" dev eth1 && ip -n "$peer" link set eth1 up || return 1
  done
}
slan_down() {
  local i sw=${NETNS_PREFIX}-sw
  for i in $(seq 1 "$1") c; do ip -n "$sw" link del "sv$i" 2>/dev/null; done
  ip -n "$sw" link del br1 2>/dev/null
  return 0
}

# nft_cut I OUT_RULES IN_RULES : a table pgra_fault in node I's network namespace (it
# outlives a power-off: nft_heal removes it)
nft_cut() {
  local i=$1; shift
  ip netns exec "${NETNS_PREFIX}-n$i" nft -f - <<EOF
table inet pgra_fault {
  chain out { type filter hook output priority 0; $1 }
  chain in  { type filter hook input priority 0;  $2 }
}
EOF
}
nft_heal() { ip netns exec "${NETNS_PREFIX}-n$1" nft delete table inet pgra_fault 2>/dev/null; }

