import { describe, expect, it } from 'vitest';
import { parseSlashText } from './commands.ts';

describe('parseSlashText: /statusrelay [subcommand] [args…] [share]', () => {
  it.each([
    ['', { sub: 'status', args: [], share: false }],
    ['   ', { sub: 'status', args: [], share: false }],
    ['share', { sub: 'status', args: [], share: true }],
    ['status messaging', { sub: 'status', args: ['messaging'], share: false }],
    ['Status messaging SHARE', { sub: 'status', args: ['messaging'], share: true }],
    ['subscribe messaging calls', { sub: 'subscribe', args: ['messaging', 'calls'], share: false }],
    ['announce on messaging zh-CN', { sub: 'announce', args: ['on', 'messaging', 'zh-CN'], share: false }],
    ['/kpi 7d', { sub: 'kpi', args: ['7d'], share: false }],
    ['kpi\t7d  share', { sub: 'kpi', args: ['7d'], share: true }],
  ])('%j', (text, parsed) => {
    expect(parseSlashText(text)).toEqual(parsed);
  });
});
