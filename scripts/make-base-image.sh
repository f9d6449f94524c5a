#!/usr/bin/env bash
# Make a local Python base image when no registry is reachable (tests and this machine):
# debootstrap a minimal Debian 12 with python3 + venv, then `docker import` it. The root
# filesystem tarball is cached so a second run takes a second.
#   make-base-image.sh [NAME]        the amd64 image NAME in the engine
#   make-base-image.sh --arm64       only the arm64 root filesystem tarball (for the registry
#                                    builder's multi-arch tests; arm64 programs run under qemu)
set -euo pipefail
cache=${CONTAINERIZE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jupyter-containerize}
mkdir -p "$cache"

rootfs() {  # rootfs ARCH TARBALL
  local arch=$1 tarball=$2
  [ -s "$tarball" ] && return 0
  command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  local root
  root=$(mktemp -d)
  debootstrap --arch="$arch" --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root" >"$cache/debootstrap-$arch.log" 2>&1 || {
      echo "debootstrap ($arch) failed; see $cache/debootstrap-$arch.log" >&2; rm -rf "$root"; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$root"
}

if [ "${1:-}" = "--arm64" ]; then
  if [ "$(dpkg --print-architecture)" != arm64 ]; then
    dpkg -s qemu-user-static >/dev/null 2>&1 || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user-static binfmt-support >/dev/null; }
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  fi
  rootfs arm64 "$cache/bookworm-python3-rootfs-arm64.tar"
  echo "arm64 root filesystem: $cache/bookworm-python3-rootfs-arm64.tar"
  exit 0
fi

name=${1:-${CONTAINERIZE_BASE_IMAGE:-jupyter-containerize/python:3.11-bookworm}}
if docker image inspect "$name" >/dev/null 2>&1; then
  echo "base image $name present"; exit 0
fi
tarball=$cache/bookworm-python3-rootfs.tar
rootfs amd64 "$tarball"
docker import --change 'CMD ["python3"]' "$tarball" "$name" >/dev/null
echo "base image $name made from $tarball"
