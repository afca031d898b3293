# syntax=docker/dockerfile:1
# The inference gateway as a container image.
#
#   make image                      the full multi-stage build from source (target `runtime`)
#   podman build --target prebuilt --build-arg BINARY=build/inference-gateway .
#                                   the same runtime image around a binary built on the host
#                                   (Debian 12, `make build`): what `make test` builds and runs
#
# BASE_IMAGE is any Debian 12 image: the public debian:bookworm-slim by default; the tests use
# one made from Debian packages with `mmdebstrap --variant=minbase bookworm` (no registry needed).
# Stage order matters: a --target build stops at its stage, so `prebuilt` never runs the builder.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

# ---- runtime-base: only what the binary needs at run time, a non-root user, the defaults ------
FROM ${BASE_IMAGE} AS runtime-base
# Shared libraries the binary links (OpenSSL, SQLite, libpq) and the CA store for upstream TLS.
ARG RUNTIME_PACKAGES="ca-certificates libssl3 libsqlite3-0 libpq5 libhiredis0.14 libyaml-cpp0.7"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /var/lib/inference-gateway \
      --create-home --shell /usr/sbin/nologin gateway
LABEL org.opencontainers.image.title="inference-gateway" \
      org.opencontainers.image.description="One OpenAI-compatible endpoint in front of many LLM providers (C++20)" \
      org.opencontainers.image.base.name="debian:bookworm"
# Listen on every interface inside the container (the binary's own default is 127.0.0.1), as the
# Go image does. DATA_DIR holds the SQLite key store when AUTH_ENABLED=true and no DATABASE_URL.
ENV SERVER_HOST=0.0.0.0 \
    SERVER_PORT=8080 \
    DATA_DIR=/var/lib/inference-gateway/data
WORKDIR /var/lib/inference-gateway
EXPOSE 8080 9464
# No curl in the image: bash's /dev/tcp asks GET /health and wants a 200. (Plain HTTP only; with
# SERVER_TLS_* set, probe from outside or override the health check.)
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8080} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
USER 10001:10001
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/inference-gateway"]

# ---- prebuilt: the runtime image around a binary from the build context -----------------------
FROM runtime-base AS prebuilt
ARG BINARY=build/inference-gateway
# Per-build labels live in the last stages, so runtime-base stays cached across revisions.
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.version="${VERSION}" org.opencontainers.image.revision="${REVISION}"
COPY --chmod=0755 ${BINARY} /usr/local/bin/inference-gateway

# ---- builder: compiles with the repository's own install script --------------------------------
FROM ${BASE_IMAGE} AS builder
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY src src
# ccache objects survive between image builds (a cache mount, not a layer).
ENV CCACHE_DIR=/root/.cache/ccache CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIGW_TESTS=OFF >/dev/null \
 && ninja -C build inference-gateway \
 && strip --strip-debug -o /inference-gateway build/inference-gateway

# ---- runtime (default): the runtime image around the binary built above ------------------------
FROM runtime-base AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.version="${VERSION}" org.opencontainers.image.revision="${REVISION}"
COPY --from=builder /inference-gateway /usr/local/bin/inference-gateway
