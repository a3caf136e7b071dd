import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebClient } from '@slack/web-api';
import { SlackEmulator } from '../../../test/emulators/slack/server.ts';
import { classifySlackError, kindOfSlackError } from './errors.ts';

describe('Slack error strings → delivery kinds', () => {
  it.each([
    ['ratelimited', 'rate_limited'],
    ['channel_not_found', 'target_gone'],
    ['not_in_channel', 'target_gone'],
    ['is_archived', 'target_gone'],
    ['account_inactive', 'target_gone'],
    ['user_not_found', 'target_gone'],
    ['token_revoked', 'auth'],
    ['invalid_auth', 'auth'],
    ['invalid_blocks', 'permanent'],
    ['msg_too_long', 'permanent'],
    ['message_not_found', 'permanent'],
    ['internal_error', 'transient'],
  ])('%s → %s', (code, kind) => {
    expect(kindOfSlackError(code)).toBe(kind);
  });
});

/** The real WebClient, configured as the adapter configures it, against the emulator. */
describe('errors thrown by the real WebClient are classified', () => {
  let emu: SlackEmulator;
  let client: WebClient;
  const post = (channel: string, c: WebClient = client) => c.chat.postMessage({ channel, text: 'hello' });
  const caught = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return classifySlackError(e);
    }
    throw new Error('the call succeeded');
  };

  beforeAll(async () => {
    emu = await new SlackEmulator().start();
    for (const id of ['C1', 'C2', 'CARCH', 'COUT']) emu.channels.set(id, { id });
    emu.channels.get('CARCH')!.archived = true;
    emu.channels.get('COUT')!.member = false;
    client = new WebClient('xoxb-test', { slackApiUrl: emu.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });
  afterAll(() => emu.stop());

  it('a second message to a channel within a second → rate_limited with the Retry-After, and no retry by the client', async () => {
    emu.postIntervalMs = 5000;
    await post('C1');
    const err = await caught(post('C1'));
    expect(err).toMatchObject({ kind: 'rate_limited', code: 'ratelimited', platform: 'slack' });
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(4000);
    expect(emu.calls.filter((c) => c.args.channel === 'C1')).toHaveLength(2);
    emu.postIntervalMs = 1000;
  });

  it.each([
    ['CNONE', 'channel_not_found'],
    ['CARCH', 'is_archived'],
    ['COUT', 'not_in_channel'],
  ])('%s → target_gone (%s)', async (channel, code) => {
    expect(await caught(post(channel))).toMatchObject({ kind: 'target_gone', code });
  });

  it('a revoked token → auth', async () => {
    const revoked = new WebClient('xoxb-revoked', { slackApiUrl: emu.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    emu.revoked.add('xoxb-revoked');
    expect(await caught(post('C2', revoked))).toMatchObject({ kind: 'auth', code: 'token_revoked' });
    const unknown = new WebClient('xoxb-nobody', { slackApiUrl: emu.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    expect(await caught(post('C2', unknown))).toMatchObject({ kind: 'auth', code: 'invalid_auth' });
  });

  it('invalid blocks → permanent', async () => {
    const blocks = [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }];
    expect(await caught(client.chat.postMessage({ channel: 'C2', text: 'x', blocks }))).toMatchObject({
      kind: 'permanent',
      code: 'invalid_blocks',
    });
  });

  it('a 503 → transient, a refused connection → transient', async () => {
    emu.failNext('chat.postMessage', 503);
    expect(await caught(post('C2'))).toMatchObject({ kind: 'transient', code: 'http_503' });
    const nowhere = new WebClient('xoxb-test', {
      slackApiUrl: 'http://127.0.0.1:9/api/',
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    expect(await caught(post('C2', nowhere))).toMatchObject({ kind: 'transient', code: 'request_error' });
  });
});
