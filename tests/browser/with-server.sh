#!/usr/bin/env bash
# Runs the browser tests against a server this script starts (and stops):
#
#   tests/browser/with-server.sh target/debug/blackroad-api
#
# The server gets a fresh DATA_DIR (embedded SQLite), STATIC_DIR=static, a free port on
# 127.0.0.1, CHAIN_DIFFICULTY=2 and rate limits off (the suite registers ~25 users and signs in
# and refreshes many times a minute from one IP). ADMIN_USERNAMES names the Prism admin
# scenario's user; OPENAI_BASE_URL points at tests/browser/fake-ai.mjs. A second, "slow" server
# (SLOW_BASE_URL: CHAIN_DIFFICULTY=7 so mining runs long enough to be cancelled, a 64 KiB
# FILE_QUOTA_BYTES, a 3 s JOB_LEASE_SECS) serves the cancel and quota scenarios. Installs chromium
# (Debian) and the locked npm dependencies when missing.
# Extra environment (ARTIFACTS_DIR, GRAPHIQL_PATH, ONLY) is passed through to run.mjs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(realpath "${1:?usage: with-server.sh path/to/blackroad-api}")"

if [[ ! -x /usr/bin/chromium && -z "${CHROMIUM:-}" ]]; then
  echo "with-server.sh: installing chromium" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [[ ! -d "$here/node_modules/playwright-core" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi

data="$(mktemp -d)"
log="$data/server.log"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port="$(free_port)"
slow_port="$(free_port)"
cleanup() {
  [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [[ -n "${slow_pid:-}" ]] && kill "$slow_pid" 2>/dev/null && wait "$slow_pid" 2>/dev/null || true
  [[ -n "${ai_pid:-}" ]] && kill "$ai_pid" 2>/dev/null && wait "$ai_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

# The fake AI provider (streams "Echo: …" word by word) the AI chat scenario talks to.
PORT=0 node "$here/fake-ai.mjs" >"$data/ai.port" &
ai_pid=$!
for _ in $(seq 1 50); do [[ -s "$data/ai.port" ]] && break; sleep 0.1; done
ai_port="$(cat "$data/ai.port")"

DATA_DIR="$data" STATIC_DIR="$root/static" HOST=127.0.0.1 PORT="$port" CHAIN_DIFFICULTY=2 \
  RATE_LIMIT_AUTH=0 RATE_LIMIT_MUTATION=0 RATE_LIMIT_QUERY=0 ENVIRONMENT=development \
  ADMIN_USERNAMES=prism_admin \
  OPENAI_BASE_URL="http://127.0.0.1:$ai_port" OPENAI_API_KEY=fake-key AI_MODEL=fake-model \
  "$bin" serve >"$log" 2>&1 &
pid=$!

mkdir "$data/slow"
DATA_DIR="$data/slow" STATIC_DIR="$root/static" HOST=127.0.0.1 PORT="$slow_port" CHAIN_DIFFICULTY=7 \
  RATE_LIMIT_AUTH=0 RATE_LIMIT_MUTATION=0 RATE_LIMIT_QUERY=0 ENVIRONMENT=development \
  ADMIN_USERNAMES=prism_admin JOB_WORKERS=1 JOB_LEASE_SECS=3 FILE_QUOTA_BYTES=65536 \
  "$bin" serve >"$data/slow.log" 2>&1 &
slow_pid=$!

for p in "$port:$pid:$log" "$slow_port:$slow_pid:$data/slow.log"; do
  IFS=: read -r at proc file <<<"$p"
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$at/health" >/dev/null 2>&1 && break
    kill -0 "$proc" 2>/dev/null || { cat "$file" >&2; echo "with-server.sh: a server exited" >&2; exit 1; }
    sleep 0.1
  done
done

export BASE_URL="http://127.0.0.1:$port"
export SLOW_BASE_URL="http://127.0.0.1:$slow_port"
export ADMIN_USERNAME=prism_admin
status=0
(cd "$root" && node "$here/run.mjs") || status=$?
[[ $status -ne 0 ]] && { echo "--- server log (last 40 lines)" >&2; tail -n 40 "$log" >&2; }
exit $status
