import type { ComponentStatus, StoryStatus } from '../core/model.ts';
import type { MessageField, MessageModel } from '../i18n/message.ts';
import { formatDateTime, formatMs, formatPercent } from '../i18n/format.ts';
import { coverageLabel } from '../kpi/fields.ts';
import type { RenderContext } from './context.ts';

/** One thing that happened in a digest's period: the latest state of a story or of a component. */
export type Happening =
  | { readonly kind: 'incident'; readonly key: string; readonly name: string; readonly status: StoryStatus; readonly at: string }
  | {
      readonly kind: 'component';
      readonly id: string;
      readonly name: string;
      readonly previous: ComponentStatus;
      readonly status: ComponentStatus;
      readonly at: string;
    };

/** A digest's figures over its period. */
export interface DigestNumbers {
  readonly uptime?: number;
  readonly p95?: number;
  readonly errors?: number;
  /** Where the data starts when it does not cover the period (older digests lack it: covered). */
  readonly coverage?: { readonly coveredFrom: string; readonly coveredMs: number; readonly covered: boolean };
}

/** What a digest says, composed once by the KPI digest service (src/kpi/digest.ts) and kept in the store. */
export interface DigestData {
  readonly id: string;
  readonly from: string;
  readonly until: string;
  readonly happenings: readonly Happening[];
  readonly overall: DigestNumbers;
  readonly components: readonly { id: string; name: string; numbers: DigestNumbers }[];
}

export interface DigestInput {
  /** Undefined when the digest's data is gone (expired from the store): a bare title is still sent. */
  readonly data: DigestData | undefined;
  /** The 24 h chart in this locale, when one was drawn. */
  readonly chart?: Buffer;
}

const MAX_HAPPENINGS_SHOWN = 10;
const MAX_COMPONENT_FIELDS = 15;

/** Digest → MessageModel: what happened in the period, then uptime / p95 / error rate overall and per component. Pure. */
export const buildDigest = (input: DigestInput, locale: string, ctx: RenderContext): MessageModel => {
  const t = ctx.translator.t(locale);
  const d = input.data;
  const base = {
    locale,
    dir: ctx.translator.dir(locale),
    severity: 'none' as const,
    title: t('digest.title', { service: ctx.serviceName }),
    advice: [],
    ...(ctx.publicUrl ? { link: { label: t('announce.statusPage'), url: ctx.publicUrl } } : {}),
  };
  if (!d) return { ...base, fields: [] };
  const fmt = (n: DigestNumbers): string => {
    const parts = [
      ...(n.uptime !== undefined ? [t('digest.uptime', { value: formatPercent(n.uptime, locale, 3) })] : []),
      ...(n.p95 !== undefined ? [t('digest.p95', { value: formatMs(n.p95, locale) })] : []),
      ...(n.errors !== undefined ? [t('digest.errors', { value: formatPercent(n.errors, locale, 2) })] : []),
    ];
    if (!parts.length) return t('digest.noData');
    // Data younger than the period: say what the numbers span (docs/kpi.md#coverage).
    const span = n.coverage && !n.coverage.covered ? coverageLabel(t, '24h', n.coverage, locale, ctx.timezone) : undefined;
    if (n.coverage && !n.coverage.covered && span === undefined) return t('kpi.notEnoughData');
    return [...parts, ...(span ? [span] : [])].join(' · ');
  };
  const lines = d.happenings
    .slice(0, MAX_HAPPENINGS_SHOWN)
    .map((h) =>
      h.kind === 'incident'
        ? `• ${t('digest.incidentLine', { name: h.name, state: t(`storyStatus.${h.status}`) })}`
        : `• ${t('digest.componentLine', { component: ctx.componentName({ id: h.id, name: h.name }, locale), previous: t(`componentStatus.${h.previous}`), status: t(`componentStatus.${h.status}`) })}`,
    );
  if (d.happenings.length > MAX_HAPPENINGS_SHOWN) lines.push(t('digest.more', { count: d.happenings.length - MAX_HAPPENINGS_SHOWN }));
  const fields: MessageField[] = [{ label: t('digest.overall'), value: fmt(d.overall) }];
  for (const c of d.components.slice(0, MAX_COMPONENT_FIELDS))
    fields.push({ label: ctx.componentName({ id: c.id, name: c.name }, locale), value: fmt(c.numbers), inline: true });
  return {
    ...base,
    headline: t('digest.period', {
      from: formatDateTime(d.from, locale, ctx.timezone),
      until: formatDateTime(d.until, locale, ctx.timezone),
    }),
    body: lines.length ? `${t('digest.happened')}\n${lines.join('\n')}` : t('digest.quiet'),
    fields,
    ...(input.chart ? { image: { png: input.chart, alt: t('chart.alt', { service: ctx.serviceName, window: t('kpi.window.24h') }) } } : {}),
  };
};
