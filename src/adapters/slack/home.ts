import type { HomeView, KnownBlock } from '@slack/types';
import type { CommandServices } from '../../commands/context.ts';
import { statusReply } from '../../commands/status.ts';
import { knownComponents } from '../../commands/known-components.ts';
import type { Subscription } from '../../core/recipients.ts';
import { formatList } from '../../i18n/format.ts';
import { escapeSlack, renderSlack, truncateEscaped } from './render.ts';
import { SLACK_LIMITS } from './limits.ts';

export const HOME_ACTIONS = { subscribe: 'sr_home_subscribe', unsubscribe: 'sr_home_unsubscribe' } as const;
/** Button value meaning "every component" (component ids from config cannot contain a space). */
export const ALL_COMPONENTS = ' all';

/**
 * The App Home tab: the current status (the `/status` answer) and, per component, whether the user
 * gets direct messages for it, with a subscribe/unsubscribe button (handled as block_actions).
 */
export const buildHomeView = (
  services: CommandServices,
  locale: string,
  command: string,
  subscription: Subscription | undefined,
): HomeView => {
  const t = services.translator.t(locale);
  const status = renderSlack(statusReply(services, locale)).blocks;
  const ctx = services.renderContext(services.now());
  const known = new Map(knownComponents(services, locale).map((c) => [c.id, c]));
  const ids = [...known.keys()];
  const name = (id: string) => known.get(id)?.name ?? ctx.componentName({ id, name: id }, locale);
  const all = subscription !== undefined && subscription.components.length === 0;
  const mine = new Set(all ? ids : (subscription?.components ?? []));
  const summary = !subscription
    ? t('slack:home.none')
    : all
      ? t('slack:home.subscribedAll')
      : t('slack:home.subscribedSome', { what: formatList(subscription.components.map(name), locale) });

  const blocks: KnownBlock[] = [
    ...status,
    { type: 'divider' },
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateEscaped(escapeSlack(t('slack:home.yourSubscriptions')), SLACK_LIMITS.headerText) },
    },
    { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(summary), verbatim: true } },
  ];
  if (ids.length === 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(t('slack:home.noComponents')) }] });
  // Home tabs take up to 100 blocks; keep room for the closing ones.
  const room = SLACK_LIMITS.homeBlocks - blocks.length - 2;
  for (const id of ids.slice(0, room)) {
    const on = mine.has(id);
    const status = known.get(id)?.status;
    const state = status ? t(`componentStatus.${status}`) : '—';
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateEscaped(
          `*${escapeSlack(name(id))}* · ${escapeSlack(state)}${on ? ` · _${escapeSlack(t('slack:home.subscribed'))}_` : ''}`,
          SLACK_LIMITS.sectionText,
        ),
        verbatim: true,
      },
      accessory: {
        type: 'button',
        action_id: on ? HOME_ACTIONS.unsubscribe : HOME_ACTIONS.subscribe,
        text: {
          type: 'plain_text',
          text: truncateEscaped(escapeSlack(t(on ? 'slack:home.unsubscribe' : 'slack:home.subscribe')), SLACK_LIMITS.buttonText),
        },
        value: id,
        ...(on ? {} : { style: 'primary' as const }),
      },
    });
  }
  if (subscription)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: HOME_ACTIONS.unsubscribe,
          style: 'danger',
          value: ALL_COMPONENTS,
          text: { type: 'plain_text', text: escapeSlack(t('slack:home.unsubscribeAll')) },
        },
      ],
    });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(t('slack:home.hint', { command })) }] });
  return { type: 'home', blocks: blocks.slice(0, SLACK_LIMITS.homeBlocks) };
};
