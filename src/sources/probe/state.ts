import type { ComponentStatus } from '../../core/model.ts';

export const FAILURE_KINDS = ['timeout', 'refused', 'reset', 'dns', 'tls', 'http_5xx', 'http_status', 'body_mismatch', 'other'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface CheckResult {
  /** Time until the whole body arrived (ms); for failures, until the failure. */
  readonly responseMs: number;
  /** Time until the response headers arrived (ms), when they did. */
  readonly latencyMs?: number;
  readonly httpStatus?: number;
  readonly failure?: FailureKind;
}

export interface ProbeThresholds {
  readonly degradedLatencyMs: number;
  readonly errorRatePercent: number;
  readonly failuresToDown: number;
  readonly successesToUp: number;
}

/** Checks since the last status change that the error rate is computed over (at most). */
const RATE_WINDOW = 20;
/** The error rate says nothing on fewer checks than this. */
const RATE_MIN_CHECKS = 10;

/**
 * Turns check results into a component status with confirmation counts, so a single bad (or good)
 * check never changes anything: `failuresToDown` failures in a row → major outage; as many slow or
 * failed checks in a row → degraded; `successesToUp` good checks in a row → operational. Sporadic
 * failures that never form a streak still degrade the component once their rate since the last
 * change exceeds `errorRatePercent`.
 */
export class ProbeState {
  status: ComponentStatus | undefined;
  private failStreak = 0;
  private badStreak = 0;
  private goodStreak = 0;
  private sinceChange: boolean[] = [];

  constructor(private readonly t: ProbeThresholds) {}

  /** Feeds one check; returns the new status when it changed. */
  observe(r: CheckResult): ComponentStatus | undefined {
    const failed = r.failure !== undefined;
    const slow = !failed && r.responseMs > this.t.degradedLatencyMs;
    this.failStreak = failed ? this.failStreak + 1 : 0;
    this.badStreak = failed || slow ? this.badStreak + 1 : 0;
    this.goodStreak = failed || slow ? 0 : this.goodStreak + 1;
    this.sinceChange.push(failed);
    if (this.sinceChange.length > RATE_WINDOW) this.sinceChange.shift();
    const target = this.target();
    if (target === undefined || target === this.status) return undefined;
    this.status = target;
    this.sinceChange = [];
    return target;
  }

  errorRatePercent(): number | undefined {
    if (this.sinceChange.length < RATE_MIN_CHECKS) return undefined;
    return (this.sinceChange.filter(Boolean).length / this.sinceChange.length) * 100;
  }

  private target(): ComponentStatus | undefined {
    const rate = this.errorRatePercent();
    const tooManyErrors = rate !== undefined && rate > this.t.errorRatePercent;
    if (this.failStreak >= this.t.failuresToDown) return 'major_outage';
    if (this.badStreak >= this.t.failuresToDown) return this.status === 'major_outage' ? 'major_outage' : 'degraded_performance';
    // Degraded by sporadic errors: recovered only once their rate is back under the threshold.
    if (this.goodStreak >= this.t.successesToUp)
      return tooManyErrors && this.status === 'degraded_performance' ? 'degraded_performance' : 'operational';
    if (this.status === 'operational' && tooManyErrors) return 'degraded_performance';
    return this.status;
  }
}
