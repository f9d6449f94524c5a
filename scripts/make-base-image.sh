#!/usr/bin/env bash
# Make a local Python base image when no registry is reachable (tests and this machine):
# debootstrap a minimal Debian 12 with python3 + venv, then `docker import` it. The root
# filesystem tarball is cached so a second run takes a second. Usage: make-base-image.sh [NAME]
set -euo pipefail
name=${1:-${CONTAINERIZE_BASE_IMAGE:-jupyter-containerize/python:3.11-bookworm}}
cache=${CONTAINERIZE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jupyter-containerize}
tarball=$cache/bookworm-python3-rootfs.tar

if docker image inspect "$name" >/dev/null 2>&1; then
  echo "base image $name present"; exit 0
fi
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  root=$(mktemp -d)
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root" >"$cache/debootstrap.log" 2>&1 || {
      echo "debootstrap failed; see $cache/debootstrap.log" >&2; rm -rf "$root"; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$root"
fi
docker import --change 'CMD ["python3"]' "$tarball" "$name" >/dev/null
echo "base image $name made from $tarball"
