#!/usr/bin/env bash
# Set everything up and containerize the example notebook, then print the tag and how to
# run it. Real users get python:X.Y-slim as the base image; where no image registry is
# reachable (as on our CI machines) a local Debian 12 Python image is made and used instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

base=python:3.11-slim
if ! docker image inspect "$base" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$base" >/dev/null 2>&1; then
  base=${CONTAINERIZE_BASE_IMAGE:-jupyter-containerize/python:3.11-bookworm}
  echo "==> no registry reachable: using the local base image $base"
fi
echo "==> jupyter containerize build examples/sales-report.ipynb --base $base"
jupyter containerize build examples/sales-report.ipynb --base "$base"
