import { describe, expect, it } from 'vitest';
import { adviceFor } from './advice.ts';
import { ADVICE_CATALOGUE } from './advice-catalogue.ts';
import { ComponentCatalog } from './components.ts';
import type { Cause, ComponentState, Incident, Severity, StatusEvent } from './model.ts';
import { Translator } from '../i18n/i18n.ts';
import type { AdviceRule } from './config.ts';

const catalog = new ComponentCatalog([{ id: 'messaging', name: { en: 'Messaging' } }, { id: 'calls' }]);
const at = '2026-03-01T10:00:00Z';

const incident = (over: Partial<Incident>, components: ComponentState[], severity: Severity = 'major'): StatusEvent => ({
  type: 'incident',
  id: 'e',
  phase: 'opened',
  incident: {
    key: 'm:1',
    sourceId: 'm',
    kind: 'incident',
    name: 'x',
    status: 'investigating',
    impact: severity,
    startedAt: at,
    componentIds: components.map((c) => c.id),
    updates: [],
    ...over,
  },
  components,
  severity,
  at,
});
const messagingDown: ComponentState = { id: 'messaging', name: 'Messaging', status: 'major_outage' };

describe('advice: config rules plus the built-in catalogue', () => {
  it('puts config rules first, then the catalogue by cause, component and severity, capped at four', () => {
    const rules: AdviceRule[] = [{ when: { components: ['messaging'] }, say: ['check_connectivity', 'retry_later'] }];
    const keys = adviceFor(incident({ cause: 'network_congestion' }, [messagingDown]), rules, catalog);
    expect(keys.slice(0, 2)).toEqual(['check_connectivity', 'retry_later']);
    expect(keys).toContain('messages_queued');
    expect(keys.length).toBeLessThanOrEqual(4);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each<[Cause, string]>([
    ['security_incident', 'watch_phishing'],
    ['network_congestion', 'check_connectivity'],
    ['external_provider', 'provider_issue'],
    ['technical_fault', 'retry_later'],
  ])('a %s incident (named by a manual incident) gets %s', (cause, key) => {
    expect(adviceFor(incident({ cause }, [{ id: 'x', name: 'X', status: 'partial_outage' }]), [], catalog)).toContain(key);
  });

  it('never contradicts the state', () => {
    const rules: AdviceRule[] = [{ when: {}, say: ['retry_later', 'plan_around_maintenance'] }];
    // Resolved: nothing at all.
    expect(adviceFor(incident({ status: 'resolved', cause: 'technical_fault' }, [messagingDown]), rules, catalog)).toEqual([]);
    // Operational component: nothing.
    expect(
      adviceFor(
        {
          type: 'component',
          id: 'c',
          component: { ...messagingDown, status: 'operational' },
          previous: 'major_outage',
          severity: 'critical',
          at,
        },
        rules,
        catalog,
      ),
    ).toEqual([]);
    // Planned maintenance: no "retry later", even from config.
    const planned = adviceFor(
      incident(
        { kind: 'maintenance', status: 'scheduled', impact: 'maintenance' },
        [{ id: 'calls', name: 'Calls', status: 'operational' }],
        'maintenance',
      ),
      rules,
      catalog,
    );
    expect(planned).toEqual(['plan_around_maintenance']);
    const during = adviceFor(
      incident(
        { kind: 'maintenance', status: 'in_progress' },
        [{ id: 'calls', name: 'Calls', status: 'under_maintenance' }],
        'maintenance',
      ),
      rules,
      catalog,
    );
    expect(during).not.toContain('retry_later');
    expect(during).not.toContain('calls_fallback');
    // A fault: no maintenance advice.
    expect(adviceFor(incident({ cause: 'technical_fault' }, [messagingDown]), rules, catalog)).not.toContain('plan_around_maintenance');
  });

  it('a degraded component gets "expect slowness"; minor events do not get major-only advice', () => {
    const keys = adviceFor(
      {
        type: 'component',
        id: 'c',
        component: { id: 'media', name: 'Media', status: 'degraded_performance' },
        previous: 'operational',
        severity: 'minor',
        at,
      },
      [],
      catalog,
    );
    expect(keys).toEqual(['uploads_retry', 'expect_slowness']);
  });

  it('every catalogue key is translated in en and zh-CN', async () => {
    const tr = await Translator.create();
    for (const e of ADVICE_CATALOGUE)
      for (const k of e.say) for (const l of ['en', 'zh-CN']) expect(tr.has(l, `advice.${k}`), `${l} advice.${k}`).toBe(true);
  });
});
