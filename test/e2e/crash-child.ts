/**
 * A bot process for the crash test: its only adapter appends deliveries to OUT_FILE, or, with
 * CRASH_ON_SEND=1, kills its own process with SIGKILL at the moment of sending — after the job was
 * recorded in the outbox and before it was sent.
 */
import { appendFileSync } from 'node:fs';
import pino from 'pino';
import { App } from '../../src/app.ts';
import { parseConfigText, parseEnv } from '../../src/core/config.ts';
import type { ChatAdapter, PostedRef } from '../../src/adapters/adapter.ts';
import type { Target } from '../../src/core/model.ts';
import type { MessageModel } from '../../src/i18n/message.ts';
import { logUnhandledRejections } from '../../src/core/process-guards.ts';

const out = process.env.OUT_FILE!;
const crashAfter = Number(process.env.CRASH_AFTER ?? 0);
let counter = 0;
const adapter: ChatAdapter = {
  platform: 'console',
  start: async () => undefined,
  stop: async () => undefined,
  state: () => 'connected',
  async send(target: Target, message: MessageModel): Promise<PostedRef> {
    if (process.env.CRASH_ON_SEND === '1') process.kill(process.pid, 'SIGKILL');
    // A leading newline keeps a line torn by SIGKILL from swallowing the next process's first line.
    appendFileSync(out, `\n${JSON.stringify({ chat: target.chatId, title: message.title, pid: process.pid })}\n`);
    if (crashAfter && counter + 1 >= crashAfter) process.kill(process.pid, 'SIGKILL');
    return { platform: 'console', chatId: target.chatId, messageId: String(++counter) };
  },
};

const env = { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'silent', STORE_URL: process.env.STORE_URL! };
const yaml = `
service: { name: Chatter, locales: [en, zh-CN] }
sources:
  - { id: gen, type: webhook, format: generic, insecure: true }
${process.env.STATUSPAGE_URL ? `  - { id: page, type: statuspage, url: "${process.env.STATUSPAGE_URL}", interval: ${process.env.POLL_INTERVAL ?? '1s'} }` : ''}
announce:
  - { platform: console, channel: "#en", locale: en }
  - { platform: console, channel: "#zh", locale: zh-CN }
`;
const app = new App(
  { ...parseConfigText(yaml, env), env: parseEnv(env), demo: false },
  {
    adapters: [adapter],
    logger: pino({ level: process.env.CHILD_LOG ?? 'silent' }),
    limits: { console: { globalPerSecond: Number(process.env.RATE ?? 1000), perChatIntervalMs: 0 } },
    ...(process.env.STORE_TIMEOUT_MS ? { storeTimeoutMs: Number(process.env.STORE_TIMEOUT_MS) } : {}),
    ...(process.env.LEASE_TTL_MS
      ? { leadership: { ttlMs: Number(process.env.LEASE_TTL_MS), renewMs: Math.max(200, Number(process.env.LEASE_TTL_MS) / 5) } }
      : {}),
  },
);
logUnhandledRejections(app.log);
await app.init();
const subscribers = Number(process.env.SUBSCRIBERS ?? 0);
if (subscribers && !(await app.store.namespace('subscriptions').get('console:user-0'))) {
  const now = new Date().toISOString();
  await app.store
    .namespace('subscriptions')
    .setMany(
      Array.from(
        { length: subscribers },
        (_, i) => [`console:user-${i}`, { platform: 'console', userId: `user-${i}`, components: [], createdAt: now }] as const,
      ),
    );
}
const { port } = await app.listen();
await app.start();
process.stdout.write(`READY ${port}\n`);
process.on('SIGTERM', () => {
  const started = Date.now();
  void app.stop().then(() => {
    process.stderr.write(`STOPPED in ${Date.now() - started} ms, ${app.outbox.depth()} left\n`);
    process.exit(0);
  });
});
