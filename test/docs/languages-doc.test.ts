import { existsSync, readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { DOC_PATH, renderLanguagesDoc } from '../../scripts/languages-doc.ts';
import { SUPPORTED_LOCALES } from '../../src/i18n/locales.ts';

describe('docs/languages.md', () => {
  it('is current: regenerating it gives the committed file (run `npx tsx scripts/languages-doc.ts` after a wording change)', async () => {
    const fresh = await renderLanguagesDoc();
    expect(existsSync(DOC_PATH)).toBe(true);
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(fresh);
  });

  it('shows each language answering in its own language', async () => {
    const doc = await renderLanguagesDoc();
    for (const l of SUPPORTED_LOCALES) expect(doc).toContain(`### \`/status\` (answered in ${l})`);
    for (const word of ['Investigating', '调查中', '調查中', 'Investigando', 'जाँच जारी', 'Sedang diselidiki', 'جارٍ التحقيق', 'Выясняем причину', 'Analyse en cours', 'Wird untersucht', '調査中'])
      expect(doc).toContain(word);
  });
});
