import { existsSync } from 'node:fs';

/**
 * Chart fonts come from Debian packages (README set-up and `.ci/run` install them). Only the files a
 * chart's text needs are loaded, because the CJK collection alone is ~20 MB.
 */
interface FontSpec {
  readonly script: 'latin' | 'cjk' | 'arabic' | 'devanagari';
  readonly test: RegExp;
  readonly family: string;
  readonly files: readonly string[];
  readonly debianPackage: string;
}

const FONTS: readonly FontSpec[] = [
  { script: 'latin', test: /[\s\S]/, family: 'DejaVu Sans', files: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'], debianPackage: 'fonts-dejavu-core' },
  {
    script: 'cjk',
    test: /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\uac00-\ud7af]/,
    family: 'Noto Sans CJK SC',
    files: ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'],
    debianPackage: 'fonts-noto-cjk',
  },
  { script: 'arabic', test: /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/, family: 'Noto Sans Arabic', files: ['/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf'], debianPackage: 'fonts-noto-core' },
  { script: 'devanagari', test: /[\u0900-\u097f]/, family: 'Noto Sans Devanagari', files: ['/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf'], debianPackage: 'fonts-noto-core' },
];

export interface FontChoice {
  readonly files: string[];
  /** CSS font-family list, most specific first. */
  readonly family: string;
  /** Scripts in the text that no installed font covers, with the package that would. */
  readonly missing: { script: string; debianPackage: string }[];
}

/** CJK fonts draw Japanese kana/kanji in the Japanese style when the text is Japanese. */
const cjkFamily = (lang: string): string => (lang.startsWith('ja') ? 'Noto Sans CJK JP' : lang.startsWith('ko') ? 'Noto Sans CJK KR' : lang === 'zh-TW' || lang === 'zh-HK' ? 'Noto Sans CJK TC' : 'Noto Sans CJK SC');

export const fontsFor = (text: string, lang: string, fileExists: (p: string) => boolean = existsSync): FontChoice => {
  const files: string[] = [];
  const families: string[] = [];
  const missing: FontChoice['missing'] = [];
  for (const f of FONTS) {
    if (!f.test.test(text)) continue;
    const present = f.files.filter((p) => fileExists(p));
    if (present.length === 0) {
      missing.push({ script: f.script, debianPackage: f.debianPackage });
      continue;
    }
    files.push(...present);
    families.push(f.script === 'cjk' ? cjkFamily(lang) : f.family);
  }
  // Script fonts first for their text; DejaVu (listed last) draws digits and Latin.
  const ordered = [...families.slice(1), families[0]].filter(Boolean);
  return { files, family: ordered.map((f) => `'${f}'`).join(', ') || 'sans-serif', missing };
};

export const missingFontsMessage = (missing: FontChoice['missing']): string =>
  `chart fonts missing for ${missing.map((m) => m.script).join(', ')}: install the Debian package(s) ${[...new Set(missing.map((m) => m.debianPackage))].join(' ')} (apt-get install ...)`;
