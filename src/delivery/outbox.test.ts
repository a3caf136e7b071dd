import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox, jobId, type NewJob } from './outbox.ts';
import { openStore, type Store } from '../storage/store.ts';
import type { StatusEvent, Target } from '../core/model.ts';

const event = (id: string): StatusEvent => ({
  type: 'component',
  id,
  component: { id: 'api', name: 'API', status: 'major_outage' },
  previous: 'operational',
  severity: 'major',
  at: '2026-12-02T06:00:00.000Z',
});
const chan = (chatId: string, platform: Target['platform'] = 'console'): Target => ({ platform, kind: 'channel', chatId });
const dm = (chatId: string): Target => ({ platform: 'console', kind: 'dm', chatId });
const job = (e: StatusEvent, target: Target, priority = 1): NewJob => ({
  id: jobId(e.id, target),
  target,
  locale: 'en',
  origin: 'config',
  priority,
});

const opened: Store[] = [];
const store = async (url = `sqlite://${join(mkdtempSync(join(tmpdir(), 'sr-outbox-')), 'store.sqlite')}`) => {
  const s = await openStore(url);
  opened.push(s);
  return { s, url };
};
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

describe('Outbox (real SQLite, no App)', () => {
  it('a job id is derived from the event and the target, so a re-derived event maps to the same jobs', () => {
    expect(jobId('e1', chan('a'))).toBe(jobId('e1', chan('a')));
    expect(jobId('e1', chan('a'))).not.toBe(jobId('e1', chan('b')));
    expect(jobId('e1', chan('a'))).toMatch(/^[0-9a-f]{24}$/);
  });

  it('records each job once: recording the same event again adds nothing', async () => {
    const { s } = await store();
    const outbox = new Outbox(s);
    const e = event('e1');
    expect(await outbox.record(e, [job(e, chan('a')), job(e, chan('b'))])).toHaveLength(2);
    expect(await outbox.record(e, [job(e, chan('a')), job(e, chan('b'))])).toHaveLength(0);
    expect(outbox.depth()).toBe(2);
    expect(outbox.eventOf(outbox.queueOf(chan('a'))[0]!)).toEqual(e);
  });

  it('what was recorded survives a restart; what was delivered is never recorded again', async () => {
    const { s, url } = await store();
    const first = new Outbox(s);
    const e = event('e1');
    await first.record(e, [job(e, chan('a')), job(e, chan('b'))]);
    first.complete(first.queueOf(chan('a'))[0]!);
    await first.flush();
    await s.close();
    opened.splice(opened.indexOf(s), 1);

    const { s: again } = await store(url);
    const second = new Outbox(again);
    expect(await second.load()).toBe(1);
    expect(second.queueOf(chan('b'))).toHaveLength(1);
    expect(await second.record(e, [job(e, chan('a'))])).toHaveLength(0);
  });

  it('offers channels before direct messages, one job per target, least recently served first', async () => {
    const { s } = await store();
    const outbox = new Outbox(s);
    const e1 = event('e1');
    const e2 = event('e2');
    await outbox.record(e1, [job(e1, dm('u'), 2), job(e1, chan('a')), job(e1, chan('b'))]);
    await outbox.record(e2, [job(e2, chan('a'))]);
    const order = () => [...outbox.candidates('console')].map((j) => `${j.target.chatId}:${j.eventId}`);
    expect(order()).toEqual(['a:e1', 'b:e1', 'u:e1']);
    outbox.served(outbox.queueOf(chan('a'))[0]!);
    expect(order()).toEqual(['b:e1', 'a:e1', 'u:e1']);
    outbox.complete(outbox.queueOf(chan('a'))[0]!);
    expect(order()).toEqual(['b:e1', 'a:e2', 'u:e1']);
  });

  it('a job held for quiet hours lets a later unheld one of the same target pass', async () => {
    const { s } = await store();
    const outbox = new Outbox(s);
    const held = event('held');
    const critical = event('critical');
    await outbox.record(held, [{ ...job(held, dm('u'), 2), holdUntil: 5_000 }]);
    await outbox.record(critical, [job(critical, dm('u'), 2)]);
    expect([...outbox.candidates('console', 1_000)].map((j) => j.eventId)).toEqual(['critical']);
    expect([...outbox.candidates('console', 6_000)].map((j) => j.eventId)).toEqual(['held']);
  });

  it('dropTarget forgets a gone target; retarget moves a queue to the new chat id under new job ids', async () => {
    const { s } = await store();
    const outbox = new Outbox(s);
    const e = event('e1');
    await outbox.record(e, [job(e, chan('gone')), job(e, chan('old'))]);
    expect(outbox.dropTarget(chan('gone'))).toBe(1);
    await outbox.retarget(chan('old'), chan('new'));
    expect(outbox.queueOf(chan('old'))).toHaveLength(0);
    expect(outbox.queueOf(chan('new')).map((j) => j.id)).toEqual([jobId('e1', chan('new'))]);
    await outbox.flush();
    const reloaded = new Outbox(s);
    expect(await reloaded.load()).toBe(1);
    expect(reloaded.queueOf(chan('new'))).toHaveLength(1);
  });

  it('a dead letter keeps the job and its event, and leaves the queue', async () => {
    const { s } = await store();
    const outbox = new Outbox(s);
    const e = event('e1');
    await outbox.record(e, [job(e, chan('a'))]);
    outbox.deadLetter(outbox.queueOf(chan('a'))[0]!, { reason: 'permanent', code: 'forbidden', error: 'no' });
    await outbox.flush();
    expect(outbox.depth()).toBe(0);
    expect(await outbox.deadLetters.count()).toBe(1);
  });

  it('clearBackoff releases the retried jobs of one platform only', async () => {
    const { s } = await store();
    const outbox = new Outbox(s);
    const e = event('e1');
    await outbox.record(e, [job(e, chan('a', 'slack')), job(e, chan('b', 'discord'))]);
    for (const j of outbox.all()) Object.assign(j, { attempts: 3, notBefore: 99_000 });
    expect(outbox.clearBackoff('slack', 1_000)).toBe(1);
    expect(outbox.queueOf(chan('a', 'slack'))[0]!.notBefore).toBe(1_000);
    expect(outbox.queueOf(chan('b', 'discord'))[0]!.notBefore).toBe(99_000);
  });
});
