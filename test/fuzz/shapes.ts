import fc from 'fast-check';
import { CAUSES, COMPONENT_STATUSES, INCIDENT_STATUSES, MAINTENANCE_STATUSES, SEVERITIES } from '../../src/core/model.ts';
import { STRICT, hostileString, hostileUrl, junk, maybe, timeish } from './arbitraries.ts';

/**
 * Payload-shaped arbitraries: the real field names (docs/formats.md) with valid, drifting and invalid
 * values, each field optional, with junk mixed in at every level.
 */
const opt = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) => fc.record(shape, { requiredKeys: [] });
const id = fc.oneof(fc.stringMatching(/^[a-z0-9]{1,12}$/), hostileString(60));
const text = hostileString(5000);
const enumish = (values: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    fc.constantFrom(...values).map((v) => v.toUpperCase().replace(/_/g, ' ')),
    fc.string({ maxLength: 20 }),
  );
const componentStatus = enumish(COMPONENT_STATUSES);
const storyStatus = enumish([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES]);
const list = <T>(a: fc.Arbitrary<T>, maxLength = 6) => maybe(fc.array(a, { maxLength }));

// Statuspage (docs/formats.md §1–2)
const spComponent = opt({
  id,
  name: text,
  status: componentStatus,
  group: fc.boolean(),
  group_id: maybe(id),
  updated_at: timeish,
  components: list(id),
});
const spAffected = opt({ code: id, name: text, old_status: componentStatus, new_status: componentStatus });
// Known bug 4: a non-string update body crashes htmlToText (TypeError → HTTP 500 instead of 400).
const spBody = STRICT ? maybe(text) : fc.option(text, { nil: null });
const spUpdate = opt({
  id,
  status: storyStatus,
  body: spBody,
  created_at: timeish,
  display_at: timeish,
  affected_components: maybe(fc.oneof(fc.constant(null), fc.array(maybe(spAffected), { maxLength: 4 }))),
});
export const spIncident = opt({
  id: maybe(id),
  name: maybe(text),
  status: storyStatus,
  impact: enumish([...SEVERITIES]),
  created_at: timeish,
  started_at: timeish,
  resolved_at: maybe(timeish),
  scheduled_for: maybe(timeish),
  scheduled_until: maybe(timeish),
  shortlink: hostileUrl,
  incident_updates: list(maybe(spUpdate)),
  components: list(maybe(spComponent)),
});
export const spSummary = opt({
  page: maybe(opt({ id, name: text, url: hostileUrl })),
  components: list(maybe(spComponent), 10),
  incidents: list(maybe(spIncident), 3),
  scheduled_maintenances: list(maybe(spIncident), 3),
});
export const spWebhook = opt({
  meta: junk,
  page: maybe(opt({ id, status_indicator: enumish([...SEVERITIES]) })),
  incident: maybe(spIncident),
  component_update: maybe(
    opt({ old_status: componentStatus, new_status: componentStatus, created_at: timeish, id, component_id: maybe(id) }),
  ),
  component: maybe(spComponent),
});

/** Known bug 5: a feed entry dated at the very end of Date's range crashes parseFeed (RangeError). */
export const feedTime = STRICT ? timeish : timeish.filter((t) => typeof t !== 'string' || !/^[+-]2\d{5}-/.test(t));

// Generic (README "Generic webhook")
export const genericPayload = opt({
  components: list(maybe(opt({ id: maybe(id), name: maybe(text), status: componentStatus })), 8),
  incident: maybe(
    opt({
      id: maybe(id),
      name: maybe(text),
      kind: enumish(['incident', 'maintenance']),
      status: storyStatus,
      impact: enumish([...SEVERITIES]),
      message: maybe(hostileString(25_000)),
      updateId: maybe(id),
      components: list(id),
      cause: enumish([...CAUSES]),
      url: hostileUrl,
      at: timeish,
      startedAt: timeish,
      scheduledFor: timeish,
      scheduledUntil: timeish,
    }),
  ),
  samples: list(
    maybe(
      opt({
        component: maybe(id),
        metric: enumish(['response_time_ms', 'error_rate_percent', 'latency_ms', 'uptime_percent', 'up']),
        value: maybe(fc.double()),
        at: timeish,
      }),
    ),
    5,
  ),
});

// Instatus (docs/formats.md §4): SHOUTING_CASE documented, title case observed.
const isAffected = opt({
  id: maybe(id),
  name: maybe(text),
  status: enumish(['MAJOROUTAGE', 'Major outage', 'PARTIALOUTAGE', 'DEGRADEDPERFORMANCE', 'OPERATIONAL', 'UNDERMAINTENANCE']),
});
const isUpdate = opt({ id: maybe(id), status: storyStatus, markdown: maybe(text), body: maybe(text), created_at: timeish });
const isStory = opt({
  id: maybe(id),
  name: maybe(text),
  status: enumish(['INVESTIGATING', 'Identified', 'MONITORING', 'RESOLVED', 'Planned', 'NOTSTARTEDYET', 'INPROGRESS', 'COMPLETED']),
  impact: enumish(['MAJOROUTAGE', 'PARTIALOUTAGE', 'DEGRADEDPERFORMANCE']),
  started: timeish,
  created_at: timeish,
  resolved_at: maybe(timeish),
  updated_at: timeish,
  url: hostileUrl,
  affected_components: list(maybe(isAffected)),
  incident_updates: list(maybe(isUpdate)),
  maintenance_updates: list(maybe(isUpdate)),
  maintenance_start_date: timeish,
  maintenance_end_date: timeish,
});
export const instatusPayload = opt({
  meta: junk,
  page: junk,
  incident: maybe(isStory),
  maintenance: maybe(isStory),
  component_update: maybe(opt({ created_at: timeish, component_id: maybe(id), new_status: maybe(componentStatus) })),
  component: maybe(opt({ id: maybe(id), name: maybe(text), status: maybe(componentStatus) })),
});

// Alertmanager v4 (docs/formats.md §5) and Grafana (§9)
const labels = maybe(
  fc.dictionary(
    fc.oneof(
      fc.constantFrom('component', 'severity', 'priority', 'alertname', 'summary', 'description', 'message', 'runbook_url', 'kpi_metric'),
      fc.string({ maxLength: 10 }),
    ),
    fc.oneof(text, fc.constantFrom('critical', 'warning', 'info', 'P1', 'response_time_ms', 'up')),
    { maxKeys: 6 },
  ),
);
const alert = opt({
  status: enumish(['firing', 'resolved']),
  labels,
  annotations: labels,
  startsAt: timeish,
  endsAt: timeish,
  generatorURL: hostileUrl,
  fingerprint: maybe(id),
  values: maybe(fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.double(), fc.constant(null)), { maxKeys: 3 })),
});
export const alertGroup = opt({
  version: fc.constantFrom('4', '1'),
  status: enumish(['firing', 'resolved']),
  receiver: text,
  groupKey: maybe(text),
  alerts: list(maybe(alert), 8),
  commonLabels: labels,
  commonAnnotations: labels,
  groupLabels: labels,
  externalURL: hostileUrl,
  title: maybe(text),
  state: maybe(fc.constantFrom('alerting', 'ok')),
  message: maybe(text),
});

// Manual incidents (admin API)
/** Known bug 8: `scheduledFor: "garbage"` makes ManualSource.open throw RangeError (admin API → 500, not 400). */
const manualTime = STRICT ? timeish : timeish.filter((t) => typeof t !== 'string' || Number.isFinite(Date.parse(t)));
export const manualOpen = fc.record(
  {
    name: fc.oneof({ weight: 6, arbitrary: hostileString(600) }, { weight: 1, arbitrary: junk }),
    kind: enumish(['incident', 'maintenance']),
    status: storyStatus,
    impact: enumish([...SEVERITIES]),
    message: maybe(hostileString(25_000)),
    components: list(id),
    componentStatus: componentStatus,
    cause: enumish([...CAUSES]),
    url: hostileUrl,
    scheduledFor: manualTime,
    scheduledUntil: manualTime,
  },
  { requiredKeys: ['name'] },
);
export const manualUpdate = opt({
  status: storyStatus,
  message: maybe(hostileString(25_000)),
  components: list(id),
  componentStatus,
  impact: enumish([...SEVERITIES]),
});
