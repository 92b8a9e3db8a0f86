# shellcheck shell=bash disable=SC2317,SC2034  # functions run through check / wait_for; TW is faults.sh's
# tests/faults.sh: the resource rows: 4 a standby's start that fails, 9 the primary's disk, 6
# a promote that fails.
# Sourced by tests/faults.sh, which defines what they use (begin_row, expect, ledger,
# note_write, rebuild_old and the harness of tests/harness/pgclone.sh); each row_<R>
# starts from the normal state and leaves it behind.

row_4() {
  begin_row 4 "resource failure: a standby's start that fails (PGSQL.lock left on it)"
  # the standby stopped (a ban, as for maintenance), the lock planted, the ban cleared: its
  # start must fail (a monitor failure alone would not start it again: migration-threshold 1)
  cx crm_resource --ban -r pgsql-clone -N "node$S" -Q >/dev/null 2>&1
  wait_for 60 pgsql_inactive_on "$S" || say "pgsql still active on node$S"
  install -o postgres -g postgres -m 600 /dev/null "$H/n$S/pgsql/tmp/PGSQL.lock"
  cx crm_resource --clear -r pgsql-clone -N "node$S" -Q >/dev/null 2>&1
  start_refused4() { [ "$(failed_start_reason "$S")" = "$REASON" ]; }
  check "row 4: node$S's start refused with '$REASON'" wait_for 60 start_refused4
  check "row 4: node$P expected 1000/LATEST/PRI" expect 4 "$P" "1000/LATEST/PRI"
  check "row 4: node$S expected -INFINITY/DISCONNECT/STOP OUS lock" expect 4 "$S" "-INFINITY/DISCONNECT/STOP OUS lock"
  A0=$(writer_acks)
  check "row 4: commits go on (async)" wait_for 30 acks_at_least "$((A0 + 10))"
  TW[4]=0
  ledger 4 "$P"
  step "row 4 recovery: the lock removed, cleanup"
  rm -f "$H/n$S/pgsql/tmp/PGSQL.lock"
  cx crm_resource --cleanup -r pgsql-clone -N "node$S" >/dev/null 2>&1
  check "recovery: node$S back as the sync standby" wait_for 120 normal_state "$P"
}

row_9() {
  begin_row 9 "internal disk failure on the primary: pg_wal read-only and empty"
  # A bind remount read-only is refused while PostgreSQL has files open for writing (EBUSY),
  # so the failed disk is an empty read-only file system over pg_wal: the server's next WAL
  # segment cannot be opened or created (it runs in pgdata, paths relative to it cross into
  # the mount), as on a disk that went away under it.
  WALDIR=/var/lib/pgsql/data/pg_wal
  check "row 9: an empty read-only file system mounted over node$P's pg_wal" \
    nx "$P" mount -t tmpfs -o ro,size=1m pgra-failed-disk "$WALDIR"
  T0=$(now)
  sqln "$P" "select pg_switch_wal()" >/dev/null 2>&1
  note_write 9 "$T0"
  check "row 9: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 9 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  check "row 9: node$S expected 1000/LATEST/PRI" expect 9 "$S" "1000/LATEST/PRI"
  say "row 9: node$P's server log: $(grep -h -m1 -E 'PANIC|could not (open|create)' "$H/n$P/log/postgresql/"*.log 2>/dev/null | tail -c 200)"
  ledger 9 "$S"
  step "row 9 recovery: the disk replaced (the mount removed), the old primary rebuilt"
  online "$P" && { nx "$P" umount "$WALDIR" || nok "recovery: the failed disk unmounted on node$P"; }
  rebuild_old "$P"
}

row_6() {
  begin_row 6 "resource failure: the promote of the elected standby fails"
  # on node S only, pg_ctl refuses "promote" (a bind mount over it in S's mount namespace)
  cp "$PGBIN/pg_ctl" "$H/pg_ctl.real"
  printf '#!/bin/sh\ncase " $* " in *" promote "*) echo "pg_ctl: promote refused (tests/faults.sh row 6)" >&2; exit 1 ;; esac\nexec %s "$@"\n' \
    "$H/pg_ctl.real" > "$H/pg_ctl.fail"
  chmod 755 "$H/pg_ctl.real" "$H/pg_ctl.fail"
  nx "$S" mount --bind "$H/pg_ctl.fail" "$PGBIN/pg_ctl"
  PM=$(head -1 "$H/n$P/pgsql/data/postmaster.pid")
  T0=$(nx "$P" sh -c "date +%s.%N; kill -9 $PM")
  promote_failed() { [ -n "$(failed_actions pgsql_promote_0 "node$S")" ]; }
  check "row 6: the promote on node$S failed" wait_for 90 promote_failed
  say "row 6: node$S's failed action: $(failed_actions pgsql_promote_0 "node$S")"
  nobody() { settle 30s; [ -z "$(promoted_node)" ]; }
  check "row 6: no primary afterwards (2 nodes: the old primary is out as well)" wait_for 60 nobody
  show_expect 6 "$S" no-primary 2
  check "row 6: node$P expected -INFINITY/DISCONNECT/STOP OUS lock" expect 6 "$P" "-INFINITY/DISCONNECT/STOP OUS lock"
  # the failed promote created PGSQL.lock; the demote after it removed it again, since no
  # standby instance was left anywhere: harmless, this node was never a primary
  check "row 6: node$S expected -INFINITY/STREAMING|SYNC/STOP OUS" expect 6 "$S" "-INFINITY/STREAMING|SYNC/STOP OUS"
  TW[6]=-
  step "row 6 recovery: pg_ctl repaired on node$S; its data is the newest (it was the sync standby): lock removed, cleanup; it is elected and promoted; node$P rebuilt"
  nx "$S" umount "$PGBIN/pg_ctl"
  rm -f "$H/n$S/pgsql/tmp/PGSQL.lock"
  cx crm_resource --cleanup -r pgsql-clone -N "node$S" >/dev/null 2>&1
  check "recovery: node$S promoted (PRI)" wait_for 120 promoted_pri "$S"
  ledger 6 "$S"
  rebuild_old "$P"
}
