import type { PostedRef } from '../../src/adapters/adapter.ts';
import { TELEGRAM_LIMITS } from '../../src/adapters/telegram/limits.ts';
import type { EmuMessage } from '../emulators/telegram/server.ts';
import { REAL_LIMITS } from '../emulators/telegram/limits.ts';
import { GROUP, USERS, YAML, refusals, startHarness } from '../emulators/telegram/harness.ts';
import { HOSTILE_MARKUP_TARGETS, OWN_LINK, runAdapterContract, type Shown } from './adapter-contract.ts';

/** The real telegraf client (long polling) against the Telegram emulator. */
const shownOf = (m: EmuMessage): Shown => ({
  text: m.text,
  ...(m.replyTo !== undefined ? { replyTo: String(m.replyTo) } : {}),
  edits: m.edits,
});

runAdapterContract({
  platform: 'telegram',
  // Telegram's limits are per chat (and per bot overall, which it also answers per chat).
  rateLimitScopes: ['target'],
  edits: true,
  statusAnswer: /Chatter · All systems operational/,
  token: {
    setting: 'TELEGRAM_BOT_TOKEN',
    startWithRefusedToken: async () => {
      const h = await startHarness({ TELEGRAM_BOT_TOKEN: '123456:not-the-token' }, YAML, { start: false });
      const error = await h.app.app.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error, state: h.app.app.adapters.get('telegram')!.state(), stop: () => h.stop() };
    },
  },
  start: async () => {
    const h = await startHarness();
    const { emu } = h;
    // The contract calls the adapter directly, without delivery's pacing: the emulator's broadcast
    // limits would answer its bursts with 429s. Its 429 is the rate-limit case's, injected there.
    emu.limits.limits = { ...REAL_LIMITS, chatBurst: 100, groupPerMinute: 1000 };
    const find = (ref: PostedRef) => emu.sent(Number(ref.chatId)).find((m) => m.message_id === Number(ref.messageId));
    return {
      adapter: h.app.app.adapters.get('telegram')!,
      channel: { platform: 'telegram', chatId: String(GROUP), kind: 'channel' },
      dm: { platform: 'telegram', chatId: String(USERS.carol.id), kind: 'dm' },
      // A chat the bot is not in (never added, or deleted): "Bad Request: chat not found".
      goneTarget: () => ({ platform: 'telegram', chatId: '-1009999999999', kind: 'channel' }),
      shown: (ref) => {
        const m = find(ref);
        return m ? shownOf(m) : undefined;
      },
      dmsTo: (userId) =>
        emu
          .sent(Number(userId))
          .filter((m) => m.fromBot)
          .map(shownOf),
      refused: () => refusals(emu),
      rateLimitNext: () => {
        emu.failNext('sendMessage', 429, 'Too Many Requests: retry after 7', { retry_after: 7 });
        return 7000;
      },
      command: async (text) => (await h.command(USERS.alice, USERS.alice.id, text)).text,
      hostile: (ref) => {
        const m = find(ref)!;
        const shown = (e: { offset: number; length: number }) => m.text.slice(e.offset, e.offset + e.length);
        return {
          pinged: m.entities.filter((e) => e.type === 'mention' || e.type === 'text_mention').map(shown),
          foreignLinks: m.entities.flatMap((e) => (e.type === 'text_link' && e.url !== OWN_LINK ? [e.url ?? ''] : [])),
          // Our own formatting (the bold title and labels) may contain them; an entity that is only one of them came from the text.
          injectedMarkup: m.entities.filter((e) => HOSTILE_MARKUP_TARGETS.includes(shown(e).trim())).map((e) => `${e.type}: ${shown(e)}`),
          size: m.text.length,
          limit: TELEGRAM_LIMITS.message,
        };
      },
      stop: () => h.stop(),
    };
  },
});
