import { describe, expect, it } from 'vitest';
import { PageCache } from './routes.ts';

describe('PageCache', () => {
  it('serves a state once it is rendered, and renders again for a new state', async () => {
    let state = 'a';
    let renders = 0;
    const cache = new PageCache(() => state);
    const make = () => `page ${state} #${++renders}`;
    const first = await cache.get(`home|en|${state}`, make);
    expect(await cache.get(`home|en|a`, make)).toBe(first);
    state = 'b';
    const second = await cache.get(`home|en|${state}`, make);
    expect(second.body).toBe('page b #2');
    expect(second.etag).not.toBe(first.etag);
  });

  it('does not keep a page whose state moved while it was built', async () => {
    let state = 'a';
    let renders = 0;
    const cache = new PageCache(() => state);
    const slowMake = async () => {
      const n = ++renders;
      // The state flaps to b while this page waits for its figures, then comes back.
      state = 'b';
      await Promise.resolve();
      return `mixed #${n}`;
    };
    expect((await cache.get('home|en|a', slowMake)).body).toBe('mixed #1');
    state = 'a';
    expect((await cache.get('home|en|a', () => `clean #${++renders}`)).body).toBe('clean #2');
  });
});
