import type { PostedRef } from '../../src/adapters/adapter.ts';
import { SLACK_LIMITS } from '../../src/adapters/slack/limits.ts';
import { SlackEmulator, type EmuMessage } from '../emulators/slack/server.ts';
import { postSlashCommand } from '../emulators/slack/sign.ts';
import { mentionsIn, textsOf } from '../emulators/slack/validate.ts';
import { startTestApp } from '../helpers/app.ts';
import { OWN_LINK, runAdapterContract, type Shown } from './adapter-contract.ts';

/** The real bolt app and WebClient (HTTP mode, signed requests) against the Slack emulator. */
const SECRET = 'contract-signing-secret';
const YAML = `
service: { name: Chatter, locales: [en, zh-CN] }
components: [{ id: messaging, name: Messaging }]
`;

/** What a message shows now: its last edit, else what was posted. */
const latest = (m: EmuMessage) => m.edits.at(-1) ?? m;
const shownOf = (m: EmuMessage): Shown => {
  const now = latest(m);
  return { text: textsOf(now.text, now.blocks).join('\n'), ...(m.thread_ts ? { replyTo: m.thread_ts } : {}), edits: m.edits.length };
};
/** Link buttons' targets anywhere in the blocks. */
const buttonUrls = (blocks: unknown): string[] => [...JSON.stringify(blocks ?? []).matchAll(/"url":"([^"]*)"/g)].map((m) => m[1]!);

runAdapterContract({
  platform: 'slack',
  // chat.postMessage's limit is per channel; the workspace-wide one is not announced as such.
  rateLimitScopes: ['target'],
  edits: true,
  statusAnswer: /Chatter · All systems operational/,
  token: {
    setting: 'SLACK_BOT_TOKEN',
    startWithRefusedToken: async () => {
      const emu = await new SlackEmulator().start();
      const t = await startTestApp(
        YAML,
        { SLACK_BOT_TOKEN: 'xoxb-not-the-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: emu.apiUrl },
        { start: false },
      );
      const error = await t.app.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      return {
        error,
        state: t.app.adapters.get('slack')!.state(),
        stop: async () => {
          await t.stop();
          await emu.stop();
        },
      };
    },
  },
  start: async () => {
    const emu = await new SlackEmulator().start();
    emu.channels.set('CCONTRACT', { id: 'CCONTRACT' });
    emu.users.set('UDANA', { id: 'UDANA', locale: 'en-US' });
    emu.users.set('UASKER', { id: 'UASKER', locale: 'en-US' });
    // The contract calls the adapter directly, without delivery's pacing (1 per second per channel):
    // the emulator's own pace would answer its bursts with 429s. Its 429 is the rate-limit case's, injected there.
    emu.postIntervalMs = 0;
    const t = await startTestApp(YAML, { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: emu.apiUrl });
    const find = (ref: PostedRef) => emu.messages.find((m) => m.channel === ref.chatId && m.ts === ref.messageId);
    return {
      adapter: t.app.adapters.get('slack')!,
      channel: { platform: 'slack', chatId: 'CCONTRACT', kind: 'channel' },
      dm: { platform: 'slack', chatId: 'UDANA', kind: 'dm' },
      // Archived, deleted or never joined: `channel_not_found`.
      goneTarget: () => ({ platform: 'slack', chatId: 'CGONE', kind: 'channel' }),
      shown: (ref) => {
        const m = find(ref);
        return m ? shownOf(m) : undefined;
      },
      // conversations.open gives the direct-message channel D… of the user.
      dmsTo: (userId) => emu.messages.filter((m) => m.channel === `D${userId.slice(1)}`).map(shownOf),
      refused: () => emu.rejected().map((c) => `${c.method}: ${c.error ?? c.status}`),
      rateLimitNext: () => {
        emu.failNext('chat.postMessage', 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '7' });
        return 7000;
      },
      command: async (text) => {
        const response_url = emu.responseUrl();
        const words = text.replace(/^\//, '');
        const res = await postSlashCommand(`${t.baseUrl}/slack/events`, SECRET, {
          command: '/statusrelay',
          text: words,
          user_id: 'UASKER',
          channel_id: 'CCONTRACT',
          response_url,
        });
        if (res.status !== 200) throw new Error(`the slash command was answered ${res.status}`);
        const body = await emu.waitFor(() => emu.responses.find((r) => response_url.endsWith(`/response/${r.id}`))?.body);
        return textsOf(body.text, body.blocks).join('\n');
      },
      hostile: (ref) => {
        const m = latest(find(ref)!);
        const texts = textsOf(m.text, m.blocks);
        return {
          pinged: mentionsIn(texts),
          // `<https://…|text>` in mrkdwn is a link; escaped it is `&lt;https://…`.
          foreignLinks: [
            ...texts.flatMap((x) => [...x.matchAll(/<((?:https?|mailto):[^|>]*)/g)].map((g) => g[1]!)),
            ...buttonUrls(m.blocks).filter((u) => u !== OWN_LINK),
          ],
          // Slack's markup is `<…>` (links, mentions, dates); escaping `& < >` is all Slack asks
          // (https://api.slack.com/reference/surfaces/formatting#escaping). Its *bold* / _italic_ have no escape.
          injectedMarkup: texts.flatMap((x) => [...x.matchAll(/<[^>]*>/g)].map((g) => g[0])),
          size: Math.max(m.text.length, ...texts.map((x) => x.length)),
          limit: SLACK_LIMITS.text,
        };
      },
      stop: async () => {
        await t.stop();
        await emu.stop();
      },
    };
  },
});
