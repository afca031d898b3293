#!/usr/bin/env bash
# Makes sure podman has a Debian 12 base image built from Debian packages, without any container
# registry: `mmdebstrap --variant=minbase bookworm` into a tarball, cached in IGW_CACHE_DIR
# (default ~/.cache/igw), imported as localhost/igw-base:bookworm. Prints the image name.
# Used by `make image` and by the container tests (tests/node/deploy/container.test.mjs).
# IGW_BASE_MAX_AGE_DAYS (default 30): an older tarball is made again, for security updates.
set -euo pipefail
image=localhost/igw-base:bookworm
podman=(podman --runtime runc --cgroup-manager=cgroupfs)
dir=${IGW_CACHE_DIR:-$HOME/.cache/igw}
# The name changes with the recipe below, so a changed recipe makes a new tarball.
tar=$dir/bookworm-minbase-v2.tar
max_age=${IGW_BASE_MAX_AGE_DAYS:-30}

if [ -f "$tar" ] && [ -n "$(find "$tar" -mtime +"$max_age")" ]; then
  rm -f "$tar"
  "${podman[@]}" rmi -f "$image" >/dev/null 2>&1 || true
fi
if "${podman[@]}" image exists "$image" && [ -f "$tar" ]; then
  echo "$image"
  exit 0
fi
mkdir -p "$dir"
if [ ! -f "$tar" ]; then
  echo "base-image: mmdebstrap --variant=minbase bookworm (a few minutes, once)" >&2
  tmp=$dir/.partial-$$.tar   # mmdebstrap picks the format from the .tar ending
  trap 'rm -f "$tmp"' EXIT
  # Like debian:bookworm-slim: merged /usr without the usrmerge package (and the perl it pulls
  # in), no man pages, docs (copyrights kept) or translations.
  mmdebstrap --quiet --variant=minbase \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    bookworm "$tmp" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >&2
  mv "$tmp" "$tar"
  trap - EXIT
fi
"${podman[@]}" import --quiet "$tar" "$image" >/dev/null
echo "$image"
