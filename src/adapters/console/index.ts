import type { Writable } from 'node:stream';
import type { Target } from '../../core/model.ts';
import type { MessageModel } from '../../i18n/message.ts';
import type { AdapterContext, AdapterState, ChatAdapter, PostedRef, SendOptions } from '../adapter.ts';
import { renderConsole } from './render.ts';
import { classifyConsoleError } from './errors.ts';

/** Prints what each announcement would say: the demo's and `preview`'s platform. No edits: every change is shown. */
export class ConsoleAdapter implements ChatAdapter {
  readonly platform = 'console' as const;
  private counter = 0;
  private connected = false;
  /** Everything sent, for tests and the demo summary. */
  readonly sent: { target: Target; message: MessageModel; replyTo?: string }[] = [];

  constructor(private readonly out: Writable = process.stdout) {}

  async start(_ctx: AdapterContext): Promise<void> {
    this.connected = true;
  }

  async stop(): Promise<void> {
    this.connected = false;
  }

  state(): AdapterState {
    return this.connected ? 'connected' : 'down';
  }

  async send(target: Target, message: MessageModel, options?: SendOptions): Promise<PostedRef> {
    const id = String(++this.counter);
    const note = options?.replyTo ? `reply to #${options.replyTo.messageId}` : `new post #${id}`;
    try {
      this.out.write(`${renderConsole(target, message, note)}\n`);
    } catch (e) {
      throw classifyConsoleError(e);
    }
    this.sent.push({ target, message, ...(options?.replyTo ? { replyTo: options.replyTo.messageId } : {}) });
    return { platform: 'console', chatId: target.chatId, messageId: id };
  }
}
