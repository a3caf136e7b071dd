import { PassThrough } from 'node:stream';
import { describe, it, expect } from 'vitest';
import { createLogger } from './logger.ts';
import { repeatedKeys } from '../../test/helpers/json-keys.ts';

const capture = () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const lines = () => text.split('\n').filter(Boolean);
  return { out, lines };
};

describe('repeatedKeys (the raw-text check the log tests use)', () => {
  it('finds keys JSON.parse would silently merge, at any depth', () => {
    expect(repeatedKeys('{"a":1,"b":{"c":1,"c":2},"a":"x"}')).toEqual(['b.c', 'a']);
    expect(repeatedKeys('[{"k":1},{"k":2}]')).toEqual([]);
    expect(repeatedKeys('{"s":"a \\" \\"s\\":1","n":-1.5e3,"t":true,"z":null,"l":[]}')).toEqual([]);
    expect(() => repeatedKeys('{"a":1')).toThrow();
  });
});

describe('createLogger: a line never repeats a key', () => {
  it("drops a field equal to the logger's binding, and keeps one that differs under `fields`", async () => {
    const { out, lines } = capture();
    const log = createLogger('debug', [], out).child({ source: 'page', platform: 'telegram' });
    log.warn({ source: 'page', failures: 2 }, 'poll failed');
    log.warn({ platform: 'slack', chat: 'C1' }, 'other platform');
    log.info({ msg: 'inner', time: 5, level: 'custom' }, 'outer');
    log.info({ msg: 'only message' });
    log.error({ err: new Error('boom'), source: 'page' }, 'with an error');
    await new Promise((r) => setImmediate(r));
    const all = lines();
    expect(all).toHaveLength(5);
    for (const line of all) expect(repeatedKeys(line), line).toEqual([]);
    const [a, b, c, d, e] = all.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ source: 'page', platform: 'telegram', failures: 2, msg: 'poll failed' });
    expect(a!.fields).toBeUndefined();
    expect(b).toMatchObject({ platform: 'telegram', chat: 'C1', fields: { platform: 'slack' } });
    expect(c).toMatchObject({ level: 30, msg: 'outer', fields: { msg: 'inner', time: 5, level: 'custom' } });
    expect(typeof c!.time).toBe('number');
    expect(d).toMatchObject({ msg: 'only message' });
    expect(e).toMatchObject({ source: 'page', err: { message: 'boom' } });
  });
});
