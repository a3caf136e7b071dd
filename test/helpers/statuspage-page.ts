import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local page that answers like Atlassian Statuspage's public API v2 (docs/formats.md §1):
 * `summary.json` lists components, unresolved incidents and upcoming/active maintenances only;
 * a closed story is only in `incidents/<id>.json` and the lists of the most recent
 * (`incidents.json`, `scheduled-maintenances.json`).
 */
export interface PageStory {
  readonly id: string;
  readonly name: string;
  readonly kind: 'incident' | 'maintenance';
  status: string;
  impact: string;
  readonly createdAt: string;
  scheduledFor?: string;
  scheduledUntil?: string;
  resolvedAt?: string;
  /** Oldest first; served newest first, as the real API does. */
  readonly updates: { id: string; status: string; body: string; createdAt: string }[];
  readonly componentIds: string[];
}

export class StatuspagePage {
  private server: Server | undefined;
  readonly components = new Map<string, { id: string; name: string; status: string }>();
  readonly stories = new Map<string, PageStory>();
  /** Path → how many times it was asked for. */
  readonly hits = new Map<string, number>();
  /** Paths that answer 503 while listed here (a page having a bad minute). */
  readonly failing = new Set<string>();
  /** Story ids `incidents/<id>.json` answers 404 for, though the lists still hold them. */
  readonly notById = new Set<string>();
  private counter = 0;

  addComponent(id: string, name: string, status = 'operational'): void {
    this.components.set(id, { id, name, status });
  }

  setComponent(id: string, status: string): void {
    this.components.get(id)!.status = status;
  }

  /** Adds a story, or a new update to it (which sets its status). */
  post(init: {
    id: string;
    name?: string;
    kind?: 'incident' | 'maintenance';
    status: string;
    body: string;
    impact?: string;
    components?: string[];
    scheduledFor?: string;
    scheduledUntil?: string;
  }): void {
    const now = new Date(Date.now() + this.counter).toISOString();
    let story = this.stories.get(init.id);
    if (!story) {
      story = {
        id: init.id,
        name: init.name ?? init.id,
        kind: init.kind ?? 'incident',
        status: init.status,
        impact: init.impact ?? (init.kind === 'maintenance' ? 'maintenance' : 'major'),
        createdAt: now,
        updates: [],
        componentIds: init.components ?? [],
        ...(init.scheduledFor ? { scheduledFor: init.scheduledFor } : {}),
        ...(init.scheduledUntil ? { scheduledUntil: init.scheduledUntil } : {}),
      };
      this.stories.set(init.id, story);
    }
    story.status = init.status;
    if (['resolved', 'completed', 'postmortem'].includes(init.status)) story.resolvedAt = now;
    story.updates.push({ id: `${init.id}-u${++this.counter}`, status: init.status, body: init.body, createdAt: now });
  }

  json(story: PageStory): Record<string, unknown> {
    return {
      id: story.id,
      name: story.name,
      status: story.status,
      impact: story.impact,
      created_at: story.createdAt,
      started_at: story.createdAt,
      updated_at: story.updates.at(-1)?.createdAt ?? story.createdAt,
      resolved_at: story.resolvedAt ?? null,
      monitoring_at: null,
      shortlink: `https://stspg.io/${story.id}`,
      page_id: 'page1',
      ...(story.kind === 'maintenance'
        ? { scheduled_for: story.scheduledFor ?? story.createdAt, scheduled_until: story.scheduledUntil ?? null }
        : {}),
      incident_updates: [...story.updates].reverse().map((u) => ({
        id: u.id,
        status: u.status,
        body: u.body,
        incident_id: story.id,
        created_at: u.createdAt,
        updated_at: u.createdAt,
        display_at: u.createdAt,
        affected_components: null,
      })),
      components: story.componentIds.map((id) => ({ ...this.components.get(id)!, group: false, group_id: null })),
    };
  }

  private page(): Record<string, unknown> {
    return { id: 'page1', name: 'Chatter', url: 'https://status.example.com', time_zone: 'Etc/UTC', updated_at: new Date().toISOString() };
  }

  private open(kind: 'incident' | 'maintenance'): PageStory[] {
    return [...this.stories.values()].filter((s) => s.kind === kind && !['resolved', 'completed', 'postmortem'].includes(s.status));
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (this.failing.has(path)) return send(503, { error: 'unavailable' });
      if (path === '/api/v2/summary.json')
        return send(200, {
          page: this.page(),
          components: [...this.components.values()].map((c) => ({
            ...c,
            group: false,
            group_id: null,
            updated_at: new Date().toISOString(),
          })),
          incidents: this.open('incident').map((s) => this.json(s)),
          scheduled_maintenances: this.open('maintenance').map((s) => this.json(s)),
          status: { indicator: 'none', description: 'All Systems Operational' },
        });
      if (path === '/api/v2/incidents.json')
        return send(200, {
          page: this.page(),
          incidents: [...this.stories.values()].filter((s) => s.kind === 'incident').map((s) => this.json(s)),
        });
      if (path === '/api/v2/scheduled-maintenances.json')
        return send(200, {
          page: this.page(),
          scheduled_maintenances: [...this.stories.values()].filter((s) => s.kind === 'maintenance').map((s) => this.json(s)),
        });
      const one = /^\/api\/v2\/incidents\/([^/]+)\.json$/.exec(path);
      const story = one && !this.notById.has(decodeURIComponent(one[1]!)) ? this.stories.get(decodeURIComponent(one[1]!)) : undefined;
      if (story) return send(200, { page: this.page(), incident: this.json(story) });
      send(404, { error: 'not found' });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
