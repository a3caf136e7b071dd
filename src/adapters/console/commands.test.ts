import { describe, expect, it } from 'vitest';
import { parseConsoleLine } from './commands.ts';

describe('parseConsoleLine', () => {
  it.each([
    ['/status', { command: '/status', args: [] }],
    ['  /status   messaging  ', { command: '/status', args: ['messaging'] }],
    ['/announce on messaging zh-CN', { command: '/announce', args: ['on', 'messaging', 'zh-CN'] }],
    ['', { command: '', args: [] }],
  ])('%j', (line, parsed) => {
    expect(parseConsoleLine(line)).toEqual(parsed);
  });
});
