import type { ConsoleOut } from '../../../src/adapters/console/index.ts';

/**
 * The console adapter's "platform": a terminal that keeps every block written to it and can be told
 * to refuse the next write the way a real stdout does — EPIPE when the reader went away
 * (`status-relay demo | head`), EAGAIN when a non-blocking pipe is full
 * (https://nodejs.org/api/errors.html#common-system-errors). Like a stream, it answers asynchronously.
 */
export class ConsoleTerminal implements ConsoleOut {
  /** Every block taken, in order. */
  readonly blocks: string[] = [];
  private readonly refusals: string[] = [];

  /** The next write fails with this Node.js error code. */
  failNext(code: 'EPIPE' | 'EAGAIN' | 'EIO'): void {
    this.refusals.push(code);
  }

  write(text: string, done: (error?: Error | null) => void): boolean {
    const code = this.refusals.shift();
    if (code) {
      setImmediate(() => done(Object.assign(new Error(`write ${code}`), { code, syscall: 'write' })));
      return false;
    }
    this.blocks.push(text);
    setImmediate(() => done());
    return true;
  }

  /** Everything printed. */
  text(): string {
    return this.blocks.join('');
  }
}
