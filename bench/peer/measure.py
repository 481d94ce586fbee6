"""One wrk measurement with CPU accounting (bench/peer/run.sh).

Usage: measure.py SERVER_PID -- wrk ARGS...
Prints one tab-separated line: requests/s, p99 as wrk prints it, wrk's error lines (';'-joined,
'-' when none), server CPU ms per request, PostgreSQL CPU ms per request, and the share of the
machine's CPU used by everything else (other processes: a concurrent build, a browser...) in %.

CPU comes from /proc: the server process and its children (PostGraphile's cluster workers), every
process named `postgres` (the backends serving the run, plus any other PostgreSQL client on the
machine), wrk itself (its rusage), and the machine's total busy time from /proc/stat; "other" is
the total minus those three. A short-lived foreign process is still counted there, because the
total comes from /proc/stat.
"""

import os
import re
import resource
import subprocess
import sys

TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def busy_ticks():
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal, user + nice + system + idle + iowait + irq + softirq + steal


def processes():
    """{pid: (ppid, comm, utime + stime ticks)} for every live process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            raw = open(f"/proc/{name}/stat").read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        out[int(name)] = (int(rest[1]), comm, int(rest[11]) + int(rest[12]))
    return out


def tree(procs, root):
    pids, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _, _) in procs.items():
            if ppid == parent and pid not in pids:
                pids.add(pid)
                frontier.append(pid)
    return pids


def main():
    server = int(sys.argv[1])
    wrk = sys.argv[sys.argv.index("--") + 1 :]
    before, (busy0, total0) = processes(), busy_ticks()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(wrk, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"wrk failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    result = run.stdout
    after, (busy1, total1) = processes(), busy_ticks()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)

    server_pids = tree(after, server) | tree(before, server)
    pg = lambda procs: {p for p, (_, comm, _) in procs.items() if comm == "postgres"}
    pg_pids = pg(before) | pg(after)
    # Per process; one that exited during the run is lost (its time is not in `after`).
    delta = lambda pids: sum(after[p][2] - before.get(p, (0, "", 0))[2] for p in pids if p in after)
    server_s = delta(server_pids) / TICK
    pg_s = delta(pg_pids) / TICK
    wrk_s = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    busy_s, wall_cpu_s = (busy1 - busy0) / TICK, (total1 - total0) / TICK
    other_pct = max(0.0, busy_s - server_s - pg_s - wrk_s) / wall_cpu_s * 100 if wall_cpu_s else 0.0

    rps = float(re.search(r"^Requests/sec:\s+(\S+)", result, re.M).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", result, re.M).group(1)
    requests = int(re.search(r"(\d+) requests in", result).group(1))
    errors = ";".join(
        " ".join(line.split()) for line in result.splitlines() if re.search(r"Non-2xx|Socket errors", line)
    ) or "-"
    per_req = lambda s: f"{s * 1000 / requests:.3f}" if requests else "nan"
    print(f"{rps}\t{p99}\t{errors}\t{per_req(server_s)}\t{per_req(pg_s)}\t{other_pct:.0f}")


main()
