#!/usr/bin/python3
"""Continuous writer through the VIP, for failover tests (standard library + psql only).

usage: vipwriter.py OUTDIR HOST FIRST_ID [PSQL]

Inserts rows (id, note) into table t, one transaction per psql process, ids FIRST_ID,
FIRST_ID+1, ... until OUTDIR/stop exists. Every attempt is one line of OUTDIR/log:
    ID START END RESULT
with START/END as epoch seconds and RESULT "ok" (psql exited 0: the COMMIT was
acknowledged), "err" (psql failed) or "timeout" (no answer within 5 s; psql killed, the
outcome is unknown). Only "ok" rows must survive a failover.
Each psql gets connect_timeout=1 and tcp_user_timeout=1000 ms: a dead VIP costs about a
second per attempt, and a statement sent to a host that died meanwhile fails after a second
(its data is never acknowledged) instead of holding this one client for the whole 5 s, so the
failover time measured is the cluster's, not this client's. A commit that waits on a live
server (e.g. for a synchronous standby) is acknowledged at the TCP level and keeps waiting.
"""
import os
import subprocess
import sys
import time

out, host, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
psql = sys.argv[4] if len(sys.argv) > 4 else "/usr/lib/postgresql/15/bin/psql"
env = dict(os.environ, PGAPPNAME="vipwriter")
conninfo = f"host={host} user=postgres dbname=postgres connect_timeout=1 tcp_user_timeout=1000"
stop = os.path.join(out, "stop")
i = first
with open(os.path.join(out, "log"), "a", buffering=1) as log:
    while not os.path.exists(stop):
        t0 = time.time()
        cmd = [psql, "-X", "-q", "-At", "-d", conninfo, "-v", "ON_ERROR_STOP=1", "-c",
               f"insert into t(id, note) values ({i}, 'vipwriter {t0:.3f}')"]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=5, cwd="/")
            res = "ok" if p.returncode == 0 else "err"
            if res == "err":
                msg = p.stderr.decode(errors="replace").strip().replace("\n", " | ")
                with open(os.path.join(out, "errors"), "a") as e:
                    e.write(f"{i} {t0:.3f} {msg[:300]}\n")
        except subprocess.TimeoutExpired:
            res = "timeout"
        log.write(f"{i} {t0:.3f} {time.time():.3f} {res}\n")
        i += 1
        if res != "ok":
            time.sleep(0.1)
