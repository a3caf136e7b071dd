import sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/child.ts';

const sqliteCount = async (file: string, ns: string): Promise<number> => {
  const db = new sqlite3.Database(file);
  try {
    return await new Promise<number>((resolve, reject) =>
      db.get<{ n: number }>('SELECT COUNT(*) AS n FROM keyv WHERE key >= ? AND key < ?', [`${ns}:`, `${ns};`], (e, row) =>
        e ? reject(e) : resolve(row!.n),
      ),
    );
  } finally {
    await new Promise((r) => db.close(r));
  }
};

describe('the bot sweeps on a schedule', () => {
  it('a delivered marker past its TTL disappears from the SQLite file by itself', async () => {
    const t = await startTestApp(
      `
service: { name: Chatter, locales: [en] }
sources: [{ id: gen, type: webhook, format: generic, insecure: true }]
`,
      {},
      { sweep: { intervalMs: 200, maxPerRun: 1000, batch: 100 } },
    );
    try {
      const file = t.storeUrl.slice('sqlite://'.length);
      await t.app.store.namespace('delivered').set('old-job', 1, 50);
      await t.app.store.namespace('delivered').set('fresh-job', 1, 3_600_000);
      expect(await sqliteCount(file, 'delivered')).toBe(2);
      await waitFor(async () => (await sqliteCount(file, 'delivered')) === 1, 20_000);
      expect(await t.app.store.namespace('delivered').get('fresh-job')).toBe(1);
    } finally {
      await t.stop();
    }
  });
});
