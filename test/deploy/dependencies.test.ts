import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
};

/** The files `npm run build` compiles (tsconfig.build.json): src/ without tests and the shared store contract. */
const productionSources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.contract.ts'))
  .map((f) => readFileSync(join(ROOT, 'src', f), 'utf8'));

const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Packages the compiled code loads at run time: `import type`/`export type` vanish at compile time. */
const runtimeImports = new Set(
  productionSources
    .flatMap((text) => [
      ...[...text.matchAll(/^\s*(?:import|export)(\s+type)?\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)].filter((m) => !m[1]).map((m) => m[2]!),
      ...[...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
    ])
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map(packageOf),
);
/** Required peers of the imported packages (keyv for @keyv/sqlite): declared so the lock pins them. */
const requiredPeers = new Set(
  [...runtimeImports].flatMap((name) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    return Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
  }),
);
/** Font packages src/kpi/fonts.ts finds by `require.resolve` rather than importing them. */
const resolvedFonts = new Set(productionSources.flatMap((text) => [...text.matchAll(/\bpackaged\(\s*'([^']+)'/g)].map((m) => m[1]!)));

describe('production dependencies (what npm ci --omit=dev installs)', () => {
  it('cover every package the compiled code imports', () => {
    for (const name of runtimeImports) expect(Object.keys(pkg.dependencies), name).toContain(name);
  });

  it('are each imported by the compiled code, a required peer of one, or a chart font: nothing for tests or the build only', () => {
    for (const name of Object.keys(pkg.dependencies))
      expect(runtimeImports.has(name) || requiredPeers.has(name) || resolvedFonts.has(name), name).toBe(true);
    for (const name of ['tsx', 'typescript', 'vitest', 'fast-check', 'ws']) expect(pkg.dependencies[name], name).toBeUndefined();
  });

  it('engines names the Node lines CI tests: 20 and 24 (the current LTS)', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || ^24.0.0');
  });
});
