# shellcheck shell=bash
# Checks of `pgsql show` (docs/contract.md §10) for the cluster tests, on a cluster2.sh
# cluster: source after lib.sh (nx). Node arguments are numbers, as for nx (I = nodeI).
# JSON is read with python3 (the harness already needs it). None of these writes anything:
# show itself never does, and show_cib_unchanged proves it on a real CIB.
#
#   show_json I                 `pgsql show --json` on node I (stdout; show's exit status)
#   show_plain I                the plain form on node I
#   show_rc I                   show's exit status on node I: 0 healthy, 1 degraded, 2 no primary
#                               or unreadable (printed, never fails itself)
#   show_verdict I              healthy | degraded | no-primary (nothing when unreadable)
#   show_field I NODE FIELD     FIELD of NODE's row (role, status, data_status, score, wal,
#                               wal_source, lag_bytes, lag_seconds, lock, fail_count,
#                               last_failure, online; null as "None")
#   show_problem I NODE         the "why" of NODE's problem, nothing when it has none
#   show_advice I NODE          the "what to do" of NODE's problem
#   show_fits_80 I              true when no line of the plain form is longer than 80
#   show_cib_unchanged I        true when the CIB's epoch/num_updates are the same before and
#                               after a show on node I (with a settled cluster)
#   show_traced I               one `pgsql show --json` on node I under `strace -f` (into
#                               $H/show-nodeI.strace; the exit status is show's)
#   show_trace_runs I           the programs that traced run started, one argv per line
#   show_trace_only_reads I     true when each of them is a read: crm_mon -1 --output-as=xml,
#                               cibadmin --query, crm_node -n, crm_attribute --query
#   show_trace_writes I         every file the traced run (children included) opened for
#                               writing, created, truncated, removed, renamed, linked,
#                               re-owned or re-moded, with the call; /dev/null and libqb's
#                               IPC buffers in /dev/shm (the cluster tools' connection to
#                               the daemons) aside
#
# SHOW_AGENT is the installed agent (default /usr/lib/ocf/resource.d/$PROVIDER/pgsql);
# SHOW_ARGS extra arguments (e.g. "--resource pgsql-clone").

SHOW_AGENT=${SHOW_AGENT:-/usr/lib/ocf/resource.d/${PROVIDER:-pgsqlrs}/pgsql}
SHOW_ARGS=${SHOW_ARGS:-}

show_json() {
  # shellcheck disable=SC2086 # SHOW_ARGS is words
  nx "$1" "$SHOW_AGENT" show --json $SHOW_ARGS
}

show_plain() {
  # shellcheck disable=SC2086
  nx "$1" "$SHOW_AGENT" show $SHOW_ARGS
}

show_rc() {
  local rc=0
  show_json "$1" >/dev/null 2>&1 || rc=$?
  echo "$rc"
}

# _show_py I SCRIPT ARGS... : SCRIPT run by python3 on node I's JSON (as `r`), with ARGS
_show_py() {
  local i=$1 code=$2; shift 2
  show_json "$i" 2>/dev/null | python3 -c "
import json, sys
try:
    r = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
a = sys.argv[1:]
$code" "$@"
}

show_verdict() { _show_py "$1" 'print(r["verdict"])'; }

show_field() {
  _show_py "$1" '
for n in r["nodes"]:
    if n["name"] == a[0]:
        print(n.get(a[1]))' "$2" "$3"
}

show_problem() {
  _show_py "$1" '
for p in r["problems"]:
    if p["node"] == a[0]:
        print(p["why"])' "$2"
}

show_advice() {
  _show_py "$1" '
for p in r["problems"]:
    if p["node"] == a[0]:
        print(p["action"])' "$2"
}

show_fits_80() {
  local out
  out=$(show_plain "$1" 2>/dev/null) || [ -n "$out" ] || return 1
  ! awk 'length($0) > 80 { bad = 1 } END { exit !bad }' <<<"$out"
}

# the CIB's version triple, as cibadmin prints it on node I
_show_cib_version() {
  nx "$1" cibadmin --query 2>/dev/null | head -1 |
    grep -oE '(admin_epoch|epoch|num_updates)="[0-9]*"' | tr '\n' ' '
}

show_cib_unchanged() {
  local before after
  before=$(_show_cib_version "$1")
  show_json "$1" >/dev/null 2>&1
  after=$(_show_cib_version "$1")
  [ -n "$before" ] && [ "$before" = "$after" ]
}

show_traced() {
  rm -f "$H/show-node$1.strace"
  # shellcheck disable=SC2086 # SHOW_ARGS is words
  nx "$1" strace -f -qq -s 256 -o "$H/show-node$1.strace" \
    -e trace=execve,open,openat,creat,truncate,unlink,unlinkat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mkdir,mkdirat,rmdir,chmod,fchmodat,chown,lchown,fchownat \
    "$SHOW_AGENT" show --json $SHOW_ARGS
}

# _show_trace I MODE : python3 over node I's trace; MODE runs or writes
_show_trace() {
  python3 - "$H/show-node$1.strace" "$2" <<'PY'
import re, sys
path, mode = sys.argv[1], sys.argv[2]
lines = open(path, errors="replace").read().splitlines()
call = re.compile(r'^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)')
first = True
for l in lines:
    m = call.match(l)
    if not m or int(m.group(3)) < 0:
        continue
    name, args = m.group(1), m.group(2)
    if mode == "runs" and name == "execve":
        if first:           # the agent itself
            first = False
            continue
        argv = re.search(r'\[(.*?)\]', args)
        print(" ".join(re.findall(r'"((?:[^"\\]|\\.)*)"', argv.group(1))) if argv else args)
    elif mode == "writes" and name != "execve":
        paths = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
        target = paths[0] if paths else ""
        if name in ("open", "openat"):
            if not re.search(r'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC', args):
                continue
        if target == "/dev/null" or re.match(r'/dev/shm/qb-', target):
            continue
        print(name, target)
PY
}
show_trace_runs() { _show_trace "$1" runs; }
show_trace_writes() { _show_trace "$1" writes; }
show_trace_only_reads() {
  local argv bad=0 n=0
  while read -r argv; do
    n=$((n + 1))
    case " ${argv#* } " in
      *" --delete"* | *" --update"* | *" -D "* | *" -v "*) bad=1 ;;
    esac
    case ${argv%% *} in
      */crm_mon | crm_mon) [[ " $argv " == *" -1 "* ]] || bad=1 ;;
      */cibadmin | cibadmin) [[ " $argv " == *" --query "* || " $argv " == *" -Q "* ]] || bad=1 ;;
      */crm_node | crm_node) [[ " $argv " == *" -n "* || " $argv " == *" --name "* ]] || bad=1 ;;
      */crm_attribute | crm_attribute) [[ " $argv " == *" --query "* || " $argv " == *" -G "* ]] || bad=1 ;;
      *) bad=1 ;;
    esac
  done < <(show_trace_runs "$1")
  [ "$n" -gt 0 ] && [ "$bad" = 0 ]
}
