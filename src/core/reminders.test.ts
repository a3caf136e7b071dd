import { describe, expect, it } from 'vitest';
import { ComponentCatalog } from './components.ts';
import type { Incident, StatusChange } from './model.ts';
import { Tracker } from './tracker.ts';
import { openStore } from '../storage/store.ts';
import { parseConfigText } from './config.ts';

const HOUR = 3_600_000;
const maintenance = (status: Incident['status'], scheduledFor: string, update = 'u1'): StatusChange => ({
  kind: 'incident',
  sourceId: 'gen',
  at: '2026-03-02T08:00:00.000Z',
  incident: {
    key: 'gen:mnt',
    sourceId: 'gen',
    kind: 'maintenance',
    name: 'Database upgrade',
    status,
    impact: 'maintenance',
    startedAt: '2026-03-02T08:00:00.000Z',
    scheduledFor,
    componentIds: ['database'],
    updates: [{ id: update, status, body: 'We will upgrade the database.', createdAt: '2026-03-02T08:00:00.000Z' }],
  },
});

describe('maintenance reminders (tracker)', () => {
  it('are due within the lead time before a scheduled window, once, across a restart; a new time is reminded again', async () => {
    const store = await openStore('sqlite://:memory:');
    const tracker = new Tracker(store, new ComponentCatalog([]));
    await tracker.load();
    await (await tracker.process(maintenance('scheduled', '2026-03-02T12:00:00.000Z'))).commit();
    expect(tracker.reminders('2026-03-02T10:30:00.000Z', HOUR).events).toEqual([]);
    const due = tracker.reminders('2026-03-02T11:00:30.000Z', HOUR);
    expect(due.events.map((e) => e.type === 'incident' && [e.phase, e.severity, e.update?.body])).toEqual([
      ['reminder', 'maintenance', ''],
    ]);
    await due.commit();
    expect(tracker.reminders('2026-03-02T11:10:00.000Z', HOUR).events).toEqual([]);

    const restarted = new Tracker(store, new ComponentCatalog([]));
    await restarted.load();
    expect(restarted.reminders('2026-03-02T11:20:00.000Z', HOUR).events).toEqual([]);
    // Moved by two hours: the new time gets its reminder.
    await (await restarted.process(maintenance('scheduled', '2026-03-02T14:00:00.000Z', 'u2'))).commit();
    expect(restarted.reminders('2026-03-02T13:30:00.000Z', HOUR).events).toHaveLength(1);
    // Nothing once the window has begun or the maintenance is under way.
    expect(restarted.reminders('2026-03-02T14:00:01.000Z', HOUR).events).toEqual([]);
    await (await restarted.process(maintenance('in_progress', '2026-03-02T14:00:00.000Z', 'u3'))).commit();
    expect(restarted.reminders('2026-03-02T13:30:00.000Z', HOUR).events).toEqual([]);
  });

  it('maintenance.reminder defaults to 1 h, takes a duration or false', () => {
    expect(parseConfigText('', {}, 'test').maintenance.reminder).toBe(HOUR);
    expect(parseConfigText('maintenance: { reminder: 30m }', {}, 'test').maintenance.reminder).toBe(30 * 60_000);
    expect(parseConfigText('maintenance: { reminder: false }', {}, 'test').maintenance.reminder).toBe(false);
    expect(() => parseConfigText('maintenance: { reminder: soon }', {}, 'test')).toThrow(/maintenance\.reminder/);
  });
});
