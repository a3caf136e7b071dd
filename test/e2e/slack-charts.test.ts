import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { SlackEmulator, type EmuFile } from '../emulators/slack/server.ts';
import { postSlashCommand } from '../emulators/slack/sign.ts';

const SECRET = 'test-signing-secret';
const YAML = `
service: { name: Chatter, locales: [en, zh-CN], timezone: UTC }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
sources:
  - { id: hooks, type: webhook, format: generic, insecure: true }
announce:
  - { platform: slack, channel: CENGLISH }
digest: { cron: "0 9 * * *" }
`;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const ALT_7D = 'Chart for Chatter: uptime per component over the last 90 days, and response time (7 days)';
const ALT_24H_ZH = 'Chatter 图表：各组件最近 90 天的可用率及响应时间（24 小时）';

describe('Slack charts: files.uploadV2 (real @slack/bolt and WebClient) against the emulator', () => {
  let emu: SlackEmulator;
  let t: TestApp;
  const env = () => ({
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: emu.apiUrl,
    STORE_URL: t?.storeUrl ?? '',
  });
  const slash = async (user: string, channel: string, text: string) => {
    const response_url = emu.responseUrl();
    const res = await postSlashCommand(`${t.baseUrl}/slack/events`, SECRET, {
      command: '/statusrelay',
      text,
      user_id: user,
      channel_id: channel,
      response_url,
    });
    expect(res.status).toBe(200);
    return emu.waitFor(() => emu.responses.find((r) => response_url.endsWith(`/response/${r.id}`))?.body);
  };
  const sharedTo = (channel: string, after = 0): Promise<EmuFile> => emu.waitFor(() => emu.sharedFiles(channel)[after]);
  const expectPng = (f: EmuFile) => {
    expect(f.completed).toBe(true);
    expect(f.bytes!.subarray(0, 4)).toEqual(PNG);
    expect(f.bytes!.length).toBe(f.length);
    expect(f.filename).toBe('chart.png');
  };

  beforeAll(async () => {
    emu = await new SlackEmulator().start();
    emu.channels.set('CENGLISH', { id: 'CENGLISH', creator: 'UEN' });
    emu.users.set('UEN', { id: 'UEN', locale: 'en-US' });
    emu.users.set('UZH', { id: 'UZH', locale: 'zh-CN' });
    const dir = await import('node:fs').then((fs) =>
      fs.mkdtempSync(`${(process.env.TMPDIR ?? '/tmp').replace(/\/$/, '')}/sr-slack-charts-`),
    );
    t = await startTestApp(YAML, { ...env(), STORE_URL: `sqlite://${dir}/store.sqlite` });
    const samples = Array.from({ length: 20 }, (_, i) => ({ component: 'messaging', metric: 'response_time_ms', value: 200 + i }));
    const res = await fetch(`${t.baseUrl}/webhooks/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ samples }),
    });
    expect(res.status).toBe(202);
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.stop();
  });

  it("/statusrelay kpi 7d: the answer stays ephemeral, its chart goes to the asker's DM with localized alt text", async () => {
    const body = await slash('UEN', 'CENGLISH', 'kpi 7d');
    expect(body.response_type).toBe('ephemeral');
    expect(JSON.stringify(body.blocks)).toContain('The chart was sent to you in a direct message.');
    const file = await sharedTo('DEN');
    expectPng(file);
    expect(file.alt).toBe(ALT_7D);
    expect(file.shares).toEqual([{ channel: 'DEN' }]);
    // The three steps of files.uploadV2, each accepted.
    const steps = emu.calls.filter((c) => c.method.startsWith('files.')).map((c) => `${c.method}:${c.ok}`);
    expect(steps).toEqual(['files.getUploadURLExternal:true', 'files.completeUploadExternal:true']);
    expect(emu.sharedFiles('CENGLISH')).toEqual([]);
  });

  it('kpi 7d share: the chart is shared to the channel; a zh-CN user gets Chinese alt text', async () => {
    const body = await slash('UEN', 'CENGLISH', 'kpi 7d share');
    expect(body.response_type).toBe('in_channel');
    expect(JSON.stringify(body.blocks)).not.toContain('direct message');
    const file = await sharedTo('CENGLISH');
    expectPng(file);
    expect(file.alt).toBe(ALT_7D);
    await slash('UZH', 'CENGLISH', 'kpi');
    expect((await sharedTo('DZH')).alt).toBe(ALT_24H_ZH);
  });

  it('without the files:write scope the answer still arrives and nothing is shared', async () => {
    emu.scopes.delete('files:write');
    try {
      const before = emu.files.size;
      const body = await slash('UEN', 'CENGLISH', 'kpi 30d share');
      expect(body.response_type).toBe('in_channel');
      await emu.waitFor(() => emu.calls.some((c) => c.method === 'files.getUploadURLExternal' && c.error === 'missing_scope'));
      expect(emu.files.size).toBe(before);
    } finally {
      emu.scopes.add('files:write');
    }
  });

  it('the digest shares its chart after its post; a digest still pending at a restart keeps its chart', async () => {
    await t.app.digest!.postNow();
    expect(await t.app.drained(30_000)).toBe(true);
    const digestPost = await emu.waitFor(() => emu.messages.find((m) => m.channel === 'CENGLISH' && m.text.includes('Summary')));
    const first = await sharedTo('CENGLISH', 1);
    expectPng(first);
    expect(first.alt).toBe('Chart for Chatter: uptime per component over the last 90 days, and response time (24 h)');
    expect(digestPost.thread_ts).toBeUndefined();

    // A second digest is recorded by an app whose delivery never runs (not started), which then stops:
    // the job is pending in the store and the chart exists nowhere in memory.
    const storeUrl = t.storeUrl;
    await t.stop();
    const idle = await startTestApp(YAML, { ...env(), STORE_URL: storeUrl }, { start: false });
    await idle.app.digest!.postNow();
    await idle.stop();
    const posts = emu.messages.filter((m) => m.channel === 'CENGLISH' && m.text.includes('Summary')).length;
    expect(emu.sharedFiles('CENGLISH')).toHaveLength(2);

    t = await startTestApp(YAML, { ...env(), STORE_URL: storeUrl });
    await emu.waitFor(() => emu.messages.filter((m) => m.channel === 'CENGLISH' && m.text.includes('Summary')).length > posts);
    const resent = await sharedTo('CENGLISH', 2);
    expectPng(resent);
    expect(resent.alt).toBe('Chart for Chatter: uptime per component over the last 90 days, and response time (24 h)');
  });
});
