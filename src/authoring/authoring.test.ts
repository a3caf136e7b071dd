import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { startLibreTranslate, type TranslateFake } from '../../test/emulators/translate/fakes.ts';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { runCli } from '../../test/helpers/cli.ts';
import { SUPPORTED_LOCALES } from '../i18n/locales.ts';
import { Translator } from '../i18n/i18n.ts';
import { formatAuditLog } from './audit.ts';
import { authorsSchema, isAuthor, type Actor } from './authors.ts';
import { requestBody, validateDraft, type Draft } from './draft.ts';
import { NotAnAuthorError } from './service.ts';

const YAML = [
  'service: { name: Chatter, locales: [en, de] }',
  'components:',
  '  - { id: messaging, name: { en: Messaging, de: Nachrichten } }',
  '  - { id: calls, name: { en: Calls, de: Anrufe } }',
  'announce:',
  '  - { platform: console, channel: "#status" }',
  'advice:',
  '  - { when: { cause: network_congestion }, say: [retry_later] }',
  'authors:',
  '  slack: [U0RESPOND, S0ONCALL]',
  '  discord: ["123456789012345678"]',
  '  telegram: [4242, { adminsOf: "-1001234567890" }]',
].join('\n');

const slackActor = (userId: string, groupIds: string[] = []): Actor => ({ platform: 'slack', userId, groupIds });

describe('config authors', () => {
  it('takes Slack user and group ids, Discord role ids, Telegram user ids and "admins of chat X"', () => {
    const cfg = parseConfigText(YAML, {}, 'test');
    expect(cfg.authors).toEqual({
      slack: ['U0RESPOND', 'S0ONCALL'],
      discord: ['123456789012345678'],
      telegram: ['4242', { adminsOf: '-1001234567890' }],
    });
    expect(parseConfigText('service: { name: X }', {}, 'test').authors).toEqual({ slack: [], discord: [], telegram: [] });
  });

  it('refuses an id that is not the platform’s kind with one line that names the field and the fix', () => {
    expect(() => parseConfigText('authors: { discord: ["@oncall"] }', {}, 'test')).toThrow(ConfigError);
    expect(() => parseConfigText('authors: { discord: ["@oncall"] }', {}, 'test')).toThrow(/authors\.discord\[0\].*Copy Role ID/);
    expect(() => parseConfigText('authors: { slack: ["alice"] }', {}, 'test')).toThrow(/authors\.slack\[0\].*U…/);
    expect(() => parseConfigText('authors: { teams: [] }', {}, 'test')).toThrow(/teams/);
  });
});

describe('isAuthor', () => {
  const authors = authorsSchema.parse({
    slack: ['U0RESPOND', 'S0ONCALL'],
    discord: ['123456789012345678'],
    telegram: [4242, { adminsOf: '-100777' }],
  });

  it('allows listed Slack users and members of listed user groups, and no one else', async () => {
    expect(await isAuthor(authors, slackActor('U0RESPOND'))).toBe(true);
    expect(await isAuthor(authors, slackActor('U0OTHER', ['S0ONCALL']))).toBe(true);
    expect(await isAuthor(authors, slackActor('U0OTHER', ['S0SALES']))).toBe(false);
  });

  it('allows Discord members with a listed role only (a user id in the list is not a role)', async () => {
    expect(await isAuthor(authors, { platform: 'discord', userId: '1', roleIds: ['9', '123456789012345678'] })).toBe(true);
    expect(await isAuthor(authors, { platform: 'discord', userId: '123456789012345678', roleIds: [] })).toBe(false);
  });

  it('allows listed Telegram users and administrators of a listed chat; a failed look-up refuses', async () => {
    const asked: string[] = [];
    const admins = {
      telegramChatAdmin: async (chat: string, user: string) => {
        asked.push(`${chat}/${user}`);
        if (user === '13') throw new Error('network');
        return user === '7';
      },
    };
    expect(await isAuthor(authors, { platform: 'telegram', userId: '4242' }, admins)).toBe(true);
    expect(asked).toEqual([]);
    expect(await isAuthor(authors, { platform: 'telegram', userId: '7' }, admins)).toBe(true);
    expect(await isAuthor(authors, { platform: 'telegram', userId: '8' }, admins)).toBe(false);
    expect(await isAuthor(authors, { platform: 'telegram', userId: '13' }, admins)).toBe(false);
    expect(asked).toEqual(['-100777/7', '-100777/8', '-100777/13']);
  });
});

describe('the draft model', () => {
  it('validates with the admin API’s schemas: the same error the API answers', async () => {
    const t = await startTestApp('service: { name: Chatter }', { ADMIN_API_TOKEN: 'tok' });
    try {
      const bad = { name: 'Down', impact: 'apocalyptic' };
      const v = validateDraft({ fields: bad as Draft['fields'] });
      expect(v.ok).toBe(false);
      const res = await fetch(`${t.baseUrl}/api/incidents`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
        body: JSON.stringify(requestBody({ fields: bad as Draft['fields'] })),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe(!v.ok && v.error);
    } finally {
      await t.stop();
    }
  });

  it('needs a title for a new incident, a status for an update, and a window that ends after it starts', () => {
    expect(validateDraft({ fields: {} })).toMatchObject({ ok: false, error: expect.stringMatching(/^name:/) });
    expect(validateDraft({ target: 'manual:x', fields: { message: 'hi' } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^status:/),
    });
    expect(
      validateDraft({
        fields: {
          name: 'DB upgrade',
          kind: 'maintenance',
          status: 'scheduled',
          scheduledFor: '2026-12-03T02:00:00Z',
          scheduledUntil: '2026-12-03T01:00:00Z',
        },
      }),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/^scheduledUntil:/) });
  });

  it('keeps only the statuses of the components it lists', () => {
    expect(
      requestBody({
        fields: { name: 'X', components: ['messaging'], componentStatuses: { messaging: 'major_outage', calls: 'partial_outage' } },
      }),
    ).toMatchObject({ components: ['messaging'], componentStatuses: { messaging: 'major_outage' } });
  });
});

describe('the refusal', () => {
  it('is polite and in every one of the twelve languages', async () => {
    const translator = await Translator.create();
    const texts = SUPPORTED_LOCALES.map((l) => translator.t(l)('authoring:refused'));
    expect(new Set(texts).size).toBe(12);
    expect(texts[0]).toMatch(/^Sorry/);
  });
});

describe('authoring in a running app', () => {
  let t: TestApp;
  beforeAll(async () => void (t = await startTestApp(YAML, { ADMIN_API_TOKEN: 'tok' })));
  afterAll(() => t.stop());

  const fields: Draft['fields'] = {
    name: 'Messages are delayed',
    impact: 'minor',
    status: 'identified',
    cause: 'network_congestion',
    message: 'A router is congested: p95 > 800 ms & rising. @everyone',
    components: ['messaging', 'calls'],
    componentStatuses: { messaging: 'major_outage', calls: 'degraded_performance' },
  };
  const responder = slackActor('U0RESPOND');

  it('previews the announcement per language and platform, and sends and records nothing', async () => {
    const preview = await t.app.authoring.preview({ fields });
    if (!preview.ok) throw new Error(preview.error);
    expect(preview.locales.map((l) => l.locale)).toEqual(['en', 'de']);
    const [en, de] = preview.locales;
    // The component statuses the draft sets, and the severity they make (a major outage: critical).
    expect(en!.model.title).toBe('Chatter · Critical incident · Identified');
    expect(en!.model.fields[0]).toEqual({ label: 'Affected', value: 'Messaging (Major outage) and Calls (Degraded performance)' });
    expect(de!.model.fields[0]!.label).toBe('Betroffen');
    expect(de!.model.fields[0]!.value).toContain('Nachrichten');
    // The cause picked the advice.
    expect(en!.model.advice[0]).toMatch(/^Retry in a few minutes/);
    // Each platform's own rendering, escaped as delivery escapes it.
    expect(en!.slack.blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(en!.slack.blocks)).toContain('p95 &gt; 800 ms &amp; rising');
    expect(en!.discord.allowed_mentions).toEqual({ parse: [] });
    expect(en!.discord.embeds[0]!.title).toContain('Critical incident');
    expect(en!.telegram.text).toContain('p95 &gt; 800 ms &amp; rising');
    expect(en!.discord.embeds[0]!.description).not.toMatch(/(^|[^\u200b])@everyone/);
    expect(en!.machineTranslated).toBe(false);
    // Nothing went out, nothing was tracked.
    expect(await t.app.drained()).toBe(true);
    expect(t.consoleText()).not.toContain('Messages are delayed');
    expect(t.app.tracker.knownIncidents()).toEqual([]);
  });

  it('previews only the languages asked for', async () => {
    const preview = await t.app.authoring.preview({ fields }, ['de']);
    expect(preview.ok && preview.locales.map((l) => l.locale)).toEqual(['de']);
  });

  it('refuses a non-author at publish, and publishes nothing', async () => {
    await expect(t.app.authoring.publish({ fields }, slackActor('U0STRANGER'), 'slack channel C1')).rejects.toBeInstanceOf(
      NotAnAuthorError,
    );
    expect(t.app.tracker.knownIncidents()).toEqual([]);
  });

  let key = '';
  it('publishes through the pipeline: announced once, tracked, and audited with who, where, when and what', async () => {
    const published = await t.app.authoring.publish({ fields }, { ...responder, name: 'Ada' }, 'slack channel C0123');
    key = published.key;
    expect(published).toMatchObject({ action: 'opened', key: expect.stringMatching(/^manual:messages-are-delayed-/) });
    expect(await t.app.drained()).toBe(true);
    expect(t.app.tracker.incident(key)?.status).toBe('identified');
    expect(t.app.tracker.currentComponents().find((c) => c.id === 'messaging')?.status).toBe('major_outage');
    // One top-level post on the one target (the component changes edit it).
    expect(t.consoleText().match(/Critical incident · Identified/g)?.length).toBeGreaterThanOrEqual(1);
    const audit = await t.app.authoring.audit.of(key);
    expect(audit).toEqual([
      {
        incident: key,
        at: expect.any(String),
        action: 'opened',
        who: { platform: 'slack', id: 'U0RESPOND', name: 'Ada' },
        where: 'slack channel C0123',
        what: {
          status: 'identified',
          impact: 'minor',
          message: expect.stringContaining('router'),
          components: ['messaging', 'calls'],
          componentStatuses: { messaging: 'major_outage', calls: 'degraded_performance' },
        },
      },
    ]);
  });

  it('updates and resolves through the same draft model; the admin API is audited too', async () => {
    const update = await t.app.authoring.publish(
      { target: key, fields: { status: 'monitoring', message: 'Fix deployed.' } },
      responder,
      'slack channel C0123',
    );
    expect(update.action).toBe('updated');
    const res = await fetch(`${t.baseUrl}/api/incidents/${encodeURIComponent(key)}/updates`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'resolved', message: 'All good.' }),
    });
    expect(res.status).toBe(202);
    expect(await t.app.drained()).toBe(true);
    const audit = await t.app.authoring.audit.of(key);
    expect(audit.map((e) => [e.action, e.who.platform, e.where, e.what.status])).toEqual([
      ['opened', 'slack', 'slack channel C0123', 'identified'],
      ['updated', 'slack', 'slack channel C0123', 'monitoring'],
      ['resolved', 'api', 'admin API', 'resolved'],
    ]);
    expect(formatAuditLog(audit).split('\n')).toHaveLength(3);
  });

  it('never shows who on the public story', async () => {
    const everything = [
      await (await fetch(`${t.baseUrl}/api/status`)).text(),
      await (await fetch(`${t.baseUrl}/api/incidents/${encodeURIComponent(key)}`, { headers: { authorization: 'Bearer tok' } })).text(),
      t.consoleText(),
    ].join('\n');
    expect(everything).toContain('Fix deployed.');
    expect(everything).not.toMatch(/U0RESPOND|Ada|slack channel/);
  });

  it('`status-relay incident log <id>` prints the audit log from the store', async () => {
    const run = await runCli(['incident', 'log', key], { STORE_URL: t.storeUrl });
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /\topened\tidentified\tminor\tmessaging=major_outage,calls=degraded_performance\tAda \(slack U0RESPOND\)\tslack channel C0123\t/,
    );
    expect(lines[2]).toMatch(/\tresolved\tresolved\t.*\tapi ADMIN_API_TOKEN\tadmin API\t"All good\."$/);
    const none = await runCli(['incident', 'log', 'nothing-here'], { STORE_URL: t.storeUrl });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no audit log for "manual:nothing-here"');
  }, 30_000);
});

describe('drafts in the store', () => {
  it('survive a restart (another instance reads the same draft)', async () => {
    const first = await startTestApp(YAML);
    const now = new Date().toISOString();
    await first.app.authoring.drafts.put({
      surface: 'telegram',
      owner: '4242',
      fields: { name: 'Half written' },
      step: 'impact',
      createdAt: now,
      updatedAt: now,
    });
    await first.stop();
    const second = await startTestApp(YAML, { STORE_URL: first.storeUrl });
    try {
      expect(await second.app.authoring.drafts.get('telegram', '4242')).toMatchObject({ fields: { name: 'Half written' }, step: 'impact' });
      await second.app.authoring.drafts.delete('telegram', '4242');
      expect(await second.app.authoring.drafts.get('telegram', '4242')).toBeUndefined();
    } finally {
      await second.stop();
    }
  });
});

describe('the preview with i18n.translate configured', () => {
  let fake: TranslateFake;
  beforeAll(async () => void (fake = await startLibreTranslate('k')));
  afterAll(() => fake.close());

  it('shows what each language will get, machine translation included and marked', async () => {
    const t = await startTestApp(`${YAML}\ni18n: { translate: { provider: libretranslate, url: "${fake.url}", key: k } }`);
    try {
      const preview = await t.app.authoring.preview({ fields: { name: 'Messages are delayed', message: 'Looking into it.' } });
      if (!preview.ok) throw new Error(preview.error);
      const de = preview.locales.find((l) => l.locale === 'de')!;
      expect(de.machineTranslated).toBe(true);
      expect(de.model.headline).toBe('[de] Messages are delayed');
      expect(de.telegram.text).toContain('[de] Looking into it.');
    } finally {
      await t.stop();
    }
  });
});
