/**
 * Every message the bot writes is built here, by one pure builder per kind: `(input, locale, ctx) →
 * MessageModel`. Adapters only convert a `MessageModel` into their platform's markup
 * (src/adapters/<platform>/render.ts). See docs/architecture.md#messages.
 */
import type { Announcement, StatusEvent } from '../core/model.ts';
import type { MessageModel } from '../i18n/message.ts';
import {
  buildComponentChange,
  buildHeldSummary,
  buildIncidentStory,
  buildMaintenance,
  isMaintenance,
  type ComponentEvent,
  type IncidentStoryEvent,
  type MaintenanceEvent,
} from './announcement.ts';
import { buildDigest, type DigestInput } from './digest.ts';
import {
  buildCommandReply,
  buildKpiReply,
  buildStatusOverview,
  type CommandReplyInput,
  type KpiReplyInput,
  type StatusOverviewInput,
} from './reply.ts';
import type { RenderContext } from './context.ts';

export type { KpiFigures, RenderContext } from './context.ts';
export {
  buildComponentChange,
  buildEventMessage,
  buildHeldSummary,
  buildIncidentStory,
  buildMaintenance,
  isMaintenance,
  type ComponentEvent,
  type IncidentStoryEvent,
  type MaintenanceEvent,
  type StoryEvent,
} from './announcement.ts';
export { buildDigest, type DigestData, type DigestInput, type DigestNumbers, type Happening } from './digest.ts';
export {
  buildCommandReply,
  buildKpiReply,
  buildStatusOverview,
  type CommandReplyInput,
  type KpiReplyInput,
  type ReplyTone,
  type StatusOverviewInput,
} from './reply.ts';
export { RenderCache } from './cache.ts';
export { buildSubscriptionsPanel, type SubscriptionRow, type SubscriptionsPanel, type SubscriptionsPanelInput } from './subscriptions.ts';
export { buildDeliveryLabels, type DeliveryLabels } from './labels.ts';

/** Every kind of message, named: what the builder of each kind needs. */
export type MessageInput =
  | { readonly kind: 'incident-story'; readonly event: IncidentStoryEvent }
  | { readonly kind: 'maintenance'; readonly event: MaintenanceEvent }
  | { readonly kind: 'component-change'; readonly event: ComponentEvent }
  | { readonly kind: 'digest'; readonly digest: DigestInput }
  | { readonly kind: 'held-summary'; readonly events: readonly StatusEvent[] }
  | { readonly kind: 'status-overview'; readonly status: StatusOverviewInput }
  | { readonly kind: 'kpi-reply'; readonly kpi: KpiReplyInput }
  | { readonly kind: 'command-reply'; readonly reply: CommandReplyInput };

export type MessageKind = MessageInput['kind'];

/** The kind of a tracker event's message. */
export const messageInputOf = (event: StatusEvent): MessageInput => {
  if (event.type === 'component') return { kind: 'component-change', event };
  return isMaintenance(event) ? { kind: 'maintenance', event } : { kind: 'incident-story', event: event as IncidentStoryEvent };
};

/** Any message input → MessageModel, by the builder of its kind. Pure. */
export const buildMessage = (input: MessageInput, locale: string, ctx: RenderContext): MessageModel => {
  switch (input.kind) {
    case 'incident-story':
      return buildIncidentStory(input.event, locale, ctx);
    case 'maintenance':
      return buildMaintenance(input.event, locale, ctx);
    case 'component-change':
      return buildComponentChange(input.event, locale, ctx);
    case 'digest':
      return buildDigest(input.digest, locale, ctx);
    case 'held-summary':
      return buildHeldSummary(input.events, locale, ctx);
    case 'status-overview':
      return buildStatusOverview(input.status, locale, ctx);
    case 'kpi-reply':
      return buildKpiReply(input.kpi, locale, ctx);
    case 'command-reply':
      return buildCommandReply(input.reply, locale, ctx);
  }
};

/** The kind of an outbox announcement: a tracker event or a digest. */
export type AnnouncementKind = Announcement['type'];
