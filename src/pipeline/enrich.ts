import type { ComponentState, StatusChange, StatusEvent } from '../core/model.ts';
import type { EnrichStage } from './stages.ts';

/** What the KPI engine takes in (src/kpi/service.ts). */
export interface StatusHistory {
  noteStatuses(components: readonly Pick<ComponentState, 'id' | 'status'>[], at?: number): Promise<void>;
}

/** What the digest remembers of each period (src/kpi/digest.ts). */
export interface DigestLog {
  noteEvents(events: readonly StatusEvent[]): Promise<void>;
}

/**
 * enrich: the status history of the KPI windows and the digest's log, so an announcement already
 * carries the numbers that include its own change. A change is dated by the source, but never in
 * the future (a source's clock may run ahead of ours).
 */
export class KpiEnrichment implements EnrichStage {
  constructor(
    private readonly history: StatusHistory,
    private readonly digest: DigestLog | undefined,
    private readonly now: () => number,
  ) {}

  /** When a change counts in the KPI windows: its own time, capped at now. */
  timeOf(change: StatusChange): number {
    const now = this.now();
    return Math.min(Date.parse(change.at) || now, now);
  }

  async beforeFanout(change: StatusChange, events: readonly StatusEvent[]): Promise<void> {
    await this.history.noteStatuses(
      events.flatMap((e) => (e.type === 'component' ? [e.component] : e.components)),
      this.timeOf(change),
    );
    await this.digest?.noteEvents(events);
  }

  async afterCommit(change: StatusChange, components: readonly ComponentState[]): Promise<void> {
    await this.history.noteStatuses(components, this.timeOf(change));
  }
}
