import type { KeyValue } from '../storage/store.ts';
import type { StatusEvent } from './model.ts';

type ComponentEvent = Extract<StatusEvent, { type: 'component' }>;

interface FlapState {
  announced: number[];
  suppressed: number;
  firstSuppressedAt?: string;
  lastChangeAt: number;
  latest?: ComponentEvent;
}

/**
 * Keeps a flapping component from spamming: at most `maxPerWindow` announcements per component per
 * window; the changes after that are held back and, once the component has been still for `settleMs`,
 * announced as one summary with its current status.
 */
export interface FlapSettings {
  readonly windowMs: number;
  readonly maxPerWindow: number;
  readonly settleMs: number;
}

export const DEFAULT_FLAP: FlapSettings = { windowMs: 60_000, maxPerWindow: 2, settleMs: 60_000 };

/**
 * With a store, the state of every component is kept there too (written after each change, read
 * when a leader starts), so a restart in the middle of a flapping episode neither announces the
 * held-back changes one by one nor forgets the summary it owes.
 */
export class FlapGuard {
  private readonly states = new Map<string, FlapState>();
  /** Components whose state changed since the last `persist()`. */
  private readonly changed = new Set<string>();
  private readonly windowMs: number;
  private readonly maxPerWindow: number;
  readonly settleMs: number;

  constructor(
    settings: FlapSettings = DEFAULT_FLAP,
    private readonly kv?: () => KeyValue,
  ) {
    ({ windowMs: this.windowMs, maxPerWindow: this.maxPerWindow, settleMs: this.settleMs } = settings);
  }

  /** Takes over what the store remembers (a new leader, a restart). */
  async load(): Promise<void> {
    if (!this.kv) return;
    this.states.clear();
    this.changed.clear();
    for await (const [id, s] of this.kv().entries<FlapState>()) this.states.set(id, s);
  }

  /** States changed since the last `persist()`. */
  unsaved(): boolean {
    return this.changed.size > 0;
  }

  /** Writes the states changed since the last call; a failure keeps them owed for the next call. */
  async persist(): Promise<void> {
    if (!this.kv || this.changed.size === 0) return;
    const ids = [...this.changed];
    this.changed.clear();
    try {
      const kept = ids.filter((id) => this.states.has(id));
      if (kept.length)
        await this.kv().setMany(
          kept.map((id) => [id, this.states.get(id)!] as const),
          this.windowMs * 10 + this.settleMs,
        );
      const gone = ids.filter((id) => !this.states.has(id));
      if (gone.length) await this.kv().deleteMany(gone);
    } catch (e) {
      for (const id of ids) this.changed.add(id);
      throw e;
    }
  }

  filter(events: readonly StatusEvent[], now = Date.now()): StatusEvent[] {
    return events.filter((e) => {
      if (e.type !== 'component') return true;
      const s = this.states.get(e.component.id) ?? { announced: [], suppressed: 0, lastChangeAt: now };
      this.states.set(e.component.id, s);
      this.changed.add(e.component.id);
      s.announced = s.announced.filter((t) => now - t < this.windowMs);
      s.lastChangeAt = now;
      if (s.announced.length < this.maxPerWindow && s.suppressed === 0) {
        s.announced.push(now);
        return true;
      }
      s.suppressed++;
      s.firstSuppressedAt ??= e.at;
      s.latest = e;
      return false;
    });
  }

  /** Summaries of components that stopped flapping. */
  due(now = Date.now()): StatusEvent[] {
    const out: StatusEvent[] = [];
    for (const [id, s] of this.states) {
      if (s.suppressed > 0 && s.latest && now - s.lastChangeAt >= this.settleMs) {
        const latest = s.latest;
        out.push({
          ...latest,
          id: `${latest.id}:flaps:${s.suppressed}`,
          flaps: { changes: s.suppressed + s.announced.length, since: s.firstSuppressedAt ?? latest.at },
        });
        s.suppressed = 0;
        s.announced = [now];
        delete s.latest;
        delete s.firstSuppressedAt;
        this.changed.add(id);
      } else if (s.suppressed === 0 && now - s.lastChangeAt > this.windowMs * 10) {
        this.states.delete(id);
        this.changed.add(id);
      }
    }
    return out;
  }
}
