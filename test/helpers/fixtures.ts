import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** ../shared/fixtures beside the repository: there in development and CI, absent in a user's clone. */
export const SHARED_FIXTURES = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures');

export const sharedFixturesPresent = (dir: string): boolean => existsSync(join(SHARED_FIXTURES, dir));

export const sharedFixtureFiles = (dir: string, ext = '.json'): string[] =>
  sharedFixturesPresent(dir)
    ? readdirSync(join(SHARED_FIXTURES, dir))
        .filter((f) => f.endsWith(ext))
        .sort()
    : [];

export const readSharedJson = (dir: string, file: string): unknown => JSON.parse(readFileSync(join(SHARED_FIXTURES, dir, file), 'utf8'));
export const readSharedText = (dir: string, file: string): string => readFileSync(join(SHARED_FIXTURES, dir, file), 'utf8');

export const NOT_RUN = (dir: string) =>
  `was not run: ../shared/fixtures/${dir} is not beside this clone (the project's own fixtures still cover the parser)`;
