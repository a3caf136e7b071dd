import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { TelegramEmulator } from '../emulators/telegram/server.ts';
import { SlackEmulator } from '../emulators/slack/server.ts';

/**
 * `maintenance.reminder`: before a scheduled window starts, the maintenance's story gets one more
 * step — its post edited and a reply in its thread, in each target's language — once, also across
 * a restart; the completion then closes the story like a resolution. Real telegraf and
 * @slack/bolt against the emulators.
 */
const GROUP = -1001000000888;
const CHANNEL = -1002000000888;
const LEAD_MS = 12_000;

const until = async <T>(check: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('maintenance reminder (Telegram en + zh-CN, Slack en)', () => {
  let tg: TelegramEmulator;
  let slack: SlackEmulator;
  let t: TestApp;
  let storeUrl: string;

  const yaml = `
service: { name: Chatter, locales: [en, zh-CN], timezone: UTC }
components:
  - { id: database, name: { en: Database, zh-CN: 数据库 } }
sources: [{ id: hooks, type: webhook, format: generic, insecure: true }]
maintenance: { reminder: ${LEAD_MS / 1000}s }
announce:
  - { platform: telegram, chat: "${GROUP}" }
  - { platform: telegram, chat: "${CHANNEL}", locale: zh-CN }
  - { platform: slack, channel: CSTATUS, broadcastResolution: true }
`;
  const boot = (env: Record<string, string> = {}) =>
    startTestApp(yaml, {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: slack.apiUrl,
      ...env,
    });
  const post = async (body: Record<string, unknown>) => {
    const res = await fetch(`${t.baseUrl}/webhooks/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ incident: body }),
    });
    expect(res.status).toBeLessThan(300);
  };

  beforeAll(async () => {
    tg = new TelegramEmulator();
    await tg.start();
    tg.addGroup(GROUP, 'Chatter users', { members: {} });
    tg.addChannel(CHANNEL, 'Chatter 状态', 'chatter_status_zh');
    slack = await new SlackEmulator().start();
    slack.channels.set('CSTATUS', { id: 'CSTATUS', creator: 'UADMIN' });
    t = await boot();
    storeUrl = t.storeUrl;
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await Promise.all([tg?.stop(), slack?.stop()]);
  });

  const tgRoot = (chat: number) => tg.sent(chat).find((m) => m.replyTo === undefined && m.text.includes('Database upgrade'));
  const tgReplies = (chat: number) => {
    const root = tgRoot(chat);
    return root ? tg.sent(chat).filter((m) => m.replyTo === root.message_id) : [];
  };
  const slackRoot = () =>
    slack.messages.find((m) => m.channel === 'CSTATUS' && !m.thread_ts && JSON.stringify(m.blocks).includes('Database upgrade'));
  const slackReplies = () => {
    const root = slackRoot();
    return root ? slack.messages.filter((m) => m.channel === 'CSTATUS' && m.thread_ts === root.ts) : [];
  };

  it('reminds once at lead time, in each language, as a reply in the story; not again after a restart; the completion closes it', async () => {
    const scheduledFor = new Date(Date.now() + LEAD_MS + 8_000);
    const dueAt = scheduledFor.getTime() - LEAD_MS;
    await post({
      id: 'db-upgrade',
      name: 'Database upgrade',
      kind: 'maintenance',
      status: 'scheduled',
      message: 'We will upgrade the database cluster.',
      components: ['database'],
      scheduledFor: scheduledFor.toISOString(),
      scheduledUntil: new Date(scheduledFor.getTime() + 3_600_000).toISOString(),
    });
    await until(() => tgRoot(GROUP) && tgRoot(CHANNEL) && slackRoot(), 'the three maintenance posts');
    expect(await t.app.drained()).toBe(true);
    if (Date.now() < dueAt) expect(tgReplies(GROUP)).toHaveLength(0);

    await until(
      () => tgReplies(GROUP).length === 1 && tgReplies(CHANNEL).length === 1 && slackReplies().length === 1,
      'the reminders',
      40_000,
    );
    // Not before its time: the reminder was sent no earlier than the lead time before the window.
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
    const [en] = tgReplies(GROUP);
    const [zh] = tgReplies(CHANNEL);
    expect(en!.text).toMatch(/Reminder: this maintenance starts in 1 min \(/);
    expect(en!.text).not.toContain('We will upgrade the database cluster.');
    expect(zh!.text).toMatch(/提醒：本次维护将在 1分钟后开始/);
    expect(JSON.stringify(slackReplies()[0]!.blocks)).toContain('Reminder: this maintenance starts in');
    expect(tgRoot(GROUP)!.text).toContain('Reminder: this maintenance starts in');
    // One top-level post per chat: the reminder is a step of the story, not a new announcement.
    expect(tg.sent(GROUP).filter((m) => m.replyTo === undefined)).toHaveLength(1);
    expect(await t.app.drained()).toBe(true);

    // A restart before the window: the reminder was recorded and is not sent again.
    await t.stop();
    t = await boot({ STORE_URL: storeUrl });
    const checksAfterRestart = Date.now() + 3 * (LEAD_MS / 10) + 500;
    await until(() => Date.now() > checksAfterRestart, 'a few reminder checks of the restarted app');
    expect(await t.app.drained()).toBe(true);
    expect(tgReplies(GROUP)).toHaveLength(1);
    expect(tgReplies(CHANNEL)).toHaveLength(1);
    expect(slackReplies()).toHaveLength(1);

    await post({
      id: 'db-upgrade',
      name: 'Database upgrade',
      kind: 'maintenance',
      status: 'in_progress',
      message: 'The upgrade has started.',
    });
    await until(() => tgReplies(GROUP).length === 2 && slackReplies().length === 2, 'the in-progress replies');
    expect(await t.app.drained()).toBe(true);
    await post({
      id: 'db-upgrade',
      name: 'Database upgrade',
      kind: 'maintenance',
      status: 'completed',
      message: 'The new cluster serves all traffic.',
    });
    await until(
      () => tgReplies(GROUP).length === 3 && tgReplies(CHANNEL).length === 3 && slackReplies().length === 3,
      'the completion replies',
    );
    expect(await t.app.drained()).toBe(true);
    expect(tgReplies(GROUP)[2]!.text).toContain('The new cluster serves all traffic.');
    expect(tgReplies(GROUP)[2]!.text).toContain('Maintenance completed after');
    expect(tgRoot(GROUP)!.text).toContain('Completed');
    expect(tgRoot(CHANNEL)!.text).toContain('已完成');
    // Marked as the resolution: Slack echoes it to the channel (broadcastResolution), as for incidents.
    const completion = slackReplies()[2]!;
    expect(completion.reply_broadcast).toBe(true);
    expect(slackReplies()[0]!.reply_broadcast).toBeUndefined();
    expect(t.app.tracker.incident('hooks:db-upgrade')).toMatchObject({ status: 'completed', remindedFor: scheduledFor.toISOString() });
  }, 120_000);
});
