import type { TFunction } from 'i18next';
import type { KpiFigures } from '../messages/context.ts';
import type { MessageField } from '../i18n/message.ts';
import type { Translator } from '../i18n/i18n.ts';
import { formatDateTime, formatDuration, formatMs, formatPercent, formatTime } from '../i18n/format.ts';

type Coverage = NonNullable<KpiFigures['coverage']>;
type WindowName = KpiFigures['window'];

/** Under this much data a figure means nothing yet (a status noted this very second). */
const MIN_COVERED_MS = 1000;
/** Up to this age a start time reads as a time of day; older ones carry their date. */
const TIME_ONLY_MS = 20 * 3_600_000;

/**
 * What a figure is labelled with (docs/kpi.md#coverage): the window when the data covers it,
 * else the span it really covers ("since 01:43, 40 s"); undefined when there is nothing to show yet.
 */
export const coverageLabel = (
  t: TFunction,
  window: WindowName,
  coverage: Coverage | undefined,
  locale: string,
  timezone: string,
): string | undefined => {
  if (!coverage || coverage.covered) return t(`kpi.window.${window}`);
  if (coverage.coveredMs < MIN_COVERED_MS) return undefined;
  const time =
    coverage.coveredMs < TIME_ONLY_MS
      ? formatTime(coverage.coveredFrom, locale, timezone)
      : formatDateTime(coverage.coveredFrom, locale, timezone);
  return t('kpi.since', { time, span: formatDuration(coverage.coveredMs, locale) });
};

export interface KpiFieldOptions {
  readonly uptimeDigits: number;
}

/** Announcements and `/status` show uptime to two decimals (99.95 %); `/kpi`, which is about the figures, to three. */
export const ANNOUNCEMENT_KPI_FIELDS: KpiFieldOptions = { uptimeDigits: 2 };
export const KPI_REPLY_FIELDS: KpiFieldOptions = { uptimeDigits: 3 };

/**
 * The KPI fields of a message: announcements, `/status` and `/kpi` all use these, so a figure
 * reads the same everywhere. Response time, error rate and latency carry no window in their
 * label; when the window is not covered the uptime label says what all of them span.
 */
export const kpiFields = (
  f: KpiFigures | undefined,
  locale: string,
  translator: Pick<Translator, 't'>,
  timezone: string,
  options: KpiFieldOptions,
): MessageField[] => {
  if (!f) return [];
  const t = translator.t(locale);
  const span = coverageLabel(t, f.window, f.coverage, locale, timezone);
  const out: MessageField[] = [];
  // Uptime over under a second says nothing; samples pushed in that second still do.
  if (span === undefined)
    out.push({ label: t('kpi.uptime', { window: t(`kpi.window.${f.window}`) }), value: t('kpi.notEnoughData'), inline: true });
  else if (f.uptimePercent !== undefined)
    out.push({
      label: t('kpi.uptime', { window: span }),
      value: formatPercent(f.uptimePercent, locale, options.uptimeDigits),
      inline: true,
    });
  else if (f.coverage && !f.coverage.covered) out.push({ label: t('kpi.coveredLabel'), value: span, inline: true });
  if (f.responseP50Ms !== undefined && f.responseP95Ms !== undefined)
    out.push({
      label: t('kpi.responseTime'),
      value: `${formatMs(f.responseP50Ms, locale)} / ${formatMs(f.responseP95Ms, locale)}`,
      inline: true,
    });
  if (f.errorRatePercent !== undefined)
    out.push({ label: t('kpi.errorRate'), value: formatPercent(f.errorRatePercent, locale), inline: true });
  if (f.latencyP95Ms !== undefined) out.push({ label: t('kpi.latency'), value: formatMs(f.latencyP95Ms, locale), inline: true });
  return out;
};
