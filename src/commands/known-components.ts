import type { ComponentStatus } from '../core/model.ts';
import type { CommandServices } from './context.ts';

/** A component a user can pick in a menu, an autocomplete or the Slack App Home. */
export interface KnownComponent {
  readonly id: string;
  /** The configured name in the locale, else the name the source reported, else the id. */
  readonly name: string;
  /** The last status a source reported; absent for a configured component no source has mentioned yet. */
  readonly status?: ComponentStatus;
}

/**
 * Components a user can pick: configured ones first (in config order), then those only the sources
 * reported. The one list behind Telegram's keyboards, Discord's autocomplete and Slack's App Home.
 */
export const knownComponents = (
  services: Pick<CommandServices, 'tracker' | 'catalog' | 'renderContext' | 'now'>,
  locale: string,
): KnownComponent[] => {
  const tracked = new Map(services.tracker.currentComponents().map((c) => [c.id, c]));
  const ids = [...new Set([...services.catalog.configuredIds(), ...tracked.keys()])];
  const ctx = services.renderContext(services.now());
  return ids.map((id) => {
    const t = tracked.get(id);
    return { id, name: ctx.componentName({ id, name: t?.name ?? id }, locale), ...(t ? { status: t.status } : {}) };
  });
};
