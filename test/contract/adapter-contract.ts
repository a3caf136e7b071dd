import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAdapter, PostedRef } from '../../src/adapters/adapter.ts';
import { ConfigError, DeliveryError, type DeliveryErrorScope } from '../../src/core/errors.ts';
import type { Platform, Target } from '../../src/core/model.ts';
import type { MessageModel } from '../../src/i18n/message.ts';

/**
 * The one contract every chat adapter meets (docs/architecture.md "Adapters"). Each platform's
 * `<platform>.contract.test.ts` builds a `ContractRig` — a running App whose adapter is the real one
 * with the real SDK (telegraf, @slack/bolt + web-api, discord.js; the console's own stream) talking
 * to that platform's emulator in test/emulators — and calls `runAdapterContract`. A new platform is
 * done when its contract test passes.
 */

/** A message as the emulator holds it. */
export interface Shown {
  /** What a reader sees, as plain text. */
  readonly text: string;
  /** The id of the post this one answers (thread or reply), when it answers one. */
  readonly replyTo?: string;
  readonly edits: number;
}

/** What the emulator saw of one hostile post. */
export interface HostileVerdict {
  /** Mentions the platform would have notified people of (`@everyone`, `<!channel>`, a user). */
  readonly pinged: readonly string[];
  /** Links in the message that are not ours (ours: the status page and its link button). */
  readonly foreignLinks: readonly string[];
  /** Markup that untrusted text turned into formatting or control (a bold entity, an ANSI sequence). */
  readonly injectedMarkup: readonly string[];
  /** The size the platform limits, counted as the platform counts it, and that limit. */
  readonly size: number;
  readonly limit: number;
}

export interface ContractRig {
  readonly adapter: ChatAdapter;
  /** A channel the bot may post to. */
  readonly channel: Target;
  /** A user the bot may send a direct message to. */
  readonly dm: Target;
  /** A target the platform will refuse as gone (deleted, bot removed, reader closed); the emulator is prepared here. */
  goneTarget(): Target;
  shown(ref: PostedRef): Shown | undefined;
  /** The messages in a user's direct conversation with the bot. */
  dmsTo(userId: string): Shown[];
  /** Calls the emulator refused so far (descriptions), 429s excluded. */
  refused(): string[];
  /**
   * The emulator answers the next post with a rate limit of this scope; resolves with the wait, in
   * ms, the platform asked for.
   */
  rateLimitNext(scope: DeliveryErrorScope): number;
  /** `text` typed by a user through the platform's inbound path; resolves with the answer's visible text once it is out. */
  command(text: string): Promise<string>;
  hostile(ref: PostedRef): HostileVerdict;
  stop(): Promise<void>;
}

export interface ContractSpec {
  readonly platform: Platform;
  start(): Promise<ContractRig>;
  /** The scopes this platform's 429 can have, each tested; a global limit is `platform`. */
  readonly rateLimitScopes: readonly DeliveryErrorScope[];
  /** How the platform shows an update of a post: edited in place, or (console) printed anew as a reply, with why. */
  readonly edits: true | { readonly not: string };
  /**
   * The setting a refused token is named by, and how to start the platform with a token the
   * emulator refuses (resolves with what start() threw); or why there is no token.
   */
  readonly token:
    | { readonly setting: string; startWithRefusedToken(): Promise<{ error: unknown; state: string; stop(): Promise<void> }> }
    | { readonly none: string };
  /** The visible text of the `/status` answer contains this (the service's all-clear title in English). */
  readonly statusAnswer: RegExp;
}

export const message = (title: string, extra: Partial<MessageModel> = {}): MessageModel => ({
  locale: 'en',
  dir: 'ltr',
  severity: 'minor',
  title,
  fields: [],
  advice: [],
  ...extra,
});

/** Our own link: allowed in every message. */
export const OWN_LINK = 'https://status.example.com/incidents/contract-1';

/**
 * Untrusted status text that tries every platform's way in: mass mentions (`@everyone`, Slack's
 * `<!channel>`), a user mention, HTML and markdown formatting, masked links in each platform's
 * syntax, an OSC 8 terminal hyperlink and ANSI control sequences, and `& < >`.
 */
export const HOSTILE = [
  '@everyone @here <!channel> <!here> <!everyone> <@U0ADMIN> <@&123456789012345678>',
  '<b>not bold</b> <a href="https://evil.example/html">click</a> &amp; 5 < 6 > 4',
  '*bold* _italic_ `code` ~~strike~~ [click](https://evil.example/md) <https://evil.example/slack|click>',
  '\u001b]8;;https://evil.example/osc\u0007click\u001b]8;;\u0007 \u001b[2J\u001b[31mred\u001b[0m\rover',
].join('\n');

/** The words HOSTILE tries to format (bold, italic, code, a link…): formatted, they mean markup got through. */
export const HOSTILE_MARKUP_TARGETS: readonly string[] = ['not bold', 'bold', 'italic', 'code', 'strike', 'click', 'delayed', 'red'];

const hostileMessage = (): MessageModel =>
  message(`Messages ${HOSTILE.split('\n')[0]} <b>delayed</b>`, {
    severity: 'major',
    body: `${HOSTILE}\n${'Lorem ipsum dolor sit amet, 👩‍👩‍👧‍👦 انقطاع & <x> '.repeat(600)}`.slice(0, 20_000),
    fields: [{ label: '@everyone <!channel>', value: HOSTILE.split('\n')[2]! }],
    link: { label: 'Status page', url: OWN_LINK },
  });

const failure = async (p: Promise<unknown>): Promise<DeliveryError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'a DeliveryError').toBeInstanceOf(DeliveryError);
  return e as DeliveryError;
};

/** The cases, in an order that keeps them independent: the 429s come last (Discord's global one holds every route for its wait). */
export const runAdapterContract = (spec: ContractSpec): void => {
  describe(`adapter contract: ${spec.platform}`, () => {
    let rig: ContractRig;
    beforeAll(async () => {
      rig = await spec.start();
    }, 60_000);
    afterAll(() => rig?.stop());

    it('posts to a channel: the platform shows the message, as a new post', async () => {
      const ref = await rig.adapter.send(rig.channel, message('Contract: first post'));
      expect(ref.platform).toBe(spec.platform);
      const shown = rig.shown(ref);
      expect(shown?.text).toContain('Contract: first post');
      expect(shown?.replyTo).toBeUndefined();
    });

    if (spec.edits === true)
      it('edits a post in place: the same message shows the new text', async () => {
        const ref = await rig.adapter.send(rig.channel, message('Contract: before the edit'));
        expect(rig.adapter.edit, 'the adapter edits').toBeDefined();
        await rig.adapter.edit!(ref, message('Contract: after the edit'));
        const shown = rig.shown(ref);
        expect(shown?.text).toContain('Contract: after the edit');
        expect(shown?.text).not.toContain('before the edit');
        expect(shown?.edits).toBeGreaterThanOrEqual(1);
      });
    else {
      const why = spec.edits.not;
      it(`shows an update as a new post, since it has no edit (${why})`, async () => {
        // Delivery sends a reply instead of an edit when `edit` is absent (src/delivery/delivery.ts).
        expect(rig.adapter.edit).toBeUndefined();
        const root = await rig.adapter.send(rig.channel, message('Contract: before the update'));
        const update = await rig.adapter.send(rig.channel, message('Contract: the update'), { replyTo: root });
        expect(rig.shown(update)?.text).toContain('Contract: the update');
        expect(rig.shown(root)?.text).toContain('Contract: before the update');
      });
    }

    it('replies in the thread of a post', async () => {
      const root = await rig.adapter.send(rig.channel, message('Contract: thread root'));
      const reply = await rig.adapter.send(rig.channel, message('Contract: thread reply'), { replyTo: root });
      const shown = rig.shown(reply);
      expect(shown?.text).toContain('Contract: thread reply');
      expect(shown?.replyTo).toBe(root.messageId);
      const second = await rig.adapter.send(rig.channel, message('Contract: second reply'), { replyTo: root });
      expect(rig.shown(second)?.replyTo).toBe(root.messageId);
    });

    it('sends a direct message to a user', async () => {
      const ref = await rig.adapter.send(rig.dm, message('Contract: just for you'));
      expect(rig.dmsTo(rig.dm.chatId).map((m) => m.text)).toEqual([expect.stringContaining('Contract: just for you')]);
      expect(rig.shown(ref)?.text).toContain('Contract: just for you');
    });

    it('hostile text: escaped, pings nobody, injects no link or markup, within the limit, refused by nothing', async () => {
      const before = rig.refused().length;
      const ref = await rig.adapter.send(rig.channel, hostileMessage());
      const verdict = rig.hostile(ref);
      expect(rig.refused().slice(before)).toEqual([]);
      expect(verdict.pinged).toEqual([]);
      expect(verdict.foreignLinks).toEqual([]);
      expect(verdict.injectedMarkup).toEqual([]);
      expect(verdict.size).toBeLessThanOrEqual(verdict.limit);
      // Escaped, not dropped: the reader still sees what the status page said (a zero-width space that defuses a mention is not seen).
      const text = rig.shown(ref)!.text.replace(/\u200b/g, '');
      expect(text).toContain('not bold');
      expect(text).toContain('@everyone');
    });

    it('answers /status typed by a user, through its inbound path and back out (command round trip)', async () => {
      expect(await rig.command('/status')).toMatch(spec.statusAnswer);
    });

    it('dead target → DeliveryError target_gone, target scope', async () => {
      const e = await failure(rig.adapter.send(rig.goneTarget(), message('Contract: to nobody')));
      expect(e).toMatchObject({ platform: spec.platform, kind: 'target_gone', scope: 'target' });
    });

    for (const scope of spec.rateLimitScopes)
      it(`429 → DeliveryError rate_limited carrying the platform's retry-after, ${scope} scope`, async () => {
        const asked = rig.rateLimitNext(scope);
        const e = await failure(rig.adapter.send(rig.channel, message('Contract: too fast')));
        expect(e).toMatchObject({ platform: spec.platform, kind: 'rate_limited', scope });
        expect(e.retryAfterMs).toBeGreaterThanOrEqual(asked);
        expect(e.retryAfterMs).toBeLessThan(asked + 1000);
      });

    const token = spec.token;
    if ('setting' in token)
      it(`refused token → start-up stops with a ConfigError naming ${token.setting}, the adapter down`, async () => {
        const started = await token.startWithRefusedToken();
        try {
          expect(started.error).toBeInstanceOf(ConfigError);
          expect((started.error as ConfigError).setting).toBe(token.setting);
          expect((started.error as Error).message).toMatch(/refused/);
          expect(started.state).toBe('down');
        } finally {
          await started.stop();
        }
      });
    else it(`was not run: refused token — ${token.none}`, () => {});
  });
};
