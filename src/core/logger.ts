import { isDeepStrictEqual } from 'node:util';
import pino, { type Logger } from 'pino';

/** Paths whose values never reach a log line, whatever the level. */
export const REDACT_PATHS = [
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.signingSecret',
  '*.appToken',
  '*.botToken',
  'req.headers.authorization',
  'req.headers["x-signature-256"]',
  'req.headers["x-slack-signature"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'env.*TOKEN',
  'env.*SECRET',
];

/** Tokens also hide inside URLs (Telegram puts the bot token in the path): mask them in any message. */
export const scrubSecrets = (text: string, secrets: readonly string[]): string => {
  let out = text;
  for (const s of secrets) if (s && s.length >= 6) out = out.split(s).join('****');
  return out;
};

/** Keys pino writes itself on every line. */
const PINO_KEYS = new Set(['level', 'time']);

/**
 * pino writes a child's bindings and the call's fields side by side without merging them, so
 * `log.child({ source }).warn({ source }, …)` prints `"source"` twice, by design for speed
 * (https://github.com/pinojs/pino/issues/625, docs/child-loggers.md "Duplicate keys caveat") —
 * JSON that log pipelines reject or read differently.
 * A field equal to its binding is dropped; one that differs from a binding, or that names pino's
 * own `level`/`time` (or `msg` when a message is given), moves under `fields`, so nothing is lost.
 */
export const withoutRepeatedKeys = (
  obj: Record<string, unknown>,
  bindings: Record<string, unknown>,
  hasMessage: boolean,
): Record<string, unknown> => {
  let out: Record<string, unknown> | undefined;
  let moved: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(obj)) {
    const bound = Object.hasOwn(bindings, key);
    if (!bound && !PINO_KEYS.has(key) && !(key === 'msg' && hasMessage)) continue;
    out ??= { ...obj };
    delete out[key];
    if (bound && isDeepStrictEqual(bindings[key], value)) continue;
    (moved ??= {})[key] = value;
  }
  if (!out) return obj;
  if (moved) out.fields = { ...(out.fields && typeof out.fields === 'object' ? (out.fields as Record<string, unknown>) : {}), ...moved };
  return out;
};

/** A logger's bindings never change here (no setBindings): parse each logger's once, not per line. */
const bindingsOf = new WeakMap<object, Record<string, unknown>>();
const cachedBindings = (log: Logger): Record<string, unknown> => {
  let b = bindingsOf.get(log);
  if (!b) bindingsOf.set(log, (b = log.bindings()));
  return b;
};

const isFields = (a: unknown): a is Record<string, unknown> =>
  typeof a === 'object' && a !== null && !(a instanceof Error) && !Array.isArray(a);

export const createLogger = (level: string, secrets: readonly string[] = [], destination?: pino.DestinationStream): Logger =>
  pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '****' },
      base: undefined,
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const deduplicated = isFields(first)
            ? [withoutRepeatedKeys(first, cachedBindings(this), typeof rest[0] === 'string'), ...rest]
            : args;
          const scrubbed = deduplicated.map((a) => (typeof a === 'string' ? scrubSecrets(a, secrets) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      formatters: {
        log: (obj) => JSON.parse(scrubSecrets(JSON.stringify(obj, errorReplacer), secrets)) as Record<string, unknown>,
      },
    },
    destination,
  );

const errorReplacer = (_key: string, value: unknown): unknown =>
  value instanceof Error
    ? { type: value.name, message: value.message, ...(value.stack ? { stack: value.stack.split('\n').slice(0, 4).join('\n') } : {}) }
    : value;
