import type { StatusEvent } from '../core/model.ts';
import type { MessageModel } from '../i18n/message.ts';
import { buildEventMessage } from './announcement.ts';
import type { RenderContext } from './context.ts';

const MAX_ENTRIES = 256;

/**
 * Building is pure, and a broadcast sends one event in a few locales to thousands of targets: each
 * (event, locale) is built once per minute (the footer shows the minute, so a later minute builds again).
 */
export class RenderCache {
  private readonly models = new Map<string, MessageModel>();

  constructor(
    private readonly context: (now: string) => RenderContext,
    private readonly now: () => string,
  ) {}

  event(event: StatusEvent, locale: string): MessageModel {
    const now = this.now();
    const key = `${event.id}|${locale}|${now.slice(0, 16)}`;
    let model = this.models.get(key);
    if (!model) {
      if (this.models.size > MAX_ENTRIES) this.models.clear();
      model = buildEventMessage(event, locale, this.context(now));
      this.models.set(key, model);
    }
    return model;
  }
}
