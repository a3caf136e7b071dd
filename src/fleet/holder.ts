import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a lease, robust to PID reuse: host, pid, a start marker (boot id + the process's start
 * time in clock ticks since boot, from `/proc/<pid>/stat` field 22), then a random suffix. In a
 * container every incarnation is PID 1, and a restarted host hands out the same PIDs again, so a
 * pid alone cannot tell a live holder from a dead one.
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
export interface HolderIdentity {
  readonly host: string;
  readonly pid: number;
  /** `s<boot>.<ticks>`; absent in holders written before it existed. */
  readonly start?: string;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const bootId = (): string => (read('/proc/sys/kernel/random/boot_id') ?? '').trim().replace(/-/g, '').slice(0, 12);

/** Clock ticks since boot at which `pid` started, or undefined off Linux / when it is gone. */
export const processStartTicks = (pid: number | 'self'): string | undefined => {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19];
};

const startMarkerOf = (pid: number | 'self'): string | undefined => {
  const ticks = processStartTicks(pid);
  return ticks === undefined ? undefined : `s${bootId()}.${ticks}`;
};

/** This process's marker; off Linux the wall-clock start time, which at least differs per incarnation. */
const ownStart = startMarkerOf('self') ?? `t${Math.round(Date.now() - process.uptime() * 1000)}`;

export const newHolderId = (): string => `${hostname()}:${process.pid}:${ownStart}:${Math.random().toString(36).slice(2, 8)}`;

export const parseHolder = (holder: string): HolderIdentity | undefined => {
  const parts = holder.split(':');
  if (parts.length >= 4 && /^[st]/.test(parts.at(-2)!)) {
    const pid = Number(parts.at(-3));
    return Number.isInteger(pid) ? { host: parts.slice(0, -3).join(':'), pid, start: parts.at(-2)! } : undefined;
  }
  // host:pid:random, as written before the start marker.
  if (parts.length >= 3) {
    const pid = Number(parts.at(-2));
    return Number.isInteger(pid) ? { host: parts.slice(0, -2).join(':'), pid } : undefined;
  }
  return undefined;
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export type HolderVerdict = 'gone' | 'alive' | 'unknown';

/**
 * Whether the process that wrote `holder` still runs. 'gone' is certain: same host and that pid
 * is dead, is us (a previous incarnation with our pid), or is a different process now (another start
 * time, or another boot). 'unknown': another host, or no way to tell — only the lease's expiry can.
 */
export const judgeHolder = (holder: string, self = newHolderIdentity()): HolderVerdict => {
  const h = parseHolder(holder);
  if (!h || h.host !== self.host) return 'unknown';
  // Our pid: this very process (another part of it holds the lock), or an earlier incarnation.
  if (h.pid === self.pid) return h.start === self.start ? 'alive' : 'gone';
  if (!alive(h.pid)) return 'gone';
  if (h.start === undefined) return 'alive';
  const now = h.start.startsWith('s') ? startMarkerOf(h.pid) : undefined;
  if (now === undefined) return 'alive';
  return now === h.start ? 'alive' : 'gone';
};

const newHolderIdentity = (): HolderIdentity => ({ host: hostname(), pid: process.pid, start: ownStart });
