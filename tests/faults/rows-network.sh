# shellcheck shell=bash disable=SC2317,SC2034  # functions run through check / wait_for; TW is faults.sh's
# tests/faults.sh: the network rows: 3 the replication link cut, 8 the VIP lost, 1 / 1b the
# ping target lost on the primary / on both nodes, 2 the primary's service LAN down.
# Sourced by tests/faults.sh, which defines what they use (begin_row, expect, ledger,
# note_write, rebuild_old and the harness of tests/harness/pgclone.sh); each row_<R>
# starts from the normal state and leaves it behind.

row_3() {
  begin_row 3 "D-LAN failure: the replication link cut"
  T0=$(now)
  nft_cut "$S" "ip daddr { $NET.$P, $VIP } tcp dport 5432 drop;" "ip saddr { $NET.$P, $VIP } tcp sport 5432 drop;"
  check "row 3: node$P expected 1000/LATEST/PRI" expect 3 "$P" "1000/LATEST/PRI"
  check "row 3: node$S expected -INFINITY/DISCONNECT/HS:alone" expect 3 "$S" "-INFINITY/DISCONNECT/HS:alone"
  if [ "$N" = 2 ]; then
    async_now3() { [ -z "$(sqln "$P" "show synchronous_standby_names")" ]; }
    check "row 3: node$P went async (synchronous_standby_names empty)" wait_for 30 async_now3
  else
    check "row 3: node$A expected 100/STREAMING|SYNC/HS:sync (the other standby named)" expect 3 "$A" "100/STREAMING|SYNC/HS:sync"
  fi
  A0=$(writer_acks)
  check "row 3: commits go on" wait_for 30 acks_at_least "$((A0 + 10))"
  TW[3]=0
  ledger 3 "$P"
  show_expect 3 "$P" degraded 1 "$S" "DISCONNECT"
  step "row 3 recovery: the link back"
  nft_heal "$S"
  check "recovery: node$S back as a streaming standby" wait_for 120 normal_state "$P"
}

row_8() {
  begin_row 8 "VIP failure on the primary"
  nx "$P" ip addr del "$VIP/24" dev eth0
  T0=$(now)   # the address is gone: nothing started later reaches node$P
  note_write 8 "$T0"
  check "row 8: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 8 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  check "row 8: node$S expected 1000/LATEST/PRI" expect 8 "$S" "1000/LATEST/PRI"
  ledger 8 "$S"
  cx crm_resource --cleanup -r vip-master >/dev/null 2>&1
  rebuild_old "$P"
}

row_1() {
  begin_row 1 "router failure: the ping target lost on the primary"
  T0=$(now)
  nft_cut "$P" "ip daddr $NET.$CLIENT_HOST icmp type echo-request drop;" ""
  note_write 1 "$T0"
  check "row 1: node$P expected -INFINITY/DISCONNECT/STOP lock" expect 1 "$P" "-INFINITY/DISCONNECT/STOP lock"
  check "row 1: node$S expected 1000/LATEST/PRI" expect 1 "$S" "1000/LATEST/PRI"
  ledger 1 "$S"
  step "row 1 recovery: the router back, the old primary rebuilt"
  nft_heal "$P"
  ping_back() { [ "$(attr "$P" ping-status)" = 100 ]; }
  check "recovery: ping-status of node$P is 100 again" wait_for 60 ping_back
  rebuild_old "$P"
}

row_2() {
  # The S-LAN of PG-REX: clients reach vip-slan over eth1, and a second ping resource watches
  # the router on that network (IPaddr2's monitor checks only that the address is assigned,
  # so a dead link is seen by the ping, as PG-REX configures it).
  step "row 2 setup: the service LAN ($SLAN_NET.0/24 on eth1) with vip-slan, ping-slan and its rule"
  SLVIP=$SLAN_NET.100
  slan_ping_ok() { local i; for i in $(seq 1 "$N"); do [ "$(attr "$i" ping-slan-status)" = 100 ] || return 1; done; }
  slan_resources() {
    cx cibadmin -C -o resources -X "$(PING_ID=ping-slan PING_ATTR=ping-slan-status PING_HOST=$SLAN_NET.$CLIENT_HOST "$XMLGEN" ping)" &&
      cx cibadmin -C -o resources -X "$(VIP_ID=vip-slan VIP_NIC=eth1 VIP=$SLVIP "$XMLGEN" vip)" &&
      cx cibadmin -C -o constraints -X "$(VIP_ID=vip-slan "$XMLGEN" colocation)" || return 1
    wait_for 60 slan_ping_ok || return 1
    cx cibadmin -C -o constraints -X "$(PING_ID=ping-slan PING_ATTR=ping-slan-status "$XMLGEN" ping-location)"
  }
  slvip_on() { nx "$1" ip -4 addr show dev eth1 2>/dev/null | grep -q "$SLVIP/"; }
  check "row 2 setup: eth1 on every node and the client" slan_up "$N"
  check "row 2 setup: ping-slan-status 100 everywhere, then the rule; vip-slan with the primary" slan_resources
  check "row 2 setup: vip-slan on the primary node$(promoted_node)" wait_for 60 slvip_on "$(promoted_node)"
  VIP0=$VIP; VIP=$SLVIP   # the client commits through the S-LAN's VIP in this row
  begin_row 2 "S-LAN failure: the primary's service network link down"
  nx "$P" ip link set eth1 down
  T0=$(now)
  note_write 2 "$T0"
  check "row 2: node$P expected -INFINITY/DISCONNECT/STOP lock" expect 2 "$P" "-INFINITY/DISCONNECT/STOP lock"
  check "row 2: node$S expected 1000/LATEST/PRI" expect 2 "$S" "1000/LATEST/PRI"
  check "row 2: vip-slan moved to node$S" wait_for 30 slvip_on "$S"
  ledger 2 "$S"
  step "row 2 recovery: the link back, the old primary rebuilt; the S-LAN resources removed"
  nx "$P" ip link set eth1 up
  slan_back() { [ "$(attr "$P" ping-slan-status)" = 100 ]; }
  check "recovery: ping-slan-status of node$P is 100 again" wait_for 60 slan_back
  VIP=$VIP0   # the rebuild's base backup goes through vip-master, on the D-LAN
  rebuild_old "$P"
  slan_removed() {
    cx cibadmin -D -o constraints -X '<rsc_location id="pgsql-clone-needs-ping-slan"/>' &&
      cx cibadmin -D -o constraints -X '<rsc_colocation id="vip-slan-with-promoted"/>' &&
      cx cibadmin -D -o resources -X '<primitive id="vip-slan"/>' &&
      cx cibadmin -D -o resources -X '<clone id="ping-slan-clone"/>' || return 1
    settle 60s
    [ -z "$(mon -1 --output-as=xml 2>/dev/null | xml_active vip-slan ping-slan)" ] && slan_down "$N"
  }
  check "row 2 cleanup: vip-slan, ping-slan and eth1 removed" slan_removed
}

row_1b() {
  begin_row 1b "router failure on both nodes"
  for i in $(seq 1 "$N"); do nft_cut "$i" "ip daddr $NET.$CLIENT_HOST icmp type echo-request drop;" ""; done
  both_stopped() { pgsql_inactive_on 1 && pgsql_inactive_on 2 && none_running; }
  check "row 1b: PostgreSQL stopped on both nodes (no service, by design)" wait_for 90 both_stopped
  show_expect 1b "$P" no-primary 2
  # Which node stays LATEST depends on whose ping monitor notices first: the primary (it is
  # demoted while the standby exists, and keeps PGSQL.lock), or the standby (promoted for
  # a moment, then stopped as the last primary). The manual's rule holds either way: the
  # operator starts the LATEST node first, after removing its lock.
  settle 30s
  L=; for i in 1 2; do [ "$(dstat "$i")" = LATEST ] && L="$L$i"; done
  check "row 1b: exactly one node stays LATEST (node${L:-none})" [ "${#L}" = 1 ]
  [ "${#L}" = 1 ] || L=$P
  O=$(other "$L")
  local lo=; has_lock "$O" && lo=" lock"
  check "row 1b: node$L (the primary before: node$P) expected -INFINITY/LATEST/STOP, with or without the lock" \
    expect 1b "$L" "-INFINITY/LATEST/STOP$(has_lock "$L" && echo " lock")"
  stale_other() { [[ $(describe "$O") =~ ^-INFINITY/(STREAMING\|SYNC|DISCONNECT)/STOP( lock)?$ ]]; }
  check "row 1b: node$O expected -INFINITY/(STREAMING|SYNC or DISCONNECT)/STOP: $(describe "$O")" stale_other
  printf '1b\tnode%s\t%s\t%s\t%s\n' "$O" "-INFINITY/not LATEST/STOP" "$(describe "$O")" "$([ "$O" = "$P" ] && echo primary || echo standby)" >> "$TABLE"
  TW[1b]=-
  step "row 1b recovery: the router back; node$L (data-status LATEST) starts first, its lock removed"
  for i in $(seq 1 "$N"); do nft_heal "$i"; done
  check "recovery: ping-status 100 on both" wait_for 60 ping_ok
  rm -f "$H/n$L/pgsql/tmp/PGSQL.lock"
  cx crm_resource --cleanup -r pgsql-clone >/dev/null 2>&1
  if [ -n "$lo" ]; then
    # node$O holds a lock: its start is refused, node$L alone is elected
    check "recovery: node$L promoted (PRI)" wait_for 180 promoted_pri "$L"
    ledger 1b "$L"
    rebuild_old "$O"   # a former primary with its lock: rebuilt, as after a failover
  else
    # both stopped at the same WAL position (the primary demoted before it stopped, the
    # sync standby had everything): the election may choose either
    check "recovery: a primary and its sync standby again" wait_for 180 replication_ready
    say "row 1b: the election chose node$(promoted_node) (node$L was LATEST)"
    ledger 1b "$(promoted_node)"
  fi
}
