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

/** A leadership term as the store knows it: the lease, its holder, and the fencing token of the term. */
export interface FenceTerm {
  readonly lease: string;
  readonly holder: string;
  readonly token: number;
}

/** Says whether the caller's leadership term is still the current one; throws `StaleLeaderError` if not. */
export interface Fence {
  /** Our own clock, then the store (one round trip): for writes that cannot carry the check themselves. */
  assert(): Promise<void>;
  /**
   * Our own clock only (no round trip): the term a write is conditioned on, checked by the store in
   * the same atomic command as the write. Throws `StaleLeaderError` once our term may have lapsed;
   * undefined when there is no term to check (then `assert()` decides).
   */
  term?(): FenceTerm | undefined;
}

/** Writes conditioned on a term in the same atomic command: false / undefined when the store holds another term. */
export interface FencedWrites {
  set(entries: readonly (readonly [string, string])[], ttlMs: number | undefined, term: FenceTerm): Promise<boolean>;
  /** How many of the keys existed, or undefined when the store holds another term (nothing deleted). */
  delete(keys: readonly string[], term: FenceTerm): Promise<number | undefined>;
}
