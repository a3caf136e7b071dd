import { describe, it, expect } from 'vitest';
import { runFastDemo } from '../helpers/demo.ts';

describe('npm start on a fresh clone (the demo)', () => {
  it('replays the outage in English and Chinese, answers /status, and stops cleanly on SIGTERM', async () => {
    let served = '';
    const { out, code } = await runFastDemo(60_000, async (printed) => {
      const url = /page: +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed)?.[1];
      if (url) served = (await (await fetch(`${url}?lang=zh-CN`)).text()) + (await (await fetch(`${url}history?lang=en`)).text());
    });
    expect(code).toBe(0);
    // What it uses, and how to add real tokens.
    expect(out).toMatch(/sources: +page \(statuspage http:\/\/127\.0\.0\.1:\d+\/, every 1 s\)/);
    expect(out).toContain('adapters: console');
    // The public status page, served by the demo.
    const page = /page: +(http:\/\/127\.0\.0\.1:\d+\/) +\(the public status page/.exec(out);
    expect(page, out).not.toBeNull();
    expect(served).toContain('<html lang="zh-CN" dir="ltr">');
    expect(served).toContain('所有系统运行正常');
    expect(served).toContain('Messaging has fully recovered');
    expect(out).toMatch(/store: +sqlite:\/\/.*data\/status-relay\.sqlite/);
    expect(out).toContain('TELEGRAM_BOT_TOKEN');
    // The whole story in both languages: opened, updates, resolution.
    for (const text of [
      'Investigating',
      'Identified',
      'Monitoring',
      'Resolved',
      '调查中',
      '已查明原因',
      '观察中',
      '已解决',
      '#announcements',
      '#公告',
    ])
      expect(out, text).toContain(text);
    // The resolution in its own words, though the page's summary no longer lists the resolved incident.
    expect(out).toContain('Messaging has fully recovered and delayed messages were delivered.');
    const resolution = out.slice(out.lastIndexOf('Resolved'));
    expect(resolution).not.toContain('Traffic has moved; messages are flowing again');
    expect(out).toContain('$ /status');
    expect(out).toContain('所有系统运行正常');
  }, 90_000);
});
