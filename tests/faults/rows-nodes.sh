# shellcheck shell=bash disable=SC2317,SC2034  # functions run through check / wait_for; TW is faults.sh's
# tests/faults.sh: the node rows: 5 (with 12 in its recovery) kill -9 of the primary's
# postmaster, 10 / 10b power-off of the primary / the standby, 7 a stop that cannot finish
# (fenced), 11 the interconnect cut, 11n the same without fencing (the promote guard).
# Sourced by tests/faults.sh, which defines what they use (begin_row, expect, ledger,
# note_write, rebuild_old and the harness of tests/harness/pgclone.sh); each row_<R>
# starts from the normal state and leaves it behind.

row_5() {
  begin_row 5 "resource failure: kill -9 of the primary's postmaster"
  PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -9 $PM")
  note_write 5 "$T0"
  check "row 5: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 5 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  check "row 5: node$S expected 1000/LATEST/PRI" expect 5 "$S" "1000/LATEST/PRI"
  [ "$N" = 3 ] && check "row 5: node$A expected 100/STREAMING|SYNC/HS:sync (follows the new primary)" expect 5 "$A" "100/STREAMING|SYNC/HS:sync"
  ledger 5 "$S"
  # on the old primary's node, where show sees the lock (elsewhere only a failed start's
  # reason would name it)
  show_expect 5 "$P" degraded 1 "$P" "PGSQL.lock"
  show_expect 5 "$S" degraded 1 "$P" "monitor failed"
  by_hand 5 "$P" 7 "PostgreSQL is down"
  # row 12: the former primary restarted without removing the lock
  step "row 12: the lock left behind"
  cx crm_resource --cleanup -r pgsql-clone -N "node$P" >/dev/null 2>&1
  refused() { [ "$(failed_start_reason "$P")" = "$REASON" ]; }
  check "row 12: node$P's start refused: '$REASON'" wait_for 60 refused
  printf '12\tnode%s\t%s\t%s\tprimary\n' "$P" "start refused: $REASON" "start refused: $(failed_start_reason "$P")" >> "$TABLE"
  rebuild_old "$P"
}

row_10() {
  begin_row 10 "node failure of the primary: power-off"
  # T0 once the node is off: nothing started later can have committed on it
  "$CLUSTER" poweroff "$P" 2>&1 | sed 's/^/# /'
  T0=$(now)
  note_write 10 "$T0"
  # 3 nodes: whichever survivor's fencer asks first (the DC's, as a rule) does the fencing
  check "row 10: a survivor's fencer (node$S${A:+ or node$A}) powered node$P off (fence_pgra, powerd log)" \
    wait_for 60 powered_off_by "$P" "[$S${A:-}]"
  check "row 10: node$P expected offline/DISCONNECT lock" expect 10 "$P" "offline/DISCONNECT lock"
  check "row 10: node$S expected 1000/LATEST/PRI" expect 10 "$S" "1000/LATEST/PRI"
  [ "$N" = 3 ] && check "row 10: node$A expected 100/STREAMING|SYNC/HS:sync (follows the new primary)" expect 10 "$A" "100/STREAMING|SYNC/HS:sync"
  ledger 10 "$S"
  show_expect 10 "$S" degraded 1 "$P" "offline"
  rebuild_old "$P"
}

row_10b() {
  begin_row 10b "node failure of the standby: power-off"
  T0=$(now)
  "$CLUSTER" poweroff "$S" 2>&1 | sed 's/^/# /'
  check "row 10b: node$P's fencer powered node$S off" wait_for 60 powered_off_by "$S" "$P"
  check "row 10b: node$P expected 1000/LATEST/PRI" expect 10b "$P" "1000/LATEST/PRI"
  check "row 10b: node$S expected offline/DISCONNECT" expect 10b "$S" "offline/DISCONNECT"
  async_now() { [ -z "$(sqln "$P" "show synchronous_standby_names")" ]; }
  check "row 10b: node$P went async (synchronous_standby_names empty)" wait_for 30 async_now
  A0=$(writer_acks)
  check "row 10b: commits go on" wait_for 30 acks_at_least "$((A0 + 10))"
  ledger 10b "$P"
  step "row 10b recovery: power the standby on; it rejoins with its own data"
  power_on_node "$S" || nok "recovery: node$S online again"
  check "recovery: node$S back as the sync standby" wait_for 120 normal_state "$P"
}

row_7() {
  begin_row 7 "resource failure: a primary whose stop cannot finish (postmaster SIGSTOPped)"
  PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -STOP $PM")
  note_write 7 "$T0"
  check "row 7: node$P fenced by node$S" wait_for 120 powered_off_by "$P" "$S"
  check "row 7: node$P expected offline/DISCONNECT lock" expect 7 "$P" "offline/DISCONNECT lock"
  check "row 7: node$S expected 1000/LATEST/PRI" expect 7 "$S" "1000/LATEST/PRI"
  ledger 7 "$S"
  rebuild_old "$P"
}

row_11() {
  begin_row 11 "interconnect failure: corosync traffic cut between the nodes"
  T0=$(now)
  nft_cut "$S" "ip daddr $NET.$P udp dport 5405 drop;" "ip saddr $NET.$P udp sport 5405 drop;"
  two_primaries=0; lost=
  # sampled while waiting: both servers out of recovery at once would be two primaries
  fenced11() {
    local a b
    a=$(sqln 1 "select not pg_is_in_recovery()" 2>/dev/null); b=$(sqln 2 "select not pg_is_in_recovery()" 2>/dev/null)
    [ "$a" = t ] && [ "$b" = t ] && two_primaries=1
    lost=$(power_log_new | sed -n 's/.*powerd: off node\([0-9]\) (asked by node[0-9]): rc=0.*/\1/p' | tail -1)
    [ -n "$lost" ] && ! node_powered "$lost"
  }
  check "row 11: one node fenced the other" wait_for 90 fenced11
  say "row 11: node${lost:-?} was powered off; the power controller did: $(power_log_new | sed 's/.*powerd: //' | tr '\n' ';')"
  check "row 11: the primary node$P survived the fencing race (priority-fencing-delay)" [ "${lost:-}" = "$S" ]
  check "row 11: node$P expected 1000/LATEST/PRI" expect 11 "$P" "1000/LATEST/PRI"
  check "row 11: never two servers accepting writes at once" [ "$two_primaries" = 0 ]
  ledger 11 "$P"
  step "row 11 recovery: interconnect repaired, node$S powered on, rejoins with its own data"
  nft_heal "$S"
  power_on_node "$S" || nok "recovery: node$S online again"
  check "recovery: node$S back as the sync standby" wait_for 120 normal_state "$P"
}

row_11n() {
  # Not a row of the manual (PG-REX always fences): the same interconnect cut with fencing
  # disabled. Each side then believes the other is gone, and the standby's side promotes.
  # The agent's guard (docs/contract.md §5.9) must refuse that promote while its WAL
  # receiver still streams from a primary that answers at master_ip.
  begin_row 11n "interconnect failure with fencing disabled: the promote guard"
  cx crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null 2>&1
  T0=$(now)
  nft_cut "$S" "ip daddr $NET.$P udp dport 5405 drop;" "ip saddr $NET.$P udp sport 5405 drop;"
  two_primaries=0
  on_s() { ( cx() { nx "$S" "$@"; }; "$@" ); }   # a tool of node S's own partition
  refused11n() {
    local a b
    a=$(sqln "$P" "select not pg_is_in_recovery()" 2>/dev/null); b=$(sqln "$S" "select not pg_is_in_recovery()" 2>/dev/null)
    [ "$a" = t ] && [ "$b" = t ] && two_primaries=1
    [[ $(on_s failed_actions pgsql_promote_0 "node$S") == "refusing to promote: the WAL receiver streams from a live primary"* ]]
  }
  check "row 11n: node$S's own partition tried to promote it, and the agent refused" wait_for 120 refused11n
  say "row 11n: node$S's promote failed with: $(on_s failed_actions pgsql_promote_0 "node$S")"
  say "row 11n: node$S's partition sees: $(on_s states_line)"
  stays_standby() { sqln "$S" "select pg_is_in_recovery()" 2>/dev/null | grep -qx t || ! postmaster_alive "$S"; }
  check "row 11n: node$S never left recovery (a standby or stopped)" stays_standby
  A0=$(writer_acks)
  check "row 11n: commits go on on node$P" wait_for 30 acks_at_least "$((A0 + 10))"
  check "row 11n: never two servers accepting writes at once" [ "$two_primaries" = 0 ]
  TW[11n]=-
  ledger 11n "$P"
  step "row 11n recovery: the interconnect repaired, fencing enabled again, cleanup"
  nft_heal "$S"
  merged() { online "$P" && online "$S" && [ "$(on_s online "$P" && echo y)" = y ]; }
  check "recovery: the partitions merged" wait_for 90 merged
  check "row 11n: node$P expected 1000/LATEST/PRI" expect 11n "$P" "1000/LATEST/PRI"
  check "row 11n: node$S expected -INFINITY/DISCONNECT/STOP OUS" expect 11n "$S" "-INFINITY/DISCONNECT/STOP OUS"
  cx crm_attribute -t crm_config -n stonith-enabled -v true >/dev/null 2>&1
  cx crm_resource --cleanup -r pgsql-clone -N "node$S" >/dev/null 2>&1
  check "recovery: node$S back as the sync standby, its own data kept" wait_for 120 normal_state "$P"
}
