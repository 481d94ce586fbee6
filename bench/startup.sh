#!/usr/bin/env bash
# Cold start and idle memory of the release binary with an already-migrated embedded database.
#
#   bench/startup.sh                 build, then 10 measured runs
#   RUNS=20 bench/startup.sh         more runs
#   SKIP_BUILD=1 bench/startup.sh    use the existing target/release/blackroad-api
#   BIN=/path/to/blackroad-api       measure another binary (implies no build)
#   PORT=18000                       fixed port (default: a free one per run)
#
# Needs bash, python3 and a Linux /proc. Prints min/median/max time from spawn to the first
# HTTP 200 on /health and the median VmRSS ~1 s after that.
set -euo pipefail
if [[ -n "${BIN:-}" ]]; then BIN="$(realpath "$BIN")"; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${RUNS:-10}"
if [[ -z "${BIN:-}" ]]; then
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/blackroad-api"
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
        cargo build --release --locked
    fi
fi
[[ -x "$BIN" ]] || { echo "no executable at $BIN (build it, or drop SKIP_BUILD)" >&2; exit 1; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DATA_DIR="$WORK/data"
mkdir -p "$DATA_DIR"

# The server runs in a clean environment (embedded defaults: no DATABASE_URL, ENVIRONMENT, ...
# inherited from the caller) and in a working directory with no .env above it.
server_env=(env -i "PATH=$PATH" "DATA_DIR=$DATA_DIR" "STATIC_DIR=$ROOT/static" "HOST=127.0.0.1")
if [[ -n "${RUST_LOG:-}" ]]; then server_env+=("RUST_LOG=$RUST_LOG"); fi

cd "$WORK"
"${server_env[@]}" "$BIN" migrate up >/dev/null

BENCH_BIN="$BIN" BENCH_RUNS="$RUNS" BENCH_PORT="${PORT:-}" BENCH_LOG="$WORK/server.log" \
    BENCH_DATA_DIR="$DATA_DIR" BENCH_STATIC_DIR="$ROOT/static" python3 - <<'PY'
import http.client, os, signal, socket, statistics, subprocess, sys, time

BIN, RUNS, LOG = os.environ["BENCH_BIN"], int(os.environ["BENCH_RUNS"]), os.environ["BENCH_LOG"]
FIXED_PORT = os.environ.get("BENCH_PORT") or None
HOST = "127.0.0.1"
child_env = {
    "PATH": os.environ["PATH"],
    "DATA_DIR": os.environ["BENCH_DATA_DIR"],
    "STATIC_DIR": os.environ["BENCH_STATIC_DIR"],
    "HOST": HOST,
}
if os.environ.get("RUST_LOG"):
    child_env["RUST_LOG"] = os.environ["RUST_LOG"]


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def healthy(port):
    conn = http.client.HTTPConnection(HOST, port, timeout=1)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def fail(message):
    with open(LOG, errors="replace") as f:
        tail = f.read()[-4000:]
    sys.exit(f"{message}; server log:\n{tail}")


def one_run(measure_memory):
    port = int(FIXED_PORT) if FIXED_PORT else free_port()
    env = dict(child_env, PORT=str(port))
    with open(LOG, "ab") as log:
        start = time.perf_counter_ns()
        proc = subprocess.Popen([BIN, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        while not healthy(port):
            if proc.poll() is not None:
                fail(f"the server exited with status {proc.returncode} before answering")
            if time.perf_counter_ns() - start > 30e9:
                fail("no 200 on /health within 30 s")
            time.sleep(0.001)
        ready_ms = (time.perf_counter_ns() - start) / 1e6
        rss = peak = None
        if measure_memory:
            time.sleep(1.0)
            rss, peak = rss_kib(proc.pid), rss_kib(proc.pid, "VmHWM")
        return ready_ms, rss, peak
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print("warning: server ignored SIGTERM for 10 s", file=sys.stderr)


# Warm-up: the first serve generates the keys under DATA_DIR and pulls the binary into the page
# cache; the measured runs then start the way a restarted server does.
one_run(measure_memory=False)
if not all(os.path.exists(os.path.join(child_env["DATA_DIR"], n)) for n in ("secret_key", "wallet_master_key")):
    sys.exit("warm-up run did not leave the generated keys in DATA_DIR")

def mb(kib):  # VmRSS is in KiB; report decimal MB, as the goal is stated
    return kib * 1024 / 1e6


times, rss, peaks = [], [], []
for i in range(RUNS):
    ms, kib, peak = one_run(measure_memory=True)
    times.append(ms)
    rss.append(kib)
    peaks.append(peak)
    print(f"run {i + 1:>2}: {ms:7.1f} ms to first 200, VmRSS {mb(kib):5.1f} MB", flush=True)

med_ms, med_rss = statistics.median(times), mb(statistics.median(rss))
print()
print(f"cold start to first 200 on /health ({RUNS} runs): "
      f"min {min(times):.1f} ms, median {med_ms:.1f} ms, max {max(times):.1f} ms "
      f"(goal < 100 ms: {'met' if med_ms < 100 else 'NOT met'})")
print(f"idle RSS ~1 s after start: median {med_rss:.1f} MB "
      f"(min {mb(min(rss)):.1f}, max {mb(max(rss)):.1f}; peak VmHWM median {mb(statistics.median(peaks)):.1f} MB) "
      f"(goal < 30 MB: {'met' if med_rss < 30 else 'NOT met'})")
PY
