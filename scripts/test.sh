#!/usr/bin/env bash
# Set everything up, then run every test: Python (unit, server, real engine and registry),
# Jest, and Galata in Debian's Chromium against a real JupyterLab and engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser

export CONTAINERIZE_BASE_IMAGE=${CONTAINERIZE_BASE_IMAGE:-jupyter-containerize/python:3.11-bookworm}
export CONTAINERIZE_REQUIRE_ENGINE=1   # a missing engine fails the run instead of skipping
export CONTAINERIZE_TEST_CACHE=${CONTAINERIZE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jupyter-containerize-tests}
status=0

echo "==> ruff (Python lint)"
python3 -m ruff check . || status=1

echo "==> frontend lint (eslint, prettier, stylelint)"
jlpm lint:check || status=1

echo "==> pytest"
python3 -m pytest -q -p no:cacheprovider tests || status=1

echo "==> jest"
jlpm test --silent 2>&1 | tail -n 25 || status=1

echo "==> generated TypeScript types are up to date"
jlpm build:types >/dev/null && git diff --exit-code -- src/_models.ts || {
  echo "src/_models.ts is stale: run jlpm build:types"; status=1; }

echo "==> galata"
(cd ui-tests && (jlpm install --immutable >/dev/null 2>&1 || jlpm install >/dev/null) \
  && CI=1 jlpm playwright test) || status=1

exit $status
