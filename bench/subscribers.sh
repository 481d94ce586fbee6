#!/usr/bin/env bash
# N graphql-transport-ws subscribers to blockMined on one release server: delivery latency of
# one mined block (p50/p99) and server memory per idle socket.
#
#   bench/subscribers.sh              build, then 20,000 subscribers (capped by the fd limit)
#   N=5000 bench/subscribers.sh
#   SKIP_BUILD=1 bench/subscribers.sh
#
# Raises the open-file limit as far as the hard limit allows; the server needs one descriptor
# per socket, the client (a separate process) one more per socket.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${N:-20000}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/release"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --locked --bin blackroad-api --example subscribers
fi

HARD="$(ulimit -Hn)"
WANT=$((N + 1024))
if [[ "$HARD" != unlimited && "$HARD" -lt "$WANT" ]]; then
    ulimit -Hn "$WANT" 2>/dev/null || true
    HARD="$(ulimit -Hn)"
fi
if [[ "$HARD" != unlimited && "$HARD" -lt "$WANT" ]]; then
    CAPPED=$((HARD - 500))
    echo "open-file hard limit is $HARD (cannot raise it here): running $CAPPED subscribers instead of $N" >&2
    N="$CAPPED"
    WANT="$HARD"
fi
ulimit -n "$WANT"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
PORT="${PORT:-18123}"
env -i "PATH=$PATH" "DATA_DIR=$WORK" "STATIC_DIR=$ROOT/static" HOST=127.0.0.1 "PORT=$PORT" \
    CHAIN_DIFFICULTY=1 "WS_MAX_CONNECTIONS=$((N + 100))" RUST_LOG=warn \
    "$TARGET/blackroad-api" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do
    if curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
    sleep 0.05
done
BENCH_URL="http://127.0.0.1:$PORT" BENCH_N="$N" BENCH_PID="$SERVER_PID" "$TARGET/examples/subscribers"
