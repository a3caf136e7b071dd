import { afterEach, describe, expect, it } from 'vitest';
import { GROUP, USERS, startHarness, type Harness, refusals } from '../emulators/telegram/harness.ts';

/** Webhook mode on our own HTTP server, and charts through sendPhoto. */
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('telegram webhook mode', () => {
  it('calls setWebhook at start and takes updates on POST /telegram/webhook only with the secret token', async () => {
    h = await startHarness({ TELEGRAM_WEBHOOK_URL: 'https://relay.example.com', TELEGRAM_WEBHOOK_SECRET: 'webhook_secret-42' });
    const { emu } = h;
    expect(emu.world.webhook).toEqual({
      url: 'https://relay.example.com/telegram/webhook',
      secret: 'webhook_secret-42',
      allowed: ['message', 'channel_post', 'callback_query'],
    });
    // The public URL is a reverse proxy in front of our server.
    emu.webhookOverride = `${h.app.baseUrl}/telegram/webhook`;

    const answer = await h.command(USERS.bob, GROUP, '/status@status_relay_bot');
    expect(answer.text).toContain('Chatter · All systems operational');
    await emu.waitFor(() => emu.world.webhookDeliveries.at(-1)?.status === 200, 'the webhook 200');

    const forged = {
      update_id: 9_999,
      message: {
        message_id: 99,
        date: 0,
        chat: { id: GROUP, type: 'supergroup', title: 'x' },
        from: { id: 1, is_bot: false, first_name: 'M' },
        text: '/status',
        entities: [{ type: 'bot_command', offset: 0, length: 7 }],
      },
    };
    const before = emu.sent(GROUP).length;
    expect(await emu.postToWebhook(forged, 'wrong', emu.webhookOverride)).toBe(401);
    expect(await emu.postToWebhook(forged, undefined, emu.webhookOverride)).toBe(401);
    expect(emu.sent(GROUP)).toHaveLength(before);
    expect(refusals(emu)).toEqual([]);
  });
});

describe('telegram charts', () => {
  it('sends /kpi with a chart as a photo whose caption stays within 1024 characters', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    h = await startHarness({}, undefined, {
      kpi: {
        figures: async () => ({
          window: '24h',
          uptimePercent: 99.5,
          errorRatePercent: 1.25,
          responseP50Ms: 120,
          responseP95Ms: 900,
          latencyP95Ms: 300,
        }),
        chart: async () => png,
      },
    });
    const photo = await h.command(USERS.carol, USERS.carol.id, '/kpi 24h');
    expect(photo.isPhoto).toBe(true);
    expect(photo.photoBytes).toBe(png.length);
    expect(photo.text).toContain('Key numbers (24 h)');
    expect(photo.text.length).toBeLessThanOrEqual(1024);
    expect(refusals(h.emu)).toEqual([]);
  });
});
