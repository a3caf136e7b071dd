import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `version` of Status Relay's own package.json, found by walking up from this file, so the
 * sources (`src/core/`) and a compiled build (`dist/…/core/`) read the same file.
 */
const readVersion = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'status-relay' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('status-relay: package.json not found above the sources');
    dir = parent;
  }
};

export const VERSION: string = readVersion();
