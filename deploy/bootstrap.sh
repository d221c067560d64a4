#!/usr/bin/env bash
# Installs npm dependencies when they are missing or stale, then builds every package.
# Called by `npm test`, `npm start` and `npm run bench`, so a fresh clone needs nothing else.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "bootstrap: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "bootstrap: building"
npx tsc -b
# npm links a package's bin only if its file exists at install time; the CLIs are built above.
if [[ ! -e node_modules/.bin/burrow || ! -e node_modules/.bin/burrow-scheduler ]]; then
  npm rebuild @burrow/workers @burrow/scheduler --ignore-scripts --loglevel=error >/dev/null
fi
