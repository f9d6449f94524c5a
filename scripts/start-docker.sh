#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io when dockerd is missing,
# start it (overlay2, falling back to vfs) when nothing answers. Idempotent and quiet when
# an engine already runs. Prints the storage driver in use.
set -euo pipefail
log=${DOCKERD_LOG:-/var/log/dockerd.log}

engine_answers() { timeout 5 docker info --format '{{.Driver}}' >/dev/null 2>&1; }

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

start_with() {
  local driver=$1
  setsid dockerd --storage-driver="$driver" >"$log" 2>&1 </dev/null &
  echo $! >/var/run/jupyter-containerize-dockerd.pid
  for _ in $(seq 1 60); do
    engine_answers && return 0
    kill -0 "$(cat /var/run/jupyter-containerize-dockerd.pid)" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

if ! engine_answers; then
  if ! start_with overlay2; then
    echo "dockerd with overlay2 failed (see $log); falling back to vfs" >&2
    kill "$(cat /var/run/jupyter-containerize-dockerd.pid)" 2>/dev/null || true
    sleep 1
    start_with vfs || { echo "dockerd did not start; see $log" >&2; exit 1; }
  fi
fi
echo "docker engine: storage driver $(docker info --format '{{.Driver}}')"
