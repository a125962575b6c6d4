# Floodgate: one image for the API and every worker stage.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
# In a container every port listens on all interfaces: the API on 8080, a worker's metrics on 9464.
ENV NODE_ENV=production FLOODGATE_HOME=/data FLOODGATE_API_HOST=0.0.0.0 FLOODGATE_METRICS_HOST=0.0.0.0 FLOODGATE_METRICS_PORT=9464
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
VOLUME ["/data"]
# 8080: the API (and its /metrics); 9464: a worker's /metrics, /healthz and /readyz.
EXPOSE 8080 9464
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/producers/cli/main.js"]
CMD ["worker"]
