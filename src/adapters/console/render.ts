import { toPlainText, type MessageModel } from '../../i18n/message.ts';
import type { Target } from '../../core/model.ts';
import { CONSOLE_LIMITS } from './limits.ts';

/**
 * Control characters other than newline and tab: an ESC in a status text could start an ANSI
 * sequence that clears the screen, recolours the frame or plants a hyperlink (OSC 8), a CR could
 * overwrite the line before it (https://invisible-island.net/xterm/ctlseqs/ctlseqs.html).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Untrusted text for a terminal: every control character shown as U+FFFD, so it cannot steer the terminal. */
export const escapeConsole = (s: string): string => s.replace(CONTROL, '\ufffd');

/** How a message looks in the terminal: a framed block naming where it would go. Pure. */
export const renderConsole = (target: Target, message: MessageModel, note: string, width: number = CONSOLE_LIMITS.width): string => {
  const where = escapeConsole(`${target.kind === 'dm' ? 'DM' : 'channel'} ${target.chatId} · ${message.locale}`);
  const head = `┌─ ${where} · ${note} `;
  const lines = escapeConsole(toPlainText(message)).split('\n');
  const body = lines.map((l) => `│ ${l}`);
  return [head + '─'.repeat(Math.max(2, width - Array.from(head).length)), ...body, `└${'─'.repeat(width - 1)}`].join('\n');
};

/** `status-relay preview --platform console`: the block as printed. */
export const previewConsole = (m: MessageModel): string =>
  renderConsole({ platform: 'console', chatId: '#preview', kind: 'channel' }, m, 'preview');
