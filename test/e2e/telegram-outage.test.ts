import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL, outage, startHarness, type Harness } from '../emulators/telegram/harness.ts';
import type { Subscription } from '../../src/core/recipients.ts';

/**
 * Issue 12: "outages cost minutes, not messages". The real App and the real telegraf client against
 * the Telegram emulator, which answers every call with a proxy's 502 page for a while. Before, each
 * job tried 8 times and was dropped (808 requests in 150 s, nobody got the announcement); now the
 * circuit breaker pauses Telegram after a few failures and probes it, and the backlog goes out once
 * it answers again. Cooldowns are scaled down (0.5 s … 4 s instead of 2 s … 60 s) to keep the test short.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const SUBSCRIBERS = 100;
const OUTAGE_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('telegram outage (502 from the edge)', () => {
  it(
    `${SUBSCRIBERS} DM subscribers + 1 announce channel: few requests during the outage, everyone gets the announcement exactly once after it`,
    { timeout: 150_000 },
    async () => {
      h = await startHarness({}, undefined, { breaker: { cooldownMs: 500, maxCooldownMs: 4000 } });
      const { emu } = h;
      const subs = h.app.app.store.namespace('subscriptions');
      const users: number[] = [];
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const id = 700_000 + i;
        emu.addUser({ id, first_name: `Subscriber ${i}`, language_code: 'en' });
        await subs.set<Subscription>(`telegram:${id}`, {
          platform: 'telegram',
          userId: String(id),
          components: [],
          createdAt: new Date().toISOString(),
        });
        users.push(id);
      }
      const recipients = [...users, CHANNEL];
      const sends = (from: number, to = emu.calls.length) => emu.calls.slice(from, to).filter((c) => c.method !== 'getUpdates');

      emu.startOutage(502);
      const outageStart = emu.calls.length;
      await h.incident(outage('edge-1', 'investigating', 'Messages are delayed.'));
      await emu.waitFor(() => h!.app.app.delivery.breaker.state('telegram') !== 'closed', 'the circuit to open', 20_000);
      const metrics = await (await fetch(`${h.app.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/status_relay_circuit_state\{platform="telegram"\} [12]/);
      const ready = (await (await fetch(`${h.app.baseUrl}/readyz`)).json()) as { circuits: Record<string, string> };
      expect(['open', 'half_open']).toContain(ready.circuits.telegram);
      await sleep(OUTAGE_MS);

      const duringOutage = sends(outageStart);
      emu.endOutage();
      const recoveredAt = Date.now();
      const outageEnd = emu.calls.length;
      expect(duringOutage.every((c) => c.status === 502)).toBe(true);
      // 101 recipients × the old 8 attempts would be hundreds; the breaker allows a few plus one probe per cooldown.
      expect(duringOutage.length).toBeGreaterThan(0);
      expect(duringOutage.length).toBeLessThanOrEqual(30);

      const got = (chat: number) => emu.sent(chat).filter((m) => m.text.includes('Messages delayed'));
      await emu.waitFor(() => recipients.every((chat) => got(chat).length >= 1), 'the announcement in all 101 chats', 90_000);
      const lastDeliveryMs = Date.now() - recoveredAt;
      expect(await h.app.app.drained(30_000)).toBe(true);

      for (const chat of recipients) expect(got(chat), `chat ${chat}`).toHaveLength(1);
      const afterRecovery = sends(outageEnd);
      expect(afterRecovery.filter((c) => !c.ok)).toEqual([]);
      expect(afterRecovery.filter((c) => c.method === 'sendMessage')).toHaveLength(recipients.length);
      expect(h.app.app.delivery.breaker.state('telegram')).toBe('closed');
      expect(await h.app.app.outbox.deadLetters.count()).toBe(0);
      console.log(
        `outage figures: ${duringOutage.length} requests during the ${OUTAGE_MS / 1000} s outage (${recipients.length} recipients); last delivery ${(lastDeliveryMs / 1000).toFixed(1)} s after recovery`,
      );
    },
  );
});
