import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText, parseEnv } from '../../src/core/config.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { configureFuzz, FUZZ_TIMEOUT, hostileString, junk } from './arbitraries.ts';

configureFuzz();

const ENV_NAMES = [
  'CONFIG_FILE',
  'STORE_URL',
  'HTTP_HOST',
  'HTTP_PORT',
  'LOG_LEVEL',
  'DEFAULT_LOCALE',
  'ADMIN_API_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_API_ROOT',
  'TELEGRAM_WEBHOOK_URL',
  'TELEGRAM_WEBHOOK_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_API_URL',
  'SLACK_COMMAND',
  'DISCORD_TOKEN',
  'DISCORD_APPLICATION_ID',
  'DISCORD_API_URL',
  'DISCORD_GUILD_ID',
] as const;

/** Only a ConfigError may escape, and it is one line that starts with the setting it is about. */
const expectCleanConfigError = (f: () => unknown, settingPattern: RegExp): void => {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.setting.length).toBeGreaterThan(0);
    expect(e.setting).toMatch(settingPattern);
    expect(e.message.startsWith(`${e.setting}: `)).toBe(true);
    expect(e.message.length).toBeGreaterThan(e.setting.length + 2);
  }
};

const value = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '65536',
    '8080',
    'https://ok.example',
    'http://',
    'ftp://x',
    'redis://r:6379',
    'sqlite://./x',
    'postgres://u@h/db',
    'mysql://x',
    'en',
    'xx-YY',
    'zh-CN',
    'debug',
    'LOUD',
    '/statusrelay',
    'statusrelay',
    '  ',
    '\n',
  ),
  hostileString(200),
);

const cfgValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      'x',
      '30s',
      '5m',
      '-1s',
      '0',
      'forever',
      'https://status.example',
      'not a url',
      'en',
      'ar',
      'xx',
      'UTC',
      'Mars/Olympus',
      'critical',
      'major_outage',
      'webhook',
      'statuspage',
      'probe',
      'telegram',
      'slack',
      '${HOME}',
      '${NOT_SET_ANYWHERE_42}',
      '$${X}',
      '0 9 * * 1',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: hostileString(100) },
);
const obj = (keys: readonly string[]) =>
  fc.dictionary(
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
    fc.oneof(cfgValue, fc.array(cfgValue, { maxLength: 3 })),
    { maxKeys: 6 },
  );
const source = obj([
  'id',
  'type',
  'url',
  'interval',
  'format',
  'secret',
  'componentLabel',
  'replayWindow',
  'component',
  'method',
  'timeout',
  'expectStatus',
  'queries',
  'failuresToDown',
]);
const tree = fc.record(
  {
    service: fc.oneof(obj(['name', 'locales', 'timezone', 'url']), cfgValue),
    components: fc.oneof(fc.array(obj(['id', 'name', 'group']), { maxLength: 4 }), cfgValue),
    sources: fc.oneof(fc.array(source, { maxLength: 4 }), cfgValue),
    announce: fc.oneof(
      fc.array(obj(['platform', 'chat', 'channel', 'thread', 'locale', 'components', 'minSeverity', 'broadcastResolution']), {
        maxLength: 4,
      }),
      cfgValue,
    ),
    advice: fc.oneof(fc.array(obj(['when', 'say']), { maxLength: 3 }), cfgValue),
    digest: fc.oneof(obj(['cron', 'announce']), cfgValue),
    i18n: fc.oneof(obj(['overrides', 'translate']), cfgValue),
    delivery: fc.oneof(obj(['maxAge', 'maxAttempts', 'deadTargetAttempts']), cfgValue),
    extra: junk,
  },
  { requiredKeys: [] },
);

const yamlish = fc.oneof(
  tree.map((t) => {
    try {
      return stringify(t);
    } catch {
      return '';
    }
  }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'sources:',
          '  - ',
          'id: x',
          'type: webhook',
          '{',
          '}',
          '[',
          ']',
          ': ',
          '- ',
          '&a',
          '*a',
          '!!binary',
          '!!js/function',
          '%YAML 1.2',
          '---',
          '...',
          '"',
          "'",
          '\t',
          '\n',
          '  ',
          '#',
          '<<: *a',
          '? ',
          '|',
          '>',
        ),
        hostileString(40),
      ),
      { maxLength: 40 },
    )
    .map((p) => p.join('')),
  hostileString(2000),
);

describe('fuzz: configuration never fails with anything but one clear ConfigError line', () => {
  it('parseConfigText on random YAML-ish text and random config trees', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        // Schema errors start with the file label; `${VAR}` errors name only the path (any YAML key), e.g. "advice[0].say[1]".
        expectCleanConfigError(() => parseConfigText(text, { HOME: '/home/x' }), /\S/);
      }),
    );
  });

  it('parseEnv on random environments', { timeout: FUZZ_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...ENV_NAMES), value, { maxKeys: 10 }), (env) => {
        expectCleanConfigError(() => parseEnv(env), /^[A-Z][A-Z0-9_]*$/);
      }),
    );
  });

  it('the check can fail: a multi-line or unnamed error is caught', () => {
    expect(() => expectCleanConfigError(() => parseEnv({ HTTP_PORT: 'x' }), /^[A-Z_]+$/)).not.toThrow();
    expect(() =>
      expectCleanConfigError(() => {
        throw new ConfigError('X', 'a\nb');
      }, /X/),
    ).toThrow();
    expect(() =>
      expectCleanConfigError(() => {
        throw new TypeError('boom');
      }, /X/),
    ).toThrow(TypeError);
  });
});
