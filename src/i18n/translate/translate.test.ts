import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { openStore, type Store } from '../../storage/store.ts';
import { Translator } from '../i18n.ts';
import { renderEvent, type RenderContext } from '../render.ts';
import { toPlainText } from '../message.ts';
import { createProvider, TranslationError, type ProviderConfig } from './provider.ts';
import { TranslationService, translatableTexts } from './service.ts';
import { startDeepL, startLibreTranslate, fakeTranslation, type TranslateFake } from '../../../test/emulators/translate/fakes.ts';
import { startTestApp } from '../../../test/helpers/app.ts';
import type { Incident, StatusEvent } from '../../core/model.ts';

const KEY = 'k-very-secret';
const incident: Incident = {
  key: 'manual:inc1',
  sourceId: 'manual',
  kind: 'incident',
  name: 'Messages are delayed',
  status: 'investigating',
  impact: 'major',
  startedAt: '2026-03-02T09:00:00.000Z',
  componentIds: [],
  updates: [{ id: 'u1', status: 'investigating', body: 'We are looking into it.', createdAt: '2026-03-02T09:00:00.000Z' }],
};
const event: StatusEvent = {
  type: 'incident',
  id: 'e1',
  phase: 'opened',
  incident,
  update: incident.updates[0]!,
  components: [],
  severity: 'major',
  at: '2026-03-02T09:00:00.000Z',
};

let translator: Translator;
let store: Store;
const warnings: string[] = [];
const log = { warn: (o: object, msg: string): void => void warnings.push(`${msg} ${JSON.stringify(o)}`) };

beforeAll(async () => {
  translator = await Translator.create();
  store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-tr-')), 's.sqlite')}`);
});
afterAll(() => store.close());
afterEach(() => void (warnings.length = 0));

const ctxWith = (service?: TranslationService): RenderContext => ({
  translator,
  serviceName: 'Chatter',
  timezone: 'UTC',
  now: '2026-03-02T09:10:00.000Z',
  fallbackLocale: 'en',
  componentName: (c) => c.name,
  adviceFor: () => [],
  ...(service ? { translated: (text: string, locale: string) => service.cached(text, locale) } : {}),
});

const cfg = (fake: TranslateFake, provider: ProviderConfig['provider'], key = KEY): ProviderConfig => ({
  provider,
  url: fake.url,
  key,
  timeout: 1500,
});

describe.each([
  ['libretranslate', startLibreTranslate, { de: 'de', 'zh-TW': 'zh-Hant', 'pt-BR': 'pt', ar: 'ar' }],
  ['deepl', startDeepL, { de: 'DE', 'zh-TW': 'ZH-HANT', 'pt-BR': 'PT-BR', ar: 'AR' }],
] as const)('%s (against a local fake of its HTTP API)', (provider, startFake, codes) => {
  let fake: TranslateFake;
  beforeAll(async () => void (fake = await startFake(KEY)));
  afterAll(() => fake.close());
  afterEach(() => void ((fake.mode = 'ok'), (fake.calls = [])));

  it('translates incident text per locale with the API’s language codes, and keeps the original one tap away', async () => {
    const service = new TranslationService(createProvider(cfg(fake, provider)), store.namespace(`scratch-tr-${provider}-1`), log);
    await service.prefetch(translatableTexts(event), ['de', 'zh-TW', 'pt-BR', 'ar']);
    for (const [locale, code] of Object.entries(codes))
      expect(service.cached(incident.name, locale)).toBe(fakeTranslation(code, incident.name));
    const m = renderEvent(event, 'de', ctxWith(service));
    expect(m.headline).toBe(fakeTranslation(codes.de, incident.name));
    expect(m.body).toBe(fakeTranslation(codes.de, 'We are looking into it.'));
    expect(m.fields.find((f) => f.label === 'Originaltext')?.value).toBe('Messages are delayed\n\nWe are looking into it.');
    expect(m.footer).toMatch(/ · Text zur Störung maschinell übersetzt$/);
    expect(fake.calls).toHaveLength(4);
  });

  it('asks the API once per text and language: later look-ups come from memory, a restart reads the store', async () => {
    const ns = store.namespace(`scratch-tr-${provider}-2`);
    const first = new TranslationService(createProvider(cfg(fake, provider)), ns, log);
    await first.prefetch(translatableTexts(event), ['fr']);
    await first.prefetch(translatableTexts(event), ['fr']);
    expect(fake.calls).toHaveLength(1);
    const afterRestart = new TranslationService(createProvider(cfg(fake, provider)), ns, log);
    await afterRestart.prefetch(translatableTexts(event), ['fr']);
    expect(fake.calls).toHaveLength(1);
    expect(afterRestart.cached(incident.name, 'fr')).toMatch(/Messages are delayed$/);
  });

  it.each([
    ['the server fails', 'error500', KEY, /HTTP 50[03]/],
    ['the quota is exhausted', 'quota', KEY, /HTTP (429|456)/],
    ['the key is wrong', 'ok', 'wrong-key', /HTTP 403/],
    ['the server never answers', 'hang', KEY, /request failed/],
  ] as const)(
    'shows the original under localized framing when %s, and logs no key',
    async (_what, mode, key, logged) => {
      fake.mode = mode;
      const service = new TranslationService(
        createProvider(cfg(fake, provider, key)),
        store.namespace(`scratch-tr-${provider}-${mode}-${key}`),
        log,
      );
      await service.prefetch(translatableTexts(event), ['ja']);
      expect(service.cached(incident.name, 'ja')).toBeUndefined();
      const text = toPlainText(renderEvent(event, 'ja', ctxWith(service)));
      expect(text.split('\n').slice(0, 4)).toEqual([
        '🟠 Chatter · 重大な障害 · 調査中',
        'Messages are delayed',
        '',
        'We are looking into it.',
      ]);
      expect(text).not.toContain('原文');
      expect(warnings.join('\n')).toMatch(logged);
      expect(warnings.join('\n')).not.toContain(key);
    },
    15_000,
  );

  it('throws a TranslationError for a language the API does not offer (Hindi on this fake) and falls back', async () => {
    const p = createProvider(cfg(fake, provider));
    const e = await p.translate(['x'], 'xx').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TranslationError);
    expect((e as TranslationError).status).toBe(400);
  });
});

describe('the app with i18n.translate configured', () => {
  let fake: TranslateFake;
  beforeAll(async () => void (fake = await startLibreTranslate(KEY)));
  afterAll(() => fake.close());

  it('announces incident text translated for a German channel (a language only that channel uses), framing ours', async () => {
    const yaml = [
      'service: { name: Chatter, locales: [en] }',
      `i18n: { translate: { provider: libretranslate, url: "${fake.url}", key: "${KEY}" } }`,
      'announce:',
      '  - { platform: console, channel: "#de", locale: de }',
    ].join('\n');
    const t = await startTestApp(yaml);
    try {
      await t.app.ingest({ kind: 'incident', sourceId: 'manual', incident: { ...incident, sourceId: 'manual' }, at: incident.startedAt });
      expect(await t.app.drained()).toBe(true);
      expect(t.consoleText()).toContain('[de] Messages are delayed');
      expect(t.consoleText()).toContain('[de] We are looking into it.');
      expect(t.consoleText()).toContain('Originaltext');
      expect(fake.calls.every((c) => c.body.api_key === KEY)).toBe(true);
    } finally {
      await t.stop();
    }
  }, 30_000);
});
