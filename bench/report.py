#!/usr/bin/python3
"""Markdown table + PNG chart from bench/run.sh results.

usage: report.py RESULTS_DIR OUT.md OUT.png AGENT...
RESULTS_DIR holds meta.tsv and per agent <agent>.tsv ("metric<TAB>value" per sample) and
<agent>.info ("key<TAB>text").
"""
import os
import statistics
import sys

R, OUT, PNG = sys.argv[1:4]
AGENTS = sys.argv[4:] or ["ours", "shell", "paf"]
NAMES = {"ours": "ours `ocf:pgsqlrs:pgsql`", "shell": "shell `ocf:heartbeat:pgsql`",
         "paf": "PAF `ocf:heartbeat:pgsqlms`",
         "rejoin": "ours, `rejoin_after_switchover=true`"}
SHORT = {"ours": "ours (pgsqlrs)", "shell": "shell pgsql", "paf": "PAF pgsqlms",
         "rejoin": "ours + rejoin_after_switchover"}
# SECTION=switchover (bench/run.sh --switchover): only the "Planned switchover" section of
# OUT is replaced, from this run's results; the rest of OUT stays as it is
SECTION = os.environ.get("SECTION", "")
# the rejoin round measures only bring-up and switchovers: its column is in those tables
BASE = [a for a in AGENTS if a != "rejoin"]


def load(agent):
    d = {}
    p = os.path.join(R, agent + ".tsv")
    if os.path.exists(p):
        for line in open(p):
            k, _, v = line.rstrip("\n").partition("\t")
            try:
                d.setdefault(k, []).append(float(v))
            except ValueError:
                pass
    return d


def info(agent):
    p = os.path.join(R, agent + ".info")
    return [l.rstrip("\n").split("\t", 1) for l in open(p)] if os.path.exists(p) else []


meta = {}
if os.path.exists(os.path.join(R, "meta.tsv")):
    for line in open(os.path.join(R, "meta.tsv")):
        k, _, v = line.rstrip("\n").partition("\t")
        meta.setdefault(k, []).append(v)
data = {a: load(a) for a in AGENTS}

# (metric, label, scale, unit, digits)
MON = []
for ph, phl in (("idle", "idle"), ("load", "under pgbench")):
    for role, rl in (("pri", "primary (Promoted, 3 s)"), ("std", "standby (Unpromoted, 4 s)")):
        t = f"{ph}_{role}"
        MON += [(f"{t}_wall", f"monitor on the {rl}, {phl}: wall", 1000, "ms", 0),
                (f"{t}_cpu", f"monitor on the {rl}, {phl}: CPU user+sys incl. children", 1000, "ms", 0),
                (f"{t}_exec", f"monitor on the {rl}, {phl}: programs executed (execve)", 1, "", 0),
                (f"{t}_rss", f"monitor on the {rl}, {phl}: peak RSS (largest process)", 1 / 1024, "MiB", 1)]
MON += [("floor_crm_wall", "the primary monitor's one program alone (`crm_mon`, trimmed form), idle: wall", 1000, "ms", 0),
        ("floor_crm_cpu", "the primary monitor's one program alone (`crm_mon`, trimmed form), idle: CPU", 1000, "ms", 0)]
SPLIT = []
for how, hl, dl in (("kill", "kill -9", "the failed monitor's result"),
                    ("crash", "node crash", "the survivor's \"state is now lost\"")):
    SPLIT += [(f"{how}_split_detect", f"{hl}: failure → Pacemaker knows ({dl})", 1, "s", 2),
              (f"{how}_split_sched", f"{hl}: → first recovery operation starts (Pacemaker)", 1, "s", 2),
              (f"{how}_split_agent", f"{hl}: first recovery operation → new primary's promote returns (the agents' work)", 1, "s", 2),
              (f"{how}_split_vip", f"{hl}: promote returned → VIP started on the new primary", 1, "s", 2)]
FAIL = [("kill_write", "kill -9 primary postmaster → write via VIP succeeds", 1, "s", 1),
        ("kill_promoted", "kill -9 primary postmaster → standby Promoted (crm_mon)", 1, "s", 1),
        ("crash_write", "node crash → write via VIP succeeds", 1, "s", 1),
        ("crash_promoted", "node crash → standby Promoted (crm_mon)", 1, "s", 1),
        ("kill_rejoin_cleanup", "rejoin after kill -9: cleanup → standby ready", 1, "s", 1),
        ("kill_rejoin_rebuild", "rejoin after kill -9: whole rebuild (pg_basebackup) → ready", 1, "s", 1),
        ("crash_rejoin_cleanup", "rejoin after crash: cleanup (PAF: node start after the rebuild) → standby ready", 1, "s", 1),
        ("crash_rejoin_rebuild", "rejoin after crash: whole rebuild (pg_basebackup) → ready", 1, "s", 1)]
UP = [("create_promoted", "resources created → primary Promoted", 1, "s", 1),
      ("create_streaming", "resources created → standby streaming (pg_stat_replication)", 1, "s", 1),
      ("create_sync", "resources created → sync standby (HS:sync)", 1, "s", 1)]
SW = [("switch_promoted", "`--move --promoted` → standby Promoted", 1, "s", 1),
      ("switch_write", "`--move --promoted` → new primary takes writes via VIP", 1, "s", 1),
      ("switch_write_gap", "switchover: longest gap between client commits", 1, "s", 1),
      ("switch_old_streams", "`--move --promoted` → old primary streams again by itself", 1, "s", 1),
      ("switch_old_sync", "`--move --promoted` → old primary HS:sync again by itself", 1, "s", 1),
      ("switch_rejoin_rebuild", "old primary not back by itself: manual rebuild → streams", 1, "s", 1),
      ("switch_manual_steps", "operator commands until the old primary streams again", 1, "", 0)]
TPS = [("pgbench_tps", "pgbench -c 4 TPS during the load samples (info)", 1, "", 0)]


def med(agent, m):
    v = data[agent].get(m)
    return statistics.median(v) if v else None


def cell(agent, m, sc, unit, dg):
    v = data[agent].get(m)
    if not v:
        if m.split("_")[0] in ("kill", "crash") and any(
                k == m.split("_")[0] + "_no_failover" for k, _ in info(agent)):
            return "no failover (notes)"
        return "–"
    f = lambda x: f"{x * sc:.{dg}f}"
    s = f"{f(statistics.median(v))}"
    if len(v) > 1:
        s += f" ({f(min(v))}–{f(max(v))})"
    return s + f" n={len(v)}"


def ratio(agent, m):
    a, o = med(agent, m), med("ours", m)
    if a is None or o is None or o == 0:
        return "–"
    return f"{a / o:.1f}×"


def table(rows, agents=None):
    agents = agents or BASE
    others = [a for a in agents if a != "ours"]
    hdr = "| figure | unit |" + "".join(f" {NAMES[a]} |" + (" ratio to ours |" if a != "ours" else "") for a in agents)
    out = [hdr, "|" + "---|" * (2 + len(agents) + len(others))]
    for m, label, sc, unit, dg in rows:
        if not any(data[a].get(m) for a in agents):
            continue
        line = f"| {label} | {unit} |"
        for a in agents:
            line += f" {cell(a, m, sc, unit, dg)} |"
            if a != "ours":
                line += f" {ratio(a, m)} |"
        out.append(line)
    return "\n".join(out)


md = ["# Benchmarks: ours vs. the shell `pgsql` agent vs. PAF", "",
      "Generated by `bash bench/run.sh` (see the README, section Benchmarks). One run, one machine, the "
      "same real 2-node Corosync + Pacemaker cluster configuration for each agent "
      "(`tests/harness/cluster2.sh`: one node per network+mount+UTS+PID namespace set, VIP via "
      "IPaddr2), a fresh cluster per agent, same PostgreSQL 15 settings, same operations "
      "(monitor 3 s Promoted / 4 s Unpromoted, migration-threshold 1, resource-stickiness "
      "INFINITY, notify=true). Each cell: median (min–max) n=samples; ratio = that agent's "
      "median / ours (> 1: ours is faster / lighter).", ""]
md += [f"- date: {meta.get('date', ['?'])[0]}",
       f"- machine: {meta.get('machine', ['?'])[0]}",
       f"- packages: {', '.join(meta.get('pkg', []))}",
       f"- our agent: git commit {meta.get('commit', ['?'])[0]}",
       f"- parameters: {meta.get('params', ['?'])[0]}"]
md += [f"- rerun: {r}" for r in meta.get("rerun", [])] + [""]
md += ["## Monitor (one recurring monitor, run by hand inside the node)", "",
       "The agent is run by hand inside the node (`nx`) with exactly the environment Pacemaker "
       "gives its recurring monitor (captured from a real run: `strace -f -v -e trace=execve` "
       "of the node's pacemaker-execd), under `bench/measure.py` (wall on the monotonic clock, "
       "user+sys CPU of the agent and every child it waited for from "
       "getrusage(RUSAGE_CHILDREN), µs resolution) with `/usr/bin/time -f %M` inside it for "
       "the peak RSS (the largest single process of the tree, e.g. a `crm_mon` the agent runs), "
       "and, in a separate run, under `strace -f -e trace=execve` (successful execve calls, "
       "the agent's own included). Pacemaker's own monitors keep running meanwhile. "
       "\"Under pgbench\": `pgbench -c 4 -j 2` runs against the primary (inside its node) while "
       "the samples are taken.", "", table(MON + TPS), ""]
md += ["## Failover", "",
       "A client in its own namespace commits one row per psql connection through the VIP "
       "(`tests/harness/vipwriter.py`). Failover time = from the kill -9 of the primary's "
       "postmaster (or the SIGKILL of the node's PID 1 with its link down, "
       "`cluster2.sh crashnode`) to the end of the first acknowledged commit that started after "
       "it. Ours and the shell agent run `rep_mode=sync` (PG-REX layout); PAF has no sync "
       "notion and replicates asynchronously.", "", table(FAIL), ""]
md += ["## Failover split", "",
       "The same failovers, split by the nodes' pacemaker.log (millisecond timestamps, one host "
       "clock; `bench/failover_split.py`): detection (the monitor interval, or Corosync's token "
       "timeout for a crash), Pacemaker's scheduling, the agents' own work from the first "
       "operation of the recovery (notifications, demote/stop of the failed instance, promote) "
       "to the new primary's promote returning, and the VIP's start after it.", "", table(SPLIT), ""]
md += ["## Bring-up", "",
       "From `cibadmin -C` of the resources (data directories prepared before: initdb on node1, "
       "pg_basebackup to node2) to the first Promoted instance and to a streaming standby "
       "(pg_stat_replication on the primary), and for ours/the shell agent to the sync standby "
       "(pgsql-status HS:sync). PAF: no sync notion, so only streaming.", "", table(UP), ""]


def switchover_section():
    """The "Planned switchover" section: every agent of the run, the rejoin round included."""
    sec = ["## Planned switchover", "",
           "`crm_resource --move --promoted -r pgsql-clone -N <standby>`, then `--clear` once the "
           "new primary takes writes. The old primary gets SW_WAIT (45) s to stream again by "
           "itself; if it does not, the manual work it needs is done (PAF: first a plain cleanup; "
           "then ban, pg_basebackup, rm PGSQL.lock, clear, cleanup) and timed separately. "
           "\"ours, rejoin_after_switchover=true\" is our agent with the rejoin after a "
           "switchover on (docs/contract.md §5.12): its round measures only the bring-up and "
           "the switchovers. PAF is set up with asynchronous replication here (PostgreSQL's "
           "default; PAF does not manage synchronous_standby_names), so it has no HS:sync figure: its \"streams again\" row is the one to "
           "compare. The unsafe cases (kill -9 of the primary, a standby behind, a "
           "replication-link cut), where the lock must stay, are tests, not figures: "
           "tests/rejoin.sh on 2 and 3 nodes."]
    if SECTION:
        sec += ["", f"From a separate run (`bench/run.sh --switchover`): {meta.get('date', ['?'])[0]}, "
                f"our agent at git commit {meta.get('commit', ['?'])[0]}, "
                f"{meta.get('params', ['?'])[0]}; the other sections are from the run above."]
    sec += ["", table(SW, AGENTS), ""]
    for a in AGENTS:
        sec += [f"- {SHORT[a]} — {k}: {v}" for k, v in info(a) if k.startswith("switch")]
    return sec + [""]


md += switchover_section()
md += ["## Notes", "",
       "- The shell agent's round ran pacemakerd with `OCF_FUNCTIONS_DIR` pointing at a patched "
       "copy of ocf-shellfuncs made under the bench's state directory (HARNESS.md pitfall 1: "
       "with the stock Debian 12 library `ocf_promotion_score -v -INFINITY` fails and the shell "
       "agent cannot run replication at all); the captured monitor environment carries it too. "
       "Ours and PAF ran with the stock library.",
       "- PAF is configured as its documentation requires (notify=true, standby.signal, "
       "primary_conninfo with application_name=<node> and recovery_target_timeline='latest' in "
       "an included per-node file, pg_hba rejecting self-replication), with the same "
       "operations and meta attributes as the others (migration-threshold 1, stop "
       "on-fail=block, no fencing: `stonith-enabled=false` in this harness). PAF documents "
       "fencing as mandatory. Its kill -9 result: the crashed primary's monitor returns "
       "'promoted (failed)', the stop on it fails ('Unexpected state ... (returned 9)', PAF "
       "cannot stop a crashed primary), the stop failure blocks the resource (on-fail=block, "
       "no fencing) and no standby is promoted: no failover at all in this harness.",
       "- PAF without fencing, seen while building this bench (2026-11-22): when a crashed "
       "primary's node comes back with its data directory untouched, its probe reports a "
       "crashed primary, its stop fails (blocked), Pacemaker demotes the healthy new primary "
       "and the re-promote waits for the failed node's LSN until the 60 s promote timeout. The "
       "bench therefore rebuilds a crashed PAF node's data directory while the node is down "
       "and only then starts it (the PAF way: never let a crashed primary rejoin as is).",
       "- Bring-up: ours and the shell agent start every instance as a standby and, with no "
       "primary in the cluster, promote only after `xlog_check_count` (3) identical WAL "
       "position samples taken by the 4 s standby monitor, so that the node with the newest "
       "data wins (the PG-REX rule, SPEC section 5); PAF promotes without such a sampling "
       "period. The difference is that rule, not start-up cost.",
       "- pgbench TPS is for information only: it varies from run to run on this 2-core "
       "machine, where the cluster, pgbench and the samples share the cores (ours and the "
       "shell agent run synchronous replication, PAF asynchronous).",
       "- Failover split, node crash: ours spends up to 1 s more of the agents' work in "
       "promote's guard against two primaries (docs/contract.md §5.9): after a power loss the "
       "standby's WAL receiver still says streaming over the half-open connection, so promote "
       "first tries master_ip:pgport for 1 s and promotes only when nothing answers. The shell "
       "agent and PAF promote without that check (without fencing, a partitioned old primary "
       "would still take writes). After a kill -9 the receiver does not stream and nothing is "
       "probed.",
       "- Ours in the steady state (docs/contract.md §5.10.1): the primary's monitor executes "
       "itself and one `crm_mon -1 --output-as=xml --fence-history=0 --include=none "
       "--include=nodes,resources,attributes`, and costs that crm_mon (the 'alone' rows: "
       "a Pacemaker tool loads about 40 shared libraries before it asks pacemaker-based for "
       "anything) plus one PostgreSQL connection and round trip; a standby's executes only "
       "itself (no snapshot while it streams on a connection already checked and master_ip "
       "answers): one connection, one round trip, one TCP connect.",
       ""]
md += ["## What each agent needed (from the run)", ""]
for a in BASE:
    for k, v in info(a):
        if not k.startswith("switch"):
            md.append(f"- {SHORT[a]} — {k}: " + v.replace("&quot;", '"'))
missing = [a for a in AGENTS if not data[a]]
if missing:
    md += ["", "Missing: no figures for " + ", ".join(missing) + " (round failed or not run)."]
md += ["", "![monitor and failover figures](benchmarks.png)", ""]
if SECTION == "switchover":
    old = open(OUT).read()
    head, sep, rest = old.partition("## Planned switchover")
    if not sep:
        sys.exit(f"{OUT} has no section 'Planned switchover'")
    tail = rest[rest.find("\n## "):] if "\n## " in rest else "\n"
    new = head + "\n".join(switchover_section()).rstrip("\n") + "\n" + tail
    open(OUT, "w").write(new)
    print("\n".join(switchover_section()))
    sys.exit(0)
open(OUT, "w").write("\n".join(md))
print("\n".join(md))

# ---- chart ----------------------------------------------------------------------------
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib missing (bench/deps.sh): no chart")
    sys.exit(0)

fig, axs = plt.subplots(2, 2, figsize=(12, 8))
cols = {"ours": "#2a9d8f", "shell": "#e76f51", "paf": "#457b9d"}


def bars(ax, metrics, labels, sc, title, unit, log=False):
    w = 0.8 / len(AGENTS)
    for k, a in enumerate(AGENTS):
        ys, lo, hi = [], [], []
        for m in metrics:
            v = data[a].get(m)
            if v:
                md_ = statistics.median(v) * sc
                ys.append(md_); lo.append(md_ - min(v) * sc); hi.append(max(v) * sc - md_)
            else:
                ys.append(0); lo.append(0); hi.append(0)
        xs = [i + (k - (len(AGENTS) - 1) / 2) * w for i in range(len(metrics))]
        ax.bar(xs, ys, w, yerr=[lo, hi], capsize=3, label=SHORT[a], color=cols.get(a))
        for x, y, m in zip(xs, ys, metrics):
            if y == 0 and m.split("_")[0] in ("kill", "crash") and any(
                    k == m.split("_")[0] + "_no_failover" for k, _ in info(a)):
                ax.annotate("no\nfailover", (x, 0), ha="center", va="bottom", fontsize=7,
                            xytext=(0, 2), textcoords="offset points", color=cols.get(a))
            if y > 0:
                ax.annotate(f"{y:.3g}", (x, y), ha="center", va="bottom", fontsize=6,
                            xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(range(len(metrics)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit)
    ax.grid(axis="y", alpha=0.3)
    if log:
        ax.set_yscale("log")


tags = ["idle_pri", "idle_std", "load_pri", "load_std"]
tl = ["primary\nidle", "standby\nidle", "primary\npgbench", "standby\npgbench"]
bars(axs[0][0], [t + "_wall" for t in tags], tl, 1000, "one monitor: wall time (median, min–max; log scale)", "ms", True)
bars(axs[0][1], [t + "_cpu" for t in tags], tl, 1000, "one monitor: CPU incl. children (log scale)", "ms", True)
bars(axs[1][0], [t + "_exec" for t in tags], tl, 1, "one monitor: programs executed (log scale)", "execve", True)
bars(axs[1][1], ["kill_write", "crash_write", "switch_write"],
     ["kill -9 postmaster", "node crash", "planned switchover"], 1,
     "until a write through the VIP succeeds", "s")
axs[0][0].legend(fontsize=8)
fig.suptitle(f"pgsql agents side by side, 2-node Pacemaker cluster ({meta.get('date', ['?'])[0]})")
fig.tight_layout()
fig.savefig(PNG, dpi=90)
print("chart:", PNG)
