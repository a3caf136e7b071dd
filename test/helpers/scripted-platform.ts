import { DeliveryError, type DeliveryErrorKind } from '../../src/core/errors.ts';
import type { ChatAdapter, PostedRef, SendOptions } from '../../src/adapters/adapter.ts';
import type { Target } from '../../src/core/model.ts';
import type { MessageModel } from '../../src/i18n/message.ts';

/** A stand-in for a platform: records calls and fails the way it is told to (the unit under test is delivery). */
export class ScriptedPlatform implements ChatAdapter {
  readonly platform = 'console' as const;
  readonly calls: { op: 'send' | 'edit' | 'close'; chat: string; title: string; replyTo?: string; at: number }[] = [];
  failures: { chat: string; kind: DeliveryErrorKind; retryAfterMs?: number; times: number }[] = [];
  private n = 0;
  async start() {}
  async stop() {}
  state() {
    return 'connected' as const;
  }
  private maybeFail(chat: string) {
    const f = this.failures.find((x) => x.chat === chat && x.times > 0);
    if (!f) return;
    f.times--;
    throw new DeliveryError({
      platform: 'console',
      kind: f.kind,
      code: f.kind,
      message: `scripted ${f.kind}`,
      ...(f.retryAfterMs ? { retryAfterMs: f.retryAfterMs } : {}),
    });
  }
  async send(target: Target, message: MessageModel, options?: SendOptions): Promise<PostedRef> {
    this.maybeFail(target.chatId);
    this.calls.push({
      op: 'send',
      chat: target.chatId,
      title: message.title,
      ...(options?.replyTo ? { replyTo: options.replyTo.messageId } : {}),
      at: Date.now(),
    });
    return { platform: 'console', chatId: target.chatId, messageId: String(++this.n) };
  }
  async edit(ref: PostedRef, message: MessageModel): Promise<void> {
    this.calls.push({ op: 'edit', chat: ref.chatId, title: message.title, at: Date.now() });
  }
  async closeThread(ref: PostedRef): Promise<void> {
    this.calls.push({ op: 'close', chat: ref.chatId, title: '', at: Date.now() });
  }
}
