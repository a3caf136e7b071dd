import type { AppConfig } from '../core/config.ts';
import type { ComponentCatalog } from '../core/components.ts';
import type { Tracker } from '../core/tracker.ts';
import type { Router } from '../http/routes.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { KpiService } from '../kpi/service.ts';
import type { RenderContext } from '../messages/index.ts';

/** What the public status page reads: each stage's narrow face, never the whole App (docs/architecture.md). */
export interface StatusPageDeps {
  readonly router: Router;
  readonly service: Pick<AppConfig['service'], 'name' | 'locales' | 'timezone' | 'publicUrl' | 'frameAncestors'>;
  /** The configured components, in their order, with their groups. */
  readonly components: readonly Pick<AppConfig['components'][number], 'id' | 'group'>[];
  readonly defaultLocale: string;
  readonly status: Pick<Tracker, 'currentComponents' | 'openIncidents' | 'knownIncidents' | 'incident'>;
  readonly translator: Translator;
  readonly catalog: Pick<ComponentCatalog, 'localizedName'>;
  /** The same context chat messages render with, so the page has no second wording. */
  renderContext(now: string): RenderContext;
  /** The built-in KPI engine; absent without it (the page then says "not enough data"). */
  kpi(): Pick<KpiService, 'engine' | 'dailyUptime'> | undefined;
  /** The subscribe section: only platforms that are on. */
  readonly subscribe: {
    /** The Telegram bot's username once connected. */
    telegramBot(): string | undefined;
    /** `DISCORD_APPLICATION_ID` when the Discord adapter is on. */
    discordApplicationId(): string | undefined;
    /** The link into the Slack workspace's conversation with the bot, once connected. */
    slackAppRedirect(): string | undefined;
  };
}
