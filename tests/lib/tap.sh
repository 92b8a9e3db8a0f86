# shellcheck shell=bash
# What the shell test layers (tests/ocf-tester.sh, pacemaker1.sh, pacemaker2.sh,
# bench-smoke.sh) share: the TAP-like bookkeeping and the queries more than one layer makes.
# Sourced, not executed; a layer that uses the harness sources tests/harness/lib.sh first.
#
# The layer sets TAP_LAYER (the name in its last line) before it sources this file. It may
# define two hooks:
#   tap_before_finish   run first by finish (teardown, timing summary, a last check)
#   tap_on_bail         run by bail between "Bail out! ..." and finish
#
#   ok DESCRIPTION / nok DESCRIPTION    one passed / failed check: "ok K - ..." / "not ok K - ..."
#   check DESCRIPTION CMD...            ok when CMD succeeds, else nok and rc 1; CMD is a
#                                       command or a named function, never an eval string
#   say TEXT                            a comment line "# TEXT"
#   finish                              the hook, then "<layer>: P passed, F failed"; rc 1
#                                       when a check failed (the layer exits with it)
#   bail REASON                         "Bail out! REASON", one failed check, the hook,
#                                       finish, exit 1
# PASS and FAIL are the counts so far (a layer may print them itself).
: "${TAP_LAYER:?set TAP_LAYER before sourcing tests/lib/tap.sh}"
TAP_K=0; PASS=0; FAIL=0

ok()  { TAP_K=$((TAP_K + 1)); PASS=$((PASS + 1)); echo "ok $TAP_K - $*"; }
nok() { TAP_K=$((TAP_K + 1)); FAIL=$((FAIL + 1)); echo "not ok $TAP_K - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; return 1; fi; }
say() { echo "# $*"; }

finish() {
  if declare -F tap_before_finish >/dev/null; then tap_before_finish; fi
  echo "$TAP_LAYER: $PASS passed, $FAIL failed"
  [ "$FAIL" = 0 ]
}
bail() {
  echo "Bail out! $*"
  # giving up is never a pass, even when nothing failed before
  nok "bailed out: $*"
  if declare -F tap_on_bail >/dev/null; then tap_on_bail; fi
  finish
  exit 1
}

# apt_ensure LOG PKG... : the Debian packages PKG installed (apt-get update + install of the
# missing ones, output appended to LOG); rc 0 when all are there afterwards
apt_ensure() {
  local log=$1 p missing=(); shift
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >> "$log" 2>&1
}

# need_root SCRIPT : exit 2 unless running as root
need_root() { [ "$(id -u)" = 0 ] || { echo "$1 must run as root" >&2; exit 2; }; }

# tee_output FILE : from now on stdout and stderr also go to FILE; tee ignores SIGINT/TERM so
# a Ctrl-C still lets the teardown print (and not die of SIGPIPE)
tee_output() { exec > >(trap '' INT TERM; exec tee "$1") 2>&1; }

# --- the agent ---------------------------------------------------------------------------
# build_agent [LINES] : cargo build --release in $ROOT, its last LINES (1) lines as comments
build_agent() {
  if command -v cargo >/dev/null; then
    (cd "$ROOT" && cargo build --release 2>&1 | tail -n "${1:-1}" | sed 's/^/# /')
  else
    say "cargo not found: using the existing target/release/pgsql"
  fi
}
# install_agent : packaging/install.sh, its output as comments; its exit status
install_agent() { "$ROOT/packaging/install.sh" | sed 's/^/# /'; return "${PIPESTATUS[0]}"; }
# is_pgsql_metadata : stdin is the meta-data of an agent named pgsql
is_pgsql_metadata() { grep -q '<resource-agent name="pgsql"'; }

# --- PostgreSQL --------------------------------------------------------------------------
# port_in_use PORT : something listens on TCP PORT
port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# shut_down_logged LOGFILE TAIL_N : the server log's lines `tail -n TAIL_N` shows (5: the
# last five, +K: from line K on) say "database system is shut down"
shut_down_logged() { tail -n "$2" "$1" | grep -q "database system is shut down"; }

# --- Pacemaker ---------------------------------------------------------------------------
# crm_tool CMD... : a Pacemaker tool, run in this shell's namespaces (cluster1.sh) or through
# the command the layer names in CRM_VIA (pacemaker2.sh: CRM_VIA=cx, a live node of cluster2.sh)
crm_tool() { ${CRM_VIA:+"$CRM_VIA"} "$@"; }
# mon_xml : crm_mon -1 --output-as=xml (nothing when crm_mon fails)
mon_xml() { crm_tool crm_mon -1 --output-as=xml 2>/dev/null; }
# failures OP_KEY_ERE : the <failure .../> lines of mon_xml whose op_key starts with a match
# of OP_KEY_ERE (e.g. "pgsql_monitor_[0-9]+\"")
failures() { mon_xml | grep -E "<failure [^>]*op_key=\"$1"; }
# no_failure OP_KEY_ERE : crm_mon shows no such failed action
no_failure() { ! failures "$1" >/dev/null; }
# none_failed : crm_mon shows no failed action at all
none_failed() { ! mon_xml | grep -q "<failure "; }
# failcount RSC NODE : fail count of RSC on NODE (0 when none, INFINITY as 1000000)
failcount() {
  local v
  v=$(crm_tool crm_failcount --query -r "$1" -N "$2" 2>/dev/null | sed -n 's/.*value=\([^ ]*\).*/\1/p')
  case $v in ''|'(null)') echo 0 ;; INFINITY) echo 1000000 ;; *) echo "$v" ;; esac
}
