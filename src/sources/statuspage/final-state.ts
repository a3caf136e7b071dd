import type { Incident } from '../../core/model.ts';
import { parseIncident } from './parse.ts';

/** What a page says about a story its summary no longer lists. */
export type FinalState =
  | { readonly kind: 'found'; readonly incident: Incident }
  /** The page does not know it any more (deleted, or older than the 50 its lists keep). */
  | { readonly kind: 'gone' }
  /** The page could not be asked (network, 5xx, garbage): ask again on the next poll. */
  | { readonly kind: 'unavailable'; readonly reason: string };

const apiUrl = (base: string, path: string): string => new URL(`api/v2/${path}`, base.endsWith('/') ? base : `${base}/`).href;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class NotFound extends Error {}

/**
 * `summary.json` lists only unresolved incidents and upcoming/active maintenances (docs/formats.md §1):
 * a story leaves it when it closes, and its closing update (the resolution's own words) is only
 * in `incidents/<id>.json` or the lists of the 50 most recent (`incidents.json`,
 * `scheduled-maintenances.json`). Statuspage keeps maintenances as incidents, so the per-id
 * endpoint is asked first for both kinds, the list of the story's kind second.
 */
export const fetchFinalState = async (
  base: string,
  story: Incident,
  sourceId: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<FinalState> => {
  const id = story.key.slice(sourceId.length + 1);
  const getJson = async (url: string): Promise<unknown> => {
    const res = await fetchImpl(url, {
      headers: { accept: 'application/json', 'user-agent': 'status-relay' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
    });
    if (res.status === 404 || res.status === 410) throw new NotFound();
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`${url} did not return JSON (starts with ${JSON.stringify(text.slice(0, 40))})`);
    }
  };
  try {
    const one = await getJson(apiUrl(base, `incidents/${encodeURIComponent(id)}.json`));
    if (isObject(one) && isObject(one.incident)) return { kind: 'found', incident: parseIncident(one.incident, sourceId) };
  } catch (e) {
    if (!(e instanceof NotFound)) return { kind: 'unavailable', reason: (e as Error).message };
  }
  const listPath = story.kind === 'maintenance' ? 'scheduled-maintenances.json' : 'incidents.json';
  const listKey = story.kind === 'maintenance' ? 'scheduled_maintenances' : 'incidents';
  try {
    const list = await getJson(apiUrl(base, listPath));
    const items = isObject(list) && Array.isArray(list[listKey]) ? (list[listKey] as unknown[]) : [];
    const raw = items.find((i) => isObject(i) && i.id === id);
    return raw ? { kind: 'found', incident: parseIncident(raw, sourceId) } : { kind: 'gone' };
  } catch (e) {
    if (e instanceof NotFound) return { kind: 'gone' };
    return { kind: 'unavailable', reason: (e as Error).message };
  }
};
