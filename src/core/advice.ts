import type { AdviceRule } from './config.ts';
import type { ComponentCatalog } from './components.ts';
import { isClosedStatus, severityRank, type StatusEvent } from './model.ts';
import { ADVICE_CATALOGUE, FAULT_ONLY_ADVICE, MAINTENANCE_ONLY_ADVICE, MAX_ADVICE, type CatalogueEntry } from './advice-catalogue.ts';

/**
 * Advice keys that apply to an event: the config rules first (in rule order), then the built-in
 * catalogue, without repeats. Never advice that contradicts the state: nothing once the story is
 * closed ("retry later" after a resolution), no fault advice during planned maintenance, no
 * maintenance advice during a fault.
 */
export const adviceFor = (
  event: StatusEvent,
  rules: readonly AdviceRule[],
  catalog: ComponentCatalog,
  catalogue: readonly CatalogueEntry[] = ADVICE_CATALOGUE,
): string[] => {
  const closed = event.type === 'incident' ? isClosedStatus(event.incident.status) : event.component.status === 'operational';
  if (closed) return [];
  const components = event.type === 'incident' ? event.components : [event.component];
  const componentIds = components.map((c) => c.id);
  const cause = event.type === 'incident' ? event.incident.cause : undefined;
  const statuses = components.map((c) => c.status);
  const maintenance =
    event.type === 'incident'
      ? event.incident.kind === 'maintenance' || cause === 'maintenance'
      : event.component.status === 'under_maintenance';
  const upcoming = event.type === 'incident' && event.incident.kind === 'maintenance' && event.incident.status === 'scheduled';

  const keys: string[] = [];
  const add = (say: readonly string[]) => {
    for (const k of say) if (!keys.includes(k)) keys.push(k);
  };
  for (const rule of rules) {
    const w = rule.when;
    if (w.components && !w.components.some((c) => componentIds.includes(catalog.lookup(c) ?? c))) continue;
    if (w.severity && severityRank(event.severity) < severityRank(w.severity)) continue;
    if (w.cause && w.cause !== cause) continue;
    if (w.status && !w.status.some((s) => statuses.includes(s))) continue;
    add(rule.say);
  }
  for (const entry of catalogue) {
    if (entry.cause && entry.cause !== cause) continue;
    if (entry.minSeverity && severityRank(event.severity) < severityRank(entry.minSeverity)) continue;
    if (entry.statuses && !entry.statuses.some((s) => statuses.includes(s))) continue;
    if (entry.component && !components.some((c) => entry.component!.test(`${c.id} ${c.name}`))) continue;
    add(entry.say);
  }
  const fits = (k: string): boolean => {
    if (upcoming) return MAINTENANCE_ONLY_ADVICE.has(k) || k === 'follow_status_page';
    if (maintenance) return !FAULT_ONLY_ADVICE.has(k);
    return !MAINTENANCE_ONLY_ADVICE.has(k);
  };
  return keys.filter(fits).slice(0, MAX_ADVICE);
};

/**
 * Every advice key the config's rules say must have words: checked at start, so a typo is one
 * clear error rather than a raw key in a message.
 */
export const assertAdviceKeys = (rules: readonly AdviceRule[], hasEnglish: (key: string) => boolean): void => {
  for (const rule of rules)
    for (const key of rule.say)
      if (!hasEnglish(`advice.${key}`))
        throw new Error(`advice: unknown advice "${key}": use one of the keys in locales/en/translation.json → advice`);
};
