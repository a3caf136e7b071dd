import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { parseEnv } from '../../src/core/config.ts';

/** Docker is not available in CI: these check the files' content, not a build. */
const ROOT = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

interface Service {
  image?: string;
  build?: string;
  env_file?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  healthcheck?: { test: string[] };
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };

  it('is valid YAML with two bots sharing one Redis', () => {
    const bots = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(bots.map(([name]) => name).sort()).toEqual(['bot-1', 'bot-2']);
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    expect(compose.services.redis?.healthcheck?.test).toContain('redis-cli');
    for (const [, bot] of bots) {
      expect(bot.environment?.STORE_URL).toBe('redis://redis:6379');
      expect(bot.env_file).toBe('.env');
      expect(bot.volumes).toContain('./status-relay.yaml:/app/status-relay.yaml:ro');
      expect(bot.environment?.CONFIG_FILE).toBe('/app/status-relay.yaml');
      expect(bot.depends_on?.redis?.condition).toBe('service_healthy');
      // The settings the bots get are ones the app accepts.
      expect(() => parseEnv({ ...bot.environment })).not.toThrow();
    }
    const hostPorts = bots.flatMap(([, s]) => s.ports ?? []).map((p) => p.split(':')[0]);
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });
});

/** The Dockerfile's stages by name, comments dropped (the last one, the runtime image, is named `runtime` here). */
const stages = (dockerfile: string): Map<string, string> => {
  const parts = dockerfile
    .replace(/^#.*\n/gm, '')
    .split(/^(?=FROM )/m)
    .filter((p) => p.startsWith('FROM '));
  return new Map(parts.map((p, i) => [i === parts.length - 1 ? 'runtime' : (/^FROM \S+ AS (\S+)/.exec(p)?.[1] ?? `stage${i}`), p]));
};

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore').split('\n').filter(Boolean);
  const stage = stages(dockerfile);
  const runtime = stage.get('runtime') ?? '';

  it('has build, production-deps and runtime stages, all on the current Node LTS', () => {
    expect([...stage.keys()]).toEqual(['build', 'production-deps', 'runtime']);
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    for (const f of froms) expect(f).toBe('node:24-bookworm-slim');
  });

  it('compiles with the dev dependencies in the build stage', () => {
    const build = stage.get('build') ?? '';
    expect(build).toMatch(/^RUN npm ci(?! [^\n]*--omit)/m);
    expect(build).toMatch(/^COPY src \.\/src$/m);
    expect(build).toMatch(/^RUN npm run build$/m);
  });

  it('installs production dependencies without TypeScript or node-gyp and takes the native bindings from the build stage', () => {
    const deps = stage.get('production-deps') ?? '';
    expect(deps).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(deps).toContain(
      'COPY --from=build /app/node_modules/sqlite3/build/Release/node_sqlite3.node ./node_modules/sqlite3/build/Release/node_sqlite3.node',
    );
    expect(deps).toContain('COPY --from=build /app/node_modules/@resvg ./node_modules/@resvg');
    expect(deps).not.toMatch(/apt-get/);
  });

  it('ships dist/, bin/status-relay.js, locales/ and production node_modules only: no sources, no TypeScript config, no toolchain', () => {
    const copies = [...runtime.matchAll(/^COPY (.+) (\S+)$/gm)].map((m) => m[1]!.trim());
    expect(copies.sort()).toEqual(
      ['--from=build /app/dist', '--from=production-deps /app/node_modules', 'bin/status-relay.js', 'locales', 'package.json'].sort(),
    );
    expect(runtime).not.toMatch(/\b(src|tsconfig|tsx)\b/);
    expect(runtime).not.toMatch(/\b(python3|make|g\+\+|build-essential)\b/);
    expect(runtime).toContain('fonts-noto-cjk');
  });

  it('runs as a non-root user with a /healthz health check and the start command', () => {
    const users = [...runtime.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
    expect(runtime).toMatch(/^CMD \["node", "bin\/status-relay\.js", "start"\]$/m);
  });

  it('copies from the build context only paths that exist and that .dockerignore does not drop', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copies).toEqual(
      expect.arrayContaining([
        'bin/status-relay.js',
        'src',
        'locales',
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.build.json',
      ]),
    );
    for (const path of copies) {
      expect(existsSync(join(ROOT, path)), path).toBe(true);
      expect(ignored, path).not.toContain(path);
    }
  });
});
