import type { AppConfig } from '../../core/config.ts';
import type { Target } from '../../core/model.ts';
import type { MessageModel } from '../../i18n/message.ts';
import type { CommandReply } from '../../commands/context.ts';
import type { AdapterContext, AdapterState, ChatAdapter, PostedRef, SendOptions } from '../adapter.ts';
import { renderConsole } from './render.ts';
import { classifyConsoleError } from './errors.ts';
import { consoleInvocation } from './inbound.ts';

/** What the console writes to: `process.stdout`, any Writable, or a test's terminal (test/emulators/console). */
export interface ConsoleOut {
  /** `done` is called once the text is taken, or with the error that refused it (EPIPE, EAGAIN…). */
  write(text: string, done: (error?: Error | null) => void): unknown;
}

export interface ConsoleSettings {
  /** Where messages are printed: stdout unless given (tests, `preview`). */
  readonly out?: ConsoleOut;
}

/** Prints what each announcement would say: the demo's and `preview`'s platform. No edits: every change is shown. */
export class ConsoleAdapter implements ChatAdapter {
  readonly platform = 'console' as const;
  private counter = 0;
  private status: AdapterState = 'down';
  private ctx: AdapterContext | undefined;
  private readonly out: ConsoleOut;
  /** Everything sent, for tests and the demo summary. */
  readonly sent: { target: Target; message: MessageModel; replyTo?: string }[] = [];

  constructor(out: ConsoleOut = process.stdout) {
    this.out = out;
  }

  async start(ctx: AdapterContext): Promise<void> {
    this.ctx = ctx;
    this.status = 'connected';
  }

  async stop(): Promise<void> {
    this.status = 'down';
  }

  state(): AdapterState {
    return this.status;
  }

  async send(target: Target, message: MessageModel, options?: SendOptions): Promise<PostedRef> {
    const id = String(this.counter + 1);
    const note = options?.replyTo ? `#${id} · reply to #${options.replyTo.messageId}` : `new post #${id}`;
    await this.write(renderConsole(target, message, note));
    this.counter++;
    this.sent.push({ target, message, ...(options?.replyTo ? { replyTo: options.replyTo.messageId } : {}) });
    return { platform: 'console', chatId: target.chatId, messageId: id };
  }

  /**
   * A command typed as a console user: routed like any platform's, and the answer printed as a
   * reply in that user's conversation (the console's inbound, see inbound.ts).
   */
  async command(line: string, userId = 'console-user', localeHint?: string): Promise<CommandReply> {
    if (!this.ctx) throw new Error('the console adapter is not started');
    const inv = consoleInvocation(line, userId, localeHint);
    const reply = await this.ctx.commands.handle(inv);
    if (!reply.quiet)
      await this.write(renderConsole({ platform: 'console', chatId: userId, kind: 'dm' }, reply.message, `answer to ${inv.command}`));
    return reply;
  }

  /** Resolves once the stream took the text; a write the stream refuses becomes a DeliveryError. */
  private write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (e?: Error | null) => (e ? reject(classifyConsoleError(e)) : resolve());
      try {
        this.out.write(`${text}\n`, done);
      } catch (e) {
        reject(classifyConsoleError(e));
      }
    });
  }
}

/** Nothing to configure: the console prints to stdout. */
export const consoleSettings = (_config: AppConfig): ConsoleSettings => ({});

/** The factory the registry calls. */
export const createConsoleAdapter = (settings: ConsoleSettings): ConsoleAdapter => new ConsoleAdapter(settings.out);
