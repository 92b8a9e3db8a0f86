#!/usr/bin/python3
"""Run a command once and print "WALL_S CPU_S MAXRSS_KB RC" (wall: monotonic clock around
fork..wait; CPU: user+sys of the command and every descendant it waited for, from
getrusage(RUSAGE_CHILDREN); MAXRSS: the largest of those processes). Microsecond
resolution, unlike /usr/bin/time's 10 ms.

usage: measure.py OUTFILE CMD [ARG...]      (the command's stdout/stderr go to /dev/null)
"""
import resource
import subprocess
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
rc = subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write(f"{wall:.6f} {ru.ru_utime + ru.ru_stime:.6f} {ru.ru_maxrss} {rc}\n")
