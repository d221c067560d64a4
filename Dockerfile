# syntax=docker/dockerfile:1
# One image for every burrow worker: the queue is chosen by the command (docker-compose.yml runs
# one container per queue). Build: docker build -t burrow-worker .

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install everything, compile, then drop devDependencies in place ------------------
FROM ${NODE_IMAGE} AS build
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
# @parcel/watcher) that tsc does not need, and a failed native fallback would break the build.
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

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
RUN npx tsc -b \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# ---- runtime: production dependencies and compiled output only ------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    LOG_DIR="" \
    WORKER_HTTP_PORT=9100
WORKDIR /app

COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# Every workspace package the links point at, even those the worker does not load (scheduler,
# api, bench), so that no symlink under node_modules/@burrow dangles.
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

# The code stays root-owned and read-only for the process; only logs/ is writable, for whoever
# sets LOG_DIR=logs (the image logs to stdout only).
RUN mkdir logs && chown node:node logs
USER node

# /metrics, /healthz, /readyz (WORKER_HTTP_PORT; 0 turns the server, and this check, off).
EXPOSE 9100
# The image has neither curl nor wget: node itself probes liveness. docker-compose.yml overrides
# this with /readyz (brokers connected and consuming).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const port = Number(process.env.WORKER_HTTP_PORT || 0); if (!port) process.exit(0); require('node:http').get({ host: '127.0.0.1', port, path: '/healthz', timeout: 4000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('timeout', () => process.exit(1)).on('error', () => process.exit(1));"]

# The worker drains on SIGTERM (WORKER_SHUTDOWN_GRACE, default 30 s) and exits 0: give it longer
# than that before SIGKILL (docker stop -t 40, compose stop_grace_period: 40s).
STOPSIGNAL SIGTERM
CMD ["node", "workers/dist/cli/worker-cli.js"]
