import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMESPACE_NAMES, NAMESPACES } from './namespaces.ts';

const DAY_MS = 86_400_000;

describe('the namespace registry', () => {
  it('is what docs/storage.md lists, name for name', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'storage.md'), 'utf8');
    const rows = doc.split('\n').filter((l) => l.startsWith('| `'));
    const documented = new Set(
      rows.flatMap((l) => [...l.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)).filter((n) => !n.startsWith('status_relay_')),
    );
    expect([...documented].sort()).toEqual([...NAMESPACE_NAMES].sort());
  });

  it('gives the lifetimes docs/storage.md states', () => {
    expect(NAMESPACES.delivered.ttlMs).toBe(7 * DAY_MS);
    expect(NAMESPACES.events.ttlMs).toBe(7 * DAY_MS);
    expect(NAMESPACES.posts.ttlMs).toBe(90 * DAY_MS);
    expect(NAMESPACES.translations.ttlMs).toBe(30 * DAY_MS);
  });
});
