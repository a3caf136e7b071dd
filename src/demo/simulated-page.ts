import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Status = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage';

interface Step {
  /** Seconds after start (normal speed). */
  at: number;
  components: Partial<Record<string, Status>>;
  incident?: { status: 'investigating' | 'identified' | 'monitoring' | 'resolved'; body: string };
}

/** The outage story of SPEC.md: a messaging service loses a database node. */
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
    incident: { status: 'identified', body: 'A failed database node in one region is causing time-outs. We are moving traffic to a healthy replica.' },
  },
  {
    at: 30,
    components: { messaging: 'degraded_performance' },
    incident: { status: 'monitoring', body: 'Traffic has moved; messages are flowing again with some delay. We are watching delivery times.' },
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
  private readonly startedAt = Date.now();
  private readonly incidentId = `demo${Date.now().toString(36)}`;

  constructor(private readonly speed = 1) {}

  /** Seconds (real time) until the story is over. */
  get durationSeconds(): number {
    return DEMO_SCRIPT.at(-1)!.at / this.speed;
  }

  stepIndex(now = Date.now()): number {
    const elapsed = ((now - this.startedAt) / 1000) * this.speed;
    let idx = 0;
    DEMO_SCRIPT.forEach((s, i) => {
      if (s.at <= elapsed) idx = i;
    });
    return idx;
  }

  summary(now = Date.now()): unknown {
    const idx = this.stepIndex(now);
    const step = DEMO_SCRIPT[idx]!;
    const at = (i: number) => new Date(this.startedAt + (DEMO_SCRIPT[i]!.at / this.speed) * 1000).toISOString();
    const updates = DEMO_SCRIPT.slice(0, idx + 1)
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.incident)
      .map(({ s, i }) => ({ id: `${this.incidentId}-u${i}`, status: s.incident!.status, body: s.incident!.body, created_at: at(i), display_at: at(i), affected_components: null }))
      .reverse();
    const open = Boolean(step.incident);
    return {
      page: { id: 'demo', name: 'Chatter', url: 'http://127.0.0.1/', time_zone: 'Etc/UTC', updated_at: new Date(now).toISOString() },
      components: COMPONENTS.map((c) => ({
        id: c.id,
        name: c.name,
        status: step.components[c.name.toLowerCase()] ?? 'operational',
        group: false,
        group_id: null,
        updated_at: at(idx),
      })),
      incidents: open
        ? [
            {
              id: this.incidentId,
              name: 'Messages failing to send',
              status: step.incident!.status,
              impact: 'major',
              created_at: at(1),
              started_at: at(1),
              shortlink: 'https://status.example.com/incidents/demo',
              incident_updates: updates,
              components: COMPONENTS.filter((c) => ['Messaging', 'Media'].includes(c.name)).map((c) => ({ id: c.id, name: c.name })),
            },
          ]
        : [],
      scheduled_maintenances: [],
      status: { indicator: open ? 'major' : 'none', description: open ? 'Partial System Outage' : 'All Systems Operational' },
    };
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/api/v2/summary.json')) {
        const body = JSON.stringify(this.summary());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
