import { randomUUID } from 'node:crypto';
import type { Engine, SqlQuery } from './store.ts';
import type { RedisEval } from './lease.ts';

/** The queue holds `limit` items already: the sender should come back later (HTTP 503 + Retry-After). */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(
    readonly queue: string,
    readonly limit: number,
  ) {
    super(`queue "${queue}" is full (${limit} items waiting)`);
  }
}

export interface QueueOptions {
  /** Appends beyond this many waiting items are refused with `QueueFullError`. */
  readonly limit: number;
  /** A handler that throws this many times for one item moves it aside (dead), so the rest drains. */
  readonly maxAttempts: number;
  /** A claim not acknowledged within this time is given to the next drainer (its holder died). */
  readonly visibilityMs: number;
}

export const DEFAULT_QUEUE: QueueOptions = { limit: 10_000, maxAttempts: 5, visibilityMs: 5 * 60_000 };

export interface QueueItem<T> {
  readonly id: string;
  readonly value: T;
  /** How many times a handler already failed on it. */
  readonly attempts: number;
}

export interface DrainResult {
  readonly done: number;
  readonly failed: number;
  readonly dead: number;
}

/**
 * A durable FIFO on the engine's own primitives (not keyv keys): a Redis list with a claim set,
 * one table claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, the same table on SQLite (whose
 * single writer makes the claim atomic). Every operation costs O(1) or O(claimed), never a scan of
 * the keyspace. A claim is exclusive: two drainers never get the same item.
 */
export interface DurableQueue<T> {
  readonly name: string;
  /** Durably records one item at the tail; `QueueFullError` when `limit` items wait. */
  append(value: T): Promise<string>;
  /** Takes the head item for this drainer, or undefined when nothing is waiting. */
  claim(drainer: string): Promise<QueueItem<T> | undefined>;
  /** Done with it: gone for good. */
  ack(item: QueueItem<T>): Promise<void>;
  /**
   * The handler failed: back to the head (order kept) for the next try, or aside into the dead
   * items after `maxAttempts`. `counts: false` (the store or the leadership failed, not the item)
   * puts it back without counting. Returns true when the item was moved aside.
   */
  fail(item: QueueItem<T>, drainer: string, counts?: boolean): Promise<boolean>;
  /** Claims older than `olderThanMs` (default `visibilityMs`) go back to the head: their drainer died or lost leadership. */
  recover(olderThanMs?: number): Promise<number>;
  /** Items waiting or claimed (not dead). */
  depth(): Promise<number>;
  /** Items moved aside, oldest first. */
  dead(): Promise<QueueItem<T>[]>;
  clear(): Promise<void>;
}

/** A drainer's name, unique per process and call site, for claims. */
export const drainerId = (prefix: string): string => `${prefix}:${randomUUID().slice(0, 8)}`;

/**
 * Claims and handles items one at a time in order until the queue is empty, `max` were handled, or
 * `keepGoing()` says stop. The first failure ends the pass, so the item is retried at the head on the
 * next pass (order kept) until it is moved aside.
 */
export const drain = async <T>(
  queue: DurableQueue<T>,
  drainer: string,
  handle: (value: T, item: QueueItem<T>) => Promise<void>,
  options: {
    max?: number;
    keepGoing?: () => boolean;
    counts?: (e: unknown) => boolean;
    onError?: (e: unknown, item: QueueItem<T>, dead: boolean) => void;
  } = {},
): Promise<DrainResult> => {
  let done = 0;
  let failed = 0;
  let dead = 0;
  const max = options.max ?? Infinity;
  while (done + failed < max && (options.keepGoing?.() ?? true)) {
    const item = await queue.claim(drainer);
    if (!item) break;
    try {
      await handle(item.value, item);
    } catch (e) {
      failed++;
      const movedAside = await queue.fail(item, drainer, options.counts?.(e) ?? true);
      if (movedAside) dead++;
      options.onError?.(e, item, movedAside);
      // A poison item moved aside no longer blocks the rest; any other failure waits for the next pass.
      if (movedAside) continue;
      break;
    }
    await queue.ack(item);
    done++;
  }
  return { done, failed, dead };
};

export const openQueue = <T>(engine: Engine, name: string, options: Partial<QueueOptions> = {}): DurableQueue<T> => {
  const o = { ...DEFAULT_QUEUE, ...options };
  return engine.kind === 'redis' ? redisQueue<T>(name, engine.client, o) : sqlQueue<T>(name, engine.query, engine.kind, o);
};

// ---------------------------------------------------------------------------------------------
// Redis: KEYS = list (waiting ids, head first), items (hash id → payload), attempts (hash),
// claims (zset id → claimed-at ms), owners (hash id → drainer), dead (list), seq (counter).

const APPEND = `
if redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[2]) then return -1 end
local id = redis.call('INCR', KEYS[7])
redis.call('HSET', KEYS[2], id, ARGV[1])
redis.call('RPUSH', KEYS[1], id)
return id`;

const CLAIM = `
local id = redis.call('LPOP', KEYS[1])
if not id then return nil end
redis.call('ZADD', KEYS[4], ARGV[2], id)
redis.call('HSET', KEYS[5], id, ARGV[1])
return { id, redis.call('HGET', KEYS[2], id) or '', redis.call('HGET', KEYS[3], id) or '0' }`;

const ACK = `
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[1])`;

// Only the current claimant puts an item back: a drainer whose claim was recovered has lost it.
const FAIL = `
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then return -1 end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
local attempts = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if ARGV[4] == '1' then attempts = redis.call('HINCRBY', KEYS[3], ARGV[1], 1) end
if attempts >= tonumber(ARGV[3]) then
  redis.call('RPUSH', KEYS[6], ARGV[1])
  return 1
end
redis.call('LPUSH', KEYS[1], ARGV[1])
return 0`;

// Oldest id last pushed, so that the recovered items go back to the head in their original order.
const RECOVER = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1])
table.sort(ids, function(a, b) return tonumber(a) > tonumber(b) end)
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[4], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('LPUSH', KEYS[1], id)
end
return #ids`;

const DEPTH = `return redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[4])`;

const DEAD = `
local ids = redis.call('LRANGE', KEYS[6], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  table.insert(out, id)
  table.insert(out, redis.call('HGET', KEYS[2], id) or '')
  table.insert(out, redis.call('HGET', KEYS[3], id) or '0')
end
return out`;

const CLEAR = `return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])`;

const redisQueue = <T>(name: string, connect: () => Promise<RedisEval>, o: QueueOptions): DurableQueue<T> => {
  const base = `status-relay:queue:{${name}}`;
  const keys = ['list', 'items', 'attempts', 'claims', 'owners', 'dead', 'seq'].map((k) => `${base}:${k}`);
  const run = async (script: string, args: (string | number)[]): Promise<unknown> =>
    (await connect()).eval(script, { keys, arguments: args.map(String) });
  const triples = (flat: unknown[]): QueueItem<T>[] => {
    const out: QueueItem<T>[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3)
      out.push({ id: String(flat[i]), value: JSON.parse(String(flat[i + 1])) as T, attempts: Number(flat[i + 2]) });
    return out;
  };
  return {
    name,
    async append(value) {
      const id = Number(await run(APPEND, [JSON.stringify(value), o.limit]));
      if (id < 0) throw new QueueFullError(name, o.limit);
      return String(id);
    },
    async claim(drainer) {
      const r = (await run(CLAIM, [drainer, Date.now()])) as unknown[] | null;
      return r ? triples(r)[0] : undefined;
    },
    async ack(item) {
      await run(ACK, [item.id]);
    },
    async fail(item, drainer, counts = true) {
      return Number(await run(FAIL, [item.id, drainer, o.maxAttempts, counts ? 1 : 0])) === 1;
    },
    async recover(olderThanMs = o.visibilityMs) {
      return Number(await run(RECOVER, [Date.now() - olderThanMs]));
    },
    async depth() {
      return Number(await run(DEPTH, []));
    },
    async dead() {
      return triples((await run(DEAD, [])) as unknown[]);
    },
    async clear() {
      await run(CLEAR, []);
    },
  };
};

// ---------------------------------------------------------------------------------------------

const sqlQueue = <T>(name: string, query: SqlQuery, dialect: 'postgres' | 'sqlite', o: QueueOptions): DurableQueue<T> => {
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  const table = 'status_relay_queue';
  let ready: Promise<unknown> | undefined;
  const init = () =>
    (ready ??= (async () => {
      const id = dialect === 'postgres' ? 'id BIGSERIAL PRIMARY KEY' : 'id INTEGER PRIMARY KEY AUTOINCREMENT';
      await query(
        `CREATE TABLE IF NOT EXISTS ${table} (${id}, queue VARCHAR(200) NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, claimed_by VARCHAR(300), claimed_at BIGINT NOT NULL DEFAULT 0, dead_at BIGINT)`,
        [],
      );
      // Waiting items of one queue in id order: the claim reads the first row of this index.
      await query(`CREATE INDEX IF NOT EXISTS ${table}_waiting ON ${table} (queue, id) WHERE dead_at IS NULL`, []);
    })().catch((e: unknown) => {
      ready = undefined;
      throw e;
    }));
  const item = (r: Record<string, unknown>): QueueItem<T> => ({
    id: String(r.id),
    value: JSON.parse(String(r.payload)) as T,
    attempts: Number(r.attempts),
  });
  // PostgreSQL: rows another drainer is claiming right now are skipped, not waited for.
  const lock = dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  return {
    name,
    async append(value) {
      await init();
      const rows = await query(
        `INSERT INTO ${table} (queue, payload) SELECT ${p(1)}, ${p(2)} WHERE (SELECT count(*) FROM ${table} WHERE queue = ${p(3)} AND dead_at IS NULL) < ${p(4)} RETURNING id`,
        [name, JSON.stringify(value), name, o.limit],
      );
      if (!rows[0]) throw new QueueFullError(name, o.limit);
      return String(rows[0].id);
    },
    async claim(drainer) {
      await init();
      const rows = await query(
        `UPDATE ${table} SET claimed_by = ${p(1)}, claimed_at = ${p(2)} WHERE id = (
           SELECT id FROM ${table} WHERE queue = ${p(3)} AND dead_at IS NULL AND claimed_at = 0 ORDER BY id LIMIT 1${lock}
         ) RETURNING id, payload, attempts`,
        [drainer, Date.now(), name],
      );
      return rows[0] ? item(rows[0]) : undefined;
    },
    async ack(it) {
      await init();
      await query(`DELETE FROM ${table} WHERE id = ${p(1)}`, [Number(it.id)]);
    },
    async fail(it, drainer, counts = true) {
      await init();
      const attempts = it.attempts + (counts ? 1 : 0);
      const dead = attempts >= o.maxAttempts;
      const rows = await query(
        `UPDATE ${table} SET attempts = ${p(1)}, claimed_by = NULL, claimed_at = 0, dead_at = ${p(2)} WHERE id = ${p(3)} AND claimed_by = ${p(4)} RETURNING id`,
        [attempts, dead ? Date.now() : null, Number(it.id), drainer],
      );
      return dead && rows.length > 0;
    },
    async recover(olderThanMs = o.visibilityMs) {
      await init();
      const rows = await query(
        `UPDATE ${table} SET claimed_by = NULL, claimed_at = 0 WHERE queue = ${p(1)} AND dead_at IS NULL AND claimed_at > 0 AND claimed_at <= ${p(2)} RETURNING id`,
        [name, Date.now() - olderThanMs],
      );
      return rows.length;
    },
    async depth() {
      await init();
      const rows = await query(`SELECT count(*) AS n FROM ${table} WHERE queue = ${p(1)} AND dead_at IS NULL`, [name]);
      return Number(rows[0]?.n ?? 0);
    },
    async dead() {
      await init();
      return (
        await query(`SELECT id, payload, attempts FROM ${table} WHERE queue = ${p(1)} AND dead_at IS NOT NULL ORDER BY id`, [name])
      ).map(item);
    },
    async clear() {
      await init();
      await query(`DELETE FROM ${table} WHERE queue = ${p(1)}`, [name]);
    },
  };
};
