#!/usr/bin/python3
"""Run a command once and print "WALL_S CPU_S MAXRSS_KB RC" (wall: monotonic clock around
fork..wait; CPU: user+sys of the command and every descendant it waited for, from
getrusage(RUSAGE_CHILDREN)). Microsecond resolution, unlike /usr/bin/time's 10 ms.
MAXRSS is not the command's: the child forked from Python keeps Python's RSS high-water mark
across exec, so bench/run.sh ignores it and takes the peak RSS from /usr/bin/time -f %M run
inside this (a small C parent).

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
