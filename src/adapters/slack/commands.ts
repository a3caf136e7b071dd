/**
 * Slack's command vocabulary, pure: one slash command (`SLACK_COMMAND`, /statusrelay by default)
 * whose first word names our command. Slack has no per-command registration API: the command and
 * its scopes are declared in slack-app-manifest.yaml. `inbound.ts` wires this to bolt.
 */

/** The word that makes a reply visible to the whole channel: `/statusrelay status share`. */
export const SHARE_WORD = 'share';

export interface ParsedSlash {
  readonly sub: string;
  readonly args: string[];
  readonly share: boolean;
}

/** `/statusrelay [subcommand] [args…] [share]`; bare means `status`. */
export const parseSlashText = (text: string | undefined): ParsedSlash => {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean);
  const share = words.at(-1)?.toLowerCase() === SHARE_WORD;
  if (share) words.pop();
  const [sub = 'status', ...args] = words;
  return { sub: sub.toLowerCase().replace(/^\//, ''), args, share };
};
