import type { HomeView, KnownBlock } from '@slack/types';
import type { CommandServices } from '../../commands/context.ts';
import { statusReply } from '../../commands/status.ts';
import { knownComponents } from '../../commands/known-components.ts';
import type { Subscription } from '../../core/recipients.ts';
import { buildSubscriptionsPanel } from '../../messages/index.ts';
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
  const status = renderSlack(statusReply(services, locale)).blocks;
  const ctx = services.renderContext(services.now());
  const panel = buildSubscriptionsPanel(
    {
      components: knownComponents(services, locale),
      subscription,
      command,
      nameOf: (id) => ctx.componentName({ id, name: id }, locale),
    },
    locale,
    services,
  );
  const blocks: KnownBlock[] = [
    ...status,
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: truncateEscaped(escapeSlack(panel.title), SLACK_LIMITS.headerText) } },
    { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(panel.summary), verbatim: true } },
  ];
  if (panel.empty) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(panel.empty) }] });
  // Home tabs take up to 100 blocks; keep room for the closing ones.
  const room = SLACK_LIMITS.homeBlocks - blocks.length - 2;
  for (const row of panel.rows.slice(0, room)) {
    const mark = row.subscribedLabel ? ` · _${escapeSlack(row.subscribedLabel)}_` : '';
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateEscaped(`*${escapeSlack(row.name)}* · ${escapeSlack(row.state)}${mark}`, SLACK_LIMITS.sectionText),
        verbatim: true,
      },
      accessory: {
        type: 'button',
        action_id: row.subscribed ? HOME_ACTIONS.unsubscribe : HOME_ACTIONS.subscribe,
        text: { type: 'plain_text', text: truncateEscaped(escapeSlack(row.actionLabel), SLACK_LIMITS.buttonText) },
        value: row.id,
        ...(row.subscribed ? {} : { style: 'primary' as const }),
      },
    });
  }
  if (panel.unsubscribeAllLabel)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: HOME_ACTIONS.unsubscribe,
          style: 'danger',
          value: ALL_COMPONENTS,
          text: { type: 'plain_text', text: escapeSlack(panel.unsubscribeAllLabel) },
        },
      ],
    });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(panel.hint) }] });
  return { type: 'home', blocks: blocks.slice(0, SLACK_LIMITS.homeBlocks) };
};
