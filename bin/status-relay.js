#!/usr/bin/env node
// The CLI entry (`npm start`, `npx status-relay …`, the Docker image).
// Rule: run the compiled build (dist/, from `npm run build`) when it exists and no file under src/
// is newer than it; otherwise (silently) load the TypeScript sources through tsx (a dev dependency), so a fresh
// clone runs after `npm install` alone and an edited checkout never runs a stale build.
// The production image has dist/ and no src/, so it always runs the build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const compiled = join(root, 'dist', 'cli', 'index.js');
const sources = join(root, 'src');

const newestSource = () => {
  let newest = 0;
  for (const file of readdirSync(sources, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.ts') && !file.endsWith('.test.ts')) newest = Math.max(newest, statSync(join(sources, file)).mtimeMs);
  }
  return newest;
};

const loadTsx = async () => {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined;
  }
};

const built = existsSync(compiled);
const stale = built && existsSync(sources) && newestSource() > statSync(compiled).mtimeMs;
const tsx = built && !stale ? undefined : await loadTsx();
let entry;
if (built && !stale) entry = pathToFileURL(compiled).href;
else if (tsx) {
  // Silent: the sources are what the developer just edited, and the output stays the same either way.
  tsx.register();
  entry = pathToFileURL(join(sources, 'cli', 'index.ts')).href;
} else if (built) {
  console.error('status-relay: dist/ is older than src/ and tsx is not installed: running the old build (npm run build refreshes it)');
  entry = pathToFileURL(compiled).href;
} else {
  console.error('status-relay: neither a build (npm run build) nor tsx (npm install, with dev dependencies) is present');
  process.exit(1);
}
const { runCli } = await import(entry);
await runCli(process.argv);
