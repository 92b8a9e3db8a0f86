# shellcheck shell=bash disable=SC2317,SC2034  # functions run through check / wait_for; TW is faults.sh's
# tests/faults.sh: `pgsql show` and the agent run by hand, in the states the rows make
# (docs/contract.md §1.5 and §10). Sourced by tests/faults.sh after
# tests/harness/show-checks.sh; node arguments are numbers, as for nx.
#
#   show_expect ROW I VERDICT RC [J PATTERN]   pgsql show on node I: its plain form printed;
#                          the verdict and exit status checked and, with J, that nodeJ's
#                          problem ("why") matches the extended regex PATTERN
#   show_base ROW I        the plain form fits 80 columns; the CIB is unchanged by a show
#   by_hand ROW I WANT_RC PATTERN   the agent's monitor run by an operator at a terminal on
#                          node I (a pty from script(1), the resource's parameters from the
#                          CIB, none of the variables Pacemaker passes): its exit status, an
#                          INFO line matching PATTERN, and no node attribute changed
#   row_E                  the row of an election held open (below)

show_is() { [ "$(show_verdict "$1")" = "$2" ] && [ "$(show_rc "$1")" = "$3" ]; }
show_why_matches() { show_problem "$1" "node$2" | grep -qE "$3"; }
show_expect() {
  local row=$1 i=$2 v=$3 rc=$4 j=${5:-} pat=${6:-}
  say "row $row: pgsql show on node$i:"
  show_plain "$i" 2>&1 | sed 's/^/#     /'
  check "row $row: pgsql show on node$i: verdict $v, exit status $rc (got $(show_verdict "$i"), $(show_rc "$i"))" \
    show_is "$i" "$v" "$rc"
  if [ -n "$j" ]; then
    check "row $row: pgsql show on node$i: node$j's problem matches '$pat' ($(show_problem "$i" "node$j"))" \
      show_why_matches "$i" "$j" "$pat"
    say "row $row: what to do for node$j: $(show_advice "$i" "node$j")"
  fi
}
show_base() {
  check "row $1: pgsql show's plain form fits 80 columns on node$2" show_fits_80 "$2"
  check "row $1: pgsql show on node$2 leaves the CIB as it was (epoch, num_updates)" show_cib_unchanged "$2"
}

# what an operator sets to run the agent by hand: the instance attributes of the primitive
# pgsql and the clone's meta attributes (OCF_RESKEY_CRM_meta_promotable, ..._clone_max,
# ...), one assignment per line
rsc_env() {
  cx cibadmin -Q -o resources 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.stdin)
for c in t.iter("clone"):
    if c.get("id") == "pgsql-clone":
        for ma in c.findall("meta_attributes"):
            for nv in ma.findall("nvpair"):
                print("OCF_RESKEY_CRM_meta_%s=%s" % (nv.get("name").replace("-", "_"), nv.get("value")))
for p in t.iter("primitive"):
    if p.get("id") == "pgsql":
        for ia in p.findall("instance_attributes"):
            for nv in ia.findall("nvpair"):
                print("OCF_RESKEY_%s=%s" % (nv.get("name"), nv.get("value")))'
}
BH_OUT=; BH_RC=
run_by_hand() {
  local envs=() l
  while IFS= read -r l; do envs+=("$l"); done < <(rsc_env)
  nx "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb OCF_ROOT=/usr/lib/ocf \
    OCF_RESOURCE_INSTANCE=pgsql "${envs[@]}" script -qec "$SHOW_AGENT monitor" /dev/null > "$H/by-hand.out" 2>&1
  BH_RC=$?
  BH_OUT=$(tr -d '\r' < "$H/by-hand.out")
}
by_hand() {
  local row=$1 i=$2 want=$3 pat=$4 before after l
  settle 30s
  before=$(states_line)
  run_by_hand "$i"
  after=$(states_line)
  say "row $row: 'pgsql monitor' by hand at a terminal on node$i: exit $BH_RC"
  while IFS= read -r l; do echo "#     $l"; done <<< "$BH_OUT"
  check "row $row: by hand on node$i: monitor exits $want" [ "$BH_RC" = "$want" ]
  check "row $row: by hand on node$i: an INFO line says '$pat'" grep -qE "INFO: .*$pat" <<< "$BH_OUT"
  check "row $row: by hand on node$i: no node attribute changed ($before)" [ "$before" = "$after" ]
}

# row E (not a row of the manual): an election held open. The clone stopped, its
# xlog_check_count raised to 30 (30 monitors of 4 s with unchanged WAL positions before a
# standby may claim promotion), started again: both nodes are standbys without a primary,
# and pgsql show says how many more monitors the election needs, fewer at each look.
# Then the parameter removed (Pacemaker restarts the instances), the default 3 elects a
# primary, and the normal state is back.
election_needs() {  # I : the number of monitors nodeI's election still needs, per show on I
  show_problem "$1" "node$1" | sed -nE 's/.*it needs ([0-9]+) more monitors? .*/\1/p'
}
row_E() {
  begin_row E "an election held open (xlog_check_count 30): pgsql show counts the monitors it needs"
  local i n1 n2 want
  cx crm_resource -r pgsql-clone --meta -p target-role -v Stopped -Q >/dev/null 2>&1
  all_stopped() { for i in $(seq 1 "$N"); do pgsql_active_on "$i" && return 1; done; none_running; }
  check "row E: the clone stopped on every node" wait_for 120 all_stopped
  for i in $(seq 1 "$N"); do  # a planned stop: the last primary's lock, if any, is the operator's
    [ -e "$H/n$i/pgsql/tmp/PGSQL.lock" ] && { say "row E: PGSQL.lock left on node$i by the planned stop: removed"; rm -f "$H/n$i/pgsql/tmp/PGSQL.lock"; }
  done
  cx crm_resource -r pgsql --set-parameter xlog_check_count --parameter-value 30 -Q >/dev/null 2>&1
  cx crm_resource -r pgsql-clone --meta -p target-role -v Started -Q >/dev/null 2>&1
  sampling() { [ "$(pstat 1)" = HS:alone ] && [ -n "$(election_needs 1)" ]; }
  check "row E: node1 is a standby in an election (HS:alone, show counts monitors)" wait_for 90 sampling
  show_expect E 1 no-primary 2 1 "an election is in progress; it needs [0-9]+ more monitors?"
  n1=$(election_needs 1)
  sleep 9   # two monitor intervals
  n2=$(election_needs 1)
  fewer() { [ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -lt "$n1" ] && [ "$n1" -le 31 ]; }
  check "row E: the count goes down as monitors pass ($n1, then $n2 after 9 s; at most 31 for 30 samples)" fewer
  show_base E 1
  nobody_promoted() { [ -z "$(promoted_node)" ]; }
  check "row E: still no primary while the election is open" nobody_promoted
  step "row E recovery: xlog_check_count back to its default (3): a primary is elected"
  cx crm_resource -r pgsql --delete-parameter xlog_check_count -Q >/dev/null 2>&1
  check "recovery: a primary and its sync standby again" wait_for 180 replication_ready
  want=$(promoted_node)
  TW[E]=-
  ledger E "$want"
}
