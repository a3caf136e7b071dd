import type { Logger } from 'pino';
import { targetKey, type Target } from '../core/model.ts';
import type { RecipientOrigin } from '../core/fanout.ts';
import { chatKey, userKey, type ChannelAnnouncement } from '../core/recipients.ts';
import type { KeyValue } from '../storage/store.ts';

export interface TargetDirectoryDeps {
  /** `subscriptions`: a direct-message subscriber per `userKey`. */
  readonly subscriptions: KeyValue;
  /** `announce`: a channel that ran `/announce on`, per `chatKey`. */
  readonly announcements: KeyValue;
  /** Configured targets found gone or moved in this run: left out by fan-out until the next start (`/readyz` lists them). */
  readonly paused: Set<string>;
  readonly log: Logger;
}

/**
 * What delivery does when a platform says a target is gone or moved, by where the target came from:
 * a subscriber or an `/announce` channel is forgotten (or moved with its settings); a configured
 * chat cannot be rewritten here, so it is paused and the operator told to fix the config.
 */
export class TargetDirectory {
  constructor(private readonly deps: TargetDirectoryDeps) {}

  async forget(target: Target, origin: RecipientOrigin): Promise<void> {
    if (origin === 'subscription') await this.deps.subscriptions.delete(userKey(target.platform, target.chatId));
    else if (origin === 'announce') await this.deps.announcements.delete(chatKey(target.platform, target.chatId, target.threadId));
    else this.deps.paused.add(targetKey(target));
  }

  async move(from: Target, to: Target, origin: RecipientOrigin): Promise<void> {
    if (origin === 'announce') {
      const ns = this.deps.announcements;
      const a = await ns.get<ChannelAnnouncement>(chatKey(from.platform, from.chatId, from.threadId));
      if (a) {
        await ns.set(chatKey(to.platform, to.chatId, to.threadId), { ...a, chatId: to.chatId });
        await ns.delete(chatKey(from.platform, from.chatId, from.threadId));
      }
    } else if (origin === 'config') {
      this.deps.paused.add(targetKey(from));
      this.deps.log.error({ from: from.chatId, to: to.chatId }, 'a configured chat moved: update announce[].chat in the config file');
    }
  }
}
