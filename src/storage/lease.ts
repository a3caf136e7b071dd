import { newHolderId } from '../fleet/holder.ts';

/** Who holds a lease: host, process, its start marker and a random suffix (see `fleet/holder.ts`). */
export const holderId = (): string => newHolderId();

export interface LeaseState {
  readonly holder: string;
  readonly token: number;
  readonly expiresAt: number;
}

/**
 * A named lease with a fencing token, on the store's own atomics: Redis `SET NX PX` in a Lua script,
 * PostgreSQL and SQLite an `INSERT … ON CONFLICT DO UPDATE … WHERE expired OR mine` upsert. The token
 * grows by one each time the holder changes, so a stale leader can be told from the current one.
 */
export interface Lease {
  /** Takes the lease if free or expired, renews it if ours. Returns our token, or undefined if another holds it. */
  acquire(holder: string, ttlMs: number): Promise<number | undefined>;
  /** Gives it up if ours, so another instance takes over at once (graceful stop). */
  release(holder: string): Promise<void>;
  current(): Promise<LeaseState | undefined>;
  /** One round trip on the engine: does `holder` hold the lease, unexpired, with this fencing token? */
  holds(holder: string, token: number): Promise<boolean>;
}

type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** Where leases live: one row per lease in SQL, one key per lease in Redis (fenced writes check them, src/storage/store.ts). */
export const LEASE_TABLE = 'status_relay_lease';
export const redisLeaseKey = (name: string): string => `status-relay:lease:${name}`;

export const sqlLease = (name: string, query: Query, dialect: 'sqlite' | 'postgres'): Lease => {
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  let ready: Promise<unknown> | undefined;
  const init = () =>
    (ready ??= query(
      'CREATE TABLE IF NOT EXISTS status_relay_lease (name VARCHAR(200) PRIMARY KEY, holder VARCHAR(300) NOT NULL, token BIGINT NOT NULL, expires_at BIGINT NOT NULL)',
      [],
    ));
  return {
    async acquire(holder, ttlMs) {
      await init();
      const now = Date.now();
      const rows = await query(
        `INSERT INTO status_relay_lease (name, holder, token, expires_at) VALUES (${p(1)}, ${p(2)}, 1, ${p(3)})
         ON CONFLICT (name) DO UPDATE SET
           token = CASE WHEN status_relay_lease.holder = excluded.holder THEN status_relay_lease.token ELSE status_relay_lease.token + 1 END,
           holder = excluded.holder,
           -- A renewal that waited in a queue (a stalled server) must not move the expiry back: the next holder would take over early.
           expires_at = CASE WHEN status_relay_lease.holder = excluded.holder AND status_relay_lease.expires_at > excluded.expires_at THEN status_relay_lease.expires_at ELSE excluded.expires_at END
         WHERE status_relay_lease.holder = excluded.holder OR status_relay_lease.expires_at < ${p(4)}
         RETURNING token`,
        [name, holder, now + ttlMs, now],
      );
      return rows[0] ? Number(rows[0].token) : undefined;
    },
    async release(holder) {
      await init();
      // Expire rather than delete, so the token keeps growing across holders.
      await query(`UPDATE status_relay_lease SET expires_at = 0 WHERE name = ${p(1)} AND holder = ${p(2)}`, [name, holder]);
    },
    async current() {
      await init();
      const rows = await query(`SELECT holder, token, expires_at FROM status_relay_lease WHERE name = ${p(1)}`, [name]);
      const r = rows[0];
      return r ? { holder: String(r.holder), token: Number(r.token), expiresAt: Number(r.expires_at) } : undefined;
    },
    async holds(holder, token) {
      await init();
      const rows = await query(
        `SELECT 1 AS ok FROM status_relay_lease WHERE name = ${p(1)} AND holder = ${p(2)} AND token = ${p(3)} AND expires_at > ${p(4)}`,
        [name, holder, token, Date.now()],
      );
      return rows.length > 0;
    },
  };
};

export interface RedisEval {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  get(key: string): Promise<string | null>;
  pTTL(key: string): Promise<number>;
}

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
  return token
end
local sep = string.find(cur, '|[^|]*$')
local holder = string.sub(cur, 1, sep - 1)
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(string.sub(cur, sep + 1))
end
return -1`;

// The key expires with the lease, so a present value is an unexpired lease.
const HOLDS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`;

const RELEASE = `
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then return redis.call('DEL', KEYS[1]) end
return 0`;

export const redisLease = (name: string, connect: () => Promise<RedisEval>): Lease => {
  const key = redisLeaseKey(name);
  const tokenKey = `${key}:token`;
  return {
    async acquire(holder, ttlMs) {
      const client = await connect();
      const token = Number(await client.eval(ACQUIRE, { keys: [key, tokenKey], arguments: [holder, String(ttlMs)] }));
      return token > 0 ? token : undefined;
    },
    async release(holder) {
      const client = await connect();
      await client.eval(RELEASE, { keys: [key], arguments: [holder] });
    },
    async current() {
      const client = await connect();
      const cur = await client.get(key);
      if (!cur) return undefined;
      const sep = cur.lastIndexOf('|');
      const ttl = await client.pTTL(key);
      return { holder: cur.slice(0, sep), token: Number(cur.slice(sep + 1)), expiresAt: Date.now() + Math.max(0, ttl) };
    },
    async holds(holder, token) {
      const client = await connect();
      return Number(await client.eval(HOLDS, { keys: [key], arguments: [`${holder}|${token}`] })) === 1;
    },
  };
};
