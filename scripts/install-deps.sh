#!/usr/bin/env bash
# Installs what building and testing need, from Debian 12 packages (and npm for the test
# clients). Idempotent and quiet when everything is already there.
# Usage: scripts/install-deps.sh [build|test|bench|image]
set -euo pipefail
what=${1:-test}

pkgs=(cmake ninja-build g++ pkg-config ccache libboost1.74-dev libssl-dev nlohmann-json3-dev
      libsqlite3-dev libpq-dev libhiredis-dev libyaml-cpp-dev ca-certificates curl)
case "$what" in
  # podman + runc + mmdebstrap: the container image is built and run by the tests (as root: no
  # uidmap/slirp4netns needed); podman-compose parses the Compose examples; kubectl renders the
  # Kustomize set-up (Debian's kubernetes-client, unless a kubectl is installed already).
  test) pkgs+=(libgtest-dev clang libclang-rt-14-dev openssl procps prometheus postgresql redis-server tmux
               podman runc mmdebstrap podman-compose chromium)
        command -v kubectl >/dev/null 2>&1 || pkgs+=(kubernetes-client) ;;
  bench) pkgs+=(wrk nginx-light util-linux binutils procps) ;;
  image) pkgs+=(podman runc mmdebstrap) ;;
esac
# The image's builder stage runs `install-deps.sh build`: it needs no node.
[ "$what" = build ] || command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$what" = test ] && [ -f tests/node/package-lock.json ]; then
  if [ ! -d tests/node/node_modules ] || [ tests/node/package-lock.json -nt tests/node/node_modules ]; then
    (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
