import { describe, expect, it } from 'vitest';
import { parseWindow } from './window.ts';

describe('parseWindow', () => {
  it('reads two wall-clock times in the writer’s time zone', () => {
    expect(parseWindow('2026-12-24 22:00 – 2026-12-25 02:00', 'UTC')).toEqual({
      ok: true,
      from: '2026-12-24T22:00:00.000Z',
      until: '2026-12-25T02:00:00.000Z',
    });
    expect(parseWindow('2026-12-24 22:00 bis 2026-12-25 02:00', 'Europe/Berlin')).toEqual({
      ok: true,
      from: '2026-12-24T21:00:00.000Z',
      until: '2026-12-25T01:00:00.000Z',
    });
    // Summer time: Berlin is UTC+2 in July.
    expect(parseWindow('2026-07-01 09:30 - 2026-07-01 10:00', 'Europe/Berlin')).toMatchObject({ from: '2026-07-01T07:30:00.000Z' });
  });

  it('takes an end time of day alone, on the next day when it is earlier', () => {
    expect(parseWindow('2026-12-24 09:00 – 11:30', 'UTC')).toMatchObject({ until: '2026-12-24T11:30:00.000Z' });
    expect(parseWindow('2026-12-24 22:00 ~ 02:00', 'Asia/Tokyo')).toEqual({
      ok: true,
      from: '2026-12-24T13:00:00.000Z',
      until: '2026-12-24T17:00:00.000Z',
    });
  });

  it('refuses what is not a window', () => {
    expect(parseWindow('tomorrow night', 'UTC')).toEqual({ ok: false, reason: 'format' });
    expect(parseWindow('2026-12-24 22:00', 'UTC')).toEqual({ ok: false, reason: 'format' });
    expect(parseWindow('2026-02-30 10:00 – 11:00', 'UTC')).toEqual({ ok: false, reason: 'format' });
    expect(parseWindow('2026-12-24 25:00 – 2026-12-25 02:00', 'UTC')).toEqual({ ok: false, reason: 'format' });
    expect(parseWindow('2026-12-25 02:00 – 2026-12-24 22:00', 'UTC')).toEqual({ ok: false, reason: 'order' });
  });
});
