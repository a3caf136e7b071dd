import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { SlackEmulator } from '../emulators/slack/server.ts';
import { ConfigError } from '../../src/core/errors.ts';

const YAML = `
service: { name: Chatter, locales: [en, zh-CN] }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
`;

describe('Slack in Socket Mode (SLACK_APP_TOKEN)', () => {
  let emu: SlackEmulator;
  let t: TestApp;

  beforeAll(async () => {
    emu = await new SlackEmulator().start();
    emu.users.set('UZH', { id: 'UZH', locale: 'zh-CN' });
    t = await startTestApp(YAML, { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-test', SLACK_API_URL: emu.apiUrl });
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.stop();
  });

  it('opens the WebSocket through SLACK_API_URL and serves no /slack/events route', async () => {
    expect(emu.calls.some((c) => c.method === 'apps.connections.open' && c.ok)).toBe(true);
    expect(emu.socketCount).toBe(1);
    expect(t.app.adapters.get('slack')!.state()).toBe('connected');
    expect((await fetch(`${t.baseUrl}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it('acks a slash command envelope and answers through respond(), in the user’s Slack language', async () => {
    const response_url = emu.responseUrl();
    const ack = await emu.sendEnvelope('slash_commands', {
      command: '/statusrelay',
      text: 'subscribe messaging',
      user_id: 'UZH',
      channel_id: 'C1',
      team_id: 'T0EMU',
      response_url,
      trigger_id: 't',
    });
    expect(ack).toBeDefined();
    const body = await emu.waitFor(() => emu.responses.find((r) => response_url.endsWith(`/response/${r.id}`))?.body);
    expect(body.response_type).toBe('ephemeral');
    expect(JSON.stringify(body.blocks)).toMatch(/[\u4e00-\u9fff]/);
    expect(await t.app.store.namespace('subscriptions').get('slack:UZH')).toMatchObject({ components: ['messaging'] });
  });

  it('stops start-up with one line naming SLACK_APP_TOKEN when apps.connections.open refuses it', async () => {
    const bad = await startTestApp(
      YAML,
      { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-revoked', SLACK_API_URL: emu.apiUrl },
      { start: false },
    );
    try {
      const err = await bad.app.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).setting).toBe('SLACK_APP_TOKEN');
      expect((err as Error).message).not.toContain('xapp-revoked');
      expect(bad.app.adapters.get('slack')!.state()).toBe('down');
    } finally {
      await bad.stop();
    }
  });
});
