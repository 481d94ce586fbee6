"""Summarises bench/peer/run.sh's results.tsv: medians per side and the ours/peer ratio.

Usage: report.py RESULTS_TSV [--markdown]. Columns of the TSV (one line per wrk run): round,
shape, side (ours|pgl), requests/s, p99 as wrk prints it (e.g. 85.12ms), wrk's error lines ('-'
when none), server CPU ms/request, PostgreSQL CPU ms/request, other processes' CPU share in %
(measure.py).
"""

import statistics
import sys
from collections import defaultdict

# label, ours (shape, side), peer (shape, side), peer name
ROWS = [
    ("nested, PostgreSQL", ("nested", "ours"), ("nested", "pgl"), "PostGraphile"),
    ("flat, PostgreSQL", ("flat", "ours"), ("flat", "pgl"), "PostGraphile"),
    ("nested, ours cached", ("cached", "ours"), ("nested", "pgl"), "PostGraphile"),
    ("nested, ours on SQLite", ("sqlite_nested", "ours"), ("nested", "pgl"), "PostGraphile"),
    ("flat, ours on SQLite", ("sqlite_flat", "ours"), ("flat", "pgl"), "PostGraphile"),
    ("feed page, PostgreSQL", ("feed", "ours"), ("feed", "pgl"), "PostGraphile"),
    ("feed page, ours on SQLite", ("sqlite_feed", "ours"), ("feed", "pgl"), "PostGraphile"),
    ("{ __typename }", ("typename", "ours"), ("typename", "pgl"), "PostGraphile"),
    ("{ __typename }", ("typename", "ours"), ("bare", "ours"), "bare axum"),
]


def ms(text):
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    raise ValueError(text)


def fmt_ms(v):
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def cpu(server, pg, sqlite):
    """(text, total ms): ours on SQLite and bare have no PostgreSQL work; whatever the postgres
    processes did during their runs was not theirs."""
    return (f"{server:.2f}", server) if sqlite else (f"{server:.2f}+{pg:.2f}", server + pg)


def main():
    runs = defaultdict(dict)
    errors, others = [], []
    for line in open(sys.argv[1]):
        round_, shape, side, rps, p99, err, server_ms, pg_ms, other = line.rstrip("\n").split("\t")
        runs[(shape, side)][round_] = (float(rps), ms(p99), float(server_ms), float(pg_ms))
        others.append((float(other), f"round {round_} {shape} {side}"))
        if err != "-":
            errors.append(f"round {round_} {shape} {side}: {err}")
    med = lambda key, i: statistics.median(v[i] for v in runs[key].values())
    head = ("query", "ours req/s", "p99 ms", "CPU ms/req", "peer", "req/s", "p99 ms", "CPU ms/req",
            "ours/peer", "per round", "per CPU")
    rows = []
    for label, ours, peer, name in ROWS:
        if ours not in runs or peer not in runs:
            continue
        rounds = sorted(set(runs[ours]) & set(runs[peer]), key=int)
        ratios = [runs[ours][r][0] / runs[peer][r][0] for r in rounds]
        ours_cpu = cpu(med(ours, 2), med(ours, 3), ours[0].startswith("sqlite"))
        peer_cpu = cpu(med(peer, 2), med(peer, 3), peer[0] == "bare")
        rows.append((
            label,
            f"{med(ours, 0):.0f}", fmt_ms(med(ours, 1)), ours_cpu[0],
            name,
            f"{med(peer, 0):.0f}", fmt_ms(med(peer, 1)), peer_cpu[0],
            f"{med(ours, 0) / med(peer, 0):.2f}",
            f"{min(ratios):.2f}–{max(ratios):.2f}",
            f"{peer_cpu[1] / ours_cpu[1]:.2f}",
        ))
    rounds = len(next(iter(runs.values())))
    print()
    print(f"medians over {rounds} rounds; ours/peer = ratio of the median req/s, 'per round' = range of "
          "the same-round ratios; CPU ms/req = server + PostgreSQL CPU per request; per CPU = requests "
          "per CPU-second, ours/peer (peer CPU ms/req / ours)")
    if "--markdown" in sys.argv:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
        for row in (head, *rows):
            print("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))
    if "--markdown" in sys.argv:
        return
    share = sorted(others)
    print(f"other processes' CPU during the runs: median {statistics.median(o for o, _ in share):.0f} %, "
          f"max {share[-1][0]:.0f} % ({share[-1][1]}) of the machine")
    for e in errors:
        print("wrk reported errors:", e)


main()
