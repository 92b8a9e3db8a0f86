#!/bin/bash
# CIB XML of the PostgreSQL promotable clone (our agent, ocf:pgsqlrs:pgsql by default) and
# its VIP, laid out as a PG-REX cluster configures it. Prints one element; create each with
#   cibadmin -C -o resources   -X "$(pgsql-clone-xml.sh vip)"
#   cibadmin -C -o resources   -X "$(pgsql-clone-xml.sh clone)"
#   cibadmin -C -o constraints -X "$(pgsql-clone-xml.sh colocation)"   (and order-promote,
#                                                                     order-demote)
# usage: pgsql-clone-xml.sh clone|vip|colocation|order-promote|order-demote|constraint-ids
#        pgsql-clone-xml.sh fence I|fence-location I|ping|ping-location   (FENCING=1 layout)
#
# Env (defaults = the cluster2.sh layout, same paths inside every node):
#   NODE_LIST  "node1 node2"      node names as `crm_node -n` prints them
#   VIP        $NET.100 (NET default 10.77.0)  IPaddr2 address; also master_ip (primary_conninfo host)
#   REP_MODE   sync               sync | async
#   CLONE_MAX  number of words in NODE_LIST
#   PGDATA     /var/lib/pgsql/data      TMPDIR_RA /var/lib/pgsql/tmp
#   PGLOG      /var/log/postgresql/pgsql.log
#   PROVIDER   pgsqlrs            TYPE pgsql   (ocf:$PROVIDER:$TYPE; TYPE=pgsqlms: PAF's
#                                              parameters, same meta attributes and operations)
#   PGBIN      /usr/lib/postgresql/15/bin   (pg_ctl; PAF's bindir)
#   PGCLIENT   $PGBIN                       (psql, when PGBIN has none)
#   EXTRA_PARAMS  more instance attributes of our agent, one "name=value" per line
#   VIP_ID VIP_NIC  the vip element's id (vip-master) and interface (eth0); colocation
#              names it (id vip-with-promoted for vip-master, else <VIP_ID>-with-promoted)
#   PING_ID PING_ATTR  the ping element's id (ping, clone ping-clone) and attribute
#              (ping-status); ping-location follows them
#   FENCING    1: laid out as PG-REX runs with STONITH: stop and demote on-fail=fence, the
#              primitive's priority 1 (the promoted instance counts one more, so
#              priority-fencing-delay spares the primary's node), and the elements fence I
#              (fence_pgra for nodeI, never run on nodeI), ping (ping-status from the router
#              stand-in $PING_HOST, default $NET.200) and ping-location
# Ids: resource pgsql (so the attributes are pgsql-status, pgsql-data-status, master-pgsql,
# ...), clone pgsql-clone, VIP vip-master, constraints vip-with-promoted, promote-then-vip,
# demote-then-stop-vip.
set -u
NODE_LIST=${NODE_LIST:-node1 node2}
VIP=${VIP:-${NET:-10.77.0}.100}
REP_MODE=${REP_MODE:-sync}
CLONE_MAX=${CLONE_MAX:-$(wc -w <<< "$NODE_LIST")}
PGDATA=${PGDATA:-/var/lib/pgsql/data}
TMPDIR_RA=${TMPDIR_RA:-/var/lib/pgsql/tmp}
PGLOG=${PGLOG:-/var/log/postgresql/pgsql.log}
PROVIDER=${PROVIDER:-pgsqlrs}
TYPE=${TYPE:-pgsql}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
VIP_ID=${VIP_ID:-vip-master}; VIP_NIC=${VIP_NIC:-eth0}
PING_ID=${PING_ID:-ping}; PING_ATTR=${PING_ATTR:-ping-status}
PGCLIENT=${PGCLIENT:-$PGBIN}
if [ "${FENCING:-0}" = 1 ]; then ON_FAIL_STOP=fence; ON_FAIL_DEMOTE=fence; else ON_FAIL_STOP=block; ON_FAIL_DEMOTE=stop; fi

# instance attributes: ours and the shell agent share the parameters; PAF (TYPE=pgsqlms)
# has its own (its replication settings live in the data directory, see bench/run.sh)
instance_attributes() {
  if [ "$TYPE" = pgsqlms ]; then
    cat <<EOF
    <instance_attributes id="pgsql-ia">
      <nvpair id="pgsql-bindir" name="bindir" value="$PGBIN"/>
      <nvpair id="pgsql-pgdata" name="pgdata" value="$PGDATA"/>
      <nvpair id="pgsql-pghost" name="pghost" value="/run/postgresql"/>
      <nvpair id="pgsql-pgport" name="pgport" value="5432"/>
    </instance_attributes>
EOF
    return
  fi
  cat <<EOF
    <instance_attributes id="pgsql-ia">
      <nvpair id="pgsql-pgctl" name="pgctl" value="$PGBIN/pg_ctl"/>
      <nvpair id="pgsql-psql" name="psql" value="$PGCLIENT/psql"/>
      <nvpair id="pgsql-pgdata" name="pgdata" value="$PGDATA"/>
      <nvpair id="pgsql-tmpdir" name="tmpdir" value="$TMPDIR_RA"/>
      <nvpair id="pgsql-logfile" name="logfile" value="$PGLOG"/>
      <nvpair id="pgsql-pgport" name="pgport" value="5432"/>
      <nvpair id="pgsql-rep_mode" name="rep_mode" value="$REP_MODE"/>
      <nvpair id="pgsql-node_list" name="node_list" value="$NODE_LIST"/>
      <nvpair id="pgsql-master_ip" name="master_ip" value="$VIP"/>
      <nvpair id="pgsql-repuser" name="repuser" value="postgres"/>
      <nvpair id="pgsql-primary_conninfo_opt" name="primary_conninfo_opt" value="keepalives_idle=60 keepalives_interval=5 keepalives_count=5"/>
      <nvpair id="pgsql-restart_on_promote" name="restart_on_promote" value="false"/>
      <nvpair id="pgsql-stop_escalate" name="stop_escalate" value="5"/>
      <nvpair id="pgsql-stop_escalate_in_slave" name="stop_escalate_in_slave" value="5"/>
$(extra_nvpairs)
    </instance_attributes>
EOF
}

# EXTRA_PARAMS as nvpairs, values XML-escaped
extra_nvpairs() {
  local line k v
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    k=${line%%=*}; v=${line#*=}
    v=${v//&/\&amp;}; v=${v//</\&lt;}; v=${v//>/\&gt;}; v=${v//\"/\&quot;}
    echo "      <nvpair id=\"pgsql-$k\" name=\"$k\" value=\"$v\"/>"
  done <<< "${EXTRA_PARAMS:-}"
}

clone() {
  cat <<EOF
<clone id="pgsql-clone">
  <meta_attributes id="pgsql-clone-meta">
    <nvpair id="pgsql-clone-promotable" name="promotable" value="true"/>
    <nvpair id="pgsql-clone-promoted-max" name="promoted-max" value="1"/>
    <nvpair id="pgsql-clone-promoted-node-max" name="promoted-node-max" value="1"/>
    <nvpair id="pgsql-clone-clone-max" name="clone-max" value="$CLONE_MAX"/>
    <nvpair id="pgsql-clone-clone-node-max" name="clone-node-max" value="1"/>
    <nvpair id="pgsql-clone-notify" name="notify" value="true"/>
  </meta_attributes>
  <primitive id="pgsql" class="ocf" provider="$PROVIDER" type="$TYPE">
$(instance_attributes)
    <meta_attributes id="pgsql-meta">
      <nvpair id="pgsql-meta-migration-threshold" name="migration-threshold" value="1"/>
      <nvpair id="pgsql-meta-resource-stickiness" name="resource-stickiness" value="INFINITY"/>
$( [ "${FENCING:-0}" = 1 ] && echo '      <nvpair id="pgsql-meta-priority" name="priority" value="1"/>')
    </meta_attributes>
    <operations>
      <op id="pgsql-start" name="start" interval="0" timeout="60s" on-fail="restart"/>
      <op id="pgsql-stop" name="stop" interval="0" timeout="60s" on-fail="$ON_FAIL_STOP"/>
      <op id="pgsql-promote" name="promote" interval="0" timeout="60s" on-fail="restart"/>
      <op id="pgsql-demote" name="demote" interval="0" timeout="60s" on-fail="$ON_FAIL_DEMOTE"/>
      <op id="pgsql-notify" name="notify" interval="0" timeout="60s"/>
      <op id="pgsql-monitor-promoted" name="monitor" interval="3s" role="Promoted" timeout="30s" on-fail="restart"/>
      <op id="pgsql-monitor-unpromoted" name="monitor" interval="4s" role="Unpromoted" timeout="30s" on-fail="restart"/>
    </operations>
  </primitive>
</clone>
EOF
}

# the fence device for node I: fence_pgra, off instead of reboot (the node stays off until
# the operator powers it on, as PG-REX expects), never placed on node I itself
fence() {
  cat <<EOF
<primitive id="fence-node$1" class="stonith" type="fence_pgra">
  <instance_attributes id="fence-node$1-ia">
    <nvpair id="fence-node$1-hosts" name="pcmk_host_list" value="node$1"/>
    <nvpair id="fence-node$1-check" name="pcmk_host_check" value="static-list"/>
    <nvpair id="fence-node$1-reboot" name="pcmk_reboot_action" value="off"/>
  </instance_attributes>
  <operations>
    <op id="fence-node$1-monitor" name="monitor" interval="10s" timeout="20s"/>
  </operations>
</primitive>
EOF
}
fence_location() { echo "<rsc_location id=\"fence-node$1-not-on-node$1\" rsc=\"fence-node$1\" node=\"node$1\" score=\"-INFINITY\"/>"; }

# ping-status on every node, 100 while the router stand-in answers
ping_clone() {
  cat <<EOF
<clone id="$PING_ID-clone">
  <primitive id="$PING_ID" class="ocf" provider="pacemaker" type="ping">
    <instance_attributes id="$PING_ID-ia">
      <nvpair id="$PING_ID-name" name="name" value="$PING_ATTR"/>
      <nvpair id="$PING_ID-host_list" name="host_list" value="${PING_HOST:-${NET:-10.77.0}.200}"/>
      <nvpair id="$PING_ID-multiplier" name="multiplier" value="100"/>
      <nvpair id="$PING_ID-attempts" name="attempts" value="2"/>
      <nvpair id="$PING_ID-timeout" name="timeout" value="2"/>
    </instance_attributes>
    <operations>
      <op id="$PING_ID-start" name="start" interval="0" timeout="60s" on-fail="restart"/>
      <op id="$PING_ID-monitor" name="monitor" interval="5s" timeout="60s" on-fail="restart"/>
      <op id="$PING_ID-stop" name="stop" interval="0" timeout="60s" on-fail="ignore"/>
    </operations>
  </primitive>
</clone>
EOF
}
# PG-REX's rule: no PostgreSQL where the router is not reachable
ping_location() {
  cat <<EOF
<rsc_location id="pgsql-clone-needs-$PING_ID" rsc="pgsql-clone">
  <rule id="pgsql-clone-needs-$PING_ID-rule" score="-INFINITY" boolean-op="or">
    <expression id="pgsql-clone-needs-$PING_ID-undefined" attribute="$PING_ATTR" operation="not_defined"/>
    <expression id="pgsql-clone-needs-$PING_ID-lt" attribute="$PING_ATTR" operation="lt" value="100" type="number"/>
  </rule>
</rsc_location>
EOF
}

vip() {
  cat <<EOF
<primitive id="$VIP_ID" class="ocf" provider="heartbeat" type="IPaddr2">
  <instance_attributes id="$VIP_ID-ia">
    <nvpair id="$VIP_ID-ip" name="ip" value="$VIP"/>
    <nvpair id="$VIP_ID-cidr" name="cidr_netmask" value="24"/>
    <nvpair id="$VIP_ID-nic" name="nic" value="$VIP_NIC"/>
  </instance_attributes>
  <operations>
    <op id="$VIP_ID-start" name="start" interval="0" timeout="20s" on-fail="restart"/>
    <op id="$VIP_ID-monitor" name="monitor" interval="5s" timeout="20s" on-fail="restart"/>
    <op id="$VIP_ID-stop" name="stop" interval="0" timeout="20s" on-fail="block"/>
  </operations>
</primitive>
EOF
}

case "${1:-}" in
  clone) clone ;;
  vip) vip ;;
  colocation)
    echo "<rsc_colocation id=\"${VIP_ID/#vip-master/vip}-with-promoted\" score=\"INFINITY\" rsc=\"$VIP_ID\" with-rsc=\"pgsql-clone\" with-rsc-role=\"Promoted\"/>" ;;
  order-promote)
    echo '<rsc_order id="promote-then-vip" kind="Optional" first="pgsql-clone" first-action="promote" then="vip-master" then-action="start" symmetrical="false"/>' ;;
  order-demote)
    echo '<rsc_order id="demote-then-stop-vip" kind="Optional" first="pgsql-clone" first-action="demote" then="vip-master" then-action="stop" symmetrical="false"/>' ;;
  constraint-ids) echo "vip-with-promoted promote-then-vip demote-then-stop-vip" ;;
  fence) fence "$2" ;;
  fence-location) fence_location "$2" ;;
  ping) ping_clone ;;
  ping-location) ping_location ;;
  *) sed -n '2,/^set -u/p' "$0" | grep '^#'; exit 2 ;;
esac
