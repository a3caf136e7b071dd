import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes one benchmark's figures to `bench/results/<name>.json`, the file bench/README.md quotes. */
export const writeResult = (name: string, result: unknown): void => {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
};
