#!/usr/bin/env bash
# A Docker engine whose data root is a journaled ext4 (what mkfs.ext4 makes by default), for
# benchmarks/build.py on machines whose root file system is ext4 without a journal. There,
# unpacking a layer's ~16,000 files after many deletions spends most of its time probing
# free inodes (see engine_filesystem in build.py), which no Docker host with a journal does.
#
#   bash benchmarks/journaled-engine.sh start   # stops the engine running now, starts this one
#   python benchmarks/build.py ...
#   bash benchmarks/journaled-engine.sh stop    # stops it, starts the usual engine again
#
# The file system is a sparse image file (JOURNALED_IMAGE, 30 GB at most); the benchmark's
# base image (CONTAINERIZE_BASE_IMAGE) is copied into the new engine at the first start.
set -euo pipefail
image=${JOURNALED_IMAGE:-/var/tmp/jupyter-containerize-journaled.img}
mountpoint=${JOURNALED_MOUNT:-/mnt/jupyter-containerize-journaled}
base=${CONTAINERIZE_BASE_IMAGE:-jupyter-containerize/python:3.11-bookworm}
pidfile=/var/run/jupyter-containerize-dockerd.pid  # the one scripts/start-docker.sh writes
here=$(cd "$(dirname "$0")/.." && pwd)

stop_engine() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || cat /var/run/docker.pid 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  echo "dockerd $pid did not stop" >&2
  return 1
}

case ${1:-} in
  start)
    saved=""
    if ! mountpoint -q "$mountpoint"; then
      mkdir -p "$mountpoint"
      if [ ! -f "$image" ]; then
        truncate -s 30G "$image"
        mkfs.ext4 -q -F "$image"
      fi
      mount -o loop "$image" "$mountpoint"
    fi
    if [ ! -d "$mountpoint/docker/image" ]; then
      saved=$(mktemp /var/tmp/base-XXXXXX.tar)
      docker save "$base" -o "$saved"
    fi
    stop_engine
    setsid dockerd --storage-driver=overlay2 --data-root "$mountpoint/docker" \
      >/var/log/dockerd-journaled.log 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    if [ -n "$saved" ]; then
      docker load -q -i "$saved"
      rm -f "$saved"
    fi
    echo "docker engine: data root $(docker info --format '{{.DockerRootDir}}')"
    ;;
  stop)
    stop_engine
    rm -f "$pidfile"
    bash "$here/scripts/start-docker.sh"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
