import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from './config.ts';

/**
 * Compares a secret someone offered with the one we hold. Both are hashed first, so the lengths
 * match and neither the length nor the content of ours shows in the comparison's timing.
 */
export const sameSecret = (offered: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(offered).digest(), createHash('sha256').update(expected).digest());

/** Every secret the config holds: none may reach a log line or a CLI's output (`scrubSecrets`). */
export const configSecrets = (cfg: AppConfig): string[] => {
  const env = cfg.env;
  return [
    env.ADMIN_API_TOKEN,
    env.TELEGRAM_BOT_TOKEN,
    env.TELEGRAM_WEBHOOK_SECRET,
    env.SLACK_BOT_TOKEN,
    env.SLACK_SIGNING_SECRET,
    env.SLACK_APP_TOKEN,
    env.DISCORD_TOKEN,
    ...cfg.sources.map((s) => ('secret' in s ? s.secret : undefined)),
    cfg.i18n?.translate?.key,
  ].filter((s): s is string => Boolean(s));
};
