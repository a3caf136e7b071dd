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
export class FlapGuard {
  private readonly states = new Map<string, FlapState>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxPerWindow = 2,
    private readonly settleMs = 60_000,
  ) {}

  filter(events: readonly StatusEvent[], now = Date.now()): StatusEvent[] {
    return events.filter((e) => {
      if (e.type !== 'component') return true;
      const s = this.states.get(e.component.id) ?? { announced: [], suppressed: 0, lastChangeAt: now };
      this.states.set(e.component.id, s);
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
        out.push({ ...latest, id: `${latest.id}:flaps:${s.suppressed}`, flaps: { changes: s.suppressed + s.announced.length, since: s.firstSuppressedAt ?? latest.at } });
        s.suppressed = 0;
        s.announced = [now];
        delete s.latest;
        delete s.firstSuppressedAt;
      } else if (s.suppressed === 0 && now - s.lastChangeAt > this.windowMs * 10) {
        this.states.delete(id);
      }
    }
    return out;
  }
}
