#!/usr/bin/env bash
# The local fleet: brokers (started from Debian packages when absent), then one worker per queue
# under a supervisor that restarts crashed workers. Ctrl-C stops everything cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash deploy/bootstrap.sh
started_stack=0
if ! bash deploy/local-stack.sh status >/dev/null 2>&1; then
  bash deploy/local-stack.sh start
  started_stack=1
fi
set +e
node deploy/fleet.mjs "$@"
code=$?
if [[ $started_stack == 1 && ${BURROW_KEEP_STACK:-0} != 1 ]]; then
  bash deploy/local-stack.sh stop
fi
exit $code
