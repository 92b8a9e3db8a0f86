# shellcheck shell=bash
# Checks of the recurring monitor's cost and of when it takes the cluster snapshot
# (docs/contract.md §5.10, §5.10.1), on a cluster2.sh cluster: source after lib.sh (nx).
# Node arguments are numbers (I = nodeI). Nothing here writes to the cluster but the
# monitors themselves (run as Pacemaker runs them) and what a caller does between them.
#
#   mon_env I INTERVAL_MS        the environment Pacemaker gives node I's recurring monitor
#                                (OCF_* and every parameter of the pgsql primitive, from the
#                                CIB), one NAME=VALUE per line, into $H/mon-env-nodeI
#   mon_traced I                 one monitor on node I with that environment under
#                                `strace -f -e trace=execve` ($H/mon-nodeI.strace); prints
#                                the agent's exit status
#   mon_programs I               the programs the traced monitor started besides itself,
#                                one argv per line
#   mon_snapshots I              how many crm_mon the traced monitor ran
#   crm_views_equal I            crm_mon's trimmed form (the agent's snapshot) and its whole
#                                output give the same view on node I: nodes and whether
#                                online, every node attribute, where pgsql is promoted
#   standby_record I             the text of node I's tmpdir/standby_streaming (nothing if
#                                there is none)
#   receiver_pid I               the pid of node I's streaming WAL receiver
#
# MON_AGENT is the installed agent (default /usr/lib/ocf/resource.d/$PROVIDER/pgsql).

MON_AGENT=${MON_AGENT:-/usr/lib/ocf/resource.d/${PROVIDER:-pgsqlrs}/pgsql}
# crm_mon's arguments for the agent's snapshot (src/cluster/mod.rs, SNAPSHOT_ARGS); also
# bench/run.sh's crm_floor
SNAPSHOT_ARGS=(-1 --output-as=xml --fence-history=0 --include=none "--include=nodes,resources,attributes")
MON_DIR=${MON_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}

mon_env() {
  local i=$1 iv=$2 f=$H/mon-env-node$1
  {
    echo "OCF_ROOT=/usr/lib/ocf"
    echo "OCF_RA_VERSION_MAJOR=1"
    echo "OCF_RA_VERSION_MINOR=1"
    echo "OCF_RESOURCE_INSTANCE=pgsql"
    echo "OCF_RESOURCE_TYPE=pgsql"
    echo "OCF_RESOURCE_PROVIDER=${PROVIDER:-pgsqlrs}"
    echo "OCF_RESKEY_crm_feature_set=3.16.1"
    echo "OCF_RESKEY_CRM_meta_on_node=node$i"
    echo "OCF_RESKEY_CRM_meta_interval=$iv"
    echo "OCF_RESKEY_CRM_meta_timeout=60000"
    echo "OCF_RESKEY_CRM_meta_promotable=true"
    echo "OCF_RESKEY_CRM_meta_notify=true"
    echo "OCF_RESKEY_CRM_meta_clone_max=2"
    echo "OCF_RESKEY_CRM_meta_promoted_max=1"
    echo "OCF_RESKEY_CRM_meta_master_max=1"
    echo "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
    nx "$i" cibadmin --query --scope=resources | python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
for p in root.iter("primitive"):
    if p.get("id") != "pgsql":
        continue
    for ia in p.findall("instance_attributes"):
        for nv in ia.findall("nvpair"):
            print("OCF_RESKEY_%s=%s" % (nv.get("name"), nv.get("value")))
'
  } > "$f"
  [ -s "$f" ] && grep -q '^OCF_RESKEY_pgdata=\|^OCF_RESKEY_rep_mode=' "$f"
}

mon_traced() {
  local i=$1 rc=0
  local -a e
  mapfile -t e < "$H/mon-env-node$i"
  rm -f "$H/mon-node$i.strace"
  (cd / && nx "$i" env -i "${e[@]}" strace -f -qq -s 512 -e trace=execve -o "$H/mon-node$i.strace" "$MON_AGENT" monitor) >/dev/null 2>&1 || rc=$?
  echo "$rc"
}

mon_programs() {
  python3 - "$H/mon-node$1.strace" "$MON_AGENT" <<'PY'
import re, sys
path, agent = sys.argv[1], sys.argv[2]
for line in open(path):
    m = re.search(r'execve\("([^"]*)", \[(.*?)\], .*\) = 0$', line)
    if not m or m.group(1) == agent:
        continue
    print(" ".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))))
PY
}

mon_snapshots() { mon_programs "$1" | grep -c '^/usr/sbin/crm_mon ' || true; }

crm_views_equal() {
  local i=$1
  nx "$i" crm_mon -1 --output-as=xml > "$H/crm-full-node$i.xml" 2>/dev/null || return 1
  nx "$i" crm_mon "${SNAPSHOT_ARGS[@]}" > "$H/crm-trim-node$i.xml" 2>/dev/null || return 1
  python3 "$MON_DIR/crm_view.py" pgsql "$H/crm-full-node$i.xml" "$H/crm-trim-node$i.xml"
}

standby_record() { cat "$H/n$1/pgsql/tmp/standby_streaming" 2>/dev/null; }

receiver_pid() {
  nx "$1" runuser -u postgres -- "${PGCLIENT:-/usr/lib/postgresql/15/bin}/psql" -X -qAt -d postgres \
    -c "select pid from pg_stat_wal_receiver where status = 'streaming'" 2>/dev/null
}
