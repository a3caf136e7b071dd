# Status Relay: one image for a single instance (SQLite) or each member of a fleet (Redis/PostgreSQL).
# Three stages: `build` compiles src/ to dist/ with the dev dependencies; `production-deps` installs
# only what dist/ imports; the runtime image gets those two and nothing else (no TypeScript, no tsx,
# no node-gyp, no compiler, no src/). Node 24 is the current LTS (Node 20 reached end of life in April 2026).

FROM node:24-bookworm-slim AS build
WORKDIR /app
# sqlite3 downloads a prebuilt binary; the toolchain is only the fallback when none fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional: plain `--omit=dev` still installs TypeScript (an optional peer of i18next) and
# node-gyp with its dependencies (an optional dependency of sqlite3): 70 packages the code never loads.
# --ignore-scripts: the two native pieces that need an install step or an optional package come
# from the build stage, built there for this same Node and platform (sqlite3's binding, and
# @resvg/resvg-js's platform package, which is an optional dependency).
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/node_modules/sqlite3/build/Release/node_sqlite3.node ./node_modules/sqlite3/build/Release/node_sqlite3.node
COPY --from=build /app/node_modules/@resvg ./node_modules/@resvg

FROM node:24-bookworm-slim
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
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin/status-relay.js ./bin/
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
# No src/ in this image, so bin/status-relay.js runs dist/ (see the rule in that file).
CMD ["node", "bin/status-relay.js", "start"]
