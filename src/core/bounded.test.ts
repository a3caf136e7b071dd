import { describe, expect, it } from 'vitest';
import { setBounded } from './bounded.ts';

describe('setBounded', () => {
  it('keeps at most max entries, dropping the least recently set', () => {
    const m = new Map<string, number>();
    for (let i = 0; i < 10; i++) setBounded(m, `u${i}`, i, 3);
    expect([...m.keys()]).toEqual(['u7', 'u8', 'u9']);
    setBounded(m, 'u7', 70, 3);
    setBounded(m, 'u10', 10, 3);
    expect([...m.entries()]).toEqual([
      ['u9', 9],
      ['u7', 70],
      ['u10', 10],
    ]);
  });
});
