import type { KeyValue } from './store.ts';

/** A write of a leader whose term is over (another instance holds the lease now, or ours lapsed). */
export class StaleLeaderError extends Error {
  override readonly name = 'StaleLeaderError';
  constructor(
    readonly token: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export const isStaleLeader = (e: unknown): e is StaleLeaderError => e instanceof StaleLeaderError;

/** Says whether the caller's leadership term is still the current one; throws `StaleLeaderError` if not. */
export interface Fence {
  assert(): Promise<void>;
}

/**
 * Durable writes conditioned on the fencing token: before each write the token is checked by our
 * own clock (no round trip: refused at once once the lease may have lapsed) and on the engine (the
 * lease key or row still holds our holder and token, one round trip). The check and the write are
 * two commands because keyv owns the write; the own-clock margin (`ttl − renew`, 6 s by default) is
 * what covers the gap: another instance can only take over once our lease expired in the store,
 * which is later than our own clock already refuses.
 */
export const fenced = (kv: KeyValue, fence: Fence): KeyValue => ({
  get: (key) => kv.get(key),
  getMany: (keys) => kv.getMany(keys),
  entries: () => kv.entries(),
  async set(key, value, ttlMs) {
    await fence.assert();
    await kv.set(key, value, ttlMs);
  },
  async setMany(entries, ttlMs) {
    if (entries.length === 0) return;
    await fence.assert();
    await kv.setMany(entries, ttlMs);
  },
  async delete(key) {
    await fence.assert();
    return kv.delete(key);
  },
  async deleteMany(keys) {
    if (keys.length === 0) return;
    await fence.assert();
    await kv.deleteMany(keys);
  },
  async clear() {
    await fence.assert();
    await kv.clear();
  },
});
