# syntax=docker/dockerfile:1
# Build:  docker build -t coop-registry .
# Run:    docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://... coop-registry
# (or use docker-compose.yml, which also starts PostgreSQL)

FROM rust:1-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Cache mounts keep the crates.io download and the target dir between builds
# (BuildKit); the binary is copied out of the cached target dir.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -m 0755 target/release/coop-registry /usr/local/bin/coop-registry

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 coop \
    && useradd --system --uid 10001 --gid coop --home-dir /app --shell /usr/sbin/nologin coop \
    && mkdir -p /app \
    && chown coop:coop /app
COPY --from=builder /usr/local/bin/coop-registry /usr/local/bin/coop-registry
WORKDIR /app
USER coop:coop
ENV BIND=0.0.0.0:8080
EXPOSE 8080
CMD ["coop-registry", "serve"]
