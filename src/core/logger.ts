import pino, { type Logger } from 'pino';

/** Paths whose values never reach a log line, whatever the level. */
export const REDACT_PATHS = [
  '*.token', '*.secret', '*.password', '*.authorization', '*.signingSecret', '*.appToken', '*.botToken',
  'req.headers.authorization', 'req.headers["x-signature-256"]', 'req.headers["x-slack-signature"]',
  'req.headers["x-telegram-bot-api-secret-token"]', 'env.*TOKEN', 'env.*SECRET',
];

/** Tokens also hide inside URLs (Telegram puts the bot token in the path): mask them in any message. */
export const scrubSecrets = (text: string, secrets: readonly string[]): string => {
  let out = text;
  for (const s of secrets) if (s && s.length >= 6) out = out.split(s).join('****');
  return out;
};

export const createLogger = (level: string, secrets: readonly string[] = [], destination?: pino.DestinationStream): Logger =>
  pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '****' },
      base: undefined,
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a, secrets) : a));
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
  value instanceof Error ? { type: value.name, message: value.message, ...(value.stack ? { stack: value.stack.split('\n').slice(0, 4).join('\n') } : {}) } : value;
