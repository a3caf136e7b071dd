import type { ComponentConfig } from './config.ts';

/**
 * Maps source component ids and names to canonical ids (docs/contract.md §7): a config component matches a
 * source component whose id or name equals its `id` or any of its names, case-insensitively;
 * anything else is tracked under its own name.
 */
export class ComponentCatalog {
  private readonly byAlias = new Map<string, string>();
  private readonly configured = new Map<string, ComponentConfig>();

  constructor(components: readonly ComponentConfig[]) {
    for (const c of components) {
      this.configured.set(c.id, c);
      this.byAlias.set(c.id.toLowerCase(), c.id);
      const names = typeof c.name === 'string' ? [c.name] : Object.values(c.name ?? {});
      for (const n of names) this.byAlias.set(n.trim().toLowerCase(), c.id);
    }
  }

  /** Canonical id for a source component known by id and/or name. */
  resolve(ref: { id?: string | undefined; name?: string | undefined }): string {
    for (const key of [ref.name, ref.id]) {
      if (!key) continue;
      const hit = this.byAlias.get(key.trim().toLowerCase());
      if (hit) return hit;
    }
    return (ref.name ?? ref.id ?? 'unknown').trim();
  }

  /** Resolves a user's or config's word ("messaging", "Messaging", "消息") to a canonical id. */
  lookup(word: string): string | undefined {
    return this.byAlias.get(word.trim().toLowerCase());
  }

  /** The configured name in a locale, else the first configured name, else undefined. */
  localizedName(id: string, locale: string, fallbackLocale: string): string | undefined {
    const c = this.configured.get(id);
    if (!c?.name) return undefined;
    if (typeof c.name === 'string') return c.name;
    return c.name[locale] ?? c.name[locale.split('-')[0]!] ?? c.name[fallbackLocale] ?? Object.values(c.name)[0];
  }

  configuredIds(): string[] {
    return [...this.configured.keys()];
  }

  /** Adds aliases learned at run time (a source's own names), so commands accept them too. */
  learn(id: string, name: string): void {
    const key = name.trim().toLowerCase();
    if (!this.byAlias.has(key)) this.byAlias.set(key, id);
    if (!this.byAlias.has(id.toLowerCase())) this.byAlias.set(id.toLowerCase(), id);
  }
}
