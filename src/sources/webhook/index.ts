import { createHmac, timingSafeEqual } from 'node:crypto';
import { PayloadError } from '../../core/errors.ts';
import type { StatusChange } from '../../core/model.ts';
import type { SourceConfig } from '../../core/config.ts';
import { parseStatuspageWebhook } from '../statuspage/parse.ts';
import { parseGeneric, type KpiSampleInput } from './generic.ts';
import { parseInstatus } from './instatus.ts';
import { parseAlertmanager } from './alertmanager.ts';
import { parseGrafana } from './grafana.ts';
import { instatusWebhookSchema, statuspageWebhookSchema, validateWebhook } from './schemas.ts';
import { WebhookAuthError, type StatusSource, type WebhookRequest } from '../source.ts';

type WebhookConfig = Extract<SourceConfig, { type: 'webhook' }>;
export type WebhookFormat = WebhookConfig['format'];

export interface ParsedPush {
  readonly changes: StatusChange[];
  readonly samples: KpiSampleInput[];
}

export type WebhookParser = (json: unknown, config: WebhookConfig, now: string) => ParsedPush;

/** One parser per format; a new format is one entry here and one file beside this one. */
export const WEBHOOK_PARSERS: Partial<Record<WebhookFormat, WebhookParser>> = {
  statuspage: (json, cfg, now) => {
    validateWebhook(statuspageWebhookSchema, json, 'an "incident" or "component_update" object');
    return { changes: parseStatuspageWebhook(json, cfg.id, now), samples: [] };
  },
  generic: (json, cfg, now) => parseGeneric(json, cfg.id, now),
  instatus: (json, cfg, now) => {
    validateWebhook(instatusWebhookSchema, json, 'an "incident", "maintenance" or "component_update" object');
    return { changes: parseInstatus(json, cfg.id, now), samples: [] };
  },
  alertmanager: (json, cfg, now) => ({ changes: parseAlertmanager(json, cfg.id, now, cfg.componentLabel), samples: [] }),
  grafana: (json, cfg, now) => parseGrafana(json, cfg.id, now, cfg.componentLabel),
};

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const header = (req: WebhookRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** Senders that sign a timestamp put it here (Unix seconds); Grafana's "Timestamp Header" should name it too. */
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
/** Grafana unified alerting's default HMAC header: hex, no prefix (grafana.com/docs … webhook-notifier#hmac-signature). */
export const GRAFANA_SIGNATURE_HEADER = 'x-grafana-alerting-signature';

export interface SignatureOptions {
  /** How far a signed timestamp may be from `nowMs`, either way. */
  readonly replayWindowMs: number;
  readonly nowMs: number;
  /** Also accept Grafana's header (the source's format is grafana). */
  readonly grafana?: boolean;
}

const hmacHex = (secret: string, ...parts: (string | Buffer)[]): string => {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/**
 * SPEC §4: `X-Signature-256: sha256=<hex HMAC of raw body>`, or `?token=` for senders that cannot sign.
 * With `X-Signature-Timestamp: <Unix seconds>` the HMAC covers `<timestamp>.<raw body>` and a
 * timestamp outside the replay window is refused, so a captured request cannot be replayed later.
 * Grafana: `X-Grafana-Alerting-Signature: <hex>` over the body, or over `<timestamp>:<body>` when
 * its Timestamp Header is set to `X-Signature-Timestamp`.
 */
export const verifySignature = (req: WebhookRequest, secret: string, options?: SignatureOptions): void => {
  const token = req.query.get('token');
  if (token !== null) {
    if (safeEqual(token, secret)) return;
    throw new WebhookAuthError('invalid token');
  }
  const timestamp = header(req, TIMESTAMP_HEADER)?.trim();
  const grafanaSig = options?.grafana ? header(req, GRAFANA_SIGNATURE_HEADER) : undefined;
  const sig = header(req, 'x-signature-256');
  if (!sig && !grafanaSig) throw new WebhookAuthError(`missing X-Signature-256 header${options?.grafana ? ' (or X-Grafana-Alerting-Signature)' : ''} (or ?token=)`);
  if (timestamp !== undefined && !/^\d{1,12}$/.test(timestamp)) throw new WebhookAuthError('invalid X-Signature-Timestamp: expected Unix seconds');
  const expected = sig
    ? `sha256=${timestamp === undefined ? hmacHex(secret, req.body) : hmacHex(secret, `${timestamp}.`, req.body)}`
    : timestamp === undefined
      ? hmacHex(secret, req.body)
      : hmacHex(secret, `${timestamp}:`, req.body);
  if (!safeEqual((sig ?? grafanaSig)!.trim().toLowerCase(), expected)) throw new WebhookAuthError('invalid signature');
  // Checked after the signature, so only a holder of the secret learns that the time was the problem.
  if (timestamp !== undefined && options && Math.abs(options.nowMs - Number(timestamp) * 1000) > options.replayWindowMs)
    throw new WebhookAuthError('X-Signature-Timestamp is outside the replay window: check the sender\'s clock, or this is a replayed request');
};

export class WebhookSource implements StatusSource {
  readonly type = 'webhook';
  readonly id: string;
  private readonly parser: WebhookParser;

  constructor(private readonly config: WebhookConfig) {
    this.id = config.id;
    const parser = WEBHOOK_PARSERS[config.format];
    if (!parser) throw new Error(`webhook format ${config.format} has no parser`);
    this.parser = parser;
  }

  async start(ctx: { health: { state: string } }): Promise<void> {
    ctx.health.state = 'ok';
  }

  /** Verifies, then parses. Throws `WebhookAuthError` (401) or `PayloadError` (400); stores nothing itself. */
  parsePush(req: WebhookRequest, now = new Date().toISOString()): ParsedPush {
    if (this.config.secret)
      verifySignature(req, this.config.secret, { replayWindowMs: this.config.replayWindow, nowMs: Date.parse(now), grafana: this.config.format === 'grafana' });
    let json: unknown;
    try {
      json = JSON.parse(req.body.toString('utf8'));
    } catch (e) {
      throw new PayloadError(`body is not valid JSON: ${(e as Error).message}`);
    }
    return this.parser(json, this.config, now);
  }

  parseWebhook(req: WebhookRequest): StatusChange[] {
    return this.parsePush(req).changes;
  }
}
