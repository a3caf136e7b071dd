import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * The production layout of the Docker image, built fresh: dist/ (npm run build into a temporary
 * folder), bin/status-relay.js, locales/, package.json and node_modules — and no src/, so anything that still
 * resolves a path against the sources fails here as it would in the image.
 */
const buildLayout = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-compiled-'));
  const tsc = spawnSync(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (tsc.status !== 0) throw new Error(`npm run build failed:\n${tsc.stdout}${tsc.stderr}`);
  mkdirSync(join(dir, 'bin'));
  cpSync(join(ROOT, 'bin', 'status-relay.js'), join(dir, 'bin', 'status-relay.js'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'locales'), join(dir, 'locales'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
};

interface Run {
  readonly child: ReturnType<typeof spawn>;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

const run = (layout: string, args: string[]): Run => {
  const cwd = mkdtempSync(join(tmpdir(), 'sr-compiled-cwd-'));
  const env: NodeJS.ProcessEnv = { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1' };
  for (const k of Object.keys(env)) if (/^(CONFIG_FILE|STORE_URL|TELEGRAM_|SLACK_|DISCORD_|ADMIN_API_TOKEN)/.test(k)) delete env[k];
  const child = spawn(process.execPath, [join(layout, 'bin', 'status-relay.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
};

const waitFor = async (what: string, check: () => boolean, timeoutMs: number, output: () => string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const typescriptPresent = existsSync(TSC);
if (!typescriptPresent)
  describe('compiled build', () =>
    it('was not run: typescript (a dev dependency) is not installed, so npm run build cannot run', () => {}));

describe.skipIf(!typescriptPresent)('compiled build (npm run build) started from the production layout, without src/', () => {
  let layout = '';
  beforeAll(() => {
    layout = buildLayout();
  }, 240_000);
  afterAll(() => {
    if (layout) rmSync(layout, { recursive: true, force: true });
  });

  it('check-config answers from dist/', async () => {
    const r = run(layout, ['check-config']);
    const code = await r.exited;
    expect(code, r.output()).toBe(0);
    const config = JSON.parse(r.output().slice(r.output().indexOf('{'), r.output().lastIndexOf('}') + 1)) as {
      service: { locales: string[] };
    };
    expect(config.service.locales).toContain('en');
  }, 60_000);

  it('start --fast: ready on /readyz, replays the demo in both languages with advice, stops cleanly on SIGTERM', async () => {
    const r = run(layout, ['start', '--fast']);
    let port = 0;
    await waitFor(
      'the start banner',
      () => {
        port = Number(/http: +http:\/\/127\.0\.0\.1:(\d+)/.exec(r.output())?.[1] ?? 0);
        return port > 0;
      },
      60_000,
      r.output,
    );
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    await waitFor('the end of the demo story', () => r.output().includes('The demo story is over'), 90_000, r.output);
    r.child.kill('SIGTERM');
    expect(await r.exited, r.output()).toBe(0);
    const out = r.output();
    // Translations and advice come from locales/ beside dist/: a wrong path fails here ("unknown advice").
    for (const text of ['Investigating', 'Resolved', '调查中', '已解决', 'Check your own internet connection'])
      expect(out, text).toContain(text);
    expect(out).not.toMatch(/unknown advice|ENOENT/);
  }, 180_000);

  it('runs dist/ when src/ exists but is older (a checkout after npm run build)', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'sr-compiled-fresh-'));
    try {
      for (const entry of ['bin', 'dist', 'package.json']) cpSync(join(layout, entry), join(fresh, entry), { recursive: true });
      for (const entry of ['locales', 'node_modules']) symlinkSync(join(ROOT, entry), join(fresh, entry));
      // Sources that cannot run: if bin chose them over the newer dist/, --help would fail.
      mkdirSync(join(fresh, 'src', 'cli'), { recursive: true });
      writeFileSync(join(fresh, 'src', 'cli', 'index.ts'), "throw new Error('the sources ran instead of dist/');\n");
      utimesSync(join(fresh, 'src', 'cli', 'index.ts'), new Date(0), new Date(0));
      const r = run(fresh, ['--help']);
      expect(await r.exited, r.output()).toBe(0);
      expect(r.output()).toContain('check-config');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 60_000);

  it('falls back to the sources through tsx when src/ is newer than dist/', async () => {
    const stale = mkdtempSync(join(tmpdir(), 'sr-compiled-stale-'));
    try {
      mkdirSync(join(stale, 'dist', 'cli'), { recursive: true });
      cpSync(join(layout, 'dist'), join(stale, 'dist'), { recursive: true });
      for (const entry of ['bin', 'package.json']) cpSync(join(layout, entry), join(stale, entry), { recursive: true });
      for (const entry of ['locales', 'node_modules', 'src']) symlinkSync(join(ROOT, entry), join(stale, entry));
      // Not a valid build any more: if the stale dist/ ran, --help would fail.
      cpSync(join(ROOT, 'package.json'), join(stale, 'dist', 'cli', 'index.js'));
      utimesSync(join(stale, 'dist', 'cli', 'index.js'), new Date(0), new Date(0));
      const r = run(stale, ['--help']);
      expect(await r.exited, r.output()).toBe(0);
      expect(r.output()).toContain('check-config');
    } finally {
      rmSync(stale, { recursive: true, force: true });
    }
  }, 60_000);
});
