import { describe, expect, it } from 'vitest';
import { classifyConsoleError } from './errors.ts';
import { CONSOLE_BUSY_RETRY_MS } from './limits.ts';

const systemError = (code: string) => Object.assign(new Error(`write ${code}`), { code, syscall: 'write' });

describe('classifyConsoleError', () => {
  it.each([
    ['EPIPE', { kind: 'target_gone', scope: 'target' }],
    ['ERR_STREAM_DESTROYED', { kind: 'target_gone', scope: 'target' }],
    ['ERR_STREAM_WRITE_AFTER_END', { kind: 'target_gone', scope: 'target' }],
    ['EAGAIN', { kind: 'rate_limited', scope: 'platform', retryAfterMs: CONSOLE_BUSY_RETRY_MS }],
    ['EIO', { kind: 'transient', scope: 'target' }],
  ])('%s → %j', (code, expected) => {
    expect(classifyConsoleError(systemError(code))).toMatchObject({ platform: 'console', code, ...expected });
  });

  it('an error without a code is a transient write failure', () => {
    expect(classifyConsoleError(new Error('boom'))).toMatchObject({ kind: 'transient', code: 'write_failed', message: 'boom' });
  });
});
