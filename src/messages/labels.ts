import type { RenderContext } from './context.ts';

/**
 * The few words an adapter adds when it fits a message to its platform: what a shortened body says,
 * and a thread's name. Built here with every other text, in the reader's language; the keys live in
 * the platform's own namespace (`locales/<lng>/<platform>.json`).
 */
export interface DeliveryLabels {
  /** Telegram: the link text after a shortened body ("Read the full text"). */
  readonly fullText: string;
  /** Telegram: said when the body was shortened and there is no link ("(shortened)"). */
  readonly shortened: string;
  /** Discord: the name of the thread a story's updates go to. */
  threadName(title: string): string;
}

/** The platform labels in one locale. Pure. */
export const buildDeliveryLabels = (locale: string, ctx: Pick<RenderContext, 'translator'>): DeliveryLabels => {
  const t = ctx.translator.t(locale);
  return {
    fullText: t('telegram:fullText'),
    shortened: t('telegram:shortened'),
    threadName: (title) => t('discord:thread.name', { title }),
  };
};
