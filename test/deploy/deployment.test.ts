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

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore').split('\n').filter(Boolean);

  it('builds on node:20-bookworm-slim, installs production dependencies and the chart fonts', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect(f).toBe('node:20-bookworm-slim');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toContain('fonts-noto-cjk');
    // tsx loads the sources at run time, so it must be a production dependency.
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.tsx).toBeDefined();
  });

  it('runs as a non-root user with a /healthz health check and the start command', () => {
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/status-relay\.js", "start"\]$/m);
  });

  it('copies only paths that exist and that .dockerignore does not drop', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copies).toEqual(expect.arrayContaining(['bin', 'src', 'locales', 'package.json', 'package-lock.json']));
    for (const path of copies) {
      expect(existsSync(join(ROOT, path)), path).toBe(true);
      expect(ignored, path).not.toContain(path);
    }
  });
});
