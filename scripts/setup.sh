#!/usr/bin/env bash
# Set up everything on a fresh Debian 12 machine (Python 3.11, Node 20, root); idempotent,
# so a second run takes seconds. Usage: scripts/setup.sh [--with-browser]
#   - Debian packages: docker.io, debootstrap (base image), docker-registry + apache2-utils
#     (push tests), chromium (browser tests, with --with-browser)
#   - the project, editable, with its test extras; the example notebook's packages in this
#     (the kernel's) environment; the frontend built with jlpm
#   - a running Docker engine and a local Python base image (no image registry is reachable)
set -euo pipefail
cd "$(dirname "$0")/.."

want=(docker.io debootstrap docker-registry apache2-utils)
# tests: Podman's API, archives read by skopeo, arm64 images run under qemu
[ "${1:-}" = "--with-browser" ] && want+=(chromium fonts-dejavu-core podman skopeo qemu-user-static binfmt-support curl)
missing=()
for pkg in "${want[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "==> Python packages"
python3 -m pip install -q --disable-pip-version-check \
  "jupyterlab==4.6.*" hatchling hatch-jupyter-builder hatch-nodejs-version editables
python3 -m pip install -q --disable-pip-version-check -r examples/requirements.txt

echo "==> Frontend (jlpm install) and the extension, editable"
jlpm install --immutable >/dev/null 2>&1 || jlpm install
# A previous `labextension develop` left a symlink where pip's record expects files: drop it
# so that re-installing (a second run) works.
link="$(python3 -c 'import sys; print(sys.prefix)')/share/jupyter/labextensions/jupyter-containerize"
[ -L "$link" ] && rm -f "$link"
python3 -m pip install -q --disable-pip-version-check --no-build-isolation -e ".[test]"
jupyter labextension develop --overwrite . >/dev/null 2>&1

echo "==> Docker engine and base image"
bash scripts/start-docker.sh
bash scripts/make-base-image.sh "${CONTAINERIZE_BASE_IMAGE:-jupyter-containerize/python:3.11-bookworm}"
if [ "${1:-}" = "--with-browser" ]; then
  bash scripts/make-base-image.sh --arm64
fi
