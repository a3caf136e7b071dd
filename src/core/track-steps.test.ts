import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  componentStep,
  isBaseline,
  mergeIncident,
  owningIncident,
  phaseOf,
  storyStep,
  vanishedStories,
  RECOVERY_GRACE_MS,
  type TrackedComponent,
} from './track-steps.ts';
import { Tracker } from './tracker.ts';
import { ComponentCatalog } from './components.ts';
import { openStore, type Store } from '../storage/store.ts';
import type { ComponentState, Incident, IncidentUpdate, StatusChange, StoryStatus } from './model.ts';

const T = (min: number) => new Date(Date.UTC(2026, 11, 2, 6, min)).toISOString();
const upd = (id: string, status: StoryStatus, min: number, body = id): IncidentUpdate => ({ id, status, body, createdAt: T(min) });
const story = (over: Partial<Incident> = {}): Incident => ({
  key: 'page:i1',
  sourceId: 'page',
  kind: 'incident',
  name: 'Slow API',
  status: 'investigating',
  impact: 'minor',
  startedAt: T(0),
  componentIds: ['api'],
  updates: [upd('u1', 'investigating', 0)],
  ...over,
});
const tracked = (status: ComponentState['status']): TrackedComponent => ({ id: 'api', name: 'API', status, sourceId: 'page', since: T(0) });

describe('componentStep', () => {
  it.each<[string, TrackedComponent | undefined, ComponentState['status'], { next: boolean; previous?: string }]>([
    ['unchanged status: nothing', tracked('operational'), 'operational', { next: false }],
    ['first seen healthy: kept, not news', undefined, 'operational', { next: true }],
    ['first seen broken: news from operational', undefined, 'major_outage', { next: true, previous: 'operational' }],
    ['changed: news from the known status', tracked('partial_outage'), 'operational', { next: true, previous: 'partial_outage' }],
  ])('%s', (_, before, status, expected) => {
    const step = componentStep('api', before, { id: 'src-1', name: 'Api (source)', status }, 'page', T(5));
    expect(Boolean(step.next)).toBe(expected.next);
    expect(step.previous).toBe(expected.previous);
    // The first name seen stays: a source renaming its component does not rename ours.
    if (step.next) expect(step.next.name).toBe(before?.name ?? 'Api (source)');
  });
});

describe('mergeIncident', () => {
  it.each<[string, Incident, Incident, Partial<Incident>]>([
    [
      'updates merge by id and sort by time, whatever order they arrive in',
      story({ status: 'identified', updates: [upd('u1', 'investigating', 0), upd('u3', 'identified', 20)] }),
      story({ status: 'monitoring', updates: [upd('u4', 'monitoring', 30), upd('u2', 'identified', 10)] }),
      {
        updates: [upd('u1', 'investigating', 0), upd('u2', 'identified', 10), upd('u3', 'identified', 20), upd('u4', 'monitoring', 30)],
        status: 'monitoring',
      },
    ],
    [
      'a stale push (older than the newest known) does not move the status back',
      story({ status: 'monitoring', updates: [upd('u1', 'investigating', 0), upd('u3', 'monitoring', 20)] }),
      story({ status: 'identified', updates: [upd('u2', 'identified', 10)] }),
      { status: 'monitoring' },
    ],
    ['a duplicate is the same story', story(), story(), { updates: [upd('u1', 'investigating', 0)], status: 'investigating' }],
    [
      'impact none, no cause, no link in the newer report keep the known ones; components add up',
      story({ impact: 'major', url: 'https://status.example.com/i1', cause: 'external_provider' }),
      story({ impact: 'none', componentIds: ['web'] }),
      { impact: 'major', url: 'https://status.example.com/i1', cause: 'external_provider', componentIds: ['api', 'web'] },
    ],
  ])('%s', (_, before, next, expected) => {
    expect(mergeIncident(before, next)).toMatchObject(expected);
  });
});

describe('phaseOf', () => {
  it.each<[Incident['kind'], StoryStatus | undefined, StoryStatus, string]>([
    ['incident', undefined, 'investigating', 'opened'],
    ['incident', 'investigating', 'identified', 'updated'],
    ['incident', 'monitoring', 'resolved', 'resolved'],
    ['incident', undefined, 'resolved', 'resolved'],
    ['incident', 'resolved', 'resolved', 'updated'],
    ['maintenance', undefined, 'scheduled', 'scheduled'],
    ['maintenance', 'scheduled', 'scheduled', 'updated'],
    ['maintenance', 'scheduled', 'in_progress', 'started'],
    ['maintenance', undefined, 'in_progress', 'started'],
    ['maintenance', 'in_progress', 'verifying', 'updated'],
    ['maintenance', 'in_progress', 'completed', 'completed'],
  ])('%s %s → %s is %s', (kind, before, now, phase) => {
    expect(phaseOf(story({ kind, status: now }), before ? story({ kind, status: before }) : undefined)).toBe(phase);
  });
});

describe('storyStep', () => {
  it.each<[string, Incident | undefined, Incident, boolean, { save: boolean; phase?: string; idSuffix?: string }]>([
    ['a new story: kept and opened with its latest update', undefined, story(), false, { save: true, phase: 'opened', idSuffix: 'u:u1' }],
    ['the same report again: nothing', story(), story(), false, { save: false }],
    ['a rename only: kept, not announced', story(), story({ name: 'Slow API (EU)' }), false, { save: true }],
    [
      'a new update: announced as that update',
      story(),
      story({ status: 'identified', updates: [upd('u2', 'identified', 10)] }),
      false,
      { save: true, phase: 'updated', idSuffix: 'u:u2' },
    ],
    [
      'a status change without text: announced by status',
      story(),
      story({ status: 'monitoring', updates: [] }),
      false,
      { save: true, phase: 'updated', idSuffix: 's:monitoring' },
    ],
    ['a closed story first seen in a snapshot: history, nothing', undefined, story({ status: 'resolved' }), true, { save: false }],
    [
      'a closed story first pushed: its resolution is news',
      undefined,
      story({ status: 'resolved' }),
      false,
      { save: true, phase: 'resolved', idSuffix: 'u:u1' },
    ],
  ])('%s', (_, before, reported, fromSnapshot, expected) => {
    const step = storyStep(before, reported, fromSnapshot);
    expect(Boolean(step.save)).toBe(expected.save);
    expect(step.announce?.phase).toBe(expected.phase);
    expect(step.announce?.idSuffix).toBe(expected.idSuffix);
  });
});

describe('vanishedStories', () => {
  it('closes the open stories of this source that the snapshot no longer lists', () => {
    const known = [
      story({ key: 'page:listed' }),
      story({ key: 'page:gone' }),
      story({ key: 'page:maint', kind: 'maintenance', status: 'in_progress' }),
      story({ key: 'page:old', status: 'resolved' }),
      story({ key: 'other:gone', sourceId: 'other' }),
    ];
    const closed = vanishedStories(known, 'page', new Set(['page:listed']), T(30));
    expect(closed.map((i) => [i.key, i.status, i.resolvedAt])).toEqual([
      ['page:gone', 'resolved', T(30)],
      ['page:maint', 'completed', T(30)],
    ]);
  });
});

describe('owningIncident', () => {
  const at = T(60);
  it.each<[string, Incident[], string | undefined]>([
    ['an open story covering the component', [story({ key: 'a' })], 'a'],
    ['none covering it', [story({ key: 'a', componentIds: ['web'] })], undefined],
    [
      'an open one wins over a recently closed one',
      [story({ key: 'closed', status: 'resolved', resolvedAt: T(55) }), story({ key: 'open' })],
      'open',
    ],
    ['one closed within the grace: its recovery', [story({ key: 'a', status: 'resolved', resolvedAt: T(50) })], 'a'],
    [
      'one closed longer ago: news of its own',
      [story({ key: 'a', status: 'resolved', resolvedAt: new Date(Date.parse(at) - RECOVERY_GRACE_MS - 1).toISOString() })],
      undefined,
    ],
  ])('%s', (_, stories, owner) => {
    expect(owningIncident('api', stories, at)?.key).toBe(owner);
  });
});

describe('isBaseline', () => {
  const snapshot: StatusChange = { kind: 'snapshot', sourceId: 'page', components: [], incidents: [], at: T(0) };
  it.each<[string, StatusChange, string[], boolean]>([
    ['the first snapshot of a source', snapshot, [], true],
    ['a later snapshot', snapshot, ['page'], false],
    ['a push is never a baseline', { kind: 'incident', sourceId: 'page', incident: story(), at: T(0) }, [], false],
  ])('%s', (_, change, known, expected) => {
    expect(isBaseline(change, new Set(known))).toBe(expected);
  });
});

describe('Tracker.process, the steps together (real SQLite, no App)', () => {
  let store: Store;
  let tracker: Tracker;
  beforeEach(async () => {
    store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-track-')), 'store.sqlite')}`);
    tracker = new Tracker(store, new ComponentCatalog([{ id: 'api', name: 'API' }]));
  });
  afterEach(async () => store.close());

  const run = async (change: StatusChange) => {
    const { events, commit } = await tracker.process(change);
    await commit();
    return events.map((e) =>
      e.type === 'incident' ? `${e.phase}:${e.id}` : `component:${e.component.id}:${e.previous}>${e.component.status}`,
    );
  };
  const snapshot = (components: ComponentState[], incidents: Incident[], min: number): StatusChange => ({
    kind: 'snapshot',
    sourceId: 'page',
    components,
    incidents,
    at: T(min),
  });

  it('baseline, then a story, a component change folded into it, a duplicate, the story gone from the list', async () => {
    const api = (status: ComponentState['status']): ComponentState => ({ id: 'src-api', name: 'API', status });
    expect(await run(snapshot([api('operational')], [story({ key: 'page:old', componentIds: ['web'] })], 0))).toEqual([]);
    expect(await run(snapshot([api('major_outage')], [story({ key: 'page:old', componentIds: ['web'] }), story()], 5))).toEqual([
      'opened:page:i1:u:u1',
      // The API's outage belongs to the story just opened: no post of its own.
    ]);
    expect(await run(snapshot([api('major_outage')], [story({ key: 'page:old', componentIds: ['web'] }), story()], 6))).toEqual([]);
    expect(await run(snapshot([api('operational')], [], 10))).toEqual(['resolved:page:old:s:resolved', 'resolved:page:i1:s:resolved']);
    // A restart: the same state is read back, and the same snapshot is no news.
    const again = new Tracker(store, new ComponentCatalog([{ id: 'api', name: 'API' }]));
    await again.load();
    const { events } = await again.process(snapshot([api('operational')], [], 11));
    expect(events).toEqual([]);
  });

  it('a component change outside any story is its own announcement', async () => {
    await run(snapshot([], [], 0));
    expect(
      await run({ kind: 'component', sourceId: 'page', component: { id: 'api', name: 'API', status: 'partial_outage' }, at: T(1) }),
    ).toEqual(['component:api:operational>partial_outage']);
  });

  it('nothing is kept before commit: the same change re-derives the same event ids', async () => {
    await run(snapshot([], [], 0));
    const change: StatusChange = { kind: 'incident', sourceId: 'page', incident: story(), at: T(1) };
    const first = await tracker.process(change);
    const second = await tracker.process(change);
    expect(second.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
  });
});
