import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { openStore, sqlitePath } from './store.ts';
import { storeContract } from './store.contract.ts';
import { ConfigError } from '../core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sr-store-'));
storeContract('sqlite', () => openStore(`sqlite://${join(dir, 'contract.sqlite')}`));

const redisUrl = process.env.TEST_REDIS_URL;
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (redisUrl) storeContract('redis', () => openStore(redisUrl));
else
  describe('store contract: redis', () => it('was not run: TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)', () => {}));
if (postgresUrl) storeContract('postgres', () => openStore(postgresUrl));
else
  describe('store contract: postgres', () =>
    it('was not run: TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)', () => {}));

describe('STORE_URL parsing', () => {
  it('reads three slashes as an absolute path and two as relative', () => {
    expect(sqlitePath('sqlite:///var/lib/sr.sqlite')).toBe('/var/lib/sr.sqlite');
    expect(sqlitePath('sqlite://./data/x.sqlite')).toBe(join(process.cwd(), 'data/x.sqlite'));
  });
  it('refuses an unknown scheme with the setting named', async () => {
    await expect(openStore('mysql://x')).rejects.toThrow(ConfigError);
    await expect(openStore('mysql://x')).rejects.toThrow(/STORE_URL/);
  });
  it('refuses an unreachable server with one clear line', async () => {
    await expect(openStore('redis://127.0.0.1:1')).rejects.toThrow(/STORE_URL: cannot reach redis:\/\/127.0.0.1:1/);
  });
});
