import type { PostedRef } from '../../src/adapters/adapter.ts';
import { DISCORD_LIMITS } from '../../src/adapters/discord/limits.ts';
import { DiscordEmulator, type EmuMessage, type Json } from '../emulators/discord/index.ts';
import { startDiscordRig } from '../emulators/discord/app.ts';
import { startTestApp } from '../helpers/app.ts';
import { OWN_LINK, runAdapterContract, type Shown } from './adapter-contract.ts';

/** The real discord.js client (gateway + REST) against the Discord emulator. */
const YAML = `
service: { name: Chatter, locales: [en, zh-CN] }
components: [{ id: messaging, name: Messaging }]
`;
const MESSAGES = 'POST /channels/:id/messages';

type Embed = {
  title?: string;
  description?: string;
  url?: string;
  fields?: { name: string; value: string }[];
  footer?: { text?: string };
  author?: { name?: string; url?: string };
};
const embedTexts = (e: Embed): string[] => [
  e.author?.name ?? '',
  e.title ?? '',
  e.description ?? '',
  ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
  e.footer?.text ?? '',
];
const textsOf = (m: EmuMessage): string[] => [m.content, ...(m.embeds as Embed[]).flatMap(embedTexts)].filter(Boolean);

/** Untrusted markup that reached Discord unescaped: these fragments would render as formatting or a link. */
const MARKUP = ['*bold*', '_italic_', '`code`', '~~strike~~', '[click](https://evil.example/md)'];

runAdapterContract({
  platform: 'discord',
  // A route's bucket holds one channel; the global limit (50/s per bot) holds every call.
  rateLimitScopes: ['target', 'platform'],
  edits: true,
  statusAnswer: /Chatter · All systems operational/,
  token: {
    setting: 'DISCORD_TOKEN',
    startWithRefusedToken: async () => {
      const emu = await new DiscordEmulator().start();
      const t = await startTestApp(
        YAML,
        {
          DISCORD_TOKEN: 'not.the.token',
          DISCORD_APPLICATION_ID: emu.applicationId,
          DISCORD_API_URL: emu.apiUrl,
          DISCORD_GUILD_ID: emu.guildId,
        },
        { start: false },
      );
      const error = await t.app.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      return {
        error,
        state: t.app.adapters.get('discord')!.state(),
        stop: async () => {
          await t.stop();
          await emu.stop();
        },
      };
    },
  },
  start: async () => {
    const rig = await startDiscordRig(() => YAML);
    const { emu } = rig;
    const channel = emu.addChannel({ threads: true });
    const dana = emu.addUser({ username: 'dana' });
    const asker = emu.addUser({ username: 'asker' });
    const find = (ref: PostedRef) => emu.messagesIn(ref.chatId).find((m) => m.id === ref.messageId);
    const shownOf = (m: EmuMessage): Shown => {
      // A thread started from a message has the message's id.
      const thread = emu.channel(m.channelId)?.type === 11 ? m.channelId : undefined;
      const replyTo = m.replyTo ?? thread;
      return { text: textsOf(m).join('\n'), ...(replyTo ? { replyTo } : {}), edits: m.edits };
    };
    return {
      adapter: rig.t.app.adapters.get('discord')!,
      channel: { platform: 'discord', chatId: channel, kind: 'channel' },
      dm: { platform: 'discord', chatId: dana, kind: 'dm' },
      // A deleted channel: 10003 Unknown Channel.
      goneTarget: () => ({ platform: 'discord', chatId: '1234567890123456789', kind: 'channel' }),
      shown: (ref) => {
        const m = find(ref);
        return m ? shownOf(m) : undefined;
      },
      dmsTo: (userId) => emu.dmsTo(userId).map(shownOf),
      refused: () =>
        emu.state.requests
          .filter((r) => r.status >= 400 && r.status !== 429)
          .map((r) => `${r.method} ${r.path}: ${r.status} ${r.code ?? ''}`),
      rateLimitNext: (scope) => {
        const seconds = scope === 'platform' ? 1 : 7;
        emu.limits.force(MESSAGES, seconds, scope === 'platform');
        return seconds * 1000;
      },
      command: async (text) => {
        const answered = await emu.interact({ name: text.replace(/^\//, ''), userId: asker });
        return answered.reply ? textsOf(answered.reply).join('\n') : '';
      },
      hostile: (ref) => {
        const m = find(ref)!;
        const texts = textsOf(m);
        const embeds = m.embeds as Embed[];
        const urls = [
          ...embeds.flatMap((e) => [e.url, e.author?.url]),
          ...[...JSON.stringify(m.components as Json[]).matchAll(/"url":"([^"]*)"/g)].map((g) => g[1]),
        ].filter((u): u is string => Boolean(u));
        return {
          pinged: m.pingedEveryone ? ['@everyone'] : [],
          foreignLinks: [
            ...urls.filter((u) => u !== OWN_LINK),
            ...texts
              .flatMap((x) => [...x.matchAll(/(?<!\\)\[[^\]]*\]\((https?:[^)\s]+)\)/g)].map((g) => g[1]!))
              .filter((u) => u !== OWN_LINK),
          ],
          injectedMarkup: MARKUP.filter((fragment) => texts.some((x) => x.includes(fragment))),
          size: embeds.reduce((n, e) => n + embedTexts(e).join('').length, 0),
          limit: DISCORD_LIMITS.embedTotal,
        };
      },
      stop: () => rig.stop(),
    };
  },
});
