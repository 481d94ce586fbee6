#!/usr/bin/env bash
# The ledger's nested query under load, on SQLite and on PostgreSQL, against the release build
# with demo data (1,000 users, 20,000 transactions, 2,000 blocks by default).
#
#   bench/chain_query.sh                         both backends (PostgreSQL at BENCH_PG_URL)
#   BACKENDS=sqlite bench/chain_query.sh         one backend
#   DURATION=30 CONNECTIONS=64 bench/chain_query.sh
#   SKIP_BUILD=1 bench/chain_query.sh
#
# Needs wrk (apt-get install wrk), curl, python3, and psql for the PostgreSQL run.
# Prints requests/s, p99 latency and SQL statements per request for each backend.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/target/release/blackroad-api}"
BACKENDS="${BACKENDS:-sqlite postgres}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
BENCH_PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
USERS="${USERS:-1000}" TRANSACTIONS="${TRANSACTIONS:-20000}" BLOCKS="${BLOCKS:-2000}"

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then (cd "$ROOT" && cargo build --release --locked); fi

QUERY='{ blocks(first: 50) { edges { node { index hash miner { username } transactions(first: 20) { edges { node { hash amount fromWallet { owner { username } } } } } } } } }'
BODY=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$QUERY")
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -n "${PG_DB:-}" ]] && psql "$BENCH_PG_URL" -qc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$BODY]]
LUA

lua_for() {
    local body
    body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$1")
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n' "$body"
}

# What browsers send: the answer is compressed, as a user gets it.
BROWSER_ENCODING="gzip, deflate, br, zstd"

# browser_lua FILE [cold]: the nested query with the browser's Accept-Encoding; "cold" names
# every request's operation uniquely, so each one misses the response cache (and stores).
browser_lua() {
    local query
    query=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1])[1:-1])' "${QUERY#\{}")
    if [[ "${2:-}" == cold ]]; then
        cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept-Encoding"] = "$BROWSER_ENCODING"
local n = 0
init = function() math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
request = function()
  n = n + 1
  local body = '{"query":"query Cold' .. math.random(1, 1000000000) .. '_' .. n .. ' {$query"}'
  return wrk.format(nil, nil, nil, body)
end
LUA
    else
        cp "$WORK/post.lua" "$1"
        echo "wrk.headers[\"Accept-Encoding\"] = \"$BROWSER_ENCODING\"" >>"$1"
    fi
}

# measure LABEL LUA STATEMENTS: one wrk run against the running server, one summary line.
measure() {
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" \
        "http://127.0.0.1:$PORT/graphql" >"$WORK/wrk.txt"
    local rps p99 errors
    rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
    errors=$(grep -E "Non-2xx|Socket errors" "$WORK/wrk.txt" || true)
    printf '%-18s %10s req/s   p99 %9s   %2s SQL statements/request\n' "$1" "$rps" "$p99" "$3"
    [[ -z "$errors" ]] || echo "  wrk reported: $errors"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server LOGFILE [VAR=VALUE...]: starts the server with the run's environment, waits for /health.
start_server() {
    local log="$1"; shift
    PORT=$(free_port)
    env -i PATH="$PATH" HOST=127.0.0.1 PORT="$PORT" DATA_DIR="$WORK/data" "${RUN_ENV[@]}" "$@" "$BIN" serve >"$log" 2>&1 &
    SERVER=$!
    PIDS+=("$SERVER")
    for _ in $(seq 1 200); do
        curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "server did not start:"; cat "$log"; exit 1
}

stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

run_backend() {
    local backend="$1"
    rm -rf "$WORK/data"; mkdir -p "$WORK/data"
    # No rate limits (wrk is one client sending far more than 1,200 queries a minute) and no
    # response cache: this measures execution. bench/cache.sh turns the cache on.
    RUN_ENV=(LOG_FORMAT=json RATE_LIMIT_QUERY=0 CACHE_ENABLED=false)
    # Extra server variables, e.g. SERVER_ENV="REDIS_URL=redis://127.0.0.1:6379 CACHE_ENABLED=false".
    # shellcheck disable=SC2206
    RUN_ENV+=(${SERVER_ENV:-})
    if [[ "$backend" == postgres ]]; then
        PG_DB="bench_$(date +%s)_$$"
        psql "$BENCH_PG_URL" -qc "CREATE DATABASE \"$PG_DB\"" >/dev/null
        RUN_ENV+=(DATABASE_URL="${BENCH_PG_URL%/*}/$PG_DB" DB_MAX_CONNECTIONS=20)
    fi
    env -i PATH="$PATH" DATA_DIR="$WORK/data" "${RUN_ENV[@]}" "$BIN" migrate up >/dev/null
    env -i PATH="$PATH" DATA_DIR="$WORK/data" "${RUN_ENV[@]}" "$BIN" seed \
        --users "$USERS" --transactions "$TRANSACTIONS" --blocks "$BLOCKS" 2>/dev/null

    # Statements per request: one request with SQL logging on, counting the statements logged.
    start_server "$WORK/sql.log" RUST_LOG=warn,sqlx::query=debug
    curl -fs -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/graphql" >/dev/null
    : >"$WORK/sql.log"
    curl -fs -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/graphql" -o "$WORK/response.json"
    sleep 0.2
    local statements
    statements=$(grep -c '"db.statement"' "$WORK/sql.log" || true)
    stop_server
    python3 - "$WORK/response.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
assert "errors" not in body, body
edges = body["data"]["blocks"]["edges"]
assert len(edges) == 50 and all(len(e["node"]["transactions"]["edges"]) == 10 for e in edges), "unexpected shape"
PY

    start_server "$WORK/server.log"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s "$WORK/post.lua" "http://127.0.0.1:$PORT/graphql" >/dev/null
    measure "$backend ${LABEL:-nested}" "$WORK/post.lua" "$statements"
    if [[ "${REFERENCE:-1}" == 1 ]]; then
        lua_for '{ blocks(first: 50) { edges { node { index hash } } } }' >"$WORK/flat.lua"
        measure "$backend flat" "$WORK/flat.lua" 1
        lua_for '{ __typename }' >"$WORK/typename.lua"
        measure "$backend typename" "$WORK/typename.lua" 0
    fi
    browser_lua "$WORK/browser.lua"
    measure "$backend nested, br" "$WORK/browser.lua" "$statements"
    stop_server

    # The default configuration (response cache on, in process or REDIS_URL from SERVER_ENV):
    # every request a miss (cold), then the same request again and again (warm).
    local saved=("${RUN_ENV[@]}")
    local cache_on=()
    for v in "${RUN_ENV[@]}"; do [[ "$v" == CACHE_ENABLED=false ]] || cache_on+=("$v"); done
    RUN_ENV=("${cache_on[@]}")
    start_server "$WORK/default.log"
    browser_lua "$WORK/cold.lua" cold
    measure "$backend default cold" "$WORK/cold.lua" "$statements"
    browser_lua "$WORK/warm.lua"
    measure "$backend default warm" "$WORK/warm.lua" 0
    stop_server
    RUN_ENV=("${saved[@]}")
    if [[ "$backend" == postgres ]]; then
        psql "$BENCH_PG_URL" -qc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null
        PG_DB=""
    fi
}

echo "nested query: blocks(first: 50) → miner, transactions(first: 20) → fromWallet → owner"
echo "data: $USERS users, $TRANSACTIONS transactions, $BLOCKS blocks; $(nproc) cores shared by wrk and the server"
echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s per line; flat = blocks(first: 50) { index hash }"
echo "lines: cache off without Accept-Encoding; 'br' = Accept-Encoding: $BROWSER_ENCODING (cache off);"
echo "       'default' = the default configuration (cache on) with that Accept-Encoding: cold = every request a miss, warm = hits"
for backend in $BACKENDS; do run_backend "$backend"; done
