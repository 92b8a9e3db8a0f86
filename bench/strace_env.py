#!/usr/bin/python3
"""Environment of one recurring monitor, from `strace -f -v -s 65536 -e trace=execve` of
pacemaker-execd.

usage: strace_env.py STRACE_OUT AGENT_PATH INTERVAL_MS
Prints the envp of the last successful-looking execve of AGENT_PATH with argv[1] "monitor"
and OCF_RESKEY_CRM_meta_interval=INTERVAL_MS, one NAME=VALUE per line; exit 1 when none.
"""
import codecs
import re
import sys

STR = re.compile(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?')


def cstr(s):
    b = codecs.escape_decode(s.encode("latin-1", "backslashreplace"))[0]
    return b.decode("utf-8", "replace")


def parse(line):
    """(path, argv, envp) of an execve line, or None"""
    i = line.find("execve(")
    if i < 0:
        return None
    pos = i + len("execve(")
    m = STR.match(line, pos)
    if not m:
        return None
    path = cstr(m.group(1))
    pos = m.end()
    lists = []
    for _ in range(2):
        j = line.find("[", pos)
        if j < 0:
            return None
        pos = j + 1
        items = []
        while True:
            while pos < len(line) and line[pos] in ", ":
                pos += 1
            if pos >= len(line):
                return None
            if line[pos] == "]":
                pos += 1
                break
            m = STR.match(line, pos)
            if not m:
                return None
            items.append(cstr(m.group(1)))
            pos = m.end()
        lists.append(items)
    return path, lists[0], lists[1]


def main():
    f, agent, iv = sys.argv[1], sys.argv[2], sys.argv[3]
    found = None
    with open(f, errors="replace") as fh:
        for line in fh:
            r = parse(line)
            if not r:
                continue
            path, argv, envp = r
            if path != agent or len(argv) < 2 or argv[1] != "monitor":
                continue
            if "OCF_RESKEY_CRM_meta_interval=%s" % iv in envp:
                found = envp
    if not found:
        return 1
    for e in found:
        if "\n" not in e:
            print(e)
    return 0


sys.exit(main())
