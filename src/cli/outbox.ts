import type { Command } from 'commander';
import { openStore, type Store } from '../storage/store.ts';
import { DeadLetters, type DeadLetter } from '../delivery/dead-letters.ts';

/** `3d4h`, `2h05m`, `4m10s`, `12s`: the age of a message at a glance. */
export const shortAge = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d${h}h`;
  if (h) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
};

const targetOf = (l: DeadLetter): string =>
  `${l.job.target.kind}:${l.job.target.chatId}${l.job.target.threadId ? `/${l.job.target.threadId}` : ''}`;

/** The `outbox list` table, oldest first, with a count line. */
export const deadLetterTable = (letters: readonly DeadLetter[], now = Date.now()): string => {
  if (letters.length === 0) return '0 dead letters';
  const header = ['ID', 'PLATFORM', 'TARGET', 'REASON', 'AGE', 'STORY', 'LAST ERROR'];
  const rows = [...letters]
    .sort((a, b) => a.job.createdAt - b.job.createdAt)
    .map((l) => [
      l.job.id,
      l.job.target.platform,
      targetOf(l),
      `${l.reason} (${l.code})`,
      shortAge(now - l.job.createdAt),
      l.job.story,
      l.error.replace(/\s+/g, ' ').slice(0, 80),
    ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line), `${letters.length} dead letter${letters.length === 1 ? '' : 's'}`].join('\n');
};

const collect = async (dead: DeadLetters): Promise<DeadLetter[]> => {
  const out: DeadLetter[] = [];
  for await (const l of dead.list()) out.push(l);
  return out;
};

/** Re-queues one dead letter (by id or a unique id prefix) or `all`; returns what was re-queued. */
export const retryDeadLetters = async (store: Store, which: string): Promise<DeadLetter[]> => {
  const dead = new DeadLetters(store);
  const letters = which === 'all' ? await collect(dead) : [await dead.find(which)].filter((l): l is DeadLetter => l !== undefined);
  if (which !== 'all' && letters.length === 0) throw new Error(`no dead letter "${which}": \`status-relay outbox list\` shows their ids`);
  for (const l of letters) await dead.retry(l);
  return letters;
};

export const dropDeadLetter = async (store: Store, which: string): Promise<DeadLetter> => {
  const dead = new DeadLetters(store);
  const letter = await dead.find(which);
  if (!letter) throw new Error(`no dead letter "${which}": \`status-relay outbox list\` shows their ids`);
  await dead.drop(letter.job.id);
  return letter;
};

/**
 * `status-relay outbox list|retry <id|all>|drop <id>` (docs/contract.md §8). The CLI works on the store
 * directly, with the bot running or not: a retry is left in `outbox-requeue`, which the leader
 * takes in within seconds (or at its next start).
 */
export const registerOutboxCommands = (program: Command, storeUrl: () => string, fail: (e: unknown) => never): void => {
  const withStore = async (run: (store: Store) => Promise<void>): Promise<void> => {
    const store = await openStore(storeUrl()).catch(fail);
    try {
      await run(store);
    } catch (e) {
      await store.close();
      fail(e);
    }
    await store.close();
  };
  const outbox = program
    .command('outbox')
    .description('dead letters: messages that waited longer than delivery.maxAge or that a platform refused');
  outbox
    .command('list')
    .description('list the dead letters (id, platform, target, reason, age, story)')
    .action(() => withStore(async (store) => console.log(deadLetterTable(await collect(new DeadLetters(store))))));
  outbox
    .command('retry <id>')
    .description(
      'send a dead letter again (an id, a unique id prefix, or `all`); a running bot takes it within seconds, a stopped one at its next start',
    )
    .action((id: string) =>
      withStore(async (store) => {
        const letters = await retryDeadLetters(store, id);
        for (const l of letters) console.log(`re-queued ${l.job.id} (${l.job.target.platform} ${targetOf(l)}, ${l.job.story})`);
        console.log(`${letters.length} dead letter${letters.length === 1 ? '' : 's'} re-queued`);
      }),
    );
  outbox
    .command('drop <id>')
    .description('forget a dead letter for good (an id or a unique id prefix)')
    .action((id: string) =>
      withStore(async (store) => {
        const l = await dropDeadLetter(store, id);
        console.log(`dropped ${l.job.id} (${l.job.target.platform} ${targetOf(l)}, ${l.job.story})`);
      }),
    );
};
