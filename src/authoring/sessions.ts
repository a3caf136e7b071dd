import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { sameSecret } from '../core/secrets.ts';
import { NAMESPACES } from '../storage/namespaces.ts';
import type { KeyValue } from '../storage/store.ts';

/**
 * `/admin` login sessions (docs/authoring.md). The cookie holds a random id; the store holds only its
 * hash (a leaked store row is no session), with the session's CSRF token, so every instance of a
 * fleet accepts the same login. Sessions end 12 hours after login.
 */
export const SESSION_COOKIE = 'sr_admin';
export const SESSION_TTL_MS = NAMESPACES['admin-sessions'].ttlMs;

const sessionSchema = z.strictObject({ csrf: z.string(), label: z.string(), createdAt: z.string() });
export type AdminSession = z.infer<typeof sessionSchema> & { readonly id: string };

const hash = (id: string): string => createHash('sha256').update(id).digest('base64url');

export class AdminSessions {
  constructor(private readonly kv: KeyValue) {}

  async create(now: string): Promise<AdminSession> {
    const id = randomBytes(32).toString('base64url');
    const key = hash(id);
    // The label names the session in the audit log without revealing anything that opens it.
    const session = { csrf: randomBytes(32).toString('base64url'), label: `session-${key.slice(0, 8)}`, createdAt: now };
    await this.kv.set(key, session, SESSION_TTL_MS);
    return { ...session, id };
  }

  async get(id: string | undefined): Promise<AdminSession | undefined> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const parsed = sessionSchema.safeParse(await this.kv.get<unknown>(hash(id)));
    return parsed.success ? { ...parsed.data, id } : undefined;
  }

  async end(id: string): Promise<void> {
    await this.kv.delete(hash(id));
  }
}

/** The CSRF check: the form's token must be the session's own (constant-time compare). */
export const csrfOk = (session: AdminSession, given: string | null | undefined): boolean =>
  typeof given === 'string' && given.length > 0 && sameSecret(given, session.csrf);

export const readCookie = (header: string | undefined, name: string): string | undefined => {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
};

/** HttpOnly (no script reads it), SameSite=Strict (no other site's form sends it), Secure behind HTTPS, scoped to /admin. */
export const sessionCookie = (id: string, secure: boolean): string =>
  `${SESSION_COOKIE}=${id}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}${secure ? '; Secure' : ''}`;

export const clearedCookie = (secure: boolean): string =>
  `${SESSION_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
