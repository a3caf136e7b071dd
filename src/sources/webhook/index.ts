import { createHmac } from 'node:crypto';
import { PayloadError } from '../../core/errors.ts';
import { sameSecret } from '../../core/secrets.ts';
import type { StatusChange } from '../../core/model.ts';
import type { SourceConfig } from '../../core/config.ts';
import { parseStatuspageWebhook } from '../statuspage/parse.ts';
import { parseGeneric } from './generic.ts';
import type { KpiSampleInput } from '../../kpi/model.ts';
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
  /** Only HMAC signatures over a timestamp: no Bearer, no `?token=`, no body-only signature. */
  readonly requireTimestamp?: boolean;
}

/** How a push proved it came from the holder of the secret. */
export interface WebhookAuth {
  readonly method: 'hmac' | 'bearer' | 'token' | 'insecure';
  /**
   * The verified signature (HMAC requests only): the same value again within the replay window is
   * a replay. Bearer and `?token=` carry the same secret on every request, so they have none.
   */
  readonly replayKey?: string;
}

const hmacHex = (secret: string, ...parts: (string | Buffer)[]): string => {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

const REQUIRE_TIMESTAMP_HINT =
  'this source has requireTimestamp: true: sign "<timestamp>.<raw body>" into X-Signature-256 and send the timestamp in X-Signature-Timestamp';

/**
 * docs/contract.md §4: `X-Signature-256: sha256=<hex HMAC of raw body>`, or `Authorization: Bearer <secret>` /
 * `?token=<secret>` for senders that cannot sign (Alertmanager's `authorization` and Grafana's
 * "Authorization Header" send the bearer form).
 * With `X-Signature-Timestamp: <Unix seconds>` the HMAC covers `<timestamp>.<raw body>` and a
 * timestamp outside the replay window is refused, so a captured request cannot be replayed later.
 * Grafana: `X-Grafana-Alerting-Signature: <hex>` over the body, or over `<timestamp>:<body>` when
 * its Timestamp Header is set to `X-Signature-Timestamp`.
 */
export const verifySignature = (req: WebhookRequest, secret: string, options?: SignatureOptions): WebhookAuth => {
  const timestamp = header(req, TIMESTAMP_HEADER)?.trim();
  const grafanaSig = options?.grafana ? header(req, GRAFANA_SIGNATURE_HEADER) : undefined;
  const sig = header(req, 'x-signature-256');
  if (!sig && !grafanaSig) {
    const token = req.query.get('token');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '')?.[1];
    const offered = bearer ?? token ?? undefined;
    if (offered === undefined)
      throw new WebhookAuthError(
        `missing X-Signature-256 header${options?.grafana ? ' (or X-Grafana-Alerting-Signature)' : ''} (or Authorization: Bearer, or ?token=)`,
      );
    if (options?.requireTimestamp)
      throw new WebhookAuthError(
        `${bearer !== undefined ? 'Authorization: Bearer' : '?token='} is not accepted: ${REQUIRE_TIMESTAMP_HINT}`,
      );
    if (!sameSecret(offered, secret)) throw new WebhookAuthError(bearer !== undefined ? 'invalid bearer token' : 'invalid token');
    return { method: bearer !== undefined ? 'bearer' : 'token' };
  }
  if (timestamp === undefined && options?.requireTimestamp)
    throw new WebhookAuthError(`missing X-Signature-Timestamp: ${REQUIRE_TIMESTAMP_HINT}`);
  if (timestamp !== undefined && !/^\d{1,12}$/.test(timestamp))
    throw new WebhookAuthError('invalid X-Signature-Timestamp: expected Unix seconds');
  const expected = sig
    ? `sha256=${timestamp === undefined ? hmacHex(secret, req.body) : hmacHex(secret, `${timestamp}.`, req.body)}`
    : timestamp === undefined
      ? hmacHex(secret, req.body)
      : hmacHex(secret, `${timestamp}:`, req.body);
  if (!sameSecret((sig ?? grafanaSig)!.trim().toLowerCase(), expected)) throw new WebhookAuthError('invalid signature');
  // Checked after the signature, so only a holder of the secret learns that the time was the problem.
  if (timestamp !== undefined && options && Math.abs(options.nowMs - Number(timestamp) * 1000) > options.replayWindowMs)
    throw new WebhookAuthError(
      "X-Signature-Timestamp is outside the replay window: check the sender's clock, or this is a replayed request",
    );
  return { method: 'hmac', replayKey: expected };
};

/** What `parsePush` hands on: the parsed push and how it was authenticated. */
export interface VerifiedPush extends ParsedPush {
  readonly auth: WebhookAuth;
}

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

  /** How long a signed push is remembered to refuse its replay: a timestamp may be a window early, then a window late. */
  get replayMemoryMs(): number {
    return 2 * this.config.replayWindow;
  }

  /** Verifies, then parses. Throws `WebhookAuthError` (401) or `PayloadError` (400); stores nothing itself. */
  parsePush(req: WebhookRequest, now = new Date().toISOString()): VerifiedPush {
    const auth = this.authenticate(req, now);
    return { ...this.parseBody(req, now), auth };
  }

  private authenticate(req: WebhookRequest, now: string): WebhookAuth {
    if (this.config.secret)
      return verifySignature(req, this.config.secret, {
        replayWindowMs: this.config.replayWindow,
        nowMs: Date.parse(now),
        grafana: this.config.format === 'grafana',
        requireTimestamp: this.config.requireTimestamp,
      });
    // Config refuses a source with neither; this keeps the door shut for one built some other way.
    if (this.config.insecure) return { method: 'insecure' };
    throw new WebhookAuthError(`webhook source "${this.id}" has no secret and is not marked insecure: it accepts nothing`);
  }

  private parseBody(req: WebhookRequest, now: string): ParsedPush {
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
