import { describe, expect, it } from 'vitest';
import { runFastDemo } from '../../test/helpers/demo.ts';

describe('the --fast demo shows KPIs, advice and a digest through the console adapter', () => {
  it('prints numbers in announcements and /status, advice, the probed API going down and up, and one digest per channel', async () => {
    const { out, code } = await runFastDemo();
    expect(code).toBe(0);
    // KPIs in the outage announcements, in both languages: the story's "p95 1.8 s, error rate 4.1 %".
    // The demo has run for seconds, so uptime says what it covers (docs/kpi.md#coverage).
    expect(out).toMatch(/Uptime \(since \d+:\d\d [AP]M, \d+ (sec|min)\): [\d.]+%/);
    expect(out).not.toMatch(/Uptime \(24 h\): [\d.]+%/);
    expect(out).toMatch(/Response time p50 \/ p95: [\d.]+ (ms|sec) \/ 1\.[89]\d* sec/);
    expect(out).toMatch(/Error rate: [1-4]\.\d+%/);
    expect(out).toMatch(/可用率（自 \d\d:\d\d 起，\d+(秒|分钟)）: [\d.]+%/);
    // Advice from config and the catalogue; none on the resolution.
    expect(out).toContain('Check your own internet connection');
    expect(out).toContain('API clients: retry with exponential back-off');
    // The probe saw the simulated API fail and recover.
    expect(out).toContain('Public API changed from Operational to Major outage');
    expect(out).toContain('Public API changed from Major outage to Operational');
    // One digest in each channel.
    expect(out.match(/Chatter · Summary/g)).toHaveLength(1);
    expect(out.match(/Chatter · 摘要/g)).toHaveLength(1);
    expect(out).toMatch(/All components: uptime [\d.]+%/);
    // /status carries the numbers too.
    expect(out.slice(out.indexOf('$ /status'))).toMatch(/Error rate: [\d.]+%/);
  }, 90_000);
});
