import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { TelegramEmulator, type EmuMessage, type EmuUser } from '../emulators/telegram/server.ts';
import { buttonsHtml, writeScreenshot } from '../helpers/screenshot.ts';
import { telegramHtml } from '../../src/authoring/web.ts';

/**
 * Writing an incident in a private chat with the bot, through telegraf against the Telegram
 * emulator: a responder declares, previews in two languages, publishes (announced on the channel
 * once), updates and resolves from the buttons; a non-responder is refused at every step; the
 * app restarts in the middle of the flow and the flow goes on.
 */
const RESPONDER: EmuUser = { id: 111, first_name: 'Alice', username: 'alice', language_code: 'en' };
const STRANGER: EmuUser = { id: 222, first_name: 'Bob', language_code: 'zh-hans' };
const CHANNEL = -1002000000002;
const GROUP = -1001000000001;

const YAML = `
service:
  name: Chatter
  locales: [en, zh-CN]
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
  - { id: calls, name: { en: Voice and video calls, zh-CN: 语音和视频通话 } }
announce:
  - { platform: telegram, chat: "${CHANNEL}", locale: zh-CN }
authors:
  telegram: [${RESPONDER.id}]
`;

describe('writing an incident on Telegram', () => {
  const emu = new TelegramEmulator();
  let app: TestApp;
  let storeUrl: string;
  const start = async () => {
    app = await startTestApp(YAML, {
      TELEGRAM_BOT_TOKEN: emu.token,
      TELEGRAM_API_ROOT: emu.apiRoot,
      ...(storeUrl ? { STORE_URL: storeUrl } : {}),
    });
    storeUrl = app.storeUrl;
  };
  beforeAll(async () => {
    await emu.start();
    emu.addUser(RESPONDER);
    emu.addUser(STRANGER);
    emu.addChannel(CHANNEL, 'Chatter status', 'chatter_status');
    emu.addGroup(GROUP, 'Chatter ops', { members: { [RESPONDER.id]: 'member' } });
    await start();
  });
  afterAll(async () => {
    await app.stop();
    await emu.stop();
  });

  /** The bot's next message in a chat after `before` of them; with a keyboard when `keyboard`. */
  const nextFrom = (chatId: number, before: number, what: string): Promise<EmuMessage> => emu.waitFor(() => emu.sent(chatId)[before], what);
  const says = async (user: EmuUser, text: string): Promise<EmuMessage> => {
    const before = emu.sent(user.id).length;
    emu.userSays(user, user.id, text);
    return nextFrom(user.id, before, `the answer to "${text}"`);
  };
  const press = async (user: EmuUser, message: EmuMessage, data: string) => {
    const before = emu.sent(user.id).length;
    const answer = await emu.pressButton(user, message, data);
    return { answer, before };
  };
  const buttons = (m: EmuMessage): { text: string; callback_data?: string }[] =>
    ((m.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined)?.inline_keyboard ?? []).flat();
  /** The responder writes the message; resolves with the confirmation (its keyboard) and every text the bot sent since. */
  const writeMessage = async (text: string) => {
    const before = emu.sent(RESPONDER.id).length;
    emu.userSays(RESPONDER, RESPONDER.id, text);
    const confirm = await emu.waitFor(
      () =>
        emu
          .sent(RESPONDER.id)
          .slice(before)
          .find((m) => buttons(m).length > 0),
      'the confirmation',
    );
    return {
      confirm,
      shown: emu
        .sent(RESPONDER.id)
        .slice(before)
        .map((m) => m.text),
    };
  };
  const channelRoots = () => emu.sent(CHANNEL).filter((m) => m.replyTo === undefined);

  it('refuses a non-responder politely, in their language, at the start and on every button', async () => {
    const refusal = await says(STRANGER, '/incident');
    expect(refusal.text).toContain('抱歉，只有机器人配置（authors）中列出的响应人员才能编写事件');
    const forged = await emu.pressButton(STRANGER, refusal, 'ai:p');
    expect(forged).toEqual({ text: expect.stringContaining('抱歉'), show_alert: true });
    const forgedEdit = await emu.pressButton(STRANGER, refusal, 'ai:r:anything');
    expect(forgedEdit.show_alert).toBe(true);
    expect(await app.app.authoring.drafts.get('telegram', String(STRANGER.id))).toBeUndefined();
    // In a group the responder is sent to the private chat: incidents are not drafted in public.
    const before = emu.sent(GROUP).length;
    emu.userSays(RESPONDER, GROUP, '/incident');
    const inGroup = await nextFrom(GROUP, before, 'the answer in the group');
    expect(inGroup.text).toContain('Please write incidents in a private chat with me.');
    expect(await app.app.authoring.drafts.get('telegram', String(RESPONDER.id))).toBeUndefined();
  });

  let incidentId = '';
  it('declares: title, impact, status, components on keyboards; survives a restart in the middle', async () => {
    const askTitle = await says(RESPONDER, '/incident');
    expect(askTitle.text).toContain('New incident. What is its title?');
    const askImpact = await says(RESPONDER, 'Messages are delayed');
    expect(buttons(askImpact).map((b) => b.callback_data)).toEqual(['ai:i:minor', 'ai:i:major', 'ai:i:critical']);
    // The stranger cannot press the responder's buttons either.
    expect((await emu.pressButton(STRANGER, askImpact, 'ai:i:critical')).show_alert).toBe(true);
    let { before } = await press(RESPONDER, askImpact, 'ai:i:major');
    const askStatus = await nextFrom(RESPONDER.id, before, 'the status question');
    expect(buttons(askStatus).map((b) => b.text)).toEqual(['Investigating', 'Identified', 'Monitoring', 'Resolved', 'Postmortem']);
    ({ before } = await press(RESPONDER, askStatus, 'ai:s:identified'));
    const askComponents = await nextFrom(RESPONDER.id, before, 'the components question');
    expect(buttons(askComponents).map((b) => b.text)).toEqual(['Messaging: Not affected', 'Voice and video calls: Not affected', 'Done']);
    for (let i = 0; i < 3; i++) await press(RESPONDER, askComponents, 'ai:c:0');
    await press(RESPONDER, askComponents, 'ai:c:1');
    // Answers are paced per chat: the edited keyboard arrives shortly after the last press.
    const labels = () => buttons(emu.sent(RESPONDER.id).find((m) => m.message_id === askComponents.message_id)!).map((b) => b.text);
    await emu.waitFor(() => labels()[1] === 'Voice and video calls: Degraded performance', 'the edited keyboard');
    expect(labels()).toEqual(['Messaging: Major outage', 'Voice and video calls: Degraded performance', 'Done']);

    // A restart (deploy, crash) in the middle: the draft is in the store, the old keyboard still works.
    await app.stop();
    await start();
    ({ before } = await press(RESPONDER, askComponents, 'ai:d'));
    const askMessage = await nextFrom(RESPONDER.id, before, 'the message question after the restart');
    expect(askMessage.text).toContain('What should users read?');

    // Previews in both languages, then Publish / Cancel; nothing announced yet.
    const { confirm, shown } = await writeMessage('A router is congested; we are moving traffic. @everyone <b>x</b>');
    expect(shown[0]).toContain('Preview — nothing has been sent yet');
    expect(shown[1]).toContain('Chatter · Critical incident · Identified');
    expect(shown[1]).toContain('Messaging (Major outage) and Voice and video calls (Degraded performance)');
    expect(shown[2]).toContain('Chatter · 严重事件');
    expect(shown[2]).toContain('消息');
    expect(shown[1]).toContain('A router is congested');
    expect(buttons(confirm).map((b) => b.callback_data)).toEqual(['ai:p', 'ai:x']);
    expect(emu.sent(CHANNEL)).toEqual([]);
    await writeScreenshot(
      'telegram',
      'Telegram: the preview in a private chat with the bot',
      emu
        .sent(RESPONDER.id)
        .slice(before)
        .map(
          (m) =>
            `<div class="card"><p>${telegramHtml({ text: m.raw, parse_mode: 'HTML', link_preview_options: { is_disabled: true } })}</p>${buttonsHtml(buttons(m).map((b) => b.text))}</div>`,
        )
        .join(''),
    );

    ({ before } = await press(RESPONDER, confirm, 'ai:p'));
    const published = await nextFrom(RESPONDER.id, before, 'the publish confirmation');
    expect(published.text).toContain('Published: Messages are delayed');
    const [update, resolve] = buttons(published);
    expect(update!.text).toBe('Update');
    expect(resolve!.text).toBe('Resolve');
    incidentId = update!.callback_data!.slice('ai:u:'.length);
    await app.app.drained();
    await emu.waitFor(() => channelRoots()[0], 'the announcement on the channel');
    expect(channelRoots()).toHaveLength(1);
    expect(channelRoots()[0]!.text).toContain('严重事件');
    expect(app.app.tracker.incident(`manual:${incidentId}`)).toMatchObject({ name: 'Messages are delayed', status: 'identified' });
    expect(await app.app.authoring.drafts.get('telegram', String(RESPONDER.id))).toBeUndefined();
  }, 60_000);

  it('updates and resolves from the buttons; the channel keeps one post; the audit log says who', async () => {
    const published = emu.sent(RESPONDER.id).findLast((m) => buttons(m).some((b) => b.callback_data === `ai:u:${incidentId}`))!;
    let { before } = await press(RESPONDER, published, `ai:u:${incidentId}`);
    const askStatus = await emu.waitFor(
      () =>
        emu
          .sent(RESPONDER.id)
          .slice(before)
          .find((m) => buttons(m).length > 0),
      'the status question',
    );
    ({ before } = await press(RESPONDER, askStatus, 'ai:s:monitoring'));
    const askComponents = await nextFrom(RESPONDER.id, before, 'the components');
    expect(buttons(askComponents)[0]!.text).toBe('Messaging: Major outage');
    await press(RESPONDER, askComponents, 'ai:c:0');
    await press(RESPONDER, askComponents, 'ai:c:0');
    ({ before } = await press(RESPONDER, askComponents, 'ai:d'));
    await nextFrom(RESPONDER.id, before, 'the message question');
    const { confirm, shown } = await writeMessage('Traffic moved; watching.');
    expect(shown[1]).toContain('Monitoring');
    ({ before } = await press(RESPONDER, confirm, 'ai:p'));
    const updated = await nextFrom(RESPONDER.id, before, 'published');
    await app.app.drained();
    expect(app.app.tracker.incident(`manual:${incidentId}`)?.status).toBe('monitoring');

    ({ before } = await press(RESPONDER, updated, `ai:r:${incidentId}`));
    const askClosing = await emu.waitFor(
      () =>
        emu
          .sent(RESPONDER.id)
          .slice(before)
          .find((m) => m.text.includes('What should users read?')),
      'the closing words',
    );
    expect(askClosing).toBeDefined();
    const { confirm: confirmResolve, shown: shownResolve } = await writeMessage('All good again.');
    expect(shownResolve[1]).toContain('Resolved');
    ({ before } = await press(RESPONDER, confirmResolve, 'ai:p'));
    const done = await nextFrom(RESPONDER.id, before, 'published');
    expect(buttons(done)).toEqual([]);
    await app.app.drained();
    expect(app.app.tracker.incident(`manual:${incidentId}`)?.status).toBe('resolved');
    await emu.waitFor(() => emu.sent(CHANNEL).find((m) => m.text.includes('已解决')), 'the resolution on the channel');
    // One story: one top-level post, the rest replies to it.
    expect(channelRoots()).toHaveLength(1);
    const audit = await app.app.authoring.audit.of(`manual:${incidentId}`);
    expect(audit.map((e) => [e.action, e.who.id, e.who.name, e.where])).toEqual([
      ['opened', '111', '@alice', 'telegram private chat 111'],
      ['updated', '111', '@alice', 'telegram private chat 111'],
      ['resolved', '111', '@alice', 'telegram private chat 111'],
    ]);
    expect(
      emu
        .sent(CHANNEL)
        .map((m) => m.text)
        .join('\n'),
    ).not.toContain('alice');
  }, 60_000);

  it('schedules a maintenance: the window in the responder’s time zone, a bad one refused and asked again', async () => {
    // The responder's time zone is the one of their quiet hours.
    expect((await says(RESPONDER, '/subscribe quiet 23:00-06:00 Europe/Berlin')).text).toContain('Europe/Berlin');
    await says(RESPONDER, '/maintenance');
    const askWindow = await says(RESPONDER, 'Database upgrade');
    expect(askWindow.text).toContain('When is the maintenance window?');
    expect(askWindow.text).toContain('(times in Europe/Berlin)');
    const channelBefore = emu.sent(CHANNEL).length;

    // Not a window: said, and asked again; then an end before its start, in the reader's language.
    let before = emu.sent(RESPONDER.id).length;
    emu.userSays(RESPONDER, RESPONDER.id, 'tomorrow night');
    await emu.waitFor(() => emu.sent(RESPONDER.id)[before + 1], 'the refusal and the question');
    expect(emu.sent(RESPONDER.id)[before]!.text).toContain('I could not read a start and an end in that');
    expect(emu.sent(RESPONDER.id)[before + 1]!.text).toContain('When is the maintenance window?');
    before = emu.sent(RESPONDER.id).length;
    emu.userSays(RESPONDER, RESPONDER.id, '2030-06-02 02:00 – 2030-06-01 23:00');
    await emu.waitFor(() => emu.sent(RESPONDER.id)[before + 1], 'the refusal and the question');
    expect(emu.sent(RESPONDER.id)[before]!.text).toContain('The window must end after it starts.');
    expect((await app.app.authoring.drafts.get('telegram', String(RESPONDER.id)))?.step).toBe('window');

    const askStatus = await says(RESPONDER, '2030-06-02 00:00 – 02:00');
    expect(await app.app.authoring.drafts.get('telegram', String(RESPONDER.id))).toMatchObject({
      fields: { scheduledFor: '2030-06-01T22:00:00.000Z', scheduledUntil: '2030-06-02T00:00:00.000Z' },
    });
    ({ before } = await press(RESPONDER, askStatus, 'ai:s:scheduled'));
    const askComponents = await nextFrom(RESPONDER.id, before, 'the components');
    ({ before } = await press(RESPONDER, askComponents, 'ai:d'));
    await nextFrom(RESPONDER.id, before, 'the message question');
    const { confirm, shown } = await writeMessage('Messages may be slow for a few minutes.');
    expect(shown[1]).toContain('Jun 1, 2030, 10:00 PM UTC – Jun 2, 2030, 12:00 AM UTC');
    expect(emu.sent(CHANNEL)).toHaveLength(channelBefore);
    ({ before } = await press(RESPONDER, confirm, 'ai:p'));
    expect((await nextFrom(RESPONDER.id, before, 'published')).text).toContain('Published: Database upgrade');
    await app.app.drained();
    const announced = await emu.waitFor(() => emu.sent(CHANNEL)[channelBefore], 'the maintenance on the channel');
    expect(announced.text).toContain('计划时间: 2030年6月1日 UTC 22:00 – 2030年6月2日 UTC 00:00');
    expect(app.app.tracker.openIncidents().find((i) => i.name === 'Database upgrade')).toMatchObject({
      kind: 'maintenance',
      scheduledFor: '2030-06-01T22:00:00.000Z',
      scheduledUntil: '2030-06-02T00:00:00.000Z',
    });
    await says(RESPONDER, '/subscribe quiet off');
  }, 60_000);

  it('abandons a draft left without an answer, and Cancel drops one', async () => {
    await says(RESPONDER, '/incident');
    const draft = (await app.app.authoring.drafts.get('telegram', String(RESPONDER.id)))!;
    await app.app.authoring.drafts.put({ ...draft, updatedAt: new Date(Date.now() - 31 * 60_000).toISOString() });
    const abandoned = await says(RESPONDER, 'Too late');
    expect(abandoned.text).toContain('abandoned after 30 minutes');
    expect(await app.app.authoring.drafts.get('telegram', String(RESPONDER.id))).toBeUndefined();

    await says(RESPONDER, '/maintenance');
    expect((await says(RESPONDER, 'Database upgrade')).text).toContain('When is the maintenance window?');
    const askStatus = await says(RESPONDER, '2030-06-01 22:00 – 23:00');
    expect(buttons(askStatus).map((b) => b.callback_data)).toEqual([
      'ai:s:scheduled',
      'ai:s:in_progress',
      'ai:s:verifying',
      'ai:s:completed',
    ]);
    const { before } = await press(RESPONDER, askStatus, 'ai:x');
    expect((await nextFrom(RESPONDER.id, before, 'cancelled')).text).toContain('Cancelled: nothing was published.');
    expect(await app.app.authoring.drafts.get('telegram', String(RESPONDER.id))).toBeUndefined();
  }, 60_000);
});
