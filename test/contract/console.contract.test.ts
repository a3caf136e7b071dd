import { ConsoleAdapter } from '../../src/adapters/console/index.ts';
import { CONSOLE_BUSY_RETRY_MS } from '../../src/adapters/console/limits.ts';
import type { PostedRef } from '../../src/adapters/adapter.ts';
import { ConsoleTerminal } from '../emulators/console/terminal.ts';
import { startTestApp } from '../helpers/app.ts';
import { runAdapterContract, type Shown } from './adapter-contract.ts';

const YAML = `
service: { name: Chatter, locales: [en, zh-CN] }
components: [{ id: messaging, name: Messaging }]
announce: [{ platform: console, channel: ops }]
`;

/** A block's head: `┌─ channel ops · en · new post #3 ───` or `… · #4 · reply to #3 ───`. */
const blockOf = (terminal: ConsoleTerminal, ref: PostedRef): string | undefined =>
  terminal.blocks.find(
    (b) => b.split('\n')[0]!.includes(`new post #${ref.messageId} `) || b.split('\n')[0]!.includes(` #${ref.messageId} · reply to #`),
  );

const shownOf = (block: string): Shown => {
  const replyTo = /· #\d+ · reply to #(\d+) /.exec(block.split('\n')[0]!)?.[1];
  return { text: block, ...(replyTo ? { replyTo } : {}), edits: 0 };
};

runAdapterContract({
  platform: 'console',
  rateLimitScopes: ['platform'],
  edits: { not: 'a terminal cannot change what it printed' },
  token: { none: 'the console has no credentials to refuse' },
  statusAnswer: /Chatter · All systems operational/,
  start: async () => {
    const terminal = new ConsoleTerminal();
    const adapter = new ConsoleAdapter(terminal);
    const t = await startTestApp(YAML, {}, { adapters: [adapter] });
    return {
      adapter,
      channel: { platform: 'console', chatId: 'ops', kind: 'channel' },
      dm: { platform: 'console', chatId: 'dana', kind: 'dm' },
      goneTarget: () => {
        // The reader of stdout went away (`status-relay demo | head`).
        terminal.failNext('EPIPE');
        return { platform: 'console', chatId: 'ops', kind: 'channel' };
      },
      shown: (ref) => {
        const block = blockOf(terminal, ref);
        return block ? shownOf(block) : undefined;
      },
      dmsTo: (userId) => terminal.blocks.filter((b) => b.startsWith(`┌─ DM ${userId} `)).map(shownOf),
      refused: () => [],
      rateLimitNext: () => {
        // A full non-blocking pipe: the whole console waits a moment.
        terminal.failNext('EAGAIN');
        return CONSOLE_BUSY_RETRY_MS;
      },
      command: async (text) => {
        const before = terminal.blocks.length;
        await adapter.command(text, 'dana', 'en');
        return terminal.blocks.slice(before).join('');
      },
      hostile: (ref) => {
        const block = blockOf(terminal, ref) ?? '';
        return {
          pinged: [],
          // eslint-disable-next-line no-control-regex -- the OSC 8 hyperlink sequence is what is looked for
          foreignLinks: [...block.matchAll(/\u001b\]8;;([^\u0007\u001b]*)/g)].map((m) => m[1]!).filter(Boolean),
          // eslint-disable-next-line no-control-regex -- control characters are what is looked for
          injectedMarkup: [...block.matchAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g)].map((m) => JSON.stringify(m[0])),
          // A terminal has no message length; its limit is the frame: every line of the block is one of
          // the frame's (head, `│ ` body line, foot), however the text tried to break out of it.
          size: block
            .trimEnd()
            .split('\n')
            .filter((l) => !/^(┌─ |│ |└─)/.test(l)).length,
          limit: 0,
        };
      },
      stop: () => t.stop(),
    };
  },
});
