# shellcheck shell=bash
# Step a2 of tests/versions/cluster.sh (sourced there, P the primary and S the sync standby):
# what the recurring monitor costs and when it takes the cluster snapshot
# (docs/contract.md §5.10.1), with other nodes and an operator changing attributes between
# two monitors.

check "crm_mon's trimmed form (the agent's snapshot) gives the view of its whole output" crm_views_equal "$P"
both_envs() { mon_env "$P" 3000 && mon_env "$S" 4000; }
check "node$P and node$S: the environment of Pacemaker's recurring monitors" both_envs
record_is_current() {  # node I's record names its streaming receiver's connection
  local pid; pid=$(receiver_pid "$1")
  [ -n "$pid" ] && [[ $(standby_record "$1") == "receiver $pid@"* ]]
}
check "node$S: a snapshot recorded its receiver connection (tmpdir/standby_streaming)" wait_for 20 record_is_current "$S"
standby_mon_quiet() {  # a standby monitor: 0, and no program run (no crm_mon)
  local rc; rc=$(mon_traced "$S")
  say "standby monitor on node$S: rc $rc, programs: $(mon_programs "$S" | tr '\n' ';')"
  [ "$rc" = 0 ] && [ -z "$(mon_programs "$S")" ]
}
check "steady state: node$S's monitor returns 0 and runs no program (no snapshot)" standby_mon_quiet
primary_mon_one_snapshot() {
  local rc; rc=$(mon_traced "$P")
  say "primary monitor on node$P: rc $rc, programs: $(mon_programs "$P" | tr '\n' ';')"
  [ "$rc" = 8 ] && [ "$(mon_programs "$P")" = "/usr/sbin/crm_mon ${SNAPSHOT_ARGS[*]}" ]
}
check "steady state: node$P's monitor returns 8 and runs one crm_mon (trimmed), nothing else" primary_mon_one_snapshot

# an operator changes the standby's status from the primary's node: the standby has nothing
# to write (the shell agent's standby neither), the primary's next monitor puts it back
nx "$P" crm_attribute -l reboot -N "node$S" -n pgsql-status -v HS:alone >/dev/null 2>&1
check "node$P sets node$S's pgsql-status HS:alone by hand: node$S's monitor still takes no snapshot" standby_mon_quiet
pstat_is() { [ "$(pstat "$1")" = "$2" ]; }
check "node$P's monitor puts node$S's pgsql-status back to HS:sync" wait_for 20 pstat_is "$S" HS:sync

# the one documented difference: DISCONNECT by hand for a standby that streams on
nx "$P" crm_attribute -l forever -N "node$S" -n pgsql-data-status -v DISCONNECT >/dev/null 2>&1
check "DISCONNECT by hand for streaming node$S: its monitor takes no snapshot (contract §5.10.1)" standby_mon_quiet
dstat_is() { [ "$(dstat "$1")" = "$2" ]; }
check "node$P's monitor puts node$S's data-status back to STREAMING|SYNC" wait_for 20 dstat_is "$S" "STREAMING|SYNC"

# the standby's probe (a refresh on its node) sets its own score -INFINITY while its server
# keeps streaming: only the primary's read of the snapshot can see it
nx "$S" crm_resource --refresh -r pgsql-clone -N "node$S" >/dev/null 2>&1
score_is() { [ "$(score "$1")" = "$2" ]; }
check "a refresh of node$S (its probe): node$P's monitor puts node$S's score back to 100" wait_for 30 score_is "$S" 100

# the primary's agent writes DISCONNECT for the standby between two of its monitors: the
# standby's connection is cut (blackhole route to the VIP on node S, its walsender ended)
OLDPID=$(receiver_pid "$S")
nx "$S" ip route add blackhole "$VIP/32"
sqln "$P" "select pg_terminate_backend(pid) from pg_stat_replication where application_name = 'node$S'" >/dev/null
check "cut: node$P's monitor writes DISCONNECT for node$S" wait_for 30 dstat_is "$S" DISCONNECT
check "cut: node$S's monitor answers with HS:alone (it took the snapshot: no streaming receiver)" wait_for 30 pstat_is "$S" HS:alone
standby_mon_snapshot() {  # a standby monitor that takes the snapshot
  local rc; rc=$(mon_traced "$S")
  say "standby monitor on node$S: rc $rc, programs: $(mon_programs "$S" | tr '\n' ';')"
  [ "$rc" = 0 ] && [ "$(mon_snapshots "$S")" = 1 ]
}
check "cut: node$S's monitor takes the snapshot" standby_mon_snapshot
no_record() { [ -z "$(standby_record "$1")" ]; }
check "cut: node$S's record is gone" no_record "$S"
nx "$S" ip route del blackhole "$VIP/32"
new_receiver() { local p; p=$(receiver_pid "$S"); [ -n "$p" ] && [ "$p" != "$OLDPID" ]; }
check "link back: node$S streams on a new connection" wait_for 60 new_receiver
check "link back: node$S is HS:sync again" wait_for 30 standbys_ok "$P"
check "link back: a snapshot recorded node$S's new connection" wait_for 20 record_is_current "$S"
check "link back: node$S's monitor takes no snapshot again" standby_mon_quiet
