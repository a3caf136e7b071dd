import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { CommandRouter } from '../../commands/router.ts';
import { isCommandName } from '../../commands/router.ts';
import { COMMAND_NAMES, type CommandInvocation } from '../../commands/context.ts';
import { uploadChart } from './files.ts';
import { parseSlashText } from './commands.ts';
import { USERS_INFO_PER_MINUTE } from './limits.ts';
import { renderSlack, escapeSlack } from './render.ts';
import { buildHomeView, HOME_ACTIONS, ALL_COMPONENTS } from './home.ts';
import { classifyResponseUrlError } from './errors.ts';
import type { ReplyPacer } from '../../delivery/reply-pacer.ts';
import { setBounded } from '../../core/bounded.ts';
import type { Authoring } from '../../authoring/service.ts';
import { SlackAuthoring, registerSlackAuthoring } from './authoring.ts';

/** users.info answers kept for a minute; bounded so a large workspace does not grow memory for good. */
const USER_FACTS_KEPT = 5_000;

interface UserFacts {
  readonly locale?: string;
  readonly isAdmin: boolean;
}

export interface SlackInboundDeps {
  readonly router: CommandRouter;
  readonly client: WebClient;
  readonly log: Logger;
  readonly command: string;
  readonly replies: ReplyPacer;
  /** Writing incidents (src/adapters/slack/authoring.ts): `/statusrelay incident|maintenance` and its modal. */
  readonly authoring?: Authoring;
}

/**
 * Slack's inbound side: wires the slash command, App Home and its buttons (block_actions) into bolt,
 * each turned into a platform-neutral `CommandInvocation` for the router. Every handler acks first
 * (Slack wants an answer within 3 s, docs.slack.dev/interactivity/implementing-slash-commands) and
 * does the slow part afterwards through `respond` (the command's response_url) or `views.publish`.
 * Interactive flows (modals: `bolt.view`, `bolt.shortcut`) are registered here too. No store access:
 * what the Home tab shows of a user's subscription comes from the router.
 */
export const attachSlackInbound = (bolt: App, deps: SlackInboundDeps): void => {
  const { router, client, log, command } = deps;
  const services = router.services;
  const facts = new Map<string, { at: number; value: UserFacts }>();
  const infoCalls: number[] = [];
  const mayCallUsersInfo = (): boolean => {
    const now = Date.now();
    while (infoCalls.length && now - infoCalls[0]! >= 60_000) infoCalls.shift();
    if (infoCalls.length >= USERS_INFO_PER_MINUTE) return false;
    infoCalls.push(now);
    return true;
  };

  /**
   * users.info with the locale (Tier 4); cached for a minute so a burst of clicks costs one call.
   * `localeOnly`: only the language hint is wanted, which may be skipped when the budget is spent.
   */
  const userFacts = async (userId: string, localeOnly = false): Promise<UserFacts> => {
    const hit = facts.get(userId);
    if (hit && Date.now() - hit.at < 60_000) return hit.value;
    if (facts.size > 10_000) for (const [k, v] of facts) if (Date.now() - v.at >= 60_000) facts.delete(k);
    if (!mayCallUsersInfo() && localeOnly) return { isAdmin: false };
    try {
      const res = await client.users.info({ user: userId, include_locale: true });
      const value = {
        ...(res.user?.locale ? { locale: res.user.locale } : {}),
        isAdmin: Boolean(res.user?.is_admin || res.user?.is_owner),
      };
      setBounded(facts, userId, { at: Date.now(), value }, USER_FACTS_KEPT);
      return value;
    } catch (e) {
      log.warn({ err: e, user: userId }, 'users.info failed; answering without the Slack locale');
      return { isAdmin: false };
    }
  };

  /** The asker's direct-message channel (D…), where an ephemeral answer's chart goes. */
  const dmOf = async (userId: string): Promise<string | undefined> => {
    try {
      return (await client.conversations.open({ users: userId, return_im: false })).channel?.id;
    } catch (e) {
      log.warn({ err: e, user: userId }, 'conversations.open failed; the chart is not sent');
      return undefined;
    }
  };

  /** `announce` is for workspace admins/owners and for whoever created the channel. */
  const mayManage = async (userId: string, channelId: string): Promise<boolean> => {
    if ((await userFacts(userId)).isAdmin) return true;
    try {
      const res = await client.conversations.info({ channel: channelId });
      return res.channel?.creator === userId;
    } catch {
      return false;
    }
  };

  const invocation = (
    userId: string,
    channelId: string,
    name: string,
    args: readonly string[],
    localeHint?: string,
  ): CommandInvocation => ({
    platform: 'slack',
    userId,
    chatId: channelId,
    // D… are direct-message channels; C… and G… are channels and private channels. App Home acts as the user's DM.
    chatKind: channelId.startsWith('D') || channelId === userId ? 'dm' : 'channel',
    command: name,
    args,
    commandPrefix: `${command} `,
    ...(localeHint ? { localeHint } : {}),
    isChannelAdmin: () => mayManage(userId, channelId),
  });

  const flow = deps.authoring
    ? new SlackAuthoring({
        authoring: deps.authoring,
        router,
        client,
        log,
        localeOf: async (userId, channelId) => {
          const { locale: hint } = await userFacts(userId, true);
          return router.resolveLocale({ platform: 'slack', userId, chatId: channelId, ...(hint ? { localeHint: hint } : {}) });
        },
      })
    : undefined;
  if (flow) registerSlackAuthoring(bolt, flow, log);

  bolt.command(command, async ({ command: cmd, ack, respond: post }) => {
    await ack();
    const receivedAt = Date.now();
    // The answer goes to the command's response_url, which Slack does not count against chat.postMessage's
    // limits: unmetered, but a 429 is still waited out and retried while the answer is useful.
    const respond = async (message: Parameters<typeof post>[0]): Promise<void> => {
      await deps.replies.send(
        { platform: 'slack', chatId: cmd.channel_id, kind: cmd.channel_id.startsWith('D') ? 'dm' : 'channel' },
        async () => {
          try {
            await post(message);
          } catch (e) {
            throw classifyResponseUrlError(e);
          }
        },
        { receivedAt, metered: false },
      );
    };
    const { sub, args, share } = parseSlashText(cmd.text);
    try {
      if (flow && (sub === 'incident' || sub === 'maintenance')) return await flow.onCommand(cmd, sub, respond);
      const { locale: hint } = await userFacts(cmd.user_id, true);
      if (!isCommandName(sub)) {
        const locale = await router.resolveLocale({
          platform: 'slack',
          userId: cmd.user_id,
          chatId: cmd.channel_id,
          ...(hint ? { localeHint: hint } : {}),
        });
        const text = services.translator.t(locale)('slack:usage', { sub, command, subcommands: COMMAND_NAMES.join(', ') });
        await respond({ response_type: 'ephemeral', text: escapeSlack(text) });
        return;
      }
      let refused = false;
      const inv = invocation(cmd.user_id, cmd.channel_id, sub, args, hint);
      const reply = await router.handle({
        ...inv,
        isChannelAdmin: async () => {
          const ok = await mayManage(cmd.user_id, cmd.channel_id);
          refused = !ok;
          return ok;
        },
      });
      if (reply.quiet) return;
      const t = services.translator.t(reply.locale);
      const inChannel = !reply.ephemeral || share;
      // A response_url carries no file: the chart is uploaded (files.uploadV2) where the answer can be
      // seen — the channel for a shared answer, else the bot's DM with the asker (a slash command in a DM
      // between two people is in a channel the bot is not in), never a channel for an ephemeral one.
      const chartTo = reply.message.image ? (inChannel ? cmd.channel_id : await dmOf(cmd.user_id)) : undefined;
      const note = refused ? t('slack:announceRule') : chartTo && chartTo !== cmd.channel_id ? t('slack:chartSentToDm') : undefined;
      const payload = renderSlack(
        note ? { ...reply.message, footer: [reply.message.footer, note].filter(Boolean).join('\n') } : reply.message,
      );
      await respond({ response_type: inChannel ? 'in_channel' : 'ephemeral', text: payload.text, blocks: payload.blocks });
      if (chartTo && reply.message.image)
        await uploadChart(client, { channel: chartTo, image: reply.message.image }).catch((e: unknown) =>
          log.warn({ err: e, channel: chartTo }, 'chart upload to Slack failed (files:write scope?)'),
        );
    } catch (e) {
      log.error({ err: e, sub }, 'slash command failed');
      const locale = services.defaultLocale;
      await respond({ response_type: 'ephemeral', text: escapeSlack(services.translator.t(locale)('errors.internal')) }).catch(
        () => undefined,
      );
    }
  });

  const publishHome = async (userId: string): Promise<void> => {
    const { locale: hint } = await userFacts(userId);
    const locale = await router.resolveLocale({ platform: 'slack', userId, chatId: userId, ...(hint ? { localeHint: hint } : {}) });
    const subscription = await router.subscriptionOf('slack', userId);
    const view = buildHomeView(services, locale, command, subscription);
    // Responders also find the open incidents there, each with Update / Resolve (src/adapters/slack/authoring.ts).
    const responder = flow ? await flow.homeBlocks(userId, locale) : [];
    await client.views.publish({ user_id: userId, view: { ...view, blocks: [...view.blocks, ...responder].slice(0, 100) } });
  };

  bolt.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await publishHome(event.user).catch((e: unknown) => log.warn({ err: e }, 'views.publish failed'));
  });

  bolt.action(new RegExp(`^(${HOME_ACTIONS.subscribe}|${HOME_ACTIONS.unsubscribe})$`), async ({ ack, body, action }) => {
    await ack();
    if (action.type !== 'button' || body.type !== 'block_actions' || !('action_id' in action)) return;
    const userId = body.user.id;
    const name = action.action_id === HOME_ACTIONS.subscribe ? 'subscribe' : 'unsubscribe';
    const args = action.value && action.value !== ALL_COMPONENTS ? [action.value] : [];
    try {
      const { locale: hint } = await userFacts(userId);
      await router.handle(invocation(userId, userId, name, args, hint));
      await publishHome(userId);
    } catch (e) {
      log.warn({ err: e, action: action.action_id }, 'App Home action failed');
    }
  });

  // Link buttons also send block_actions; Slack shows an error unless they are acknowledged.
  bolt.action('sr_link', async ({ ack }) => ack());
};
