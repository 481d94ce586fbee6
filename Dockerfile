# blackroad-api: release build on rust:1-bookworm, run on debian:bookworm-slim as a non-root user.
#   docker build -t blackroad-api .
#   docker run -p 8000:8000 -e SECRET_KEY=... -e WALLET_MASTER_KEY=... -v blackroad-data:/app/data blackroad-api

FROM rust:1-bookworm AS builder
WORKDIR /src
# Dependencies first, against stub sources, so that a source change does not rebuild them.
# (Plain layers rather than BuildKit cache mounts, so the legacy builder works too.)
COPY Cargo.toml Cargo.lock ./
COPY migration/Cargo.toml migration/
# Cargo.toml names the load clients (examples under bench/), so they need stubs too.
RUN mkdir -p src migration/src bench \
    && echo 'fn main() {}' > src/main.rs && touch src/lib.rs migration/src/lib.rs \
    && echo 'fn main() {}' > bench/subscribers.rs && echo 'fn main() {}' > bench/bus.rs \
    && cargo build --release --locked \
    && rm -rf src migration/src bench
COPY migration/ migration/
COPY bench/subscribers.rs bench/bus.rs bench/
COPY build.rs ./
COPY src/ src/
COPY schema.graphql ./
COPY static/ static/
# COPY keeps the files' old mtimes; touching the crate roots makes cargo rebuild over the stubs.
RUN touch src/main.rs src/lib.rs migration/src/lib.rs \
    && cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 blackroad \
    && useradd --system --uid 10001 --gid blackroad --home-dir /app --shell /usr/sbin/nologin blackroad
WORKDIR /app
COPY --from=builder /src/target/release/blackroad-api /usr/local/bin/blackroad-api
COPY static/ static/
RUN mkdir -p /app/data && chown blackroad:blackroad /app/data

# Production refuses to start without SECRET_KEY and WALLET_MASTER_KEY (32+ characters each).
# Without DATABASE_URL the SQLite database lives in the /app/data volume.
ENV HOST=0.0.0.0 PORT=8000 DATA_DIR=/app/data ENVIRONMENT=production
USER blackroad
VOLUME /app/data
EXPOSE 8000

# The slim image has no curl. bash's /dev/tcp is enough for a liveness probe on /health.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["blackroad-api"]
CMD ["serve"]
