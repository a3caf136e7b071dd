import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The gateway as a client sees it (https://discord.com/developers/docs/events/gateway): HELLO, then
 * IDENTIFY → READY, heartbeats ACKed, then dispatches. Plain JSON text frames: discord.js uses
 * zlib-stream only when the optional `zlib-sync` is installed.
 */
export interface GatewayIdentity {
  readonly botUser: { id: string; username: string };
  readonly applicationId: string;
  readonly token: string;
  readonly url: () => string;
  /** Called when a session identifies or closes. */
  readonly onChange?: () => void;
}

interface Session {
  readonly ws: WebSocket;
  seq: number;
  ready: boolean;
}

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<Session>();
  readonly received: { op: number; d: unknown }[] = [];
  identified = 0;
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly identity: GatewayIdentity) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws));
  }

  private open(ws: WebSocket): void {
    const session: Session = { ws, seq: 0, ready: false };
    this.sessions.add(session);
    ws.on('close', () => {
      this.sessions.delete(session);
      this.identity.onChange?.();
    });
    ws.on('message', (raw) => this.onFrame(session, raw.toString()));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
  }

  private onFrame(session: Session, text: string): void {
    let frame: { op: number; d: unknown };
    try {
      frame = JSON.parse(text) as { op: number; d: unknown };
    } catch {
      session.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    this.received.push(frame);
    switch (frame.op) {
      case 1:
        session.ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        return;
      case 2: {
        const d = frame.d as { token?: string; intents?: number };
        if (d.token !== this.identity.token && d.token !== `Bot ${this.identity.token}`) {
          session.ws.close(4004, 'Authentication failed.');
          return;
        }
        this.identified++;
        session.ready = true;
        this.send(session, 'READY', {
          v: 10,
          user: { ...this.identity.botUser, discriminator: '0000', avatar: null, bot: true, global_name: null, flags: 0 },
          guilds: [],
          session_id: `session-${this.identified}`,
          resume_gateway_url: this.identity.url(),
          shard: [0, 1],
          application: { id: this.identity.applicationId, flags: 0 },
        });
        for (const w of this.readyWaiters.splice(0)) w();
        this.identity.onChange?.();
        return;
      }
      case 3:
        return; // presence update: accepted, nothing to do
      default:
        session.ws.close(4001, 'Unknown opcode.');
    }
  }

  private send(session: Session, t: string, d: unknown): void {
    session.seq++;
    session.ws.send(JSON.stringify({ op: 0, t, s: session.seq, d }));
  }

  /** Sends a dispatch to every identified session; false when no client is connected. */
  dispatch(t: string, d: unknown): boolean {
    let sent = false;
    for (const s of this.sessions)
      if (s.ready) {
        this.send(s, t, d);
        sent = true;
      }
    return sent;
  }

  connected(): number {
    return [...this.sessions].filter((s) => s.ready).length;
  }

  /** Resolves once a client has identified (at once when one already has). */
  waitReady(): Promise<void> {
    if (this.connected() > 0) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  close(): void {
    for (const s of this.sessions) s.ws.terminate();
    this.wss.close();
  }
}
