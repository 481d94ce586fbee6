#!/usr/bin/env bash
# The ledger's nested query with and without the Redis response cache, on the release build
# with PostgreSQL and Redis, plus `{ __typename }` on the same server for scale. Prints
# requests/s for each and the cached/uncached ratio (goal: at least 10x).
#
#   bench/cache.sh                      (SKIP_BUILD=1, DURATION=…, CONNECTIONS=… as in chain_query.sh)
#   BENCH_REDIS_URL=redis://host:6379 bench/cache.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379}"
PREFIX="bench$$:"
export BACKENDS="${BACKENDS:-postgres}"

uncached=$(SERVER_ENV="REDIS_URL=$REDIS REDIS_KEY_PREFIX=$PREFIX CACHE_ENABLED=false" LABEL=uncached REFERENCE=0 \
    bash "$ROOT/bench/chain_query.sh" | grep -E 'req/s' | tee /dev/stderr)
SKIP_BUILD=1 cached=$(SKIP_BUILD=1 SERVER_ENV="REDIS_URL=$REDIS REDIS_KEY_PREFIX=$PREFIX" LABEL=cached REFERENCE=1 \
    bash "$ROOT/bench/chain_query.sh" | grep -E 'req/s' | grep -v flat | tee /dev/stderr)

rps() { awk -v label="$1" '$0 ~ label {for (i = 1; i <= NF; i++) if ($(i+1) == "req/s") print $i}' <<<"$2" | head -1; }
u=$(rps uncached "$uncached")
c=$(rps " cached" "$cached")
t=$(rps typename "$cached")
python3 - "$u" "$c" "$t" <<'PY'
import sys
u, c, t = map(float, sys.argv[1:])
print(f"cached / uncached: {c / u:.1f}x (goal >= 10x); cached / {{ __typename }}: {c / t:.2f}")
PY
