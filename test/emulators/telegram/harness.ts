import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { TelegramEmulator, type EmuMessage, type EmuUser } from './server.ts';

/** A real App wired to the Telegram emulator, with a small cast of users and chats. */

export const USERS = {
  alice: { id: 111, first_name: 'Alice', username: 'alice', language_code: 'en' },
  bob: { id: 222, first_name: 'Bob', language_code: 'en-US' },
  li: { id: 333, first_name: '李', language_code: 'zh-hans' },
  carol: { id: 444, first_name: 'Carol', language_code: 'en' },
  dave: { id: 555, first_name: 'Dave', language_code: 'en' },
} satisfies Record<string, EmuUser>;

export const GROUP = -1001000000001;
export const CHANNEL = -1002000000002;
export const ADMIN_TOKEN = 'admin-token-for-tests';

export const YAML = `
service:
  name: Chatter
  locales: [en, zh-CN]
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
  - { id: calls, name: { en: Voice and video calls, zh-CN: 语音和视频通话 } }
sources:
  - { id: hooks, type: webhook, format: generic, insecure: true }
announce:
  - { platform: telegram, chat: "${CHANNEL}", locale: zh-CN }
`;

/**
 * Calls Telegram refused that matter. "message is not modified" is not one: a retried job (its reply
 * was paced with a 429) edits the root again with the same text, which the adapter takes as done.
 */
export const refusals = (emu: TelegramEmulator): string[] =>
  emu
    .rejected()
    .filter((c) => !/message is not modified/.test(c.description ?? ''))
    .map((c) => `${c.method}: ${c.description}`);

export interface Harness {
  readonly emu: TelegramEmulator;
  readonly app: TestApp;
  /** Posts the generic webhook (docs/contract.md §4) and waits until the app took it. */
  incident(body: Record<string, unknown>): Promise<void>;
  /** A user's command; resolves with the bot's next message in that chat. */
  command(user: EmuUser, chatId: number, text: string): Promise<EmuMessage>;
  stop(): Promise<void>;
}

export const startHarness = async (
  env: Record<string, string> = {},
  yaml = YAML,
  options: Parameters<typeof startTestApp>[2] = {},
): Promise<Harness> => {
  const emu = new TelegramEmulator();
  await emu.start();
  for (const u of Object.values(USERS)) emu.addUser(u);
  emu.addGroup(GROUP, 'Chatter users', { members: { [USERS.alice.id]: 'administrator', [USERS.bob.id]: 'member' } });
  emu.addChannel(CHANNEL, 'Chatter status', 'chatter_status');
  const app = await startTestApp(
    yaml,
    { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot, ADMIN_API_TOKEN: ADMIN_TOKEN, ...env },
    options,
  );
  const incident = async (body: Record<string, unknown>) => {
    const res = await fetch(`${app.baseUrl}/webhooks/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  };
  const command = async (user: EmuUser, chatId: number, text: string) => {
    const before = emu.sent(chatId).length;
    emu.userSays(user, chatId, text);
    return emu.waitFor(() => emu.sent(chatId)[before], `the answer to ${text} in ${chatId}`);
  };
  return {
    emu,
    app,
    incident,
    command,
    stop: async () => {
      await app.stop();
      await emu.stop();
    },
  };
};

/** A generic-webhook incident on `messaging` (docs/contract.md §4, src/sources/webhook/generic.ts). */
export const outage = (id: string, status: string, message: string, extra: Record<string, unknown> = {}) => ({
  incident: {
    id,
    name: 'Messages delayed',
    status,
    impact: 'major',
    message,
    components: ['messaging'],
    url: `https://status.example.com/incidents/${id}`,
    ...extra,
  },
});
