import { describe, expect, it } from 'vitest';
import { parseHtml } from '../../../test/emulators/telegram/html.ts';
import { NOT_RUN, readSharedJson, sharedFixtureFiles, sharedFixturesPresent } from '../../../test/helpers/fixtures.ts';
import { Translator } from '../../i18n/i18n.ts';
import { SUPPORTED_LOCALES } from '../../i18n/locales.ts';
import { renderEvent } from '../../i18n/render.ts';
import type { StatusEvent } from '../../core/model.ts';
import { parseIncident } from '../../sources/statuspage/parse.ts';
import { renderTelegram } from './render.ts';
import { TELEGRAM_LIMITS } from './limits.ts';

const MESSAGE_LIMIT = TELEGRAM_LIMITS.message;

/** Real status-page incidents (../shared/fixtures) rendered in every locale must pass Telegram's strict parser. */
const DIR = 'statuspage-api';

/** Every object with `incident_updates` anywhere in a fixture (summaries, arrays, single incidents). */
const incidentsIn = (node: unknown, out: unknown[] = []): unknown[] => {
  if (Array.isArray(node)) node.forEach((n) => incidentsIn(n, out));
  else if (node && typeof node === 'object') {
    if (Array.isArray((node as { incident_updates?: unknown }).incident_updates)) out.push(node);
    else Object.values(node).forEach((n) => incidentsIn(n, out));
  }
  return out;
};

describe.runIf(sharedFixturesPresent(DIR))('telegram rendering of real status-page incidents', () => {
  it('is accepted by the strict HTML parser and stays within 4096 characters in every locale', async () => {
    const translator = await Translator.create();
    let rendered = 0;
    for (const file of sharedFixtureFiles(DIR)) {
      for (const raw of incidentsIn(readSharedJson(DIR, file))) {
        const incident = parseIncident(raw, 'fixture');
        const update = incident.updates.at(-1);
        const event: StatusEvent = {
          type: 'incident',
          id: `${file}:${incident.key}`,
          phase: 'updated',
          incident,
          ...(update ? { update } : {}),
          components: incident.componentIds.map((id) => ({ id, name: id, status: 'major_outage' })),
          severity: incident.impact,
          at: update?.createdAt ?? incident.startedAt,
        };
        for (const locale of SUPPORTED_LOCALES) {
          const m = renderEvent(event, locale, {
            translator,
            serviceName: 'Chatter',
            timezone: 'UTC',
            now: '2026-01-01T00:00:00Z',
            fallbackLocale: 'en',
            componentName: (c) => c.name,
            adviceFor: () => ['check_connectivity', 'retry_later'],
          });
          const parsed = parseHtml(renderTelegram(m).text);
          expect(parsed.text.length, `${file} ${incident.key} ${locale}`).toBeLessThanOrEqual(MESSAGE_LIMIT);
          if (m.headline) expect(parsed.text).toContain(m.headline.slice(0, 100));
          rendered++;
        }
      }
    }
    expect(rendered).toBeGreaterThan(10);
  });
});

describe.skipIf(sharedFixturesPresent(DIR))('telegram rendering of real status-page incidents', () => {
  it(`${NOT_RUN(DIR)}`, () => undefined);
});
