#!/usr/bin/env bash
# Builds the burrow image and smoke-tests it against the brokers on this host. Not part of CI.
# Needs a running Docker daemon, and RabbitMQ + Redis on localhost (`bash deploy/local-stack.sh
# start`); the containers use --network host to reach them.
#
#   bash deploy/image-check.sh                 build burrow:local from the repo root, then test it
#   SKIP_BUILD=1 bash deploy/image-check.sh    test an image already built
#
# It builds the image and prints its size, starts a worker of the cleanup queue (plus a test-only
# task module, imagecheck.slow_task), waits for the image's HEALTHCHECK to report healthy, checks
# that PID 1 is tini, the process runs as uid 1000 and cannot write the code, sends
# tasks.cleanup_tasks.system_health_check_task with the image's burrow CLI and checks its result,
# then sends a slow task and `docker stop`s the worker while it runs: the task must finish and
# the worker exit 0. Containers and the temporary task module are removed on exit, pass or fail.
#
# Environment (defaults in brackets):
#   IMAGE [burrow:local]   DOCKER [docker]   SKIP_BUILD [0]
#   IMAGE_CHECK_RABBITMQ_URL [amqp://guest:guest@127.0.0.1:5672/image-check]; the image-check
#     vhost is created with deploy/stack/rabbitmqctl when that URL is the default
#   IMAGE_CHECK_REDIS_URL [redis://127.0.0.1:6379/9]   IMAGE_CHECK_PORT [19100] (worker /readyz)
#   IMAGE_CHECK_TIMEOUT [90] (seconds to wait for healthy)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DOCKER="${DOCKER:-docker}"
IMAGE="${IMAGE:-burrow:local}"
DEFAULT_RABBITMQ_URL='amqp://guest:guest@127.0.0.1:5672/image-check'
RABBITMQ_URL="${IMAGE_CHECK_RABBITMQ_URL:-$DEFAULT_RABBITMQ_URL}"
REDIS_URL="${IMAGE_CHECK_REDIS_URL:-redis://127.0.0.1:6379/9}"
PORT="${IMAGE_CHECK_PORT:-19100}"
TIMEOUT="${IMAGE_CHECK_TIMEOUT:-90}"
WORKER="burrow-image-check-worker-$$"
CLIENT="burrow-image-check-cli-$$"
TMP="$(mktemp -d)"

say() { printf 'image-check: %s\n' "$*"; }
fail() {
  printf 'image-check: FAIL: %s\n' "$*" >&2
  if "$DOCKER" container inspect "$WORKER" >/dev/null 2>&1; then
    printf 'image-check: last worker log lines:\n' >&2
    "$DOCKER" logs --tail 20 "$WORKER" 2>&1 | sed 's/^/  /' >&2
  fi
  exit 1
}
cleanup() {
  "$DOCKER" rm -f "$WORKER" "$CLIENT" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---- preconditions ------------------------------------------------------------------------------
"$DOCKER" info >/dev/null 2>&1 || fail "no Docker daemon answers ('$DOCKER info' failed)"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_open 5672 || fail "nothing listens on localhost:5672: start the brokers (bash deploy/local-stack.sh start)"
port_open 6379 || fail "nothing listens on localhost:6379: start the brokers (bash deploy/local-stack.sh start)"
! port_open "$PORT" || fail "port $PORT is taken on this host; set IMAGE_CHECK_PORT to a free one"
if [ "$RABBITMQ_URL" = "$DEFAULT_RABBITMQ_URL" ] && [ -x "$REPO/deploy/stack/rabbitmqctl" ]; then
  if ! "$REPO/deploy/stack/rabbitmqctl" -q list_vhosts 2>/dev/null | grep -qx 'image-check'; then
    say "creating the RabbitMQ vhost image-check"
    "$REPO/deploy/stack/rabbitmqctl" -q add_vhost image-check >/dev/null
  fi
  "$REPO/deploy/stack/rabbitmqctl" -q set_permissions -p image-check guest '.*' '.*' '.*' >/dev/null
fi

# ---- build --------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # BuildKit: through buildx when the client has it, else the classic client's built-in one
  # (Docker < 23); a client of 23+ without buildx refuses BuildKit, so it gets the legacy builder.
  client_major="$("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)"
  if "$DOCKER" buildx version >/dev/null 2>&1 || [ "${client_major:-0}" -lt 23 ]; then
    builder=1
  else
    builder=0
    say "docker buildx is not installed: using the legacy builder"
  fi
  say "building $IMAGE (this takes a minute or two when nothing is cached)"
  started=$SECONDS
  DOCKER_BUILDKIT=$builder "$DOCKER" build --network host -t "$IMAGE" "$REPO" >"$TMP/build.log" 2>&1 ||
    { tail -30 "$TMP/build.log" >&2; fail "docker build failed (last lines above)"; }
  say "built in $((SECONDS - started)) s"
fi
"$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 || fail "no image $IMAGE (build it, or unset SKIP_BUILD)"
size_bytes="$("$DOCKER" image inspect --format '{{.Size}}' "$IMAGE")"
base="$("$DOCKER" image inspect --format '{{index .Config.Labels "org.opencontainers.image.base.name"}}' "$IMAGE")"
base_bytes="$("$DOCKER" image inspect --format '{{.Size}}' "$base" 2>/dev/null || echo 0)"
say "image $IMAGE: $((size_bytes / 1000000)) MB; $(((size_bytes - base_bytes) / 1000000)) MB on top of $base"

# ---- worker up and healthy ----------------------------------------------------------------------
# A test-only task that sleeps, so that a task is in flight when the worker is stopped.
mkdir -p "$TMP/module"
cat >"$TMP/module/slow-task.cjs" <<'EOF'
const { Type } = require('@sinclair/typebox');
const { defineTask } = require('@burrow/contracts');
const { defineHandler } = require('@burrow/shared');
const slow = defineTask({
  name: 'imagecheck.slow_task',
  queue: 'imagecheck',
  description: 'Sleeps for a while (deploy/image-check.sh).',
  params: ['seconds'],
  kwargs: Type.Object({ seconds: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
  result: Type.Object({ slept: Type.Number() }),
  defaults: { softTimeLimitSeconds: 60, hardTimeLimitSeconds: 90 },
});
module.exports.tasks = [
  defineHandler(slow, async ({ seconds }, ctx) => {
    ctx.logger.info('slow task sleeping', { seconds });
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return { slept: seconds };
  }),
];
EOF
chmod -R a+rX "$TMP"

# SCHEDULER_HTTP_PORT and API_PORT 0: with --network host the HEALTHCHECK probe would otherwise
# also ask ports 9100 and 5555 of the host, where another burrow process may answer for us.
say "starting a worker (queues cleanup,imagecheck; /readyz on port $PORT)"
"$DOCKER" run -d --name "$WORKER" --network host \
  -e RABBITMQ_URL="$RABBITMQ_URL" -e REDIS_URL="$REDIS_URL" \
  -e WORKER_HTTP_PORT="$PORT" -e SCHEDULER_HTTP_PORT=0 -e API_PORT=0 \
  -e WORKER_TASK_MODULES=/app/image-check/slow-task.cjs -v "$TMP/module:/app/image-check:ro" \
  --health-interval=2s --health-start-period="${TIMEOUT}s" \
  "$IMAGE" node workers/dist/cli/worker-cli.js --queues cleanup,imagecheck >/dev/null

deadline=$((SECONDS + TIMEOUT))
health=starting
while [ "$health" != healthy ]; do
  state="$("$DOCKER" inspect --format '{{.State.Status}}' "$WORKER")"
  [ "$state" = running ] || fail "the worker container is $state (exit code $("$DOCKER" inspect --format '{{.State.ExitCode}}' "$WORKER"))"
  [ "$SECONDS" -lt "$deadline" ] || fail "the worker is not healthy after ${TIMEOUT} s (health: $health)"
  sleep 1
  health="$("$DOCKER" inspect --format '{{.State.Health.Status}}' "$WORKER")"
done
say "PASS worker healthy after $((SECONDS + TIMEOUT - deadline)) s (HEALTHCHECK node /app/readyz-probe.mjs)"

# ---- the container's process ---------------------------------------------------------------------
pid1="$("$DOCKER" exec "$WORKER" cat /proc/1/cmdline | tr '\0' ' ')"
case "$pid1" in
  /usr/bin/tini\ --\ node\ *) say "PASS PID 1 is tini: $pid1" ;;
  *) fail "PID 1 is not tini: $pid1" ;;
esac
uid="$("$DOCKER" exec "$WORKER" id -u)"
[ "$uid" = 1000 ] || fail "the process runs as uid $uid, not 1000"
if "$DOCKER" exec "$WORKER" sh -c 'touch /app/workers/dist/.w || touch /app/node_modules/.w || touch /app/.w' 2>/dev/null; then
  fail "uid 1000 can write the code under /app"
fi
"$DOCKER" exec "$WORKER" sh -c 'touch /app/logs/.w /data/reports/.w && rm /app/logs/.w /data/reports/.w' ||
  fail "uid 1000 cannot write /app/logs or /data/reports"
say "PASS runs as uid 1000; code read-only, logs/ and /data writable"

# ---- a task through the broker ---------------------------------------------------------------------
# The image's own burrow CLI, in a second container, so nothing on the host needs building.
cli() {
  "$DOCKER" run --rm --name "$CLIENT" --network host -e RABBITMQ_URL="$RABBITMQ_URL" -e REDIS_URL="$REDIS_URL" \
    "$IMAGE" node workers/dist/cli/burrow-cli.js "$@"
}
# result FILE EXPR: the value of the JavaScript EXPR of r, the result that `burrow send --wait`
# printed into FILE (a task id line, then the result's JSON); node from the image.
result() {
  "$DOCKER" run --rm -i "$IMAGE" node -e "
    const lines = require('fs').readFileSync(0, 'utf8').split('\n');
    const r = JSON.parse(lines.slice(1).join('\n'));
    console.log(String($2));" <"$1"
}
say "sending tasks.cleanup_tasks.system_health_check_task"
cli send tasks.cleanup_tasks.system_health_check_task --wait 30 >"$TMP/health.out" 2>&1 ||
  { cat "$TMP/health.out" >&2; fail "burrow send ... --wait did not return a result"; }
brokers="$(result "$TMP/health.out" 'r.checks.rabbitmq.status + " " + r.checks.redis.status' 2>&1)" || true
[ "$brokers" = 'up up' ] ||
  { cat "$TMP/health.out" >&2; fail "the health check result does not report RabbitMQ and Redis up ($brokers)"; }
# The overall status is degraded unless the product backend and SMTP are reachable too.
say "PASS task $(head -1 "$TMP/health.out") succeeded: rabbitmq up, redis up (overall $(result "$TMP/health.out" r.status))"

# ---- docker stop with a task in flight ---------------------------------------------------------------
say "sending imagecheck.slow_task (6 s), then docker stop while it runs"
cli send --queue imagecheck imagecheck.slow_task '{"seconds":6}' --wait 60 >"$TMP/slow.out" 2>&1 &
sender=$!
running=0
for _ in $(seq 1 40); do
  if "$DOCKER" logs "$WORKER" 2>&1 | grep -q '"message":"slow task sleeping"'; then running=1; break; fi
  sleep 0.5
done
[ "$running" = 1 ] || fail "the worker did not start imagecheck.slow_task within 20 s"
started=$SECONDS
"$DOCKER" stop -t 60 "$WORKER" >/dev/null
exit_code="$("$DOCKER" inspect --format '{{.State.ExitCode}}' "$WORKER")"
wait "$sender" || { cat "$TMP/slow.out" >&2; fail "the in-flight slow task got no result"; }
[ "$(result "$TMP/slow.out" r.slept 2>&1)" = 6 ] || { cat "$TMP/slow.out" >&2; fail "unexpected slow task result"; }
[ "$exit_code" = 0 ] || fail "the worker exited $exit_code on docker stop, not 0"
"$DOCKER" logs "$WORKER" 2>&1 | grep -q '"message":"worker stopped cleanly"' ||
  fail "no 'worker stopped cleanly' in the worker's log"
say "PASS docker stop: the in-flight task finished, the worker drained in $((SECONDS - started)) s and exited 0"
"$DOCKER" logs "$WORKER" 2>&1 | grep -E '"message":"(shutting down|stopping: |task succeeded|stopped consuming|worker stopped cleanly)' |
  tail -5 | sed 's/^/  /'

say "all checks passed"
