#!/usr/bin/env bash
# blackroad-api against PostGraphile v4 on the same PostgreSQL data, in the same run (issue #17).
#
#   bench/peer/run.sh                                   build, then 4 alternating rounds
#   CARGO_TARGET_DIR=/work/target-release SKIP_BUILD=1 bench/peer/run.sh
#   BIN=/path/blackroad-api BARE_BIN=/path/bare SKIP_BUILD=1 ROUNDS=6 DURATION=15 bench/peer/run.sh
#
# Seeds a fresh PostgreSQL database (and a SQLite DATA_DIR) with `blackroad-api seed`, starts our
# server three ways (PostgreSQL uncached, PostgreSQL with the response cache, SQLite uncached),
# PostGraphile on the same PostgreSQL database, and a bare axum server; checks that both GraphQL
# servers return the same data; then runs ROUNDS rounds of wrk, each round measuring every
# (server, query) pair once, in reverse order on every other round. Prints medians and
# ours/PostGraphile ratios. See bench/peer/README.md.
#
# Needs wrk, curl, python3, psql, node + npm (PostGraphile is restored with `npm ci`).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-}"
BIN="${BIN:-${TARGET:-$ROOT/target}/release/blackroad-api}"
BARE_BIN="${BARE_BIN:-${TARGET:-$HERE/bare/target}/release/bare}"
ROUNDS="${ROUNDS:-4}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
CONNECTIONS="${CONNECTIONS:-32}"
# wrk's per-request timeout (its default, 2 s, is below the nested query's latency under load on
# a busy 2-core machine; a timed-out request counts as an error and leaves the latency figures).
TIMEOUT="${TIMEOUT:-10s}"
THREADS="${THREADS:-2}"
# Pool size of both servers on PostgreSQL (ours: DB_MAX_CONNECTIONS, as in bench/chain_query.sh).
POOL="${POOL:-20}"
# Ours on SQLite: empty keeps its default pool (cores + 1), as deployed; a number overrides it.
SQLITE_POOL="${SQLITE_POOL:-}"
# PostGraphile worker processes: 1 is its ordinary deployment (one Node process); >1 uses its
# experimental --cluster-workers.
PGL_WORKERS="${PGL_WORKERS:-1}"
SQLITE="${SQLITE:-1}"
# Extra variables for our three servers, e.g. OURS_ENV="RUST_LOG=warn" (by default ours logs one
# INFO line per response, as it does in production).
OURS_ENV="${OURS_ENV:-}"
BENCH_PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
USERS="${USERS:-1000}" TRANSACTIONS="${TRANSACTIONS:-20000}" BLOCKS="${BLOCKS:-2000}"

for tool in wrk curl python3 psql node npm; do
    command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    (cd "$ROOT" && nice -n 19 cargo build --release --locked)
    (cd "$HERE/bare" && nice -n 19 cargo build --release --locked)
fi
[[ -x "$BIN" ]] || { echo "no binary at $BIN (set BIN or CARGO_TARGET_DIR)" >&2; exit 1; }
[[ -x "$BARE_BIN" ]] || { echo "no bare binary at $BARE_BIN (set BARE_BIN or CARGO_TARGET_DIR)" >&2; exit 1; }
if [[ ! -x "$HERE/node_modules/.bin/postgraphile" ]]; then
    (cd "$HERE" && npm ci --no-audit --no-fund >/dev/null)
fi

WORK="$(mktemp -d)"
# Our servers run from a copy of BIN with another name: on a shared machine, someone's
# `pkill blackroad-api` (or -f) would otherwise stop them in the middle of a run (it happened).
RUN_BIN="$WORK/brapi-peer"
declare -A PORT_OF PID_OF
PIDS=()
PG_DB=""
cleanup() {
    local rc=$? pid name
    if [[ $rc != 0 ]]; then
        # Keep what explains the failure: which servers still ran, and their logs.
        # and how they ended: 0 is a graceful shutdown (ours handles SIGTERM and SIGINT, so
        # someone signalled it), 101 a Rust panic, 128 + N death by signal N (137 SIGKILL, 139
        # SIGSEGV).
        for name in "${!PID_OF[@]}"; do
            if ! kill -0 "${PID_OF[$name]}" 2>/dev/null; then
                local status=0
                wait "${PID_OF[$name]}" 2>/dev/null || status=$?
                echo "$name (pid ${PID_OF[$name]}) is not running: exit status $status" >&2
            fi
        done
        local keep="/tmp/bench-peer-failed-$$"
        mkdir -p "$keep" && cp "$WORK"/*.log "$WORK"/*.tsv "$WORK"/wrk.* "$keep"/ 2>/dev/null || true
        echo "run failed (exit $rc); logs kept in $keep" >&2
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -n "$PG_DB" ]]; then
        psql "$BENCH_PG_URL" -qc "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Queries. PostGraphile's use aliases so that both responses have the same shape and names; the
# aliases only rename fields. Relations: userByMinerId (blocks.miner_id FK), transactionsByBlockId
# (transactions.block_id FK), walletByFromAddress (virtual FK, postgraphile.tags.json5),
# userByUserId (wallets.user_id FK). Orders as ours: blocks by index descending, a block's
# transactions by id ascending.
OURS_NESTED='{ blocks(first: 50) { edges { node { index hash miner { username } transactions(first: 20) { edges { node { hash amount fromWallet { owner { username } } } } } } } } }'
PGL_NESTED='{ blocks: allBlocks(first: 50, orderBy: INDEX_DESC) { edges { node { index hash miner: userByMinerId { username } transactions: transactionsByBlockId(first: 20, orderBy: ID_ASC) { edges { node { hash amount fromWallet: walletByFromAddress { owner: userByUserId { username } } } } } } } } }'
OURS_FLAT='{ blocks(first: 50) { edges { node { index hash } } } }'
PGL_FLAT='{ blocks: allBlocks(first: 50, orderBy: INDEX_DESC) { edges { node { index hash } } } }'
TYPENAME='{ __typename }'
# A feed page. Ours is the signed-in viewer's feed (their own and followed users' posts, newest
# first, with whether the viewer liked each); PostGraphile has no viewer, so its equivalent is
# the newest posts: the same page size and the same nested fields (author, like and comment
# counts). Not the same rows, so compare.py checks only the shape (see README.md).
FEED_FIRST="${FEED_FIRST:-10}"
OURS_FEED="{ feed(first: $FEED_FIRST) { edges { node { body likeCount commentCount viewerHasLiked author { username } } } } }"
PGL_FEED="{ feed: allPosts(first: $FEED_FIRST, orderBy: ID_DESC) { edges { node { body likeCount: postLikesByPostId { totalCount } commentCount: postCommentsByPostId { totalCount } author: userByAuthorId { username } } } } }"

write_lua() { # FILE QUERY [ACCESS_TOKEN]
    local body
    body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$2")
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n' "$body" >"$1"
    printf '%s' "$body" >"$1.json"
    if [[ -n "${3:-}" ]]; then
        printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$3" >>"$1"
        printf 'Authorization: Bearer %s' "$3" >"$1.auth"
    fi
}
write_lua "$WORK/ours_nested.lua" "$OURS_NESTED"
write_lua "$WORK/pgl_nested.lua" "$PGL_NESTED"
write_lua "$WORK/ours_flat.lua" "$OURS_FLAT"
write_lua "$WORK/pgl_flat.lua" "$PGL_FLAT"
write_lua "$WORK/typename.lua" "$TYPENAME"
write_lua "$WORK/pgl_feed.lua" "$PGL_FEED"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_ready() { # NAME PORT PID LOG URL_PATH
    for _ in $(seq 1 600); do
        curl -fs "http://127.0.0.1:$2$5" >/dev/null 2>&1 && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.05
    done
    echo "$1 did not start:" >&2; cat "$4" >&2; exit 1
}

# start_ours NAME DATA_DIR POOL [VAR=VALUE...] (an empty POOL keeps the server's default)
start_ours() {
    local name="$1" dir="$2" pool="$3"; shift 3
    local port; port=$(free_port)
    local sizing=()
    [[ -z "$pool" ]] || sizing=(DB_MAX_CONNECTIONS="$pool")
    (cd "$WORK" && exec env -i PATH="$PATH" HOST=127.0.0.1 PORT="$port" DATA_DIR="$dir" LOG_FORMAT=json \
        RATE_LIMIT_AUTH=0 RATE_LIMIT_MUTATION=0 RATE_LIMIT_QUERY=0 "${sizing[@]}" "$@" \
        $OURS_ENV "$RUN_BIN" serve) >"$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
    wait_ready "$name" "$port" "$!" "$WORK/$name.log" /health
    PORT_OF[$name]=$port
    PID_OF[$name]=$!
}

# ---------------------------------------------------------------------------------------------
echo "== peer benchmark: blackroad-api vs PostGraphile v4 (issue #17)"
echo "machine: $(nproc) cores (nproc), shared by wrk, the servers and PostgreSQL"
echo "blackroad-api: $("$BIN" --version 2>/dev/null || echo '?') ($BIN, built $(date -r "$BIN" '+%F %T'); worktree HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "PostGraphile: $("$HERE/node_modules/.bin/postgraphile" --version); node $(node --version); graphql $(node -p 'require("'"$HERE"'/node_modules/graphql/package.json").version'); pg $(node -p 'require("'"$HERE"'/node_modules/pg/package.json").version')"
echo "PostgreSQL: $(psql "$BENCH_PG_URL" -Atc 'SHOW server_version')"
echo "wrk: $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'); $THREADS threads, $CONNECTIONS connections, ${DURATION}s per measurement, $ROUNDS rounds, ${WARMUP}s warm-up per pair"
[[ -z "$OURS_ENV" ]] || echo "ours with: $OURS_ENV"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $USERS users, $TRANSACTIONS transactions, $BLOCKS blocks; pool $POOL connections each on PostgreSQL, ours on SQLite ${SQLITE_POOL:-its default}"

cp "$BIN" "$RUN_BIN"

# Seed PostgreSQL and SQLite (one DATA_DIR each; it also holds the generated keys).
PG_DB="bench_peer_$(date +%s)_$$"
psql "$BENCH_PG_URL" -qc "CREATE DATABASE \"$PG_DB\"" >/dev/null
# Both servers connect without TLS: PostGraphile's pg client uses none unless told to, while ours
# (sqlx) prefers TLS when the server offers it, as Debian's PostgreSQL does.
PG_URL="${BENCH_PG_URL%/*}/$PG_DB?sslmode=disable"
seed() { # DATA_DIR [VAR=VALUE...]
    local dir="$1"; shift
    mkdir -p "$dir"
    env -i PATH="$PATH" DATA_DIR="$dir" LOG_FORMAT=json "$@" "$BIN" migrate up >/dev/null
    env -i PATH="$PATH" DATA_DIR="$dir" LOG_FORMAT=json "$@" "$BIN" seed \
        --users "$USERS" --transactions "$TRANSACTIONS" --blocks "$BLOCKS" 2>/dev/null
}
t0=$(date +%s)
seed "$WORK/pg" DATABASE_URL="$PG_URL" | grep -v '^{' | sed 's/^/postgres: /'
if [[ "$SQLITE" == 1 ]]; then seed "$WORK/sqlite" | grep -v '^{' | sed 's/^/sqlite: /'; fi
psql "$PG_URL" -qc 'VACUUM ANALYZE' >/dev/null
echo "seeded in $(( $(date +%s) - t0 )) s"

start_ours ours_pg "$WORK/pg" "$POOL" DATABASE_URL="$PG_URL" CACHE_ENABLED=false
start_ours ours_pg_cached "$WORK/pg" "$POOL" DATABASE_URL="$PG_URL" CACHE_ENABLED=true
if [[ "$SQLITE" == 1 ]]; then start_ours ours_sqlite "$WORK/sqlite" "$SQLITE_POOL" CACHE_ENABLED=false; fi

# PostGraphile: production-like CLI settings (see README.md, "Fair settings").
port=$(free_port)
PGL_ARGS=(--connection "$PG_URL" --schema public --host 127.0.0.1 --port "$port"
    --max-pool-size "$POOL" --disable-graphiql --disable-query-log --dynamic-json
    --disable-default-mutations --simple-collections omit --legacy-relations omit
    --no-setof-functions-contain-nulls)
if [[ "$PGL_WORKERS" -gt 1 ]]; then PGL_ARGS+=(--cluster-workers "$PGL_WORKERS"); fi
echo "postgraphile $(printf '%s ' "${PGL_ARGS[@]}" | sed "s#$PG_URL#\$PG_URL#")"
(cd "$HERE" && exec env NODE_ENV=production node "$HERE/node_modules/postgraphile/cli.js" "${PGL_ARGS[@]}") \
    >"$WORK/postgraphile.log" 2>&1 &
PIDS+=("$!")
PID_OF[pgl]=$!
# PostGraphile has no health route; a GET on /graphql answers (405) once it listens.
for _ in $(seq 1 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/graphql" || true)
    [[ "$code" != 000 ]] && break
    sleep 0.05
done
[[ "$code" != 000 ]] || { echo "PostGraphile did not start:" >&2; cat "$WORK/postgraphile.log" >&2; exit 1; }
PORT_OF[pgl]=$port

port=$(free_port)
"$BARE_BIN" "$port" >"$WORK/bare.log" 2>&1 &
PIDS+=("$!")
wait_ready bare "$port" "$!" "$WORK/bare.log" /health
PORT_OF[bare]=$port
PID_OF[bare]=$!

# The feed's viewer: the seeded user whose followees wrote the most posts (the same username on
# SQLite: the seeded RNG gives both databases the same users and follows).
FEED_USER=$(psql "$PG_URL" -Atc "SELECT u.username FROM users u JOIN follows f ON f.follower_id = u.id
    JOIN posts p ON p.author_id = f.followee_id GROUP BY u.username ORDER BY COUNT(*) DESC, u.username LIMIT 1")
login() { # SERVER: prints an access token of FEED_USER (password: the seed's default)
    local body
    body=$(python3 -c 'import json,sys; print(json.dumps({"query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        "variables": {"i": {"login": sys.argv[1], "password": "demo password"}}}))' "$FEED_USER")
    curl -fsS -H 'content-type: application/json' --data-binary "$body" "http://127.0.0.1:${PORT_OF[$1]}/graphql" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])'
}
write_lua "$WORK/ours_feed.lua" "$OURS_FEED" "$(login ours_pg)"
if [[ "$SQLITE" == 1 ]]; then write_lua "$WORK/ours_feed_sqlite.lua" "$OURS_FEED" "$(login ours_sqlite)"; fi
echo "feed: $FEED_USER's feed(first: $FEED_FIRST) against PostGraphile's allPosts(first: $FEED_FIRST, orderBy: ID_DESC)"

# ---------------------------------------------------------------------------------------------
# Same data: fetch each query once from each server and compare the values.
fetch() { # SERVER LUA OUT
    local auth=()
    [[ -f "$2.auth" ]] && auth=(-H "$(cat "$2.auth")")
    curl -fsS -H 'content-type: application/json' "${auth[@]}" --data-binary @"$2.json" \
        "http://127.0.0.1:${PORT_OF[$1]}/graphql" -o "$3"
}
fetch ours_pg "$WORK/ours_nested.lua" "$WORK/ours_pg.nested.json"
fetch ours_pg_cached "$WORK/ours_nested.lua" "$WORK/ours_pg_cached.nested.json"
fetch pgl "$WORK/pgl_nested.lua" "$WORK/pgl.nested.json"
fetch ours_pg "$WORK/ours_flat.lua" "$WORK/ours_pg.flat.json"
fetch pgl "$WORK/pgl_flat.lua" "$WORK/pgl.flat.json"
for s in ours_pg pgl bare; do fetch "$s" "$WORK/typename.lua" "$WORK/$s.typename.json"; done
fetch ours_pg "$WORK/ours_feed.lua" "$WORK/ours_pg.feed.json"
fetch pgl "$WORK/pgl_feed.lua" "$WORK/pgl.feed.json"
if [[ "$SQLITE" == 1 ]]; then
    fetch ours_sqlite "$WORK/ours_nested.lua" "$WORK/ours_sqlite.nested.json"
    fetch ours_sqlite "$WORK/ours_flat.lua" "$WORK/ours_sqlite.flat.json"
    fetch ours_sqlite "$WORK/ours_feed_sqlite.lua" "$WORK/ours_sqlite.feed.json"
fi
python3 "$HERE/compare.py" "$WORK" "$SQLITE"

# ---------------------------------------------------------------------------------------------
# Measurements: one line per (round, shape, side) in results.tsv.
#   shape   ours server       ours lua      PostGraphile lua
PAIRS=(
    "nested ours_pg ours_nested pgl_nested"
    "flat ours_pg ours_flat pgl_flat"
    "feed ours_pg ours_feed pgl_feed"
    "cached ours_pg_cached ours_nested -"
    "typename ours_pg typename typename"
    "bare bare typename -"
)
if [[ "$SQLITE" == 1 ]]; then
    PAIRS+=("sqlite_nested ours_sqlite ours_nested -" "sqlite_flat ours_sqlite ours_flat -"
        "sqlite_feed ours_sqlite ours_feed_sqlite -")
fi
# Runs of a round: (label server lua). PostGraphile's nested run serves as the peer figure of
# the cached and SQLite nested shapes, its flat run of SQLite flat, its feed run of SQLite feed,
# its typename run of bare.
RUNS=()
for pair in "${PAIRS[@]}"; do
    read -r shape server lua peer <<<"$pair"
    RUNS+=("$shape ours $server $lua")
    [[ "$peer" != - ]] && RUNS+=("$shape pgl pgl $peer")
done

wrk_args() { # SERVER LUA SECONDS
    echo wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3s" --timeout "$TIMEOUT" --latency -s "$WORK/$2.lua" "http://127.0.0.1:${PORT_OF[$1]}/graphql"
}

echo "warm-up: ${WARMUP}s of each run"
for run in "${RUNS[@]}"; do
    read -r shape side server lua <<<"$run"
    $(wrk_args "$server" "$lua" "$WARMUP") >/dev/null
done

: >"$WORK/results.tsv"
for round in $(seq 1 "$ROUNDS"); do
    order=("${RUNS[@]}")
    if (( round % 2 == 0 )); then
        order=(); for (( i=${#RUNS[@]}-1; i>=0; i-- )); do order+=("${RUNS[$i]}"); done
    fi
    for run in "${order[@]}"; do
        read -r shape side server lua <<<"$run"
        # shellcheck disable=SC2046
        line=$(python3 "$HERE/measure.py" "${PID_OF[$server]}" -- $(wrk_args "$server" "$lua" "$DURATION"))
        printf '%s\t%s\t%s\t%s\n' "$round" "$shape" "$side" "$line" >>"$WORK/results.tsv"
        IFS=$'\t' read -r rps p99 errors server_ms pg_ms other <<<"$line"
        printf 'round %s  %-14s %-4s %-15s %9s req/s  p99 %9s  CPU ms/req: server %7s, PostgreSQL %7s; others %3s%% %s\n' \
            "$round" "$shape" "$side" "$server" "$rps" "$p99" "$server_ms" "$pg_ms" "$other" "${errors#-}"
    done
done

# Still the same answers after the load (no errors slipped into 200 responses).
fetch ours_pg "$WORK/ours_nested.lua" "$WORK/ours_pg.nested.json"
fetch ours_pg_cached "$WORK/ours_nested.lua" "$WORK/ours_pg_cached.nested.json"
fetch pgl "$WORK/pgl_nested.lua" "$WORK/pgl.nested.json"
python3 "$HERE/compare.py" "$WORK" "$SQLITE" >/dev/null

[[ -z "${RESULTS:-}" ]] || cp "$WORK/results.tsv" "$RESULTS"
python3 "$HERE/report.py" "$WORK/results.tsv"
python3 "$HERE/report.py" "$WORK/results.tsv" --markdown | tail -n +3
for s in ours_pg ours_pg_cached ours_sqlite; do
    [[ -f "$WORK/$s.log" ]] || continue
    # The one expected warning: keys generated under DATA_DIR (no SECRET_KEY in a benchmark).
    grep '"level":"\(WARN\|ERROR\)"' "$WORK/$s.log" | grep -v 'SECRET_KEY or WALLET_MASTER_KEY unset' |
        python3 -c 'import collections, json, sys
seen = collections.Counter(json.loads(l).get("fields", {}).get("message", l.strip())[:160] for l in sys.stdin)
for message, n in seen.most_common(5): print(f"note: '"$s"' logged {n}x: {message}")' || true
done
[[ -s "$WORK/postgraphile.log" ]] && grep -qi error "$WORK/postgraphile.log" && echo "note: PostGraphile logged errors" || true
