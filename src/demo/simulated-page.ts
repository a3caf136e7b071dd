import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Status = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage';

interface Step {
  /** Seconds after start (normal speed). */
  at: number;
  components: Partial<Record<string, Status>>;
  incident?: { status: 'investigating' | 'identified' | 'monitoring' | 'resolved'; body: string };
}

/** The outage story of docs/contract.md: a messaging service loses a database node. */
export const DEMO_SCRIPT: Step[] = [
  { at: 0, components: {} },
  {
    at: 4,
    components: { messaging: 'major_outage', media: 'degraded_performance' },
    incident: { status: 'investigating', body: 'We are investigating reports that messages fail to send and media uploads are slow.' },
  },
  {
    at: 16,
    components: { messaging: 'major_outage', media: 'degraded_performance' },
    incident: {
      status: 'identified',
      body: 'A failed database node in one region is causing time-outs. We are moving traffic to a healthy replica.',
    },
  },
  {
    at: 30,
    components: { messaging: 'degraded_performance' },
    incident: {
      status: 'monitoring',
      body: 'Traffic has moved; messages are flowing again with some delay. We are watching delivery times.',
    },
  },
  {
    at: 46,
    components: {},
    incident: { status: 'resolved', body: 'Messaging has fully recovered and delayed messages were delivered. We will publish a review.' },
  },
];

const COMPONENTS = [
  { id: 'cmp-messaging', name: 'Messaging' },
  { id: 'cmp-calls', name: 'Calls' },
  { id: 'cmp-media', name: 'Media' },
  { id: 'cmp-login', name: 'Login' },
];

/**
 * A local Atlassian-Statuspage-compatible page that replays the demo story: the real
 * statuspage source polls it exactly as it would poll a public page.
 */
export class SimulatedStatusPage {
  private server: Server | undefined;
  /**
   * The story starts when the page is first read: its first summary is the bot's silent baseline
   * (docs/contract.md §7), so an outage that began before the bot was up would never be told.
   */
  private started: number | undefined;
  private readonly incidentId = `demo${Date.now().toString(36)}`;

  constructor(private readonly speed = 1) {}

  /** Seconds (real time) until the story is over. */
  get durationSeconds(): number {
    return DEMO_SCRIPT.at(-1)!.at / this.speed;
  }

  private get startedAt(): number {
    return this.started ?? Date.now();
  }

  stepIndex(now = Date.now()): number {
    const elapsed = ((now - this.startedAt) / 1000) * this.speed;
    let idx = 0;
    DEMO_SCRIPT.forEach((s, i) => {
      if (s.at <= elapsed) idx = i;
    });
    return idx;
  }

  /** The story's incident as the page shows it now (undefined before it began), newest update first. */
  incident(now = Date.now()): Record<string, unknown> | undefined {
    const idx = this.stepIndex(now);
    if (!DEMO_SCRIPT.slice(0, idx + 1).some((s) => s.incident)) return undefined;
    const at = (i: number) => new Date(this.startedAt + (DEMO_SCRIPT[i]!.at / this.speed) * 1000).toISOString();
    const updates = DEMO_SCRIPT.slice(0, idx + 1)
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.incident)
      .map(({ s, i }) => ({
        id: `${this.incidentId}-u${i}`,
        incident_id: this.incidentId,
        status: s.incident!.status,
        body: s.incident!.body,
        created_at: at(i),
        display_at: at(i),
        affected_components: null,
      }))
      .reverse();
    const status = updates[0]!.status;
    return {
      id: this.incidentId,
      name: 'Messages failing to send',
      status,
      impact: 'major',
      created_at: at(1),
      started_at: at(1),
      resolved_at: status === 'resolved' ? updates[0]!.created_at : null,
      shortlink: 'https://status.example.com/incidents/demo',
      incident_updates: updates,
      components: COMPONENTS.filter((c) => ['Messaging', 'Media'].includes(c.name)).map((c) => ({ id: c.id, name: c.name })),
    };
  }

  private page(now: number): Record<string, unknown> {
    return { id: 'demo', name: 'Chatter', url: 'http://127.0.0.1/', time_zone: 'Etc/UTC', updated_at: new Date(now).toISOString() };
  }

  /** As the real API: the summary lists only unresolved incidents (docs/formats.md §1); a resolved one is in `incidents/<id>.json`. */
  summary(now = Date.now()): unknown {
    const idx = this.stepIndex(now);
    const step = DEMO_SCRIPT[idx]!;
    const at = (i: number) => new Date(this.startedAt + (DEMO_SCRIPT[i]!.at / this.speed) * 1000).toISOString();
    const incident = this.incident(now);
    const open = incident !== undefined && incident.status !== 'resolved';
    return {
      page: this.page(now),
      components: COMPONENTS.map((c) => ({
        id: c.id,
        name: c.name,
        status: step.components[c.name.toLowerCase()] ?? 'operational',
        group: false,
        group_id: null,
        updated_at: at(idx),
      })),
      incidents: open ? [incident] : [],
      scheduled_maintenances: [],
      status: { indicator: open ? 'major' : 'none', description: open ? 'Partial System Outage' : 'All Systems Operational' },
    };
  }

  messagingStatus(now = Date.now()): Status {
    return DEMO_SCRIPT[this.stepIndex(now)]!.components.messaging ?? 'operational';
  }

  /** The story in numbers: "p95 1.8 s (normally 240 ms), error rate 4.1 %". */
  metric(query: string, now = Date.now()): number | undefined {
    const jitter = 1 + ((now / 137) % 10) / 100;
    const figures: Record<Status, { p95: number; latency: number; errors: number }> = {
      operational: { p95: 240, latency: 45, errors: 0.2 },
      degraded_performance: { p95: 620, latency: 110, errors: 1.1 },
      partial_outage: { p95: 1200, latency: 300, errors: 2.5 },
      major_outage: { p95: 1800, latency: 420, errors: 4.1 },
    };
    const f = figures[this.messagingStatus(now)];
    if (query === 'messaging_response_p95_ms') return Math.round(f.p95 * jitter);
    if (query === 'messaging_latency_p95_ms') return Math.round(f.latency * jitter);
    if (query === 'messaging_error_rate_percent') return f.errors;
    return undefined;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/api/v1/query') {
        // A Prometheus-compatible answer, so the demo's `prometheus` KPI source has numbers to read.
        const value = this.metric(url.searchParams.get('query') ?? '');
        const body =
          value === undefined
            ? { status: 'error', errorType: 'bad_data', error: 'unknown metric' }
            : { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, String(value)] }] } };
        res.writeHead(value === undefined ? 400 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        return;
      }
      if (url.pathname === '/health') {
        // The public API the demo's probe checks: failing while messaging is down, slow while it recovers.
        const status = this.messagingStatus();
        if (status === 'major_outage') return void res.writeHead(503).end('unavailable');
        const delay = status === 'degraded_performance' ? 400 : 5;
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'), delay);
        return;
      }
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (url.pathname === '/api/v2/summary.json') {
        this.started ??= Date.now();
        return void json(this.summary());
      }
      const incident = this.incident();
      if (url.pathname === '/api/v2/incidents.json')
        return void json({ page: this.page(Date.now()), incidents: incident ? [incident] : [] });
      if (url.pathname === '/api/v2/scheduled-maintenances.json')
        return void json({ page: this.page(Date.now()), scheduled_maintenances: [] });
      if (incident && url.pathname === `/api/v2/incidents/${this.incidentId}.json`)
        return void json({ page: this.page(Date.now()), incident });
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
