import type { TrackedComponent } from '../core/tracker.ts';
import type { MessageModel } from '../i18n/message.ts';
import { buildCommandReply, buildStatusOverview } from '../messages/index.ts';
import type { CommandServices } from './context.ts';

/**
 * `/status [component]`: gathers what the tracker knows (configured components nobody reported on
 * count as up) and hands it to `buildStatusOverview` (src/messages/reply.ts).
 */
export const statusReply = (services: CommandServices, locale: string, componentWord?: string): MessageModel => {
  const t = services.translator.t(locale);
  const now = services.now();
  const ctx = services.renderContext(now);
  // A configured component nobody reported a problem for is up: most sources only report changes.
  const tracked = services.tracker.currentComponents();
  const silent = services.catalog
    .configuredIds()
    .filter((id) => !tracked.some((c) => c.id === id))
    .map((id): TrackedComponent => ({
      id,
      name: ctx.componentName({ id, name: id }, locale),
      status: 'operational',
      sourceId: 'config',
      since: now,
    }));
  let components: TrackedComponent[] = [...tracked, ...silent];
  if (componentWord) {
    const id = services.catalog.lookup(componentWord);
    const hit = components.filter((c) => c.id === id || c.name.toLowerCase() === componentWord.toLowerCase());
    if (hit.length === 0) {
      const known =
        components
          .map((c) => ctx.componentName(c, locale))
          .slice(0, 20)
          .join(', ') || '—';
      return buildCommandReply({ title: t('status.unknownComponent', { name: componentWord, known }) }, locale, ctx);
    }
    components = hit;
  }
  const ids = new Set(components.map((c) => c.id));
  const incidents = services.tracker.openIncidents().filter((i) => !componentWord || i.componentIds.some((c) => ids.has(c)));
  return buildStatusOverview(
    { components, tracked: services.tracker.currentComponents(), incidents, kpiScope: componentWord ? [...ids] : [] },
    locale,
    ctx,
  );
};
