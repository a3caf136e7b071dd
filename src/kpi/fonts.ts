import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Chart fonts. Latin, Arabic and Devanagari come with `npm install` (font packages from the npm
 * registry, ~18 MB), so charts draw those scripts on any machine and in the Docker image; Debian's
 * copies are used when the packaged ones are absent. CJK comes from Debian's `fonts-noto-cjk` only:
 * the npm packages that ship Noto Sans CJK carry every weight of every region (~95 MB for Simplified
 * Chinese alone, ~300 MB for SC + TC + JP), too much for a bot whose charts need one weight.
 * Only the files a chart's text needs are loaded, because the CJK collection alone is ~20 MB.
 */
type Script = 'latin' | 'cjk' | 'arabic' | 'devanagari';

interface FontSpec {
  readonly script: Script;
  readonly test: RegExp;
  readonly family: string;
  /** Candidate sets, best first: the first set with any file present is used. */
  readonly candidates: readonly (readonly string[])[];
  /** What installs it when no candidate is present. */
  readonly remedy: string;
}

const require = createRequire(import.meta.url);

/** Files of an npm font package, or none when it is not installed (`npm ci --omit=optional`, a trimmed image). */
const packaged = (pkg: string, ...files: string[]): string[] => {
  try {
    const root = dirname(require.resolve(`${pkg}/package.json`));
    return files.map((f) => join(root, f));
  } catch {
    return [];
  }
};

const FONTS: readonly FontSpec[] = [
  {
    script: 'latin',
    test: /[\s\S]/,
    family: 'DejaVu Sans',
    candidates: [
      packaged('dejavu-fonts-ttf', 'ttf/DejaVuSans.ttf', 'ttf/DejaVuSans-Bold.ttf'),
      ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
    ],
    remedy: 'npm install (package dejavu-fonts-ttf) or the Debian package fonts-dejavu-core',
  },
  {
    script: 'cjk',
    test: /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\uac00-\ud7af]/,
    family: 'Noto Sans CJK SC',
    candidates: [['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc']],
    remedy: 'the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)',
  },
  {
    script: 'arabic',
    test: /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/,
    family: 'Noto Sans Arabic',
    candidates: [
      packaged('@expo-google-fonts/noto-sans-arabic', '400Regular/NotoSansArabic_400Regular.ttf'),
      ['/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf'],
    ],
    remedy: 'npm install (package @expo-google-fonts/noto-sans-arabic) or the Debian package fonts-noto-core',
  },
  {
    script: 'devanagari',
    test: /[\u0900-\u097f]/,
    family: 'Noto Sans Devanagari',
    candidates: [
      packaged('@expo-google-fonts/noto-sans-devanagari', '400Regular/NotoSansDevanagari_400Regular.ttf'),
      ['/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf'],
    ],
    remedy: 'npm install (package @expo-google-fonts/noto-sans-devanagari) or the Debian package fonts-noto-core',
  },
];

export interface FontChoice {
  readonly files: string[];
  /** CSS font-family list, most specific first. */
  readonly family: string;
  /** Scripts in the text that no installed font covers, with what would install one. */
  readonly missing: { script: string; remedy: string }[];
}

/** CJK fonts draw Japanese kana/kanji in the Japanese style when the text is Japanese. */
const cjkFamily = (lang: string): string =>
  lang.startsWith('ja')
    ? 'Noto Sans CJK JP'
    : lang.startsWith('ko')
      ? 'Noto Sans CJK KR'
      : lang === 'zh-TW' || lang === 'zh-HK'
        ? 'Noto Sans CJK TC'
        : 'Noto Sans CJK SC';

export const fontsFor = (text: string, lang: string, fileExists: (p: string) => boolean = existsSync): FontChoice => {
  const files: string[] = [];
  const families: string[] = [];
  const missing: FontChoice['missing'] = [];
  for (const f of FONTS) {
    if (!f.test.test(text)) continue;
    const present = f.candidates.map((set) => set.filter((p) => fileExists(p))).find((set) => set.length > 0);
    if (!present) {
      missing.push({ script: f.script, remedy: f.remedy });
      continue;
    }
    files.push(...present);
    families.push(f.script === 'cjk' ? cjkFamily(lang) : f.family);
  }
  // Script fonts first for their text; DejaVu (listed last) draws digits and Latin.
  const ordered = [...families.slice(1), families[0]].filter(Boolean);
  return { files, family: ordered.map((f) => `'${f}'`).join(', ') || 'sans-serif', missing };
};

/** Whether charts can draw `script` on this machine (tests that need a Debian font say when they did not run). */
export const canDraw = (sample: string, lang: string): boolean => fontsFor(sample, lang).missing.length === 0;

export const missingFontsMessage = (missing: FontChoice['missing']): string =>
  `chart fonts missing for ${missing.map((m) => m.script).join(', ')}: install ${[...new Set(missing.map((m) => m.remedy))].join('; ')}`;
