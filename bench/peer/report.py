"""Summarises bench/peer/run.sh's results.tsv: median req/s and p99 per side, ours/peer ratio.

Usage: report.py RESULTS_TSV [--markdown]. Columns of the TSV: round, shape, side (ours|pgl),
requests/s, p99 as wrk prints it (e.g. 85.12ms), wrk's error lines (empty when none).
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
    ("{ __typename }", ("typename", "ours"), ("typename", "pgl"), "PostGraphile"),
    ("{ __typename }", ("typename", "ours"), ("bare", "ours"), "bare axum"),
]


def ms(text):
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    raise ValueError(text)


def main():
    rps, p99, errors = defaultdict(dict), defaultdict(dict), []
    for line in open(sys.argv[1]):
        fields = line.rstrip("\n").split("\t")
        round_, shape, side, r, p = fields[:5]
        rps[(shape, side)][round_] = float(r)
        p99[(shape, side)][round_] = ms(p)
        if len(fields) > 5 and fields[5]:
            errors.append(f"round {round_} {shape} {side}: {fields[5]}")
    markdown = "--markdown" in sys.argv
    head = ("query", "ours req/s", "ours p99 ms", "peer", "peer req/s", "peer p99 ms", "ours/peer", "per round")
    rows = []
    for label, ours, peer, name in ROWS:
        if ours not in rps or peer not in rps:
            continue
        rounds = sorted(set(rps[ours]) & set(rps[peer]), key=int)
        o, q = statistics.median(rps[ours].values()), statistics.median(rps[peer].values())
        ratios = [rps[ours][r] / rps[peer][r] for r in rounds]
        rows.append((
            label,
            f"{o:.0f}",
            f"{statistics.median(p99[ours].values()):.1f}",
            name,
            f"{q:.0f}",
            f"{statistics.median(p99[peer].values()):.1f}",
            f"{o / q:.2f}",
            f"{min(ratios):.2f}–{max(ratios):.2f}",
        ))
    print()
    print(f"medians over {len(next(iter(rps.values())))} rounds; ours/peer = ratio of the medians, "
          "'per round' = range of the same-round ratios")
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
        for row in (head, *rows):
            print("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))
    for e in errors:
        print("wrk reported errors:", e)


main()
