import { createHmac } from 'node:crypto';

/**
 * What Slack sends to a bot: v0 signatures over `v0:<timestamp>:<raw body>` (docs/platforms.md §4,
 * docs.slack.dev/authentication/verifying-requests-from-slack).
 */
export const signSlack = (secret: string, body: string, timestampSec = Math.floor(Date.now() / 1000)): Record<string, string> => ({
  'x-slack-request-timestamp': String(timestampSec),
  'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex')}`,
});

export interface PostOptions {
  /** Send without signature headers. */
  readonly unsigned?: boolean;
  /** Override the signed timestamp (seconds), e.g. a stale one. */
  readonly timestampSec?: number;
}

const post = async (
  url: string,
  secret: string,
  body: string,
  contentType: string,
  o: PostOptions = {},
): Promise<{ status: number; text: string }> => {
  const headers = { 'content-type': contentType, ...(o.unsigned ? {} : signSlack(secret, body, o.timestampSec)) };
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
};

export interface SlashCommand {
  readonly command: string;
  readonly text: string;
  readonly user_id: string;
  readonly channel_id: string;
  readonly response_url: string;
  readonly team_id?: string;
}

/** A slash command as Slack posts it: form-encoded fields. */
export const postSlashCommand = (eventsUrl: string, secret: string, cmd: SlashCommand, o?: PostOptions) => {
  const form = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: cmd.team_id ?? 'T0EMU',
    team_domain: 'emu',
    channel_name: 'general',
    user_name: cmd.user_id.toLowerCase(),
    api_app_id: 'A0EMU',
    trigger_id: `trig.${Date.now()}`,
    ...cmd,
  });
  return post(eventsUrl, secret, form.toString(), 'application/x-www-form-urlencoded', o);
};

/** A block_actions click from App Home: form field `payload` holding JSON. */
export const postBlockAction = (
  eventsUrl: string,
  secret: string,
  a: { user_id: string; action_id: string; value: string; response_url?: string },
  o?: PostOptions,
) => {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0EMU', domain: 'emu' },
    user: { id: a.user_id, username: a.user_id.toLowerCase(), team_id: 'T0EMU' },
    api_app_id: 'A0EMU',
    token: 'legacy-verification-token',
    container: { type: 'view', view_id: 'V1' },
    trigger_id: `trig.${Date.now()}`,
    view: { id: 'V1', type: 'home' },
    actions: [
      {
        type: 'button',
        action_id: a.action_id,
        block_id: 'b1',
        value: a.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
    ...(a.response_url ? { response_url: a.response_url } : {}),
  };
  return post(
    eventsUrl,
    secret,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    'application/x-www-form-urlencoded',
    o,
  );
};

/** An Events API callback (JSON body). */
export const postEvent = (eventsUrl: string, secret: string, event: Record<string, unknown>, o?: PostOptions) => {
  const body = {
    token: 'legacy-verification-token',
    team_id: 'T0EMU',
    api_app_id: 'A0EMU',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${Math.floor(Math.random() * 1000)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0EMU', user_id: 'UBOT', is_bot: true }],
    event,
  };
  return post(eventsUrl, secret, JSON.stringify(body), 'application/json', o);
};
