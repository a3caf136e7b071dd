import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL, GROUP, USERS, outage, startHarness, type Harness, refusals } from '../emulators/telegram/harness.ts';

/**
 * Text from a status page is hostile until proven otherwise: it reaches Telegram escaped, within
 * the limits, with no call refused — in groups, channels, forum topics and after a group upgrade.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

// The webhook source turns HTML into text, so markup that must survive as *text* arrives entity-encoded.
const HOSTILE_LINES = [
  '&lt;b&gt;not bold&lt;/b&gt; &lt;a href="https://evil.example"&gt;click&lt;/a&gt; &amp;amp; 5 &lt; 6 &gt; 4',
  '*bold* _italic_ `code` [link](https://evil.example) ~x~ ||s|| \\ # + - = | { } . !',
  '@everyone @channel @admins <!channel>',
  'انقطاع في خدمة الرسائل',
  '👩‍👩‍👧‍👦 🏳️‍🌈 zero\u200dwidth\u200bjoiner',
];
const HOSTILE = HOSTILE_LINES.join('\n');

describe('telegram: hostile status text', () => {
  it('delivers HTML tags, & < >, markdown, @mentions, Arabic, emoji, ZWJ and 12,000 characters with no refused call', async () => {
    h = await startHarness();
    const { emu } = h;
    await h.command(USERS.alice, GROUP, '/announce on en');
    const long = `${HOSTILE}\n${'Lorem ipsum dolor sit amet, 👩‍👩‍👧‍👦 انقطاع & <x> '.repeat(400)}`.slice(0, 12_000);
    await h.incident(outage('evil-1', 'investigating', long, { name: '&lt;i&gt;Messages&lt;/i&gt; & <b>delayed</b> @everyone' }));
    const post = await emu.waitFor(() => emu.sent(GROUP).find((m) => m.text.includes('Messages')), 'the group announcement');
    const channelPost = await emu.waitFor(() => emu.sent(CHANNEL)[0], 'the channel announcement');
    expect(await h.app.app.drained()).toBe(true);

    expect(refusals(emu)).toEqual([]);
    for (const m of [post, channelPost]) {
      expect(m.text.length).toBeLessThanOrEqual(4096);
      // Untrusted text shows as text: its tags and links are not entities.
      expect(m.text).toContain('<i>Messages</i> & delayed @everyone');
      expect(m.text).toContain('<b>not bold</b> <a href="https://evil.example">click</a> &');
      expect(m.text).toContain(' 5 < 6 > 4');
      expect(m.text).toContain('انقطاع في خدمة الرسائل');
      expect(m.text).toContain('👩‍👩‍👧‍👦 🏳️‍🌈 zero\u200dwidth\u200bjoiner');
      expect(m.text).toContain('*bold* _italic_ `code` [link](https://evil.example)');
      const links = m.entities.filter((e) => e.type === 'text_link').map((e) => e.url);
      expect(links.every((u) => u === 'https://status.example.com/incidents/evil-1')).toBe(true);
      expect(links.length).toBe(2); // "Read the full text" after the cut, and the status page link
      expect(m.entities.some((e) => e.type === 'italic' && m.text.slice(e.offset, e.offset + e.length) === 'Messages')).toBe(false);
    }
    expect(post.text).toContain('… Read the full text');
    expect(channelPost.text).toContain('… 阅读全文');
  });

  it('announces into a forum topic and follows a group upgraded to a supergroup', async () => {
    h = await startHarness();
    const { emu } = h;
    const FORUM = -1003000000003;
    emu.addGroup(FORUM, 'Forum', { forumTopics: [42], members: { [USERS.alice.id]: 'creator' } });
    emu.userSays(USERS.alice, FORUM, '/announce on', { threadId: 42 });
    const ack = await emu.waitFor(() => emu.sent(FORUM)[0], 'the topic answer');
    expect(ack.threadId).toBe(42);

    const OLD = -4000004;
    const NEW = -1004000000004;
    emu.addGroup(OLD, 'Small group', { type: 'group', members: { [USERS.alice.id]: 'administrator' } });
    emu.addGroup(NEW, 'Small group', { members: { [USERS.alice.id]: 'administrator' } });
    await h.command(USERS.alice, OLD, '/announce on');
    emu.chat(OLD).migratedTo = NEW;

    await h.incident(outage('topic-1', 'investigating', 'Calls drop after a minute.'));
    const inTopic = await emu.waitFor(() => emu.sent(FORUM).find((m) => m.text.includes('Messages delayed')), 'the topic announcement');
    expect(inTopic.threadId).toBe(42);
    const moved = await emu.waitFor(
      () => emu.sent(NEW).find((m) => m.text.includes('Messages delayed')),
      'the announcement in the supergroup',
    );
    expect(moved.text).toContain('Calls drop after a minute.');
    expect(await h.app.app.drained()).toBe(true);
    // The only refusal is the one migration notice; the registration now points at the supergroup.
    expect(refusals(emu)).toEqual(['sendMessage: Bad Request: group chat was upgraded to a supergroup chat']);
    expect(await h.app.app.store.namespace('announce').get(`telegram:${NEW}`)).toBeDefined();
  });
});
