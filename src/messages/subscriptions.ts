import type { ComponentStatus } from '../core/model.ts';
import type { Subscription } from '../core/recipients.ts';
import { formatList } from '../i18n/format.ts';
import type { RenderContext } from './context.ts';

export interface SubscriptionsPanelInput {
  /** The components a user can pick, in the order to show them. */
  readonly components: readonly { readonly id: string; readonly name: string; readonly status?: ComponentStatus }[];
  readonly subscription: Subscription | undefined;
  /** The slash command the hint names (Slack's is configurable). */
  readonly command: string;
  /** The name of a subscribed component that is no longer among `components`. */
  readonly nameOf: (id: string) => string;
}

export interface SubscriptionRow {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly subscribed: boolean;
  /** The mark beside a subscribed component. */
  readonly subscribedLabel?: string;
  /** The button's words: subscribe, or unsubscribe when subscribed. */
  readonly actionLabel: string;
}

/** "Your subscriptions" as a panel of rows with one action each (Slack's App Home). */
export interface SubscriptionsPanel {
  readonly title: string;
  readonly summary: string;
  /** Said instead of the rows when there is no component to pick. */
  readonly empty?: string;
  readonly rows: readonly SubscriptionRow[];
  /** Offered only to a subscriber. */
  readonly unsubscribeAllLabel?: string;
  readonly hint: string;
}

/** The words of a user's subscription panel; an empty subscription's component list means "every component". */
export const buildSubscriptionsPanel = (
  input: SubscriptionsPanelInput,
  locale: string,
  ctx: Pick<RenderContext, 'translator'>,
): SubscriptionsPanel => {
  const t = ctx.translator.t(locale);
  const { subscription } = input;
  const names = new Map(input.components.map((c) => [c.id, c.name]));
  const all = subscription !== undefined && subscription.components.length === 0;
  const mine = new Set(all ? input.components.map((c) => c.id) : (subscription?.components ?? []));
  const summary = !subscription
    ? t('slack:home.none')
    : all
      ? t('slack:home.subscribedAll')
      : t('slack:home.subscribedSome', {
          what: formatList(
            subscription.components.map((id) => names.get(id) ?? input.nameOf(id)),
            locale,
          ),
        });
  return {
    title: t('slack:home.yourSubscriptions'),
    summary,
    ...(input.components.length === 0 ? { empty: t('slack:home.noComponents') } : {}),
    rows: input.components.map((c) => {
      const subscribed = mine.has(c.id);
      return {
        id: c.id,
        name: c.name,
        state: c.status ? t(`componentStatus.${c.status}`) : '—',
        subscribed,
        ...(subscribed ? { subscribedLabel: t('slack:home.subscribed') } : {}),
        actionLabel: t(subscribed ? 'slack:home.unsubscribe' : 'slack:home.subscribe'),
      };
    }),
    ...(subscription ? { unsubscribeAllLabel: t('slack:home.unsubscribeAll') } : {}),
    hint: t('slack:home.hint', { command: input.command }),
  };
};
