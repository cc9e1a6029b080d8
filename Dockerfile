# One image for Sluice's Node services; the command picks the service:
#
#   docker build -t sluice/node .
#   docker run sluice/node                                          # the API (default)
#   docker run sluice/node node services/enricher/src/main.ts       # the enricher
#   docker run sluice/node node services/model-server/src/main.ts   # the offline model server
#   docker run sluice/node node services/cli/src/main.ts ls         # the sluice CLI
#
# Node 24 runs the TypeScript sources directly (type stripping): there is no build step, the
# builder stage only installs the production dependencies of every workspace (npm ci --omit=dev).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- dependencies -------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# The whole (filtered, see .dockerignore) checkout rather than each workspace's package.json: npm ci
# needs every workspace listed in package.json, and a list here would go stale with each new one.
COPY . .
# No install scripts: no dependency of the services needs one (and none may run unreviewed).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Containers listen on all interfaces (the operator publishes the port, or not); the API's job
# store lives on a volume writable by the non-root user; SLUICE_HEALTHCHECK_URL is what
# HEALTHCHECK probes: set it per service (enricher http://127.0.0.1:9464/healthz, model server
# http://127.0.0.1:8090/healthz).
ENV NODE_ENV=production \
    SLUICE_API_HOST=0.0.0.0 \
    SLUICE_API_PORT=8080 \
    SLUICE_DB_PATH=/data/sluice.db \
    SLUICE_HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
WORKDIR /app
# Code and dependencies belong to root and are read-only for the `node` user (uid 1000) that runs them.
COPY --from=deps /app /app
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080
# Node has fetch built in; the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.SLUICE_HEALTHCHECK_URL,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/api/src/server.ts"]
