import type { PlatformLimits } from '../../delivery/rate-limit.ts';

/**
 * Slack limits (docs.slack.dev/reference/block-kit/blocks, …/section-block, …/header-block; docs/platforms.md §2).
 * Lengths are checked on the escaped text, since that is what Slack counts.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  homeBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonText: 75,
  url: 3000,
  /** chat.update refuses `text` over 4,000 characters (api.slack.com/methods/chat.update). */
  text: 4000,
  /** Undocumented `msg_blocks_too_long` near 13k characters of blocks in total (bolt-js #2509). */
  blocksTotal: 12_000,
} as const;

/** Slack keeps a shared file's alt text to 1000 characters (files.getUploadURLExternal, `alt_txt_too_large`). */
export const SLACK_ALT_TEXT_LIMIT = 1000;

/**
 * users.info is Tier 4, about 100 calls a minute per workspace (https://api.slack.com/methods/users.info):
 * a crowd of new users would exceed it. Beyond this many a minute, commands are answered without
 * the Slack locale (the user's stored language, the channel's or the default) rather than waiting.
 */
export const USERS_INFO_PER_MINUTE = 90;

/**
 * chat.postMessage: about one message per second per channel, plus an undisclosed workspace-wide
 * limit, paced here at 20 per second (https://api.slack.com/apis/rate-limits). A 429 carries
 * Retry-After for the method and channel it concerns: `errors.ts` turns it into a target-scoped wait.
 */
export const SLACK_PACING: PlatformLimits = { globalPerSecond: 20, perChatIntervalMs: 1000 };
