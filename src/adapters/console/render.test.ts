import { describe, expect, it } from 'vitest';
import type { MessageModel } from '../../i18n/message.ts';
import { escapeConsole, renderConsole } from './render.ts';

const message = (title: string, body?: string): MessageModel => ({
  locale: 'en',
  dir: 'ltr',
  severity: 'minor',
  title,
  fields: [],
  advice: [],
  ...(body ? { body } : {}),
});

describe('renderConsole', () => {
  it('frames a message and names where it would go', () => {
    expect(
      renderConsole(
        { platform: 'console', chatId: 'ops', kind: 'channel' },
        message('Messages delayed', 'Looking into it.'),
        'new post #1',
        40,
      ),
    ).toBe(
      [
        `┌─ channel ops · en · new post #1 ${'─'.repeat(6)}`,
        '│ 🟡 Messages delayed',
        '│ ',
        '│ Looking into it.',
        `└${'─'.repeat(39)}`,
      ].join('\n'),
    );
  });

  it('shows control characters as U+FFFD: no ANSI colours, screen clearing, OSC 8 links or carriage returns from a status text', () => {
    const hostile = '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007 \u001b[2J\u001b[31mred\u001b[0m\rover\ttab';
    expect(escapeConsole(hostile)).toBe(
      '\ufffd]8;;https://evil.example\ufffdclick\ufffd]8;;\ufffd \ufffd[2J\ufffd[31mred\ufffd[0m\ufffdover\ttab',
    );
    const block = renderConsole(
      { platform: 'console', chatId: 'ops\u001b[2J', kind: 'dm' },
      message(hostile, `line 1\n${hostile}`),
      'new post #2',
    );
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    expect(block).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(block.split('\n').every((l) => /^(┌─ |│ |└─)/.test(l))).toBe(true);
  });
});
