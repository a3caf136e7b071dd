import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * SPEC §8: every command reads `.env` in the working directory; a variable already set in the real
 * environment wins, so a service manager or `docker run -e` can always override the file.
 * Returns the file read, or undefined when there is none.
 */
export const loadDotEnv = (cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return undefined;
  const values = parseEnv(readFileSync(path, 'utf8'));
  for (const [key, value] of Object.entries(values)) if (env[key] === undefined) env[key] = value;
  return path;
};
