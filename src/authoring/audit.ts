import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NAMESPACES } from '../storage/namespaces.ts';
import type { KeyValue } from '../storage/store.ts';

/**
 * The audit log of manual incidents (docs/authoring.md): every published step says who, where, when
 * and what. It lives in its own namespace and is read only by `/admin` and `status-relay incident log`;
 * nothing of it reaches the announcements or the public status page.
 */
export const auditEntrySchema = z.strictObject({
  incident: z.string(),
  at: z.string(),
  action: z.enum(['opened', 'updated', 'resolved']),
  who: z.strictObject({ platform: z.string(), id: z.string(), name: z.string().optional() }),
  /** The surface and place: `slack channel C0123`, `/admin`, `admin API`. */
  where: z.string(),
  what: z.strictObject({
    status: z.string(),
    impact: z.string().optional(),
    message: z.string(),
    components: z.array(z.string()),
    componentStatuses: z.record(z.string(), z.string()).optional(),
  }),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export class AuditLog {
  constructor(private readonly kv: KeyValue) {}

  async record(entry: AuditEntry): Promise<void> {
    const key = `${entry.incident}|${entry.at}|${randomBytes(4).toString('hex')}`;
    await this.kv.set(key, auditEntrySchema.parse(entry), NAMESPACES['incident-audit'].ttlMs);
  }

  /** Every entry of one incident, oldest first. The key leads with the incident, so a scan is a filter. */
  async of(incidentKey: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for await (const [key, value] of this.kv.entries<unknown>()) {
      if (!key.startsWith(`${incidentKey}|`)) continue;
      const parsed = auditEntrySchema.safeParse(value);
      if (parsed.success) out.push(parsed.data);
    }
    return out.sort((a, b) => a.at.localeCompare(b.at));
  }
}

/** One line per entry, as `status-relay incident log <id>` prints it. */
export const formatAuditLog = (entries: readonly AuditEntry[]): string =>
  entries
    .map((e) => {
      const who = e.who.name ? `${e.who.name} (${e.who.platform} ${e.who.id})` : `${e.who.platform} ${e.who.id}`;
      const comps = e.what.components.map((c) => (e.what.componentStatuses?.[c] ? `${c}=${e.what.componentStatuses[c]}` : c)).join(',');
      const msg = e.what.message.replace(/\s+/g, ' ').slice(0, 200);
      return [e.at, e.action, e.what.status, e.what.impact ?? '-', comps || '-', who, e.where, JSON.stringify(msg)].join('\t');
    })
    .join('\n');
