import { createHash } from 'node:crypto';
import type { KeyValue } from '../../storage/store.ts';
import type { WebhookAuth } from './index.ts';

/** A signed push that was accepted before, within the replay window: refused with 409. */
export class WebhookReplayError extends Error {
  override readonly name = 'WebhookReplayError';
}

export interface ReplayClaim {
  /** Marks the push as accepted, for every instance sharing the store, until the memory expires. */
  remember(): Promise<void>;
  /** Frees this instance's claim (always, after `remember` or a failure to record the push). */
  release(): void;
}

const NO_CLAIM: ReplayClaim = { remember: async () => undefined, release: () => undefined };

/**
 * Remembers the signatures of accepted signed pushes in the store, with a TTL, so that the whole
 * fleet refuses a captured request sent again while its timestamp is still fresh (or, unsigned in
 * time, for the window). A signature is remembered only once its push is recorded: a sender whose
 * push met a 503 retries with the same signature and is accepted. Two copies arriving at the same
 * instance at once are told apart in memory; two at different instances at the same moment can
 * both pass, which the tracker absorbs (the same state twice is one event).
 */
export class ReplayGuard {
  private readonly inFlight = new Set<string>();

  constructor(private readonly seen: KeyValue) {}

  async claim(sourceId: string, auth: WebhookAuth, memoryMs: number): Promise<ReplayClaim> {
    if (!auth.replayKey) return NO_CLAIM;
    const key = createHash('sha256').update(`${sourceId}\n${auth.replayKey}`).digest('hex');
    if (this.inFlight.has(key))
      throw new WebhookReplayError('this signed request is being recorded right now (a duplicate or a replay): it is refused');
    this.inFlight.add(key);
    try {
      const acceptedAt = await this.seen.get<string>(key);
      if (acceptedAt !== undefined)
        throw new WebhookReplayError(
          `this signed request was already accepted at ${acceptedAt} (a replay): a sender that repeats a push must sign it again with a new X-Signature-Timestamp`,
        );
    } catch (e) {
      this.inFlight.delete(key);
      throw e;
    }
    return {
      remember: () => this.seen.set(key, new Date().toISOString(), memoryMs),
      release: () => this.inFlight.delete(key),
    };
  }
}
