import type { FileConfig } from './config.ts';

/** Below this a secret can be guessed or brute-forced from a captured signature. */
const SHORT_SECRET = 16;

/**
 * Settings that are accepted but leave a door open: printed by `check-config` and in the start
 * banner, and logged at start. One line each, naming the setting and the fix; never a secret.
 */
export const configWarnings = (cfg: Pick<FileConfig, 'sources'>): string[] => {
  const out: string[] = [];
  cfg.sources.forEach((s, i) => {
    if (s.type !== 'webhook') return;
    const at = `sources[${i}] "${s.id}"`;
    if (s.insecure)
      out.push(
        `${at}: insecure: true, so POST /webhooks/${s.id} accepts pushes from anyone who can reach the port, and they are announced: set secret to require a signature or token`,
      );
    else if (s.secret && s.secret.length < SHORT_SECRET)
      out.push(
        `${at}: the secret is shorter than ${SHORT_SECRET} characters and could be guessed: use a long random one (e.g. \`openssl rand -hex 32\`)`,
      );
  });
  return out;
};
