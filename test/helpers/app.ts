import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { App, type AppOptions } from '../../src/app.ts';
import { parseConfigText, parseEnv, type AppConfig } from '../../src/core/config.ts';

export interface TestApp {
  readonly app: App;
  readonly baseUrl: string;
  /** Everything the console adapter printed. */
  readonly consoleText: () => string;
  readonly storeUrl: string;
  stop(): Promise<void>;
}

/**
 * Builds and starts a real App from YAML and env, on a fresh SQLite file (unless STORE_URL is
 * given) and an ephemeral HTTP port. Logs are silent unless TEST_LOG is set or `options.logger` is given.
 */
export const startTestApp = async (
  yaml: string,
  env: Record<string, string> = {},
  options: Omit<AppOptions, 'consoleOut'> & { start?: boolean } = {},
): Promise<TestApp> => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-app-'));
  const storeUrl = env.STORE_URL ?? `sqlite://${join(dir, 'store.sqlite')}`;
  const fullEnv = { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'silent', ...env, STORE_URL: storeUrl };
  const config: AppConfig = { ...parseConfigText(yaml, fullEnv, 'test'), env: parseEnv(fullEnv), demo: false };
  const out = new PassThrough();
  let printed = '';
  out.on('data', (c: Buffer) => (printed += c.toString('utf8')));
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG ?? 'silent' });
  const app = new App(config, { ...options, consoleOut: out, logger });
  await app.init();
  const { port } = await app.listen();
  if (options.start !== false) await app.start();
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    consoleText: () => printed,
    storeUrl,
    stop: () => app.stop(),
  };
};
