/** Machine translation of source text (incident names and updates) into one of our locales. */
export interface TranslationProvider {
  readonly name: 'libretranslate' | 'deepl';
  /** Translates every text into `locale`, in order; throws TranslationError on any failure. */
  translate(texts: readonly string[], locale: string): Promise<string[]>;
}

export class TranslationError extends Error {
  override readonly name = 'TranslationError';
  constructor(
    readonly provider: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`${provider}: ${message}`);
  }
}

export interface ProviderConfig {
  readonly provider: 'libretranslate' | 'deepl';
  readonly url: string;
  readonly key?: string | undefined;
  readonly timeout: number;
}

/** LibreTranslate codes (https://docs.libretranslate.com/guides/api_usage): script subtags for Chinese. */
const LIBRE_CODES: Readonly<Record<string, string>> = { 'zh-CN': 'zh-Hans', 'zh-TW': 'zh-Hant', 'pt-BR': 'pt' };
/** DeepL `target_lang` (https://developers.deepl.com/docs/resources/supported-languages). */
const DEEPL_CODES: Readonly<Record<string, string>> = { en: 'EN-US', 'zh-CN': 'ZH-HANS', 'zh-TW': 'ZH-HANT', 'pt-BR': 'PT-BR' };

const endpoint = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}`;

const post = async (cfg: ProviderConfig, path: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> => {
  let res;
  try {
    // Node's own fetch, not the undici package: a second undici would install its Agent as the
    // process-wide dispatcher that discord.js's undici then uses, and break its multipart uploads.
    res = await fetch(endpoint(cfg.url, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(cfg.timeout),
    });
  } catch (e) {
    throw new TranslationError(cfg.provider, undefined, `request failed (${(e as Error).name})`);
  }
  const text = await res.text().catch(() => '');
  if (res.status !== 200) {
    // Both APIs explain errors in JSON ({"error": …} / {"message": …}); never echo the key.
    let detail = '';
    try {
      const j = JSON.parse(text) as { error?: unknown; message?: unknown };
      detail = String(j.error ?? j.message ?? '');
    } catch {
      detail = '';
    }
    throw new TranslationError(cfg.provider, res.status, `HTTP ${res.status}${detail ? ` (${detail.slice(0, 200)})` : ''}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TranslationError(cfg.provider, res.status, 'response is not JSON');
  }
};

const strings = (value: unknown, count: number, provider: string): string[] => {
  if (!Array.isArray(value) || value.length !== count || value.some((v) => typeof v !== 'string'))
    throw new TranslationError(provider, 200, 'unexpected response shape');
  return value as string[];
};

/** POST /translate {q: [...], source: "auto", target, format: "text", api_key} → {translatedText: [...]}. */
export const libreTranslate = (cfg: ProviderConfig): TranslationProvider => ({
  name: 'libretranslate',
  async translate(texts, locale) {
    if (texts.length === 0) return [];
    const body = {
      q: texts,
      source: 'auto',
      target: LIBRE_CODES[locale] ?? locale.split('-')[0],
      format: 'text',
      ...(cfg.key ? { api_key: cfg.key } : {}),
    };
    const res = (await post(cfg, '/translate', body)) as { translatedText?: unknown };
    return strings(res.translatedText, texts.length, 'libretranslate');
  },
});

/** POST /v2/translate {text: [...], target_lang}, header `Authorization: DeepL-Auth-Key …` → {translations: [{text}]}. */
export const deepl = (cfg: ProviderConfig): TranslationProvider => ({
  name: 'deepl',
  async translate(texts, locale) {
    if (texts.length === 0) return [];
    const body = { text: texts, target_lang: DEEPL_CODES[locale] ?? locale.split('-')[0]!.toUpperCase() };
    const res = (await post(cfg, '/v2/translate', body, cfg.key ? { authorization: `DeepL-Auth-Key ${cfg.key}` } : {})) as {
      translations?: unknown;
    };
    const list = Array.isArray(res.translations) ? res.translations.map((t: unknown) => (t as { text?: unknown } | null)?.text) : undefined;
    return strings(list, texts.length, 'deepl');
  },
});

export const createProvider = (cfg: ProviderConfig): TranslationProvider => (cfg.provider === 'deepl' ? deepl(cfg) : libreTranslate(cfg));
