import { createHmac, timingSafeEqual } from 'node:crypto';
import { PayloadError } from '../../core/errors.ts';
import type { StatusChange } from '../../core/model.ts';
import type { SourceConfig } from '../../core/config.ts';
import { parseStatuspageWebhook } from '../statuspage/parse.ts';
import { parseGeneric, type KpiSampleInput } from './generic.ts';
import { parseInstatus } from './instatus.ts';
import { parseAlertmanager } from './alertmanager.ts';
import { parseGrafana } from './grafana.ts';
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
  statuspage: (json, cfg, now) => ({ changes: parseStatuspageWebhook(json, cfg.id, now), samples: [] }),
  generic: (json, cfg, now) => parseGeneric(json, cfg.id, now),
  instatus: (json, cfg, now) => ({ changes: parseInstatus(json, cfg.id, now), samples: [] }),
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

/** SPEC §4: `X-Signature-256: sha256=<hex HMAC of raw body>`, or `?token=` for senders that cannot sign. */
export const verifySignature = (req: WebhookRequest, secret: string): void => {
  const token = req.query.get('token');
  if (token !== null) {
    if (safeEqual(token, secret)) return;
    throw new WebhookAuthError('invalid token');
  }
  const sig = header(req, 'x-signature-256');
  if (!sig) throw new WebhookAuthError('missing X-Signature-256 header (or ?token=)');
  const expected = `sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`;
  if (!safeEqual(sig.trim().toLowerCase(), expected)) throw new WebhookAuthError('invalid signature');
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
    if (this.config.secret) verifySignature(req, this.config.secret);
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
