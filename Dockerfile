# Status Relay: one image for a single instance (SQLite) or each member of a fleet (Redis/PostgreSQL).
# No build step: tsx (a runtime dependency) loads the TypeScript sources.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# sqlite3 downloads a prebuilt binary; the toolchain is only the fallback when none fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    CONFIG_FILE=/app/status-relay.yaml \
    STORE_URL=sqlite:///app/data/status-relay.sqlite
# Chart fonts (src/kpi/fonts.ts): Latin, Arabic and Devanagari come with npm; CJK from Debian (too large on npm).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY locales ./locales
# The node image's unprivileged user owns only the data folder (SQLite); the code stays read-only to it.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) finishes messages in flight and hands leadership over; give it time.
STOPSIGNAL SIGTERM
CMD ["node", "bin/status-relay.js", "start"]
