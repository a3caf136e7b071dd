import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ACK_DEADLINE_MS, SlackEmulator } from '../emulators/slack/server.ts';
import { postEvent, postSlashCommand } from '../emulators/slack/sign.ts';
import { TRIGGER_LIFETIME_MS, validateModal } from '../emulators/slack/views.ts';
import { startLibreTranslate, type TranslateFake } from '../emulators/translate/fakes.ts';
import { buttonsHtml, writeScreenshot } from '../helpers/screenshot.ts';
import { esc, slackHtml } from '../../src/authoring/web.ts';
import type { SlackPayload } from '../../src/adapters/slack/render.ts';

/**
 * Writing an incident in Slack, through bolt and the WebClient against the emulator: the slash
 * command opens the modal (views.open with the command's trigger_id), "Preview" answers with the
 * announcement per language in the modal (response_action update), "Publish" sends it through the
 * pipeline (announced on every target, once), Update and Resolve come to the responder alone and
 * open the modal pre-filled; a non-responder is refused at every step.
 */
const SECRET = 'test-signing-secret';
const YAML = `
service: { name: Chatter, locales: [en, de], timezone: UTC }
components:
  - { id: messaging, name: { en: Messaging, de: Nachrichten } }
  - { id: calls, name: { en: Voice and video calls, de: Sprach- und Videoanrufe } }
announce:
  - { platform: slack, channel: CENGLISH }
  - { platform: slack, channel: CGERMAN, locale: de }
authors:
  slack: [URESPONDER, S0ONCALL]
`;

describe('writing an incident in Slack', () => {
  let emu: SlackEmulator;
  let t: TestApp;
  let events: string;

  const slash = async (user: string, text: string, triggerAge = 0) => {
    const response_url = emu.responseUrl();
    const trigger_id = emu.trigger(user);
    if (triggerAge) emu.ageTrigger(trigger_id, triggerAge);
    const res = await postSlashCommand(events, SECRET, {
      command: '/statusrelay',
      text,
      user_id: user,
      channel_id: 'COPS',
      response_url,
      trigger_id,
    } as Parameters<typeof postSlashCommand>[2]);
    expect(res.status).toBe(200);
    return { response_url, trigger_id };
  };
  const answer = (url: string) => emu.waitFor(() => emu.responses.find((r) => url.endsWith(`/response/${r.id}`))?.body);
  const roots = (channel: string) => emu.messages.filter((m) => m.channel === channel && !m.thread_ts);
  const viewText = (user: string) => JSON.stringify(emu.openView(user)?.view.blocks ?? []);

  beforeAll(async () => {
    emu = await new SlackEmulator().start();
    // These tests judge what each step says and does; the two deadline tests below put Slack's 3 s back.
    emu.triggerLifetimeMs = 30_000;
    emu.ackDeadlineMs = 30_000;
    for (const id of ['CENGLISH', 'CGERMAN', 'COPS']) emu.channels.set(id, { id, creator: 'UADMIN' });
    emu.users.set('URESPONDER', { id: 'URESPONDER', locale: 'en-US' });
    emu.users.set('UONCALL', { id: 'UONCALL', locale: 'de-DE' });
    emu.users.set('USTRANGER', { id: 'USTRANGER', locale: 'de-DE' });
    emu.userGroups.set('S0ONCALL', ['UONCALL']);
    t = await startTestApp(YAML, { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: emu.apiUrl });
    events = `${t.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.stop();
  });

  it('the emulator holds views.open to Slack’s rules: a trigger_id once, within 3 s, and a valid modal', async () => {
    const call = (trigger_id: string, view: unknown) =>
      fetch(`${emu.apiUrl}views.open`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
        body: JSON.stringify({ trigger_id, view }),
      }).then((r) => r.json() as Promise<{ ok: boolean; error?: string; response_metadata?: { messages: string[] } }>);
    const modal = { type: 'modal', title: { type: 'plain_text', text: 'Hi' }, blocks: [] };
    expect((await call('nope', modal)).error).toBe('invalid_trigger_id');
    emu.triggerLifetimeMs = TRIGGER_LIFETIME_MS;
    const old = emu.trigger('U1');
    emu.ageTrigger(old, 3001);
    expect((await call(old, modal)).error).toBe('expired_trigger_id');
    emu.triggerLifetimeMs = 30_000;
    const fresh = emu.trigger('U1');
    const tooLong = await call(fresh, { ...modal, title: { type: 'plain_text', text: 'x'.repeat(25) } });
    expect(tooLong).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'] },
    });
    expect((await call(fresh, modal)).ok).toBe(true);
    expect((await call(fresh, modal)).error).toBe('exchanged_trigger_id');
    const input = {
      type: 'input',
      block_id: 'a',
      label: { type: 'plain_text', text: 'A' },
      element: { type: 'plain_text_input', action_id: 'a' },
    };
    expect(validateModal({ ...modal, blocks: [input] })).toEqual([
      '[ERROR] submit is required when an input block is within the blocks array [json-pointer:/view/submit]',
    ]);
    // datetimepicker: no placeholder, initial_date_time a UNIX time of 10 digits.
    const picker = (element: Record<string, unknown>) =>
      validateModal({
        ...modal,
        submit: { type: 'plain_text', text: 'Go' },
        blocks: [
          {
            type: 'input',
            block_id: 'w',
            label: { type: 'plain_text', text: 'W' },
            element: { type: 'datetimepicker', action_id: 'w', ...element },
          },
        ],
      });
    expect(picker({ initial_date_time: 1_906_000_000 })).toEqual([]);
    expect(picker({ initial_date_time: 1_906_000_000_000 })).toEqual([
      '[ERROR] must be a UNIX timestamp of 10 digits [json-pointer:/view/blocks/0/element/initial_date_time]',
    ]);
    expect(picker({ placeholder: { type: 'plain_text', text: 'When' } })).toEqual([
      '[ERROR] unsupported property "placeholder" [json-pointer:/view/blocks/0/element/placeholder]',
    ]);
    expect(validateModal({ ...modal, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) })).toContain(
      '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]',
    );
  });

  it('refuses a non-responder at the command, on the buttons and on a forged submission', async () => {
    const { response_url } = await slash('USTRANGER', 'incident');
    expect(((await answer(response_url)) as { text: string }).text).toMatch(/^Entschuldigung, nur die in der Konfiguration/);
    expect(emu.openView('USTRANGER')).toBeUndefined();
    const click = await emu.clickButton(events, SECRET, {
      user: 'USTRANGER',
      channel: 'COPS',
      action_id: 'sr_incident_resolve',
      value: 'manual:x',
    });
    expect(((await answer(click.response_url)) as { text: string }).text).toMatch(/^Entschuldigung/);
    expect(emu.openView('USTRANGER')).toBeUndefined();
    // A submission of a "Publish" view the stranger never got from us: refused in the modal, nothing published.
    const opened = await fetch(`${emu.apiUrl}views.open`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
      body: JSON.stringify({
        trigger_id: emu.trigger('USTRANGER'),
        view: {
          type: 'modal',
          callback_id: 'sr_incident',
          private_metadata: JSON.stringify({ s: 'preview', k: 'incident', c: 'COPS' }),
          title: { type: 'plain_text', text: 'Forged' },
          submit: { type: 'plain_text', text: 'Publish' },
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }],
        },
      }),
    });
    expect(((await opened.json()) as { ok: boolean }).ok).toBe(true);
    const forged = await emu.submitView(events, SECRET, 'USTRANGER');
    expect(forged.answer.response_action).toBe('update');
    expect(viewText('USTRANGER')).toContain('Entschuldigung');
    expect(t.app.tracker.knownIncidents()).toEqual([]);
  });

  it('an expired trigger_id is Slack’s refusal, not a modal', async () => {
    const before = emu.calls.filter((c) => c.method === 'views.open').length;
    await slash('URESPONDER', 'incident', emu.triggerLifetimeMs + 500);
    await emu.waitFor(() => emu.calls.filter((c) => c.method === 'views.open').length > before);
    expect(emu.calls.filter((c) => c.method === 'views.open').at(-1)?.error).toBe('expired_trigger_id');
    expect(emu.openView('URESPONDER')).toBeUndefined();
  });

  let key = '';
  it('declares: the modal, the preview in both languages inside it, publish — announced once on every target', async () => {
    await slash('URESPONDER', 'incident');
    const view = await emu.waitFor(() => emu.openView('URESPONDER'));
    expect(validateModal(view.view)).toEqual([]);
    expect(view.view.title).toMatchObject({ text: 'New incident' });
    expect(viewText('URESPONDER')).toContain('Voice and video calls');

    // Slack itself refuses a submission whose required title is empty.
    expect((await emu.submitView(events, SECRET, 'URESPONDER', { status: 'identified' })).refusedBySlack).toEqual(['name']);

    const previewed = await emu.submitView(events, SECRET, 'URESPONDER', {
      name: 'Messages are delayed',
      status: 'identified',
      impact: 'major',
      cause: 'network_congestion',
      'c:messaging': 'major_outage',
      'c:calls': 'degraded_performance',
      message: 'A router is congested <!channel> @here',
    });
    expect(previewed.answer.response_action).toBe('update');
    const preview = viewText('URESPONDER');
    expect(emu.openView('URESPONDER')!.view.submit).toMatchObject({ text: 'Publish' });
    expect(preview).toContain('English');
    expect(preview).toContain('German');
    expect(preview).toContain('Chatter · Critical incident · Identified');
    expect(preview).toContain('Chatter · Kritische Störung · Ursache erkannt');
    expect(preview).toContain('Nachrichten (Großflächiger Ausfall)');
    // Escaped as the announcement will be: no mention can come out of the text.
    expect(preview).toContain('&lt;!channel&gt;');
    expect(emu.mentions).toEqual([]);
    expect(roots('CENGLISH')).toEqual([]);
    const shown = emu.openView('URESPONDER')!.view as {
      title: { text: string };
      submit: { text: string };
      close: { text: string };
      blocks: SlackPayload['blocks'];
    };
    await writeScreenshot(
      'slack',
      'Slack: the preview inside the modal',
      `<div class="card slack"><h2>${esc(shown.title.text)}</h2>${slackHtml({ text: '', blocks: shown.blocks })}${buttonsHtml([shown.close.text, shown.submit.text])}</div>`,
    );

    const published = await emu.submitView(events, SECRET, 'URESPONDER');
    expect(published.answer).toEqual({ response_action: 'clear' });
    expect(emu.openView('URESPONDER')).toBeUndefined();
    await t.app.drained();
    await emu.waitFor(() => roots('CENGLISH')[0] && roots('CGERMAN')[0]);
    expect(roots('CENGLISH')).toHaveLength(1);
    expect(roots('CGERMAN')).toHaveLength(1);
    expect(roots('CGERMAN')[0]!.text).toContain('Kritische Störung');
    // The controls come to the responder alone.
    const controls = await emu.waitFor(() => emu.ephemerals.find((e) => e.user === 'URESPONDER'));
    expect(controls.channel).toBe('COPS');
    const buttons = (controls.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find(
      (b) => b.type === 'actions',
    )!.elements!;
    expect(buttons.map((b) => b.action_id)).toEqual(['sr_incident_update', 'sr_incident_resolve']);
    key = buttons[0]!.value;
    expect(t.app.tracker.incident(key)).toMatchObject({ name: 'Messages are delayed', status: 'identified' });
  }, 30_000);

  it('a member of a responder user group updates from the button: the modal comes pre-filled', async () => {
    await emu.clickButton(events, SECRET, { user: 'UONCALL', channel: 'COPS', action_id: 'sr_incident_update', value: key });
    const view = await emu.waitFor(() => emu.openView('UONCALL'));
    expect(view.view.title).toMatchObject({ text: 'Aktualisieren' });
    expect(viewText('UONCALL')).toContain('Messages are delayed');
    const blocks = view.view.blocks as { block_id?: string; element?: { initial_option?: { value: string } } }[];
    expect(blocks.find((b) => b.block_id === 'status')!.element!.initial_option!.value).toBe('identified');
    expect(blocks.find((b) => b.block_id === 'c:messaging')!.element!.initial_option!.value).toBe('major_outage');
    await emu.submitView(events, SECRET, 'UONCALL', {
      status: 'monitoring',
      'c:messaging': 'degraded_performance',
      message: 'Traffic moved.',
    });
    expect(viewText('UONCALL')).toContain('Wird beobachtet');
    await emu.submitView(events, SECRET, 'UONCALL');
    await t.app.drained();
    expect(t.app.tracker.incident(key)?.status).toBe('monitoring');
    expect(roots('CENGLISH')).toHaveLength(1);
  }, 30_000);

  it('App Home lists the open incidents with Update / Resolve for responders, and not for others', async () => {
    for (const user of ['URESPONDER', 'USTRANGER']) {
      expect((await postEvent(events, SECRET, { type: 'app_home_opened', user, tab: 'home', channel: `D${user}` })).status).toBe(200);
      await emu.waitFor(() => emu.homeViews.get(user));
    }
    const home = JSON.stringify(emu.homeViews.get('URESPONDER'));
    expect(home).toContain('Messages are delayed');
    expect(home).toContain(`"action_id":"sr_incident_update","text":{"type":"plain_text","text":"Update","emoji":true},"value":"${key}"`);
    expect(JSON.stringify(emu.homeViews.get('USTRANGER'))).not.toContain('sr_incident_update');
  });

  it('resolves from the button; the story stays one post per channel; the audit log says who', async () => {
    await emu.clickButton(events, SECRET, { user: 'URESPONDER', channel: 'COPS', action_id: 'sr_incident_resolve', value: key });
    const view = await emu.waitFor(() => emu.openView('URESPONDER'));
    const blocks = view.view.blocks as { block_id?: string; element?: { initial_option?: { value: string } } }[];
    expect(blocks.find((b) => b.block_id === 'status')!.element!.initial_option!.value).toBe('resolved');
    await emu.submitView(events, SECRET, 'URESPONDER', { message: 'All good again.' });
    expect(viewText('URESPONDER')).toContain('Resolved after');
    await emu.submitView(events, SECRET, 'URESPONDER');
    await t.app.drained();
    expect(t.app.tracker.incident(key)?.status).toBe('resolved');
    await emu.waitFor(() => emu.messages.some((m) => m.channel === 'CENGLISH' && m.thread_ts && m.text.includes('Resolved')));
    expect(roots('CENGLISH')).toHaveLength(1);
    expect(roots('CGERMAN')).toHaveLength(1);
    const audit = await t.app.authoring.audit.of(key);
    expect(audit.map((e) => [e.action, e.who.id, e.where])).toEqual([
      ['opened', 'URESPONDER', 'slack channel COPS'],
      ['updated', 'UONCALL', 'slack channel COPS'],
      ['resolved', 'URESPONDER', 'slack channel COPS'],
    ]);
    expect(emu.messages.map((m) => m.text).join('\n')).not.toMatch(/URESPONDER|UONCALL/);
    expect(
      emu
        .rejected()
        .filter(
          (c) =>
            c.error !== 'expired_trigger_id' &&
            c.error !== 'invalid_trigger_id' &&
            c.error !== 'exchanged_trigger_id' &&
            c.error !== 'invalid_arguments',
        ),
    ).toEqual([]);
  }, 30_000);

  it('schedules a maintenance: datetimepickers for the window, a bad window refused on the field, the announcement shows it', async () => {
    const before = { en: roots('CENGLISH').length, de: roots('CGERMAN').length };
    await slash('URESPONDER', 'maintenance');
    const view = await emu.waitFor(() => emu.openView('URESPONDER'));
    expect(validateModal(view.view)).toEqual([]);
    expect(view.view.title).toMatchObject({ text: 'New maintenance' });
    const blocks = view.view.blocks as { block_id?: string; label?: { text: string }; element?: Record<string, unknown> }[];
    expect(blocks.filter((b) => b.element?.type === 'datetimepicker').map((b) => [b.block_id, b.label?.text, b.element])).toEqual([
      ['scheduledFor', 'Window starts', { type: 'datetimepicker', action_id: 'scheduledFor' }],
      ['scheduledUntil', 'Window ends', { type: 'datetimepicker', action_id: 'scheduledUntil' }],
    ]);
    const start = Date.UTC(2030, 5, 1, 22, 0) / 1000;
    const fields = { name: 'Database upgrade', status: 'scheduled', message: 'Messages may be slow for a few minutes.' };
    // Slack itself refuses a submission without the window (the pickers are required).
    expect((await emu.submitView(events, SECRET, 'URESPONDER', fields)).refusedBySlack).toEqual(['scheduledFor', 'scheduledUntil']);
    // An end before the start: refused on the field, in the responder's language; the modal stays the form.
    const bad = await emu.submitView(events, SECRET, 'URESPONDER', { ...fields, scheduledFor: start, scheduledUntil: start - 3600 });
    expect(bad.answer).toEqual({
      response_action: 'errors',
      errors: { scheduledUntil: 'The window must end after it starts. Please send it again.' },
    });
    expect(emu.openView('URESPONDER')!.view.submit).toMatchObject({ text: 'Preview' });
    expect(await t.app.authoring.drafts.get('slack', 'URESPONDER')).toMatchObject({ fields: { kind: 'maintenance' } });

    const previewed = await emu.submitView(events, SECRET, 'URESPONDER', { ...fields, scheduledFor: start, scheduledUntil: start + 7200 });
    expect(previewed.answer.response_action).toBe('update');
    const preview = viewText('URESPONDER');
    expect(preview).toContain('Scheduled');
    expect(preview).toContain('Jun 1, 2030, 10:00 PM UTC – Jun 2, 2030, 12:00 AM UTC');
    await emu.submitView(events, SECRET, 'URESPONDER');
    await t.app.drained();
    await emu.waitFor(() => roots('CENGLISH').length > before.en && roots('CGERMAN').length > before.de);
    expect(roots('CENGLISH')).toHaveLength(before.en + 1);
    const announced = JSON.stringify(roots('CENGLISH').at(-1));
    expect(announced).toContain('Database upgrade');
    expect(announced).toContain('Jun 1, 2030, 10:00 PM UTC – Jun 2, 2030, 12:00 AM UTC');
    expect(JSON.stringify(roots('CGERMAN').at(-1))).toContain('1. Juni 2030, 22:00 UTC – 2. Juni 2030, 00:00 UTC');
    const incident = t.app.tracker.openIncidents().find((i) => i.name === 'Database upgrade');
    expect(incident).toMatchObject({
      kind: 'maintenance',
      scheduledFor: '2030-06-01T22:00:00.000Z',
      scheduledUntil: '2030-06-02T00:00:00.000Z',
    });
  }, 30_000);
});

describe('writing an incident in Slack while machine translation is slow', () => {
  let emu: SlackEmulator;
  let fake: TranslateFake;
  let t: TestApp;
  let events: string;
  beforeAll(async () => {
    emu = await new SlackEmulator().start();
    emu.channels.set('COPS', { id: 'COPS', creator: 'UADMIN' });
    emu.users.set('URESPONDER', { id: 'URESPONDER', locale: 'en-US' });
    fake = await startLibreTranslate('k');
    fake.mode = 'hang';
    t = await startTestApp(`${YAML}\ni18n: { translate: { provider: libretranslate, url: "${fake.url}", key: k, timeout: 2500ms } }`, {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: emu.apiUrl,
    });
    events = `${t.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
    await emu?.stop();
  });

  it('answers the submission within Slack’s 3 s, then updates the modal with the preview', async () => {
    emu.ackDeadlineMs = ACK_DEADLINE_MS;
    await postSlashCommand(events, SECRET, {
      command: '/statusrelay',
      text: 'incident',
      user_id: 'URESPONDER',
      channel_id: 'COPS',
      response_url: emu.responseUrl(),
      trigger_id: emu.trigger('URESPONDER'),
    } as Parameters<typeof postSlashCommand>[2]);
    await emu.waitFor(() => emu.openView('URESPONDER'));
    const answered = await emu.submitView(events, SECRET, 'URESPONDER', {
      name: 'Messages are delayed',
      status: 'investigating',
      impact: 'major',
    });
    expect(answered.late).toBeUndefined();
    expect(JSON.stringify(emu.openView('URESPONDER')!.view.blocks)).toContain('Preparing the preview in every language');
    // The translation gave up (the original text is shown); the preview replaces the notice.
    await emu.waitFor(() => emu.calls.find((c) => c.method === 'views.update' && c.ok), 20_000);
    expect(emu.openView('URESPONDER')!.view.submit).toMatchObject({ text: 'Publish' });
    expect(JSON.stringify(emu.openView('URESPONDER')!.view.blocks)).toContain('Größere Störung');
  }, 30_000);
});
