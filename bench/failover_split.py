"""The failover split of bench/run.sh from the nodes' pacemaker.log files (millisecond
timestamps; every node runs on the same host clock):

  detect  failure (kill -9 / node crash at T0) -> Pacemaker knows: the failed monitor's
          result on the old primary (kill), or the survivor's "state is now lost" (crash)
  sched   -> the first operation Pacemaker starts for the recovery (any node)
  agent   that first operation -> the new primary's promote returns: the agents' own work
          (demote/stop/notify of the old instance, pre/post notifications, promote)
  vip     promote returned -> the VIP's start returned on the new primary

usage: failover_split.py HARNESS_DIR T0 OLD NEW [RSC [VIP]]   (node numbers)
prints "detect sched agent vip" in seconds, "-" for what the logs do not show."""
import re
import sys
import time
from datetime import datetime

h, t0, old, new = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
rsc = sys.argv[5] if len(sys.argv) > 5 else "pgsql"
vip = sys.argv[6] if len(sys.argv) > 6 else "vip-master"
year = time.localtime(t0).tm_year
STAMP = re.compile(r"^([A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{3}) (\S+) +(\S+)")


def events():
    out = []
    for n in sorted({old, new} | {"1", "2", "3"}):
        try:
            f = open("%s/n%s/log/pacemaker/pacemaker.log" % (h, n), errors="replace")
        except OSError:
            continue
        for line in f:
            m = STAMP.match(line)
            if not m:
                continue
            t = time.mktime(datetime.strptime("%d %s" % (year, m.group(1)), "%Y %b %d %H:%M:%S.%f").timetuple())
            t += int(m.group(1)[-3:]) / 1000.0
            if t >= t0 - 0.001:
                out.append((t, n, line.rstrip("\n")))
    return sorted(out)


ev = events()


def first(pred, after):
    for t, n, line in ev:
        if t >= after and pred(n, line):
            return t
    return None


def failed_monitor(n, line):
    m = re.search(r"Result of monitor operation for %s on node%s: (.*?)( \||$)" % (rsc, old), line)
    return n == old and m is not None and m.group(1).lower() not in ("ok", "promoted", "running", "cancelled")


def lost(n, line):
    return n != old and re.search(r"node%s\b.*state is now lost|Node node%s state is now lost" % (old, old), line) is not None


t_detect = first(lambda n, l: failed_monitor(n, l) or lost(n, l), t0)
t_op = first(lambda n, l: "(log_execute)" in l and "executing - rsc:" in l, t_detect) if t_detect else None
t_promote = first(lambda n, l: n == new and "(log_finished)" in l and " %s promote " % rsc in l, t_op) if t_op else None
t_vip = first(lambda n, l: n == new and "(log_finished)" in l and " %s start " % vip in l, t_promote) if t_promote else None


def d(a, b):
    return "-" if a is None or b is None else "%.2f" % (b - a)


print(d(t0, t_detect), d(t_detect, t_op), d(t_op, t_promote), d(t_promote, t_vip))
