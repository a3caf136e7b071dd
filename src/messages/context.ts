import type { StatusEvent } from '../core/model.ts';
import type { MessageField } from '../i18n/message.ts';
import type { Translator } from '../i18n/i18n.ts';

/** Numbers for the KPI fields, already computed; absent values are left out. */
export interface KpiFigures {
  readonly window: '24h' | '7d' | '30d' | '90d';
  readonly uptimePercent?: number;
  readonly responseP50Ms?: number;
  readonly responseP95Ms?: number;
  readonly errorRatePercent?: number;
  readonly latencyP95Ms?: number;
  /** What the data spans; absent means the whole window (providers that do not know). */
  readonly coverage?: { readonly coveredFrom: string; readonly coveredMs: number; readonly covered: boolean };
}

/** Everything rendering needs besides the event: pure data and pure functions, no I/O. */
export interface RenderContext {
  readonly translator: Translator;
  readonly serviceName: string;
  readonly timezone: string;
  /** ISO time "now", so rendering stays pure and testable. */
  readonly now: string;
  readonly fallbackLocale: string;
  /** Localized display name of a component. */
  componentName(component: { id: string; name: string }, locale: string): string;
  /** Advice keys that apply to the event (empty once resolved). */
  adviceFor(event: StatusEvent): readonly string[];
  /** Localized KPI fields for the event's components, when the KPI engine knows any. */
  kpiFields?(componentIds: readonly string[], locale: string): readonly MessageField[];
  /** Machine translation of source text into the locale, when one was fetched before rendering. */
  translated?(text: string, locale: string): string | undefined;
  /** `service.publicUrl`: our status page, the link of a story whose source has no page of its own. */
  readonly publicUrl?: string;
}
