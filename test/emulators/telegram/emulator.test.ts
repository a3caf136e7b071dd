import { afterEach, describe, expect, it } from 'vitest';
import { parseHtml } from './html.ts';
import { parseMarkdownV2 } from './markdown.ts';
import { LimitBook, REAL_LIMITS } from './limits.ts';
import { TelegramEmulator } from './server.ts';

/** The emulator must be as strict as api.telegram.org, or the adapter tests prove nothing. */

describe('HTML parse mode', () => {
  it.each([
    ['<b>x</i>', 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'],
    ['a < b', 'Unsupported start tag "" at byte offset 2'],
    ['<script>x</script>', 'Unsupported start tag "script" at byte offset 0'],
    ['<b>open', 'Can\'t find end tag corresponding to start tag "b"'],
    ['x</b>', 'Unexpected end tag at byte offset 1'],
    ['é<br/>', 'Unsupported start tag "br" at byte offset 2'],
    ['<span>s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
  ])('refuses %j', (html, error) => expect(() => parseHtml(html)).toThrow(error));

  it('decodes entities, keeps unknown ones literal and reports UTF-16 entity offsets', () => {
    const p = parseHtml('👩 <b>a &amp; b</b> &lt;&#x41;&gt; &foo; <a href="https://x.example/?a=1&amp;b=2">l</a>');
    expect(p.text).toBe('👩 a & b <A> &foo; l');
    expect(p.entities).toEqual([
      { type: 'bold', offset: 3, length: 5 },
      { type: 'text_link', offset: 19, length: 1, url: 'https://x.example/?a=1&b=2' },
    ]);
  });
});

describe('MarkdownV2 parse mode', () => {
  it('refuses unescaped reserved characters and unclosed entities', () => {
    expect(() => parseMarkdownV2('Done.')).toThrow("Character '.' is reserved and must be escaped with the preceding '\\'");
    expect(() => parseMarkdownV2('*bold')).toThrow("Can't find end of Bold entity at byte offset 0");
    expect(parseMarkdownV2('*b* \\. [l](https://x.example)')).toEqual({
      text: 'b . l',
      entities: [
        { type: 'bold', offset: 0, length: 1 },
        { type: 'text_link', offset: 4, length: 1, url: 'https://x.example' },
      ],
    });
  });
});

describe('broadcast limits', () => {
  it('paces a chat at 1/s after a burst, a group at 20/min and the bot at 30/s', () => {
    let now = 0;
    const book = new LimitBook(REAL_LIMITS, () => now);
    expect([1, 2, 3, 4].map(() => book.take('u1', false))).toEqual([0, 0, 0, 3]);
    now += 1000;
    expect(book.take('u1', false)).toBe(0);
    const group = Array.from({ length: 21 }, () => ((now += 1000), book.take('g', true)));
    expect(group.slice(0, 20).every((w) => w === 0)).toBe(true);
    expect(group[20]).toBeGreaterThan(30);
    now += 120_000;
    const many = Array.from({ length: 31 }, (_, i) => book.take(`user${i}`, false));
    expect(many.slice(0, 30).every((w) => w === 0)).toBe(true);
    expect(many[30]).toBe(1);
  });
});

describe('HTTP API', () => {
  let emu: TelegramEmulator | undefined;
  afterEach(() => emu?.stop());

  const call = async (method: string, body: unknown, token = emu!.token) => {
    const res = await fetch(`${emu!.apiRoot}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      json: (await res.json()) as { ok: boolean; result?: unknown; description?: string; parameters?: Record<string, number> },
    };
  };

  it('answers like the Bot API: limits after parsing, 401, 404, not modified, long polling and 409 with a webhook', async () => {
    emu = new TelegramEmulator();
    await emu.start();
    emu.addGroup(-1, 'G');
    expect((await call('getMe', {}, '1:bad')).status).toBe(401);
    expect((await call('noSuchMethod', {})).json.description).toBe('Not Found');
    expect((await call('sendMessage', { chat_id: -1, text: '<b></b>   ', parse_mode: 'HTML' })).json.description).toBe(
      'Bad Request: message text is empty',
    );
    expect((await call('sendMessage', { chat_id: -1, text: `<b>${'x'.repeat(4096)}</b>`, parse_mode: 'HTML' })).json.ok).toBe(true);
    expect((await call('sendMessage', { chat_id: -1, text: 'x'.repeat(4097) })).json.description).toBe('Bad Request: message is too long');
    const same = await call('editMessageText', { chat_id: -1, message_id: 1, text: `<b>${'x'.repeat(4096)}</b>`, parse_mode: 'HTML' });
    expect(same.json.description).toMatch(/^Bad Request: message is not modified/);

    const poll = call('getUpdates', { offset: 0, timeout: 30 });
    emu.userSays({ id: 7, first_name: 'U' }, -1, '/status');
    const got = await poll;
    expect((got.json.result as { message: { text: string } }[])[0]!.message.text).toBe('/status');
    expect((await call('setWebhook', { url: 'http://example.com/hook' })).json.description).toBe(
      'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
    );
    await call('setWebhook', { url: 'https://example.com/hook', secret_token: 'abc' });
    expect((await call('getUpdates', {})).status).toBe(409);
  });
});
