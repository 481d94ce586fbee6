"""Checks that blackroad-api and PostGraphile answered with the same data (bench/peer/run.sh).

Usage: compare.py WORK_DIR SQLITE(0|1). Reads the responses run.sh saved in WORK_DIR, exits
non-zero when the PostgreSQL answers differ, and prints what was compared.

Values are compared after normalising the two servers' scalar formats: our `Amount` is a decimal
string of coins ("0.37"), PostGraphile's `amount` is the raw bigint column as a string of 1e-8
units ("37000000"); our `index` is an Int, PostGraphile's a BigInt string.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path

UNITS = Decimal(100_000_000)


def load(path):
    body = json.loads(Path(path).read_text())
    if body.get("errors"):
        sys.exit(f"{path}: GraphQL errors: {body['errors']}")
    return body["data"]


def ours_amount(text):
    return int(Decimal(text) * UNITS)


def nested(data, amount):
    """[(index, hash, miner, [(tx hash, amount in units, sender's owner)])] in response order."""
    out = []
    for edge in data["blocks"]["edges"]:
        node = edge["node"]
        txs = [
            (
                t["node"]["hash"],
                amount(t["node"]["amount"]),
                ((t["node"]["fromWallet"] or {}).get("owner") or {}).get("username"),
            )
            for t in node["transactions"]["edges"]
        ]
        out.append((int(node["index"]), node["hash"], (node["miner"] or {}).get("username"), txs))
    return out


def flat(data):
    return [(int(e["node"]["index"]), e["node"]["hash"]) for e in data["blocks"]["edges"]]


def feed(data):
    """[(author, likes, comments)] of a feed page; PostGraphile's counts are connections."""
    count = lambda v: v["totalCount"] if isinstance(v, dict) else v
    return [
        (e["node"]["author"]["username"], count(e["node"]["likeCount"]), count(e["node"]["commentCount"]))
        for e in data["feed"]["edges"]
    ]


def check_feed(name, rows, size):
    """Not the same rows (ours is a viewer's feed, PostGraphile's the newest posts): the same
    page size, every post with its author and integer counts."""
    if len(rows) != size or any(not a or not isinstance(l, int) or not isinstance(c, int) for a, l, c in rows):
        sys.exit(f"feed: {name} answered {rows}")


def describe(blocks):
    txs = [t for b in blocks for t in b[3]]
    users = {b[2] for b in blocks} | {t[2] for t in txs}
    return (
        f"{len(blocks)} blocks (index {blocks[0][0]}..{blocks[-1][0]}), {len(txs)} transactions, "
        f"{len(users - {None})} distinct usernames, {sum(1 for t in txs if t[2] is None)} "
        f"transactions without a sender"
    )


def main():
    work, sqlite = Path(sys.argv[1]), sys.argv[2] == "1"
    size = lambda name: (work / name).stat().st_size

    ours = nested(load(work / "ours_pg.nested.json"), ours_amount)
    peer = nested(load(work / "pgl.nested.json"), int)
    if ours != peer:
        for i, (a, b) in enumerate(zip(ours, peer)):
            if a != b:
                sys.exit(f"nested: block {i} differs:\n  ours {a}\n  pgl  {b}")
        sys.exit(f"nested: {len(ours)} blocks from ours, {len(peer)} from PostGraphile")
    if any(not b[3] for b in ours):
        sys.exit("nested: a block without transactions; the seed should fill every block")
    cached = nested(load(work / "ours_pg_cached.nested.json"), ours_amount)
    if cached != ours:
        sys.exit("nested: the cached server answered differently")
    print(
        f"nested: same data from both servers: {describe(ours)}; response "
        f"{size('ours_pg.nested.json')} B ours, {size('pgl.nested.json')} B PostGraphile"
    )

    ours_flat, peer_flat = flat(load(work / "ours_pg.flat.json")), flat(load(work / "pgl.flat.json"))
    if ours_flat != peer_flat:
        sys.exit("flat: the servers answered differently")
    if ours_flat != [(b[0], b[1]) for b in ours]:
        sys.exit("flat: not the same blocks as the nested query")
    print(
        f"flat: same {len(ours_flat)} blocks from both servers; response "
        f"{size('ours_pg.flat.json')} B ours, {size('pgl.flat.json')} B PostGraphile"
    )

    peer_feed = feed(load(work / "pgl.feed.json"))
    check_feed("PostGraphile", peer_feed, len(peer_feed) or -1)
    check_feed("ours", feed(load(work / "ours_pg.feed.json")), len(peer_feed))
    print(
        f"feed: {len(peer_feed)} posts with author and counts from both servers; response "
        f"{size('ours_pg.feed.json')} B ours, {size('pgl.feed.json')} B PostGraphile"
    )

    for server in ("ours_pg", "pgl", "bare"):
        data = load(work / f"{server}.typename.json")
        if data != {"__typename": "Query"}:
            sys.exit(f"typename: {server} answered {data}")
    print("typename: all three answer {\"data\":{\"__typename\":\"Query\"}}")

    if sqlite:
        # A separate seed: keys and ids are random, so hashes differ; the seeded RNG makes the
        # usernames, amounts and their order the same as on PostgreSQL.
        lite = nested(load(work / "ours_sqlite.nested.json"), ours_amount)
        strip = lambda blocks: [(b[0], b[2], [(t[1], t[2]) for t in b[3]]) for b in blocks]
        same = strip(lite) == strip(ours)
        print(
            f"sqlite: {describe(lite)}; indexes, miners, amounts and senders "
            f"{'the same as' if same else 'DIFFERENT from'} PostgreSQL's (hashes differ: "
            f"another seed run); response {size('ours_sqlite.nested.json')} B"
        )
        check_feed("ours on SQLite", feed(load(work / "ours_sqlite.feed.json")), len(peer_feed))
        if len(flat(load(work / "ours_sqlite.flat.json"))) != len(ours_flat):
            sys.exit("sqlite flat: wrong number of blocks")


main()
