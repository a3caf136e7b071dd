import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { StatuspagePage } from '../helpers/statuspage-page.ts';
import { TelegramEmulator } from '../emulators/telegram/server.ts';
import { SlackEmulator } from '../emulators/slack/server.ts';
import { DiscordEmulator } from '../emulators/discord/index.ts';

/**
 * A Statuspage-compatible page whose summary drops a story once it closes (docs/formats.md §1), polled
 * by the real source, announced through the real telegraf, @slack/bolt and discord.js clients to
 * the three emulators: the closing edit and reply carry the closing update's own words.
 */
const GROUP = -1001000000777;
const RESOLUTION = 'This incident has been resolved. Messages are delivered normally again.';
const MONITORING = 'A fix has been deployed and we are monitoring the results.';
const COMPLETION = 'The maintenance is complete; the new database cluster serves all traffic.';
const IN_PROGRESS = 'The maintenance has started; sending may pause for a few seconds.';

const until = async <T>(check: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('a story that leaves summary.json closes with its own words on Telegram, Slack and Discord', () => {
  let page: StatuspagePage;
  let tg: TelegramEmulator;
  let slack: SlackEmulator;
  let discord: DiscordEmulator;
  let discordChannel: string;
  let t: TestApp;

  beforeAll(async () => {
    page = new StatuspagePage();
    page.addComponent('cmp-msg', 'Messaging');
    page.addComponent('cmp-db', 'Database');
    const pageUrl = await page.listen();
    tg = new TelegramEmulator();
    await tg.start();
    tg.addGroup(GROUP, 'Chatter status', { members: {} });
    slack = await new SlackEmulator().start();
    slack.channels.set('CSTATUS', { id: 'CSTATUS', creator: 'UADMIN' });
    discord = await new DiscordEmulator().start();
    discordChannel = discord.addChannel({ name: 'status' });
    t = await startTestApp(
      `
service: { name: Chatter, locales: [en], timezone: UTC }
sources:
  - { id: page, type: statuspage, url: "${pageUrl}", interval: 300ms }
announce:
  - { platform: telegram, chat: "${GROUP}" }
  - { platform: slack, channel: CSTATUS }
  - { platform: discord, channel: "${discordChannel}" }
`,
      {
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.apiRoot,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'secret',
        SLACK_API_URL: slack.apiUrl,
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_GUILD_ID: discord.guildId,
      },
    );
    // The first summary is the silent baseline (docs/contract.md §7); the story starts after it was processed.
    await until(() => (page.hits.get('/api/v2/summary.json') ?? 0) >= 2 && t.app.tracker.currentComponents().length === 2, 'the baseline');
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all([tg?.stop(), slack?.stop(), discord?.stop(), page?.close()]);
  });

  /** Each step announced before the next, so no two steps wait together (delivery merges those). */
  const step = async (what: string, done: () => boolean) => {
    await until(done, what);
    expect(await t.app.drained(30_000)).toBe(true);
  };

  const telegramRoots = () => tg.sent(GROUP).filter((m) => m.replyTo === undefined);
  const slackRoots = () => slack.messages.filter((m) => m.channel === 'CSTATUS' && !m.thread_ts);
  const discordRoots = () => discord.messagesIn(discordChannel);

  /** The story's root post and its replies on each platform, as readers see them now. */
  const seen = (name: string) => {
    const tgRoot = telegramRoots().find((m) => m.text.includes(name));
    const slRoot = slackRoots().find((m) => JSON.stringify(m.blocks).includes(name));
    const dcRoot = discordRoots().find((m) => JSON.stringify(m.embeds).includes(name));
    return {
      telegram: {
        root: tgRoot?.text ?? '',
        replies: tgRoot
          ? tg
              .sent(GROUP)
              .filter((m) => m.replyTo === tgRoot.message_id)
              .map((m) => m.text)
          : [],
      },
      slack: {
        root: slRoot ? JSON.stringify(slRoot.edits.at(-1)?.blocks ?? slRoot.blocks) : '',
        replies: slRoot
          ? slack.messages.filter((m) => m.channel === 'CSTATUS' && m.thread_ts === slRoot.ts).map((m) => JSON.stringify(m.blocks))
          : [],
      },
      discord: {
        root: dcRoot ? JSON.stringify(dcRoot.embeds) : '',
        replies: dcRoot ? discord.messagesIn(dcRoot.id).map((m) => JSON.stringify(m.embeds)) : [],
      },
    };
  };
  const everywhere = (name: string, check: (v: { root: string; replies: string[] }) => boolean) => () =>
    Object.values(seen(name)).every(check);

  it('incident: investigating → identified → monitoring → resolved (gone from the summary)', async () => {
    const name = 'Messages are delayed';
    page.setComponent('cmp-msg', 'major_outage');
    page.post({ id: 'inc1', name, status: 'investigating', body: 'We are investigating delayed messages.', components: ['cmp-msg'] });
    await step(
      'the three root posts',
      everywhere(name, (v) => v.root.includes('Investigating')),
    );
    page.post({ id: 'inc1', status: 'identified', body: 'A database node failed.' });
    await step(
      'the identified replies',
      everywhere(name, (v) => v.replies.length === 1),
    );
    page.setComponent('cmp-msg', 'degraded_performance');
    page.post({ id: 'inc1', status: 'monitoring', body: MONITORING });
    await step(
      'the monitoring replies',
      everywhere(name, (v) => v.replies.length === 2),
    );
    page.setComponent('cmp-msg', 'operational');
    page.post({ id: 'inc1', status: 'resolved', body: RESOLUTION });
    await step(
      'the resolution replies',
      everywhere(name, (v) => v.replies.length === 3 && v.root.includes('Resolved')),
    );

    expect(page.hits.get('/api/v2/incidents/inc1.json')).toBeGreaterThanOrEqual(1);
    for (const [platform, v] of Object.entries(seen(name))) {
      expect(v.root, `${platform}: final edit`).toContain('Messages are delivered normally again.');
      expect(v.root, `${platform}: final edit`).not.toContain(MONITORING);
      expect(v.replies.at(-1), `${platform}: resolution reply`).toContain('Messages are delivered normally again.');
      expect(v.replies.at(-1), `${platform}: resolution reply`).not.toContain(MONITORING);
      expect(v.replies.at(-1), `${platform}: resolution reply`).toMatch(/Resolved after/);
    }
  }, 120_000);

  it('maintenance: scheduled → in progress → completed (gone from scheduled_maintenances)', async () => {
    const name = 'Database upgrade';
    const scheduledFor = new Date(Date.now() + 3 * 3_600_000).toISOString();
    page.post({
      id: 'mnt1',
      name,
      kind: 'maintenance',
      status: 'scheduled',
      body: 'We will upgrade the database cluster.',
      components: ['cmp-db'],
      scheduledFor,
      scheduledUntil: new Date(Date.parse(scheduledFor) + 3_600_000).toISOString(),
    });
    await step(
      'the three maintenance posts',
      everywhere(name, (v) => v.root.includes('Scheduled')),
    );
    page.post({ id: 'mnt1', status: 'in_progress', body: IN_PROGRESS });
    await step(
      'the in-progress replies',
      everywhere(name, (v) => v.replies.length === 1),
    );
    page.post({ id: 'mnt1', status: 'completed', body: COMPLETION });
    await step(
      'the completion replies',
      everywhere(name, (v) => v.replies.length === 2 && v.root.includes('Completed')),
    );

    for (const [platform, v] of Object.entries(seen(name))) {
      expect(v.root, `${platform}: final edit`).toContain('the new database cluster serves all traffic');
      expect(v.root, `${platform}: final edit`).not.toContain(IN_PROGRESS);
      expect(v.replies.at(-1), `${platform}: completion reply`).toContain('the new database cluster serves all traffic');
      expect(v.replies.at(-1), `${platform}: completion reply`).not.toContain(IN_PROGRESS);
    }
  }, 120_000);
});
