import type { AdviceRule } from './config.ts';
import type { ComponentCatalog } from './components.ts';
import { isClosedStatus, severityRank, type StatusEvent } from './model.ts';

/**
 * Advice keys that apply to an event, from the config rules, in rule order without repeats.
 * Nothing once the story is closed: "retry later" after a resolution would contradict the state.
 */
export const adviceFor = (event: StatusEvent, rules: readonly AdviceRule[], catalog: ComponentCatalog): string[] => {
  const closed =
    event.type === 'incident'
      ? isClosedStatus(event.incident.status)
      : event.component.status === 'operational';
  if (closed) return [];
  const componentIds = event.type === 'incident' ? event.components.map((c) => c.id) : [event.component.id];
  const cause = event.type === 'incident' ? event.incident.cause : undefined;
  const statuses = event.type === 'incident' ? event.components.map((c) => c.status) : [event.component.status];
  const keys: string[] = [];
  for (const rule of rules) {
    const w = rule.when;
    if (w.components && !w.components.some((c) => componentIds.includes(catalog.lookup(c) ?? c))) continue;
    if (w.severity && severityRank(event.severity) < severityRank(w.severity)) continue;
    if (w.cause && w.cause !== cause) continue;
    if (w.status && !w.status.some((s) => statuses.includes(s))) continue;
    for (const k of rule.say) if (!keys.includes(k)) keys.push(k);
  }
  return keys;
};
