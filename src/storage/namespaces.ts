const DAY_MS = 86_400_000;

interface NamespaceSpec {
  /** What one row's key is made of. */
  readonly key: string;
  /** How long a row lives when nothing removes it first; undefined: until the code removes it. */
  readonly ttlMs?: number;
}

/**
 * Every namespace the bot keeps in the store, with its key format and the lifetime of its rows.
 * `Store.namespace` takes only these names (and `scratch-…` for tests and benchmarks), so a new one
 * is added here, where docs/storage.md's table is checked against it.
 */
export const NAMESPACES = {
  outbox: { key: 'job id (hash of event id and target)' },
  delivered: { key: 'job id', ttlMs: 7 * DAY_MS },
  events: { key: 'event id', ttlMs: 7 * DAY_MS },
  posts: { key: 'target | story', ttlMs: 90 * DAY_MS },
  'dead-letters': { key: 'job id', ttlMs: 30 * DAY_MS },
  'dead-letter-events': { key: 'event id', ttlMs: 30 * DAY_MS },
  'outbox-requeue': { key: 'job id' },
  incidents: { key: 'source id : incident id' },
  components: { key: 'component id' },
  baselines: { key: 'source id' },
  componentRefs: { key: 'component id' },
  subscriptions: { key: 'platform : user id' },
  announce: { key: 'platform : chat id [: thread id]' },
  users: { key: 'platform : user id' },
  translations: { key: 'hash of provider, target locale and text', ttlMs: 30 * DAY_MS },
  'webhook-replay': { key: "hash of source id and signature (kept for the source's replay window)" },
  flaps: { key: 'component id' },
  'kpi-rollups': { key: 'component id : day' },
  'kpi-days': { key: 'component id : day' },
  'kpi-status': { key: 'component id' },
  'kpi-meta': { key: 'a few fixed names' },
  'kpi-digest': { key: 'a few fixed names' },
  drafts: { key: 'surface : author id', ttlMs: DAY_MS },
  'incident-audit': { key: 'incident key | time | random', ttlMs: 400 * DAY_MS },
  'admin-sessions': { key: 'hash of the session id', ttlMs: DAY_MS / 2 },
} as const satisfies Record<string, NamespaceSpec>;

export type NamespaceName = keyof typeof NAMESPACES;
/** Throw-away namespaces of tests and benchmarks. */
export type ScratchNamespace = `scratch-${string}`;

export const NAMESPACE_NAMES = Object.keys(NAMESPACES) as NamespaceName[];
