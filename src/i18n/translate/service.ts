import { createHash } from 'node:crypto';
import type { KeyValue } from '../../storage/store.ts';
import type { StatusEvent } from '../../core/model.ts';
import type { TranslationProvider } from './provider.ts';
import { NAMESPACES } from '../../storage/namespaces.ts';

/** How long a translation stays in the store: incidents are short-lived, texts repeat within a story. */
const TTL_MS = NAMESPACES.translations.ttlMs;
/** In-memory entries kept for synchronous rendering. */
const MEMORY_LIMIT = 5000;

/** The source texts of an event worth translating: the incident's name and its newest update. */
export const translatableTexts = (event: StatusEvent): string[] => {
  if (event.type !== 'incident') return [];
  const body = event.update?.body ?? event.incident.updates.at(-1)?.body;
  return [event.incident.name, ...(body ? [body] : [])].filter((t) => t.trim() !== '');
};

/**
 * Translates incident text per locale ahead of rendering, caches it in the store (a namespace of its
 * own) and in memory, and answers rendering synchronously so rendering stays pure. Any failure leaves
 * the text untranslated: the original is shown under our localized framing.
 */
export class TranslationService {
  private readonly memory = new Map<string, string>();

  constructor(
    private readonly provider: TranslationProvider,
    private readonly store: KeyValue,
    private readonly log: { warn(details: object, message: string): void },
  ) {}

  private key(text: string, locale: string): string {
    return createHash('sha256').update(`${this.provider.name}\0${locale}\0${text}`).digest('base64url');
  }

  private remember(key: string, value: string): void {
    if (this.memory.size >= MEMORY_LIMIT) this.memory.delete(this.memory.keys().next().value!);
    this.memory.set(key, value);
  }

  /** The translation when one is known; undefined means "show the original". */
  cached(text: string, locale: string): string | undefined {
    return this.memory.get(this.key(text, locale));
  }

  /** Fetches what is missing for every locale: from the store first, then from the provider. Never throws. */
  async prefetch(texts: readonly string[], locales: readonly string[]): Promise<void> {
    const unique = [...new Set(texts)];
    await Promise.all(
      locales.map(async (locale) => {
        const keys = unique.map((t) => this.key(t, locale));
        const missing: number[] = [];
        const stored = await this.store.getMany<string>(keys.filter((k) => !this.memory.has(k))).catch(() => []);
        let s = 0;
        keys.forEach((k, i) => {
          if (this.memory.has(k)) return;
          const hit = stored[s++];
          if (typeof hit === 'string') this.remember(k, hit);
          else missing.push(i);
        });
        if (missing.length === 0) return;
        try {
          const out = await this.provider.translate(
            missing.map((i) => unique[i]!),
            locale,
          );
          await Promise.all(
            missing.map(async (i, n) => {
              this.remember(keys[i]!, out[n]!);
              await this.store.set(keys[i]!, out[n]!, TTL_MS);
            }),
          );
        } catch (e) {
          this.log.warn(
            { provider: this.provider.name, locale, err: (e as Error).message },
            'translation failed: the original text is shown',
          );
        }
      }),
    );
  }
}
