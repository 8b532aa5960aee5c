# convoflow worker and HTTP API. One image, two commands:
#   docker run convoflow node dist/src/server.js   (API, the default)
#   docker run convoflow node dist/src/worker.js   (worker)
# Both need TEMPORAL_ADDRESS (an existing cluster) and, when scaled, DATABASE_URL (PostgreSQL).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Compilers for native modules (better-sqlite3) in case no prebuilt binary matches the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts ./scripts
# The image talks to a real cluster: no local dev/test server to provision. The sources are not
# here yet (so this layer survives source changes): npm ci's prepare step (scripts/ensure-built.mjs)
# skips the build, which `npm run build` does below.
RUN CONVOFLOW_SKIP_PROVISION=1 npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY bench ./bench
RUN npm run build && CONVOFLOW_SKIP_PROVISION=1 npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CONVOFLOW_SKIP_PROVISION=1 \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# package.json marks the project root, where the default config/demo.json is looked up.
COPY package.json ./
COPY config ./config
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# No HEALTHCHECK here: the worker has no HTTP port; docker-compose.yml checks the API's /healthz.
CMD ["node", "dist/src/server.js"]
