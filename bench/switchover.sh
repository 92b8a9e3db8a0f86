# shellcheck shell=bash
# bench/run.sh's planned switchover and the old primary's way back (sourced by run.sh, whose
# helpers and variables it uses): rebuild I, rejoin I, switchover (docs/benchmarks.md,
# "Planned switchover"; docs/contract.md §5.12 for the rejoin_after_switchover round).
# rebuild I : node I rebuilt from the primary and back as a standby (rebuild_node: ban while
# it is active, wipe, pg_basebackup via the VIP, data_hook, rm PGSQL.lock, clear, cleanup);
# waits until it is sync_ok. Sets T_REBUILD (whole), T_CLEANUP (cleanup -> ready).
rebuild() {
  local i=$1
  T_REBUILD=-; T_CLEANUP=-
  rebuild_node "$i" || { say "rebuild node$i: $REB_ERR"; return 1; }
  if wait_for 120 sync_ok "$REB_P" "$i"; then
    T_CLEANUP=$(elapsed "$REB_TC"); T_REBUILD=$(elapsed "$REB_T0")
    say "node$i rebuilt and back ($T_REBUILD s, $T_CLEANUP s after the cleanup)"
  else
    say "node$i not back after the rebuild"; show; return 1
  fi
}
# rejoin I : bring the failed old primary back. ours/shell keep PGSQL.lock -> rebuild. PAF
# keeps no lock: first try a plain `crm_resource --cleanup` (30 s), rebuild only if the
# node does not stream by then. Sets REJOIN_MODE.
rejoin() {
  local i=$1 p tc
  REJOIN_MODE=rebuild
  if [ "$AG" = paf ]; then
    settle 60s; p=$(promoted_node)
    tc=$(now)
    cx crm_resource --cleanup -r pgsql-clone -N "node$i" >/dev/null 2>&1
    if wait_for 30 sync_ok "$p" "$i"; then
      REJOIN_MODE="cleanup only"; T_CLEANUP=$(elapsed "$tc"); T_REBUILD=-
      say "node$i back as a streaming standby after a plain cleanup ($T_CLEANUP s)"; return 0
    fi
    say "node$i does not stream 30 s after a plain cleanup: $(mon -1 2>/dev/null | grep -iE 'pgsql|fail' | tr '\n' ';')"
  fi
  [ -f "$H/n$i/pgsql/tmp/PGSQL.lock" ] && REJOIN_MODE="rebuild (PGSQL.lock)"
  rebuild "$i"
}

switchover() {
  local P S t0 end tp=- tw=- ts=- gap lock=no failed
  P=$(promoted_node); S=$(other "$P")
  writer_start "$AG-switch" $(( $(date +%s%N) / 1000 % 1000000000000 + 500000000000 ))
  wait_for 30 acks_at_least 10
  t0=$(now)
  cx crm_resource --move --promoted -r pgsql-clone -N "node$S" -Q > "$H/move.out" 2>&1 \
    || { say "crm_resource --move --promoted failed: $(cat "$H/move.out")"; writer_stop; return 1; }
  end=$(awk -v n="$(now)" 'BEGIN{printf "%.3f", n + 120}')
  while awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n < e)}'; do
    [ "$tp" = - ] && [ "$(promoted_node)" = "$S" ] && tp=$(elapsed "$t0")
    if [ "$tp" != - ] && [ "$tw" = - ] && vip_on "$S" \
       && [ "$(sqlv "insert into t(id, note) values ($(( $(date +%s%N) / 1000 % 1000000000000 + 900000000000 )), 'switchover') returning 1" 2>/dev/null)" = 1 ]; then
      tw=$(elapsed "$t0")
    fi
    [ "$tw" != - ] && break
    sleep 0.2
  done
  [ "$tp" != - ] && rec switch_promoted "$tp"
  [ "$tw" != - ] && rec switch_write "$tw"
  sleep 2; writer_stop
  gap=$(writer_max_gap); rec switch_write_gap "$gap"
  cx crm_resource --clear --promoted -r pgsql-clone -Q >/dev/null 2>&1 || cx crm_resource --clear -r pgsql-clone -Q >/dev/null 2>&1
  [ "$tw" = - ] && { say "switchover did not complete"; show; return 1; }
  if wait_for "$SW_WAIT" streaming "$S" "$P"; then
    ts=$(elapsed "$t0"); rec switch_old_streams "$ts"
    [ "$AG" != paf ] && wait_for 30 sync_ok "$S" "$P" && rec switch_old_sync "$(elapsed "$t0")"
    rec switch_manual_steps 0
    info switch_manual "none: the old primary node$P streams again by itself (${ts} s after --move)"
  else
    [ -f "$H/n$P/pgsql/tmp/PGSQL.lock" ] && lock=yes
    failed=$(failed_actions)
    say "old primary node$P does not stream $SW_WAIT s after --move: PGSQL.lock $lock; failures: ${failed:-none}"; show
    rejoin "$P" || return 1
    [ "$T_REBUILD" != - ] && rec switch_rejoin_rebuild "$T_REBUILD"
    # the operator's commands: a cleanup; or rm -rf of the data, pg_basebackup, rm PGSQL.lock, a cleanup
    if [ "$REJOIN_MODE" = "cleanup only" ]; then rec switch_manual_steps 1; else rec switch_manual_steps 4; fi
    info switch_manual "old primary node$P not streaming $SW_WAIT s after --move (PGSQL.lock: $lock; failed actions: ${failed:-none}); manual work: $REJOIN_MODE, which took ${T_REBUILD} s until it streamed"
  fi
}


# switchovers : SW_N switchovers, each from the normal state
switchovers() {
  local k
  for k in $(seq 1 "$SW_N"); do
    step "$AG: switchover $k/$SW_N: crm_resource --move --promoted, --clear"
    wait_for 120 ready || { say "not ready"; show; break; }
    switchover || break
  done
}
